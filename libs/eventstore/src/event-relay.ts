import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { Envelope } from '@chronicle/contracts';
import { prepared, type Database, type Queryable } from '@chronicle/database';
import type { BusRecord, EventBus } from '@chronicle/messaging';
import type { EventStore } from './event-store';
import { AdvisoryLockLeadership, SoleLeadership, type RelayLeadership } from './relay-leadership';
import { logStart, type EncodedEvent, type LogCursor } from './stored-event';

export interface RelayOptions {
  /**
   * The largest batch. The relay reads at most `minBatchSize` events at a time while it keeps up
   * and doubles that, up to this, while batches come back full.
   */
  batchSize?: number;
  minBatchSize?: number;
  /** The longest sleep between polls of a drained log; local commits wake the leader sooner. */
  idleMs?: number;
  /** How often a standby asks for leadership. */
  standbyMs?: number;
  /**
   * How replicas agree on one relay per log. `advisory-lock` (default): the relay holding a
   * Postgres session advisory lock publishes, the others stand by and take over when its
   * connection ends. `none`: this process is alone on its database (the embedded mode).
   */
  election?: 'advisory-lock' | 'none';
  /**
   * Rewrites a payload on its way out: what the log keeps for rebuilds but must not leave the
   * service (identity's password hashes) is removed from the published copy only.
   */
  redact?: (eventType: string, payload: Uint8Array) => Uint8Array;
  onError?: (error: unknown) => void;
}

const defaults = { batchSize: 1000, minBatchSize: 100, idleMs: 100, standbyMs: 1000 };
// After a poll that found nothing the relay sleeps this long, doubling while the log stays
// quiet, up to idleMs: a busy log is read again within milliseconds, an idle one costs few queries.
const firstIdleSleepMs = 2;
// Committed events waiting for an older transaction to end are not a quiet log: the relay looks
// again this soon, rather than backing off and adding up to idleMs once that transaction ends.
const heldBackPollMs = 5;

export function topicOf(context: string): string {
  return `chronicle.${context}.events`;
}

/**
 * The bus record of a stored event: its protobuf envelope, keyed by stream. A batch passes one
 * `writer`: it keeps the buffer it grew to, so a record costs one copy of its bytes (a fresh
 * writer per record doubled its way up from 128 bytes each time, half the relay's encoding time).
 */
export function toBusRecord(context: string, stored: EncodedEvent, writer = new BinaryWriter()): BusRecord {
  const envelope: Envelope = {
    position: stored.position,
    streamId: stored.streamId,
    streamVersion: stored.streamVersion,
    eventType: stored.eventType,
    schemaVersion: stored.schemaVersion,
    workspaceId: stored.workspaceId,
    payload: Buffer.from(stored.payload.buffer, stored.payload.byteOffset, stored.payload.byteLength),
    context,
    metadata: {
      actor: stored.metadata.actor,
      correlationId: stored.metadata.correlationId,
      causationId: stored.metadata.causationId ?? '',
      requestId: stored.metadata.requestId ?? '',
      occurredAt: stored.metadata.occurredAt,
      idempotencyKey: stored.metadata.idempotencyKey ?? '',
    },
  };
  const value = Envelope.encode(envelope, writer).finish();
  return { topic: topicOf(context), key: stored.streamId, value, headers: { 'event-type': stored.eventType } };
}

/** What the leader carries from one batch to the next. */
interface Leading {
  connection: Queryable;
  /** Where the next read continues: after the last published event. */
  cursor: LogCursor;
  /** How many events the next read asks for. */
  limit: number;
  /** The batch after the one being published, read while the broker acknowledged it. */
  readAhead: Promise<EncodedEvent[]> | null;
  /** The checkpoint of the last acknowledged batch, written while the next one is published. */
  saving: Promise<void>;
}

/**
 * Tails one service's log in commit order and publishes every event to `chronicle.<context>.events`
 * (key = stream id, so per-stream order holds). The cursor is stored only after the bus
 * acknowledged the batch: a crash re-publishes, never loses (at least once). Any number of
 * replicas may run a relay for one log: one leads and publishes, the others stand by.
 */
export class EventRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly leadership: RelayLeadership;
  /** The leader's state; null while this relay does not lead. */
  private leading: Leading | null = null;

  constructor(
    db: Database,
    private readonly store: EventStore<unknown>,
    private readonly bus: EventBus,
    private readonly options: RelayOptions = {},
  ) {
    this.leadership =
      options.election === 'none' ? new SoleLeadership(db) : new AdvisoryLockLeadership(db, `${store.schema}/${this.checkpointName}`);
    store.onCommitted(() => this.poke());
  }

  get checkpointName(): string {
    return `relay:${this.store.context}`;
  }

  get isLeader(): boolean {
    return this.leading !== null;
  }

  /** Creates the context's topic if needed, then relays (or stands by) until stopped. */
  async start(partitions = 3): Promise<void> {
    if (this.running) return;
    await this.bus.ensureTopics([topicOf(this.store.context)], partitions);
    this.running = true;
    this.loop = this.run();
  }

  /** Skips the leader's idle sleep: called after a local append so in-process latency stays low. */
  poke(): void {
    if (this.leading) this.wake?.();
  }

  /** Stops relaying and gives leadership up, so a standby takes over at once. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.resign();
  }

  /**
   * Publishes one batch if this relay leads (taking the lead if it is free); returns how many
   * events it relayed. After a failure it resigns, as a crashed process would, and whoever leads
   * next resumes from the stored checkpoint.
   */
  async relayOnce(): Promise<number> {
    return (await this.relayBatch()).relayed;
  }

  /** `heldBack`: nothing was readable, but committed events wait behind a running transaction. */
  private async relayBatch(): Promise<{ relayed: number; heldBack: boolean }> {
    const leading = await this.lead();
    if (!leading) return { relayed: 0, heldBack: false };
    try {
      // A read ahead that found nothing ran while the previous batch was published: look again.
      let batch = (await leading.readAhead) ?? [];
      leading.readAhead = null;
      if (batch.length === 0) batch = await this.read(leading, leading.cursor);
      if (batch.length === 0) return { relayed: 0, heldBack: await this.store.hasEventsAfter(leading.cursor, leading.connection) };
      const publishing = this.bus.publish(this.toRecords(batch));
      const last = batch[batch.length - 1];
      const relayed: LogCursor = { transactionId: last.transactionId, position: last.position };
      // Small batches keep each read, encode and publish a short slice of the event loop the
      // service's commands share (long ones hold their transactions open, and every later event
      // waits behind those); a full batch means a backlog, which bigger ones drain.
      leading.limit = batch.length === leading.limit ? Math.min(leading.limit * 2, this.maxBatchSize) : this.minBatchSize;
      // The next batch is read while the broker acknowledges this one; it is published only
      // after this one is acknowledged, so per-stream order holds.
      leading.readAhead = this.read(leading, relayed);
      await publishing;
      await leading.saving;
      leading.saving = this.saveCheckpoint(leading.connection, last);
      leading.cursor = relayed;
      return { relayed: batch.length, heldBack: false };
    } catch (error) {
      await this.resign();
      throw error;
    }
  }

  private get maxBatchSize(): number {
    return this.options.batchSize ?? defaults.batchSize;
  }

  private get minBatchSize(): number {
    return Math.min(this.options.minBatchSize ?? defaults.minBatchSize, this.maxBatchSize);
  }

  private read(leading: Leading, after: LogCursor): Promise<EncodedEvent[]> {
    const reading = this.store.readEncodedAfter(after, leading.limit, leading.connection);
    // Awaited by the next batch; a failure in between (a lost connection) must not count as unhandled.
    reading.catch(() => undefined);
    return reading;
  }

  private toRecords(batch: EncodedEvent[]): BusRecord[] {
    const redact = this.options.redact;
    const published = redact ? batch.map((stored) => ({ ...stored, payload: redact(stored.eventType, stored.payload) })) : batch;
    const writer = new BinaryWriter();
    return published.map((stored) => toBusRecord(this.store.context, stored, writer));
  }

  /** Written while the next batch is published; awaited before the one after it, and on resigning. */
  private saveCheckpoint(connection: Queryable, last: EncodedEvent): Promise<void> {
    const saving = connection
      .query(
        prepared(`INSERT INTO ${this.store.schema}.checkpoints (name, transaction_id, position) VALUES ($1, $2::xid8, $3)
         ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position`),
        [this.checkpointName, last.transactionId, last.position],
      )
      .then(() => undefined);
    saving.catch(() => undefined);
    return saving;
  }

  private async lead(): Promise<Leading | null> {
    if (this.leading) return this.leading;
    const connection = await this.leadership.tryAcquire();
    if (!connection) return null;
    try {
      // Read once on taking the lead: from then on this relay is the checkpoint's only writer.
      const cursor = await this.readCursor(connection);
      this.leading = { connection, cursor, limit: this.minBatchSize, readAhead: null, saving: Promise.resolve() };
      return this.leading;
    } catch (error) {
      await this.leadership.release();
      throw error;
    }
  }

  private async resign(): Promise<void> {
    const saving = this.leading?.saving;
    this.leading = null;
    // That checkpoint is of an acknowledged batch: let it land, so the next leader does not
    // publish the batch again. A failed one only means it will (at least once).
    await saving?.catch(() => undefined);
    await this.leadership.release();
  }

  private async readCursor(q: Queryable): Promise<LogCursor> {
    const [row] = await q.query<{ transaction_id: string; position: string }>(
      `SELECT transaction_id::text AS transaction_id, position FROM ${this.store.schema}.checkpoints WHERE name = $1`,
      [this.checkpointName],
    );
    return row ? { transactionId: row.transaction_id, position: Number(row.position) } : logStart;
  }

  private async run(): Promise<void> {
    const idleMs = this.options.idleMs ?? defaults.idleMs;
    let idleSleepMs = firstIdleSleepMs;
    let backoffMs = 100;
    while (this.running) {
      try {
        const { relayed, heldBack } = await this.relayBatch();
        backoffMs = 100;
        // Straight on after a non-empty batch: under load the next one gathered while this one
        // was published, and any sleep would only add to its lag.
        if (relayed > 0 || heldBack) idleSleepMs = firstIdleSleepMs;
        if (relayed > 0) continue;
        if (!this.leading) await this.sleep(this.options.standbyMs ?? defaults.standbyMs);
        else if (heldBack) await this.sleep(heldBackPollMs);
        else {
          await this.sleep(idleSleepMs);
          idleSleepMs = Math.min(idleSleepMs * 2, idleMs);
        }
      } catch (error) {
        this.options.onError?.(error);
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

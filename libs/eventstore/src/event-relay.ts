import { Envelope } from '@chronicle/contracts';
import type { Database, Queryable } from '@chronicle/database';
import type { BusRecord, EventBus } from '@chronicle/messaging';
import type { EventStore } from './event-store';
import { logStart, type LogCursor, type StoredEvent } from './stored-event';

export interface RelayOptions {
  batchSize?: number;
  /** How long to sleep when the log is drained; local commits wake the relay sooner. */
  idleMs?: number;
  onError?: (error: unknown) => void;
}

const defaultBatchSize = 1000;

export function topicOf(context: string): string {
  return `chronicle.${context}.events`;
}

export function toBusRecord(context: string, stored: StoredEvent<unknown>): BusRecord {
  const envelope = Envelope.encode({
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
  }).finish();
  return { topic: topicOf(context), key: stored.streamId, value: envelope, headers: { 'event-type': stored.eventType } };
}

/**
 * Tails one service's log in commit order and publishes every event to `chronicle.<context>.events`
 * (key = stream id, so per-stream order holds). The cursor is stored only after the bus
 * acknowledged the batch: a crash re-publishes, never loses (at least once).
 */
export class EventRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly db: Database,
    private readonly store: EventStore<unknown>,
    private readonly bus: EventBus,
    private readonly options: RelayOptions = {},
  ) {
    store.onCommitted(() => this.poke());
  }

  get checkpointName(): string {
    return `relay:${this.store.context}`;
  }

  /** Creates the context's topic if needed, then relays until stopped. */
  async start(partitions = 3): Promise<void> {
    if (this.running) return;
    await this.bus.ensureTopics([topicOf(this.store.context)], partitions);
    this.running = true;
    this.loop = this.run();
  }

  /** Skips the idle sleep: called after a local append so in-process latency stays low. */
  poke(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
  }

  /** Publishes one batch; returns how many events it relayed. Run one relay per log. */
  async relayOnce(): Promise<number> {
    const batch = await this.store.readAfter(await this.readCursor(this.db), this.options.batchSize ?? defaultBatchSize);
    if (batch.length === 0) return 0;
    await this.bus.publish(batch.map((stored) => toBusRecord(this.store.context, stored)));
    const last = batch[batch.length - 1];
    await this.db.query(
      `INSERT INTO ${this.store.schema}.checkpoints (name, transaction_id, position) VALUES ($1, $2::xid8, $3)
       ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position`,
      [this.checkpointName, last.transactionId, last.position],
    );
    return batch.length;
  }

  private async readCursor(tx: Queryable): Promise<LogCursor> {
    const [row] = await tx.query<{ transaction_id: string; position: string }>(
      `SELECT transaction_id::text AS transaction_id, position FROM ${this.store.schema}.checkpoints WHERE name = $1`,
      [this.checkpointName],
    );
    return row ? { transactionId: row.transaction_id, position: Number(row.position) } : logStart;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? defaultBatchSize;
    let backoffMs = 100;
    while (this.running) {
      try {
        const relayed = await this.relayOnce();
        backoffMs = 100;
        if (relayed < batchSize) await this.sleep(this.options.idleMs ?? 100);
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

import { Envelope, type EventCodec } from '@chronicle/contracts';
import type { Database } from '@chronicle/database';
import type { DeliveredRecord, EventBus, Subscription } from '@chronicle/messaging';
import { liveTables, type Projection } from './projection';
import type { StoredEvent } from './stored-event';

/** Decodes a bus record back into a stored event of the given context. */
export function fromBusRecord<E>(record: DeliveredRecord, codec: EventCodec<E>): StoredEvent<E> {
  const envelope = Envelope.decode(record.value);
  const metadata = envelope.metadata;
  return {
    position: envelope.position,
    transactionId: '',
    workspaceId: envelope.workspaceId,
    streamId: envelope.streamId,
    streamVersion: envelope.streamVersion,
    schemaVersion: envelope.schemaVersion,
    eventType: envelope.eventType,
    event: codec.decode(envelope.eventType, envelope.payload),
    payload: envelope.payload,
    metadata: {
      actor: metadata?.actor ?? '',
      correlationId: metadata?.correlationId ?? '',
      causationId: metadata?.causationId || undefined,
      requestId: metadata?.requestId || undefined,
      occurredAt: metadata?.occurredAt ?? 0,
      idempotencyKey: metadata?.idempotencyKey || undefined,
    },
  };
}

/**
 * Feeds a projection from the bus. Each event is applied in one transaction together with the
 * stream version it reached, so a redelivered (or re-relayed) event is skipped: exactly-once
 * effects over at-least-once delivery.
 */
export class ProjectionConsumer<E> {
  private subscription: Subscription | null = null;

  constructor(
    private readonly db: Database,
    /** The consumer's own schema, holding `consumer_offsets` and the projection's tables. */
    private readonly schema: string,
    private readonly projection: Projection<E>,
    private readonly codec: EventCodec<E>,
    private readonly bus: EventBus,
    private readonly topics: string[],
  ) {}

  get name(): string {
    return `${this.projection.name}.v${this.projection.version}`;
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({ groupId: this.name, topics: this.topics, fromBeginning: true }, (record) =>
      this.handle(record),
    );
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }

  async handle(record: DeliveredRecord): Promise<void> {
    if (!this.reads(record)) return;
    const stored = fromBusRecord(record, this.codec);
    await this.db.transaction(async (tx) => {
      const [seen] = await tx.query<{ stream_version: string }>(
        `SELECT stream_version FROM ${this.schema}.consumer_offsets WHERE consumer = $1 AND workspace_id = $2 AND stream_id = $3 FOR UPDATE`,
        [this.name, stored.workspaceId, stored.streamId],
      );
      if (seen && Number(seen.stream_version) >= stored.streamVersion) return;
      await this.projection.apply([stored], tx, liveTables(this.schema, this.projection));
      await tx.query(
        `INSERT INTO ${this.schema}.consumer_offsets (consumer, workspace_id, stream_id, stream_version) VALUES ($1, $2, $3, $4)
         ON CONFLICT (consumer, workspace_id, stream_id) DO UPDATE SET stream_version = EXCLUDED.stream_version`,
        [this.name, stored.workspaceId, stored.streamId, stored.streamVersion],
      );
    });
  }

  /**
   * Whether the projection acts on this record's event type. Skipping the others writes no offset:
   * redelivering one is as harmless as the skip, and the stream's next event still compares with
   * the version of the last one applied.
   */
  private reads(record: DeliveredRecord): boolean {
    const { reads } = this.projection;
    const eventType = record.headers?.['event-type'];
    return reads === undefined || eventType === undefined || reads.includes(this.codec.typeOf(eventType));
  }
}

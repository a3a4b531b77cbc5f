import type { EventCodec } from '@chronicle/contracts';
import type { Database, Queryable } from '@chronicle/database';
import { EventStore, type EventMetadata, type LogCursor, type StoredEvent } from '@chronicle/eventstore';

interface EventRow {
  position: string;
  transaction_id: string;
  workspace_id: string;
  stream_id: string;
  stream_version: string;
  event_type: string;
  schema_version: number;
  payload: Buffer;
  metadata: EventMetadata;
}

/**
 * The library's EventStore with one change to readAfter, so the bench can show what the fix is
 * worth without editing the library: EventStore.readAfter selects `transaction_id::text AS
 * transaction_id` and then says `ORDER BY transaction_id, position`, which Postgres resolves to the
 * text output column. That sorts xids as strings ('1000' < '999': a batch boundary across a digit
 * boundary skips events) and cannot use events_commit_order_idx (a seq scan + sort of every row
 * after the cursor on each poll). Qualifying the columns orders by xid8 on the index.
 */
export class CommitOrderEventStore<E> extends EventStore<E> {
  constructor(
    private readonly database: Database,
    schema: string,
    private readonly eventCodec: EventCodec<E>,
  ) {
    super(database, schema, eventCodec);
  }

  override async readAfter(cursor: LogCursor, limit: number, q: Queryable = this.database, quiesced = false): Promise<StoredEvent<E>[]> {
    const visible = quiesced ? '' : 'AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
    const rows = await q.query<EventRow>(
      `SELECT e.position, e.transaction_id::text AS transaction_id, e.workspace_id, e.stream_id, e.stream_version, e.event_type,
              e.schema_version, e.payload, e.metadata
       FROM ${this.schema}.events e
       WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint) ${visible}
       ORDER BY e.transaction_id, e.position LIMIT $3`,
      [cursor.transactionId, cursor.position, limit],
    );
    return rows.map((row) => {
      const payload = new Uint8Array(row.payload);
      return {
        position: Number(row.position),
        transactionId: row.transaction_id,
        workspaceId: row.workspace_id,
        streamId: row.stream_id,
        streamVersion: Number(row.stream_version),
        schemaVersion: row.schema_version,
        eventType: row.event_type,
        event: this.eventCodec.decode(row.event_type, payload),
        payload,
        metadata: row.metadata,
      };
    });
  }
}

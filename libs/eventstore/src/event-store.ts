import type { EventCodec } from '@chronicle/contracts';
import { Database, isUniqueViolation, prepared, type Queryable } from '@chronicle/database';
import { ConcurrencyError } from '@chronicle/errors';
import type { Decider } from './decider';
import { liveTables, type Projection } from './projection';
import { assertIdentifier } from './sql-identifier';
import type { EncodedEvent, EventMetadata, LogCursor, StoredEvent } from './stored-event';

/** `0`: the stream must not exist yet; a number: its current version; `'any'`: no check. */
export type ExpectedVersion = number | 'any';

export interface AppendRequest<E> {
  workspaceId: string;
  streamId: string;
  expectedVersion: ExpectedVersion;
  events: E[];
  metadata: EventMetadata;
}

export interface CommandRequest<E, S, R> {
  workspaceId: string;
  streamId: string;
  metadata: EventMetadata;
  decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>;
  /** Decides the new events from the loaded state; may read more state through `tx`. */
  decide(state: S, tx: Queryable): Promise<E[]> | E[];
  /** The value returned to the caller, and replayed for a retried idempotency key. */
  result(state: S, events: StoredEvent<E>[]): R;
}

export interface CommandResult<R> {
  result: R;
  /** Position of the last appended event, so a caller can wait for cross-service projections. */
  position: number | null;
  /** True when an earlier command with the same idempotency key already did the work. */
  replayed: boolean;
}

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

// Qualified: ORDER BY must see the xid8 column, not its text alias ('1000' < '999' as text).
const eventColumns =
  'e.position, e.transaction_id::text AS transaction_id, e.workspace_id, e.stream_id, e.stream_version, e.event_type, e.schema_version, e.payload, e.metadata';
const maxConcurrencyRetries = 5;

// The oldest running transaction that could still append to this log, or the snapshot's xmax.
// Snapshots list running transactions of the whole cluster; one whose backend is connected to
// another database cannot write here, so it need not hold the relay back (a long one elsewhere
// used to stall it for as long as it ran). A transaction of this database counts as soon as it
// holds an id, appended or not. pg_stat_activity shows 32-bit ids: compare the low half.
const appendHorizon = `
  SELECT coalesce(min(running.xid), pg_snapshot_xmax(pg_current_snapshot()))
  FROM pg_snapshot_xip(pg_current_snapshot()) AS running(xid)
  WHERE NOT EXISTS (
    SELECT FROM pg_stat_activity a
    WHERE a.datname <> current_database() AND a.backend_xid::text::bigint = running.xid::text::bigint & 4294967295)`;

/**
 * One service's append-only event log in Postgres, with optimistic concurrency, idempotent
 * commands, snapshots of stream state and inline projections updated in the append transaction.
 */
export class EventStore<E> {
  private readonly events: string;
  private readonly committedListeners: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    readonly schema: string,
    private readonly codec: EventCodec<E>,
    private readonly inlineProjections: Projection<E>[] = [],
  ) {
    this.events = `${assertIdentifier(schema)}.events`;
  }

  get context(): string {
    return this.codec.context;
  }

  /** Called after every command that appended events commits (the relay wakes up on it). */
  onCommitted(listener: () => void): void {
    this.committedListeners.push(listener);
  }

  /** Appends a batch of events to one stream atomically; ConcurrencyError when the version moved. */
  async append(tx: Queryable, request: AppendRequest<E>): Promise<StoredEvent<E>[]> {
    return this.appendAndSnapshot(tx, request, null);
  }

  /**
   * Appends, and when `snapshot` is given stores it as the stream's state after these events, in
   * the same statement: a command pays one round trip for both.
   */
  private async appendAndSnapshot(tx: Queryable, request: AppendRequest<E>, snapshot: { state: unknown } | null): Promise<StoredEvent<E>[]> {
    if (request.events.length === 0) return [];
    const current =
      request.expectedVersion === 'any' ? await this.streamVersion(tx, request.workspaceId, request.streamId) : request.expectedVersion;
    const encoded = request.events.map((event) => this.codec.encode(event));
    const storesSnapshot = snapshot !== null;
    try {
      const rows = await tx.query<{ position: string; transaction_id: string }>(
        prepared(`WITH appended AS (
           INSERT INTO ${this.events} (workspace_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
           SELECT $1, $2, $3::bigint + u.ord, u.event_type, 1, u.payload, $6::jsonb
           FROM unnest($4::text[], $5::bytea[]) WITH ORDINALITY AS u(event_type, payload, ord)
           ORDER BY u.ord
           RETURNING position, transaction_id
         ), snapshot AS (
           INSERT INTO ${this.schema}.snapshots (workspace_id, stream_id, version, state)
           SELECT $1, $2, $3::bigint + cardinality($4::text[]), $8::jsonb WHERE $7::boolean
           ON CONFLICT (workspace_id, stream_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state
         )
         SELECT position, transaction_id::text AS transaction_id FROM appended ORDER BY position`),
        [
          request.workspaceId,
          request.streamId,
          current,
          encoded.map((e) => e.eventType),
          encoded.map((e) => Buffer.from(e.payload)),
          JSON.stringify(request.metadata),
          storesSnapshot,
          storesSnapshot ? JSON.stringify(snapshot.state) : null,
        ],
      );
      return rows.map((row, i) => ({
        position: Number(row.position),
        transactionId: row.transaction_id,
        workspaceId: request.workspaceId,
        streamId: request.streamId,
        streamVersion: current + i + 1,
        schemaVersion: 1,
        eventType: encoded[i].eventType,
        event: request.events[i],
        payload: encoded[i].payload,
        metadata: request.metadata,
      }));
    } catch (error) {
      if (isUniqueViolation(error, 'events_stream_version_key')) throw new ConcurrencyError(request.streamId, current);
      throw error;
    }
  }

  async streamVersion(q: Queryable, workspaceId: string, streamId: string): Promise<number> {
    const [row] = await q.query<{ version: string | null }>(
      `SELECT max(stream_version) AS version FROM ${this.events} WHERE workspace_id = $1 AND stream_id = $2`,
      [workspaceId, streamId],
    );
    return Number(row?.version ?? 0);
  }

  /** The current version of each stream (0 for one without events), in one statement: an index probe per stream. */
  async streamVersions(q: Queryable, workspaceId: string, streamIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await q.query<{ stream_id: string; version: string | null }>(
      `SELECT s.stream_id, (SELECT max(stream_version) FROM ${this.events} e WHERE e.workspace_id = $1 AND e.stream_id = s.stream_id) AS version
       FROM unnest($2::text[]) AS s(stream_id)`,
      [workspaceId, streamIds],
    );
    return new Map(rows.map((r) => [r.stream_id, Number(r.version ?? 0)]));
  }

  async readStream(workspaceId: string, streamId: string, afterVersion = 0, q: Queryable = this.db): Promise<StoredEvent<E>[]> {
    const rows = await q.query<EventRow>(
      `SELECT ${eventColumns} FROM ${this.events} e
       WHERE e.workspace_id = $1 AND e.stream_id = $2 AND e.stream_version > $3 ORDER BY e.stream_version`,
      [workspaceId, streamId, afterVersion],
    );
    return rows.map((row) => this.decode(row));
  }

  /**
   * Reads events after `cursor` in commit order. Only transactions older than every running one
   * of this database are read, so nothing that commits later with a smaller position can be
   * skipped. A caller that holds a lock excluding appenders passes `quiesced` to read up to the end.
   */
  async readAfter(cursor: LogCursor, limit: number, q: Queryable = this.db, quiesced = false): Promise<StoredEvent<E>[]> {
    const encoded = await this.readEncodedAfter(cursor, limit, q, quiesced);
    return encoded.map((stored) => ({ ...stored, event: this.codec.decode(stored.eventType, stored.payload) }));
  }

  /** `readAfter` without decoding the payloads, for the relay, which forwards them as stored. */
  async readEncodedAfter(cursor: LogCursor, limit: number, q: Queryable = this.db, quiesced = false): Promise<EncodedEvent[]> {
    const visible = quiesced ? '' : `AND e.transaction_id < (${appendHorizon})`;
    const rows = await q.query<EventRow>(
      prepared(`SELECT ${eventColumns} FROM ${this.events} e
       WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint) ${visible}
       ORDER BY e.transaction_id, e.position LIMIT $3`),
      [cursor.transactionId, cursor.position, limit],
    );
    return rows.map(encodedEvent);
  }

  /** Whether any committed event follows `cursor`, readable yet or still behind a running transaction. */
  async hasEventsAfter(cursor: LogCursor, q: Queryable = this.db): Promise<boolean> {
    // Ordered and limited as the index is: once prepared, Postgres plans this query without the
    // cursor's values, and an unordered EXISTS then scanned the whole log on every idle poll.
    const rows = await q.query(
      prepared(`SELECT FROM ${this.events} e WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint)
       ORDER BY e.transaction_id, e.position LIMIT 1`),
      [cursor.transactionId, cursor.position],
    );
    return rows.length > 0;
  }

  /** Loads a stream's state from its snapshot plus any later events, in one query. */
  async load<S>(q: Queryable, workspaceId: string, streamId: string, decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>) {
    const rows = await q.query<{ snapshot_version: string | null; snapshot_state: S | null } & Partial<EventRow>>(
      prepared(`SELECT s.version AS snapshot_version, s.state AS snapshot_state, ${eventColumns}
       FROM (SELECT) AS stream
       LEFT JOIN ${this.schema}.snapshots s ON s.workspace_id = $1 AND s.stream_id = $2
       LEFT JOIN ${this.events} e ON e.workspace_id = $1 AND e.stream_id = $2 AND e.stream_version > coalesce(s.version, 0)
       ORDER BY e.stream_version`),
      [workspaceId, streamId],
    );
    const [first] = rows;
    let state = first.snapshot_version === null ? decider.initialState : (first.snapshot_state as S);
    let version = Number(first.snapshot_version ?? 0);
    for (const row of rows) {
      if (row.position === null || row.position === undefined) continue;
      const stored = this.decode(row as EventRow);
      state = decider.evolve(state, stored.event);
      version = stored.streamVersion;
    }
    return { state, version };
  }

  /**
   * Runs one command: load state, decide, append, snapshot, inline projections and idempotency
   * record in one transaction. Retried from scratch when another writer moved the stream.
   */
  async execute<S, R>(request: CommandRequest<E, S, R>): Promise<CommandResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.db.transaction((tx) => this.executeOnce(tx, request));
        if (outcome.position !== null && !outcome.replayed) this.committedListeners.forEach((listener) => listener());
        return outcome;
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= maxConcurrencyRetries) throw error;
      }
    }
  }

  private async executeOnce<S, R>(tx: Queryable, request: CommandRequest<E, S, R>): Promise<CommandResult<R>> {
    const { workspaceId, streamId, metadata } = request;
    const key = metadata.idempotencyKey;
    // Commands on one stream queue here instead of failing each other's optimistic check:
    // clients such as MLflow's log concurrently to one run and expect every write to land.
    // Queued before its first write: the log is read in transaction-id order, and a command that
    // took its id (by claiming its key) before queueing would be read before the stream's holder.
    await tx.query(prepared('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))'), [`${this.schema}/${workspaceId}/${streamId}`]);
    if (key) {
      // A concurrent duplicate blocks on this row until the first commits, then sees it.
      const claimed = await tx.query(
        `INSERT INTO ${this.schema}.idempotency_keys (workspace_id, key, result) VALUES ($1, $2, 'null')
         ON CONFLICT DO NOTHING RETURNING key`,
        [workspaceId, key],
      );
      if (claimed.length === 0) {
        const [previous] = await tx.query<{ result: { result: R; position: number | null } }>(
          `SELECT result FROM ${this.schema}.idempotency_keys WHERE workspace_id = $1 AND key = $2`,
          [workspaceId, key],
        );
        return { ...previous.result, replayed: true };
      }
    }
    const loaded = await this.load(tx, workspaceId, streamId, request.decider);
    const events = await request.decide(loaded.state, tx);
    const state = events.reduce(request.decider.evolve, loaded.state);
    const stored = await this.appendAndSnapshot(tx, { workspaceId, streamId, expectedVersion: loaded.version, events, metadata }, { state });
    if (stored.length > 0) await this.project(tx, stored);
    const outcome = { result: request.result(state, stored), position: stored.at(-1)?.position ?? null };
    if (key) {
      await tx.query(`UPDATE ${this.schema}.idempotency_keys SET result = $3 WHERE workspace_id = $1 AND key = $2`, [
        workspaceId,
        key,
        JSON.stringify(outcome),
      ]);
    }
    return { ...outcome, replayed: false };
  }

  /** Applies freshly appended events to the inline projections, inside the append transaction. */
  async project(tx: Queryable, stored: StoredEvent<E>[]): Promise<void> {
    for (const projection of this.inlineProjections) {
      await projection.apply(stored, tx, liveTables(this.schema, projection));
    }
  }

  private decode(row: EventRow): StoredEvent<E> {
    const stored = encodedEvent(row);
    return { ...stored, event: this.codec.decode(row.event_type, stored.payload) };
  }
}

function encodedEvent(row: EventRow): EncodedEvent {
  return {
    position: Number(row.position),
    transactionId: row.transaction_id,
    workspaceId: row.workspace_id,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    schemaVersion: row.schema_version,
    eventType: row.event_type,
    payload: new Uint8Array(row.payload),
    metadata: row.metadata,
  };
}

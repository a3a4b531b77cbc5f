import { trackingEvents, type TrackingEvent } from '@chronicle/contracts';
import { DatabaseSession, type Queryable } from '@chronicle/database';
import { ConcurrencyError } from '@chronicle/errors';
import { databaseUrl, freshSchema, randomId, tagsSet, testMetadata, waitFor, type FreshSchema } from '@chronicle/testing';
import { EventStore } from './event-store';
import { logStart } from './stored-event';

jest.setTimeout(60_000);

describe('EventStore (Postgres)', () => {
  let fresh: FreshSchema;
  let store: EventStore<TrackingEvent>;

  beforeAll(async () => {
    fresh = await freshSchema();
    store = new EventStore(fresh.db, fresh.schema, trackingEvents);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  /** Resolves once `count` callers have arrived, so both transactions are open before either appends. */
  function barrier(count: number): () => Promise<void> {
    let arrived = 0;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    return () => {
      arrived += 1;
      if (arrived === count) release();
      return all;
    };
  }

  describe('reading in commit order', () => {
    it('orders by transaction id as a number, not as text (999 before 1000)', async () => {
      const workspaceId = randomId('ws');
      const { eventType, payload } = trackingEvents.encode(tagsSet('s', 'x'));
      // Old transaction ids, inserted explicitly: both are below every running transaction.
      for (const [transactionId, streamId] of [['1000', 'later'], ['999', 'earlier']]) {
        await fresh.db.query(
          `INSERT INTO ${fresh.schema}.events (transaction_id, workspace_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
           VALUES ($1::xid8, $2, $3, 1, $4, 1, $5, '{}')`,
          [transactionId, workspaceId, `${streamId}-${workspaceId}`, eventType, Buffer.from(payload)],
        );
      }
      const first = await store.readAfter({ transactionId: '998', position: 0 }, 1);
      expect(first.map((e) => e.transactionId)).toEqual(['999']);
      const next = await store.readAfter({ transactionId: first[0].transactionId, position: first[0].position }, 1);
      expect(next.map((e) => e.transactionId)).toEqual(['1000']);
    });
    /** A transaction that holds a transaction id (without writing anything) until released. */
    async function openTransaction(url: string) {
      const session = await DatabaseSession.open(url);
      await session.query('BEGIN');
      await session.query('SELECT pg_current_xact_id()');
      return {
        session,
        close: async () => {
          await session.query('ROLLBACK');
          await session.close();
        },
      };
    }

    async function appendOne(workspaceId: string, q: Queryable = fresh.db) {
      const streamId = randomId('run');
      const write = (tx: Queryable) => store.append(tx, { workspaceId, streamId, expectedVersion: 0, events: [tagsSet(streamId, 'x')], metadata: testMetadata() });
      return q === fresh.db ? fresh.db.transaction(write) : write(q);
    }

    const readWorkspace = async (workspaceId: string) => (await store.readAfter(logStart, 100_000)).filter((e) => e.workspaceId === workspaceId);

    it('waits for a running transaction of this database that holds an id, even before it appends', async () => {
      const workspaceId = randomId('ws');
      const open = await openTransaction(databaseUrl);
      try {
        const [later] = await appendOne(workspaceId);
        expect(await readWorkspace(workspaceId)).toEqual([]);
        const [earlier] = await appendOne(workspaceId, open.session);
        await open.session.query('COMMIT');
        expect((await readWorkspace(workspaceId)).map((e) => e.position)).toEqual([earlier.position, later.position]);
      } finally {
        await open.session.close();
      }
    });

    it('tells committed events held back by a running transaction from a drained log', async () => {
      const everything = await store.readAfter(logStart, 1_000_000, fresh.db, true);
      const last = everything.at(-1)!;
      const end = { transactionId: last.transactionId, position: last.position };
      expect(await store.hasEventsAfter(end)).toBe(false);
      const open = await openTransaction(databaseUrl);
      try {
        await appendOne(randomId('ws'));
        expect(await store.readAfter(end, 10)).toEqual([]);
        expect(await store.hasEventsAfter(end)).toBe(true);
      } finally {
        await open.close();
      }
    });

    it('reads past a running transaction of another database, which cannot append to this log', async () => {
      const workspaceId = randomId('ws');
      const otherDatabase = new URL(databaseUrl);
      otherDatabase.pathname = '/postgres';
      const open = await openTransaction(otherDatabase.toString());
      try {
        const [appended] = await appendOne(workspaceId);
        expect((await readWorkspace(workspaceId)).map((e) => e.position)).toEqual([appended.position]);
      } finally {
        await open.close();
      }
    });
  });

  describe('optimistic concurrency', () => {
    it('lets exactly one of two concurrent appends at the same expected version win', async () => {
      const workspaceId = randomId('ws');
      const streamId = randomId('run');
      await fresh.db.transaction((tx) =>
        store.append(tx, { workspaceId, streamId, expectedVersion: 0, events: [tagsSet(streamId, 'base')], metadata: testMetadata() }),
      );
      const bothOpen = barrier(2);
      const attempt = (writer: string) =>
        fresh.db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          await bothOpen();
          return store.append(tx, {
            workspaceId,
            streamId,
            expectedVersion: 1,
            events: [tagsSet(streamId, `${writer}-1`), tagsSet(streamId, `${writer}-2`)],
            metadata: testMetadata({ actor: writer }),
          });
        });

      const outcomes = await Promise.allSettled([attempt('a'), attempt('b')]);

      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toBeInstanceOf(ConcurrencyError);
      expect(lost[0].reason).toMatchObject({ streamId, expectedVersion: 1 });
      const winner = outcomes[0].status === 'fulfilled' ? 'a' : 'b';
      const events = await store.readStream(workspaceId, streamId);
      expect(events.map((e) => [e.streamVersion, e.metadata.actor, e.event])).toEqual([
        [1, 'test', tagsSet(streamId, 'base')],
        [2, winner, tagsSet(streamId, `${winner}-1`)],
        [3, winner, tagsSet(streamId, `${winner}-2`)],
      ]);
    });

    it('rejects an append at a stale expected version and one creating an existing stream', async () => {
      const workspaceId = randomId('ws');
      const streamId = randomId('run');
      const append = (expectedVersion: number, value: string) =>
        fresh.db.transaction((tx) => store.append(tx, { workspaceId, streamId, expectedVersion, events: [tagsSet(streamId, value)], metadata: testMetadata() }));
      await append(0, 'one');
      await append(1, 'two');
      await expect(append(0, 'again')).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(append(1, 'stale')).rejects.toBeInstanceOf(ConcurrencyError);
      expect((await store.readStream(workspaceId, streamId)).map((e) => e.event)).toEqual([tagsSet(streamId, 'one'), tagsSet(streamId, 'two')]);
    });

    it('reads the current version of many streams in one statement: 0 for an unknown one, and only within the workspace', async () => {
      const workspaceId = randomId('ws');
      const [a, b, unknown] = [randomId('run'), randomId('run'), randomId('run')];
      const append = (streamId: string, expectedVersion: number) =>
        fresh.db.transaction((tx) => store.append(tx, { workspaceId, streamId, expectedVersion, events: [tagsSet(streamId, 'v')], metadata: testMetadata() }));
      await append(a, 0);
      await append(a, 1);
      await append(b, 0);
      expect(await store.streamVersions(fresh.db, workspaceId, [a, b, unknown])).toEqual(new Map([[a, 2], [b, 1], [unknown, 0]]));
      expect(await store.streamVersions(fresh.db, randomId('ws'), [a])).toEqual(new Map([[a, 0]]));
    });
  });

  describe('append-only log', () => {
    let workspaceId: string;
    let streamId: string;

    beforeEach(async () => {
      workspaceId = randomId('ws');
      streamId = randomId('run');
      await fresh.db.transaction((tx) =>
        store.append(tx, { workspaceId, streamId, expectedVersion: 0, events: [tagsSet(streamId, 'kept')], metadata: testMetadata() }),
      );
    });

    afterEach(async () => {
      // The row is untouched whatever was tried.
      const events = await store.readStream(workspaceId, streamId);
      expect(events.map((e) => e.event)).toEqual([tagsSet(streamId, 'kept')]);
    });

    const attempts: [string, (events: string) => string][] = [
      ['UPDATE', (events) => `UPDATE ${events} SET event_type = 'x' WHERE workspace_id = $1`],
      ['DELETE', (events) => `DELETE FROM ${events} WHERE workspace_id = $1`],
      ['TRUNCATE', (events) => `TRUNCATE ${events}`],
    ];
    it.each(attempts)('refuses %s on the events table', async (op, sql) => {
      const text = sql(`${fresh.schema}.events`);
      const run = (q: Queryable) => q.query(text, op === 'TRUNCATE' ? [] : [workspaceId]);
      await expect(fresh.db.transaction(run)).rejects.toThrow(`the event log is append-only: ${op} is not allowed`);
    });
  });

  describe('idempotent commands', () => {
    interface Count {
      events: number;
    }
    const decider = { initialState: { events: 0 } as Count, evolve: (state: Count) => ({ events: state.events + 1 }) };

    function command(workspaceId: string, streamId: string, key: string, value: string) {
      return {
        workspaceId,
        streamId,
        metadata: testMetadata({ idempotencyKey: key }),
        decider,
        decide: () => [tagsSet(streamId, value)],
        result: (state: Count) => ({ events: state.events, value }),
      };
    }

    it('replays the first result for a repeated idempotency key and appends nothing', async () => {
      const workspaceId = randomId('ws');
      const streamId = randomId('run');
      const key = randomId('key');

      const first = await store.execute(command(workspaceId, streamId, key, 'first'));
      const second = await store.execute(command(workspaceId, streamId, key, 'second'));

      expect(first).toEqual({ result: { events: 1, value: 'first' }, position: expect.any(Number), replayed: false });
      expect(second).toEqual({ result: first.result, position: first.position, replayed: true });
      const events = await store.readStream(workspaceId, streamId);
      expect(events.map((e) => e.event)).toEqual([tagsSet(streamId, 'first')]);
      expect(events[0].position).toBe(first.position);

      // Another key still runs the command.
      const third = await store.execute(command(workspaceId, streamId, randomId('key'), 'third'));
      expect(third).toMatchObject({ result: { events: 2, value: 'third' }, replayed: false });
    });

    it('appends once for two concurrent executes with the same key', async () => {
      const workspaceId = randomId('ws');
      const streamId = randomId('run');
      const key = randomId('key');

      const results = await Promise.all([
        store.execute(command(workspaceId, streamId, key, 'a')),
        store.execute(command(workspaceId, streamId, key, 'b')),
      ]);

      expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
      const original = results.find((r) => !r.replayed)!;
      const replay = results.find((r) => r.replayed)!;
      expect(replay.result).toEqual(original.result);
      expect(replay.position).toBe(original.position);
      const events = await store.readStream(workspaceId, streamId);
      expect(events).toHaveLength(1);
      expect(events[0].event).toEqual(tagsSet(streamId, original.result.value));
    });

    it('keeps idempotency keys per workspace', async () => {
      const key = randomId('key');
      const streamId = randomId('run');
      const a = await store.execute(command(randomId('ws'), streamId, key, 'a'));
      const b = await store.execute(command(randomId('ws'), streamId, key, 'b'));
      expect([a.replayed, b.replayed]).toEqual([false, false]);
    });
  });

  describe('concurrent commands on one stream', () => {
    it('queues them so every one lands, as MLflow clients logging to one run expect', async () => {
      const workspaceId = randomId('ws');
      const streamId = randomId('run');
      const decider = { initialState: null, evolve: (state: null) => state };
      const writers = 24;
      const outcomes = await Promise.allSettled(
        Array.from({ length: writers }, (_, i) =>
          store.execute({
            workspaceId,
            streamId,
            metadata: testMetadata(),
            decider,
            decide: () => [tagsSet(streamId, `w${i}`)],
            result: () => i,
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      const events = await store.readStream(workspaceId, streamId);
      expect(events.map((e) => e.streamVersion)).toEqual([...Array(writers).keys()].map((i) => i + 1));
    });

    it("keeps a stream's versions in commit order when a queued command carries an idempotency key", async () => {
      // The log is read in transaction-id order. A command that took its transaction id (by
      // claiming its idempotency key) before queueing behind the stream's holder would be read
      // before the holder's events although it appends after them.
      const workspaceId = randomId('ws');
      const streamId = randomId('run');
      const decider = { initialState: null, evolve: (state: null) => state };
      let releaseHolder!: () => void;
      const holderMayAppend = new Promise<void>((resolve) => (releaseHolder = resolve));
      let holderHasLock!: () => void;
      const holding = new Promise<void>((resolve) => (holderHasLock = resolve));
      const holder = store.execute({
        workspaceId,
        streamId,
        metadata: testMetadata(),
        decider,
        decide: async () => {
          holderHasLock();
          await holderMayAppend;
          return [tagsSet(streamId, 'first')];
        },
        result: () => null,
      });
      await holding;
      const queued = store.execute({
        workspaceId,
        streamId,
        metadata: testMetadata({ idempotencyKey: randomId('key') }),
        decider,
        decide: () => [tagsSet(streamId, 'second')],
        result: () => null,
      });
      const lockKey = `${fresh.schema}/${workspaceId}/${streamId}`;
      await waitFor('the queued command to wait for the stream lock', async () => {
        const [row] = await fresh.db.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_locks
           WHERE locktype = 'advisory' AND NOT granted AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
          [lockKey],
        );
        return row.waiting === 1;
      });
      releaseHolder();
      await Promise.all([holder, queued]);

      const read = (await store.readAfter(logStart, 100_000)).filter((e) => e.streamId === streamId);
      expect(read.map((e) => e.streamVersion)).toEqual([1, 2]);
    });
  });
});

describe('EventStore reads of a long log (Postgres)', () => {
  let fresh: FreshSchema;
  let store: EventStore<TrackingEvent>;

  beforeAll(async () => {
    fresh = await freshSchema();
    store = new EventStore(fresh.db, fresh.schema, trackingEvents);
    const { eventType, payload } = trackingEvents.encode(tagsSet('s', 'x'));
    await fresh.db.query(
      `INSERT INTO ${fresh.schema}.events (transaction_id, workspace_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
       SELECT '5'::xid8, 'ws', 'stream-' || g, 1, $1, 1, $2, '{}' FROM generate_series(1, 50000) AS g`,
      [eventType, Buffer.from(payload)],
    );
    await fresh.db.query(`ANALYZE ${fresh.schema}.events`);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  // The relay asks this between polls of a drained log, through a prepared statement, whose generic
  // plan does not know the cursor: it must still be an index read, not a scan of the whole log.
  it('checks for events after a cursor on the commit-order index, even when planned without the cursor', async () => {
    const session = await DatabaseSession.open(databaseUrl, true);
    try {
      await session.query(`SET plan_cache_mode = force_generic_plan`);
      const end = { transactionId: '6', position: 0 };
      expect(await store.hasEventsAfter(end, session)).toBe(false);
      expect(await store.hasEventsAfter({ transactionId: '5', position: 0 }, session)).toBe(true);
      const [statement] = await session.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE NOT from_sql`);
      const plan = await session.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE ${statement.name}('6', 0)`);
      const text = JSON.stringify(plan);
      expect(text).toContain('events_commit_order_idx');
      expect(text).not.toContain('Seq Scan');
    } finally {
      await session.close();
    }
  });
});

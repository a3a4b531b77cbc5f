import { trackingEvents, type TrackingEvent } from '@chronicle/contracts';
import { Database, prepared } from '@chronicle/database';
import { databaseUrl, freshSchema, randomId, streamCounts, tagsSet, testMetadata, type FreshSchema } from '@chronicle/testing';
import type { Projection } from './projection';
import { EventStore } from './event-store';
import { rebuildProjection, type RebuildProgress } from './projection-rebuild';

jest.setTimeout(120_000);

describe('rebuildProjection (Postgres)', () => {
  let fresh: FreshSchema;
  let store: EventStore<TrackingEvent>;

  beforeAll(async () => {
    fresh = await freshSchema([streamCounts]);
    store = new EventStore(fresh.db, fresh.schema, trackingEvents, [streamCounts]);
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  const snapshot = () =>
    fresh.db.query(`SELECT workspace_id, stream_id, count, last_version, last_value FROM ${fresh.schema}.stream_counts ORDER BY workspace_id, stream_id`);
  const indexNames = async () =>
    (
      await fresh.db.query<{ name: string }>(
        `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE 'stream_counts%' ORDER BY indexname`,
        [fresh.schema],
      )
    ).map((r) => r.name);
  const tableNames = async () =>
    (
      await fresh.db.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'stream_counts%'`, [
        fresh.schema,
      ])
    ).map((r) => r.name);

  /** Appends through `execute`, so the inline projection is updated in the append transaction. */
  async function appendMany(workspaceId: string, streams: number, commandsPerStream: number): Promise<number> {
    const decider = { initialState: 0, evolve: (n: number) => n + 1 };
    let total = 0;
    await Promise.all(
      Array.from({ length: streams }, async (_, s) => {
        const streamId = `run-${s}`;
        for (let i = 0; i < commandsPerStream; i++) {
          const events = Array.from({ length: 1 + (i % 3) }, (_, k) => tagsSet(streamId, `${i}.${k}`));
          await store.execute({ workspaceId, streamId, metadata: testMetadata(), decider, decide: () => events, result: () => null });
          total += events.length;
        }
      }),
    );
    return total;
  }

  it('rebuilds the same rows the inline projection wrote, and can rebuild again', async () => {
    const workspaceId = randomId('ws');
    const appended = await appendMany(workspaceId, 8, 20);
    expect(appended).toBeGreaterThanOrEqual(300);
    const inline = await snapshot();
    const indexesBefore = await indexNames();
    expect(inline).toHaveLength(8);
    expect(indexesBefore).toEqual(['stream_counts_count_idx', 'stream_counts_pkey']);

    const progress: RebuildProgress[] = [];
    const result = await rebuildProjection(fresh.db, store, streamCounts, (p) => progress.push(p), 50);

    expect(result).toEqual({ replayed: appended, total: appended });
    expect(await snapshot()).toEqual(inline);
    expect(progress.length).toBeGreaterThan(appended / 50);
    expect(progress.at(-1)).toEqual({ replayed: appended, total: appended });
    const replayed = progress.map((p) => p.replayed);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
    expect(await indexNames()).toEqual(indexesBefore);
    expect(await tableNames()).toEqual(['stream_counts']);
    const [recorded] = await fresh.db.query(`SELECT name, version, rebuilt_at IS NOT NULL AS rebuilt FROM ${fresh.schema}.projections`);
    expect(recorded).toEqual({ name: 'stream_counts', version: 1, rebuilt: true });
    // Vacuumed and analyzed before it went live: the planner knows its rows (reltuples is -1 until
    // then) and index-only scans skip its pages (none is all-visible until then).
    const [stats] = await fresh.db.query<{ rows: number; visible: number; pages: number }>(
      `SELECT reltuples::int AS rows, relallvisible AS visible, relpages AS pages FROM pg_class WHERE oid = '${fresh.schema}.stream_counts'::regclass`,
    );
    expect(stats).toEqual({ rows: 8, visible: stats!.pages, pages: expect.any(Number) });
    expect(stats!.pages).toBeGreaterThan(0);

    // The inline projection keeps writing the swapped-in table.
    const more = await appendMany(workspaceId, 3, 5);
    const afterMore = await snapshot();
    expect(afterMore.reduce((sum, r) => sum + Number(r.count), 0)).toBe(appended + more);

    // A second rebuild works: the first one renamed the indexes and constraints back.
    const again = await rebuildProjection(fresh.db, store, streamCounts);
    expect(again).toEqual({ replayed: appended + more, total: appended + more });
    expect(await snapshot()).toEqual(afterMore);
    expect(await indexNames()).toEqual(indexesBefore);
  });

  it('replays appends that run during the rebuild', async () => {
    const workspaceId = randomId('ws');
    await appendMany(workspaceId, 4, 10);
    const rebuilding = rebuildProjection(fresh.db, store, streamCounts, () => {}, 10);
    await appendMany(workspaceId, 4, 5);
    await rebuilding;
    const rebuilt = await snapshot();
    const [{ count }] = await fresh.db.query<{ count: string }>(`SELECT count(*) AS count FROM ${fresh.schema}.events`);
    // Every event of the log is counted once, including those appended while the rebuild ran.
    expect(rebuilt.reduce((sum, r) => sum + Number(r.count), 0)).toBe(Number(count));
  });

  // Its fresh tables grow unanalyzed inside one transaction, where a generic plan made while they
  // were nearly empty would stay in use as they grow.
  it('replays without prepared statements, even through a database that prepares them', async () => {
    await appendMany(randomId('ws'), 1, 2);
    const probe = 'SELECT 1 AS replayed';
    const preparedDuringReplay: number[] = [];
    const probing: Projection<TrackingEvent, 'probed'> = {
      name: 'probed',
      version: 1,
      tables: { probed: (table) => `CREATE TABLE ${table} (id int)` },
      async apply(_events, tx) {
        await tx.query(prepared(probe));
        const [{ count }] = await tx.query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_prepared_statements WHERE statement = $1`, [probe]);
        preparedDuringReplay.push(count);
      },
    };
    const preparing = await Database.connect({ url: databaseUrl, name: 'rebuild_prepared_test', migrations: [], poolSize: 1, prepareStatements: true });
    try {
      // Outside a replay, such a statement is prepared on the connection, and listed there.
      const outside = 'SELECT 1 AS not_replayed';
      await preparing.transaction(async (tx) => {
        await tx.query(prepared(outside));
        const [{ count }] = await tx.query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_prepared_statements WHERE statement = $1`, [outside]);
        expect(count).toBe(1);
      });
      await rebuildProjection(preparing, new EventStore(preparing, fresh.schema, trackingEvents), probing);
      expect(preparedDuringReplay.length).toBeGreaterThan(0);
      expect(new Set(preparedDuringReplay)).toEqual(new Set([0]));
    } finally {
      await preparing.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { z } from 'zod';
import { infraDefaults, loadConfig } from '@chronicle/config';
import { projectionTablesSql } from '@chronicle/eventstore';
import { runsProjection } from '../projections/runs.projection';
import { parseOrderBy } from './order-by.parser';
import { compileRunSearch } from './run-search.sql';
import { RUN_SEARCH } from './search-entities';
import { parseSearchFilter } from './search-filter.parser';
import { lifecycleStagesFor, type ViewType } from './view-type';

const env = loadConfig(
  z.object({ CHRONICLE_DATABASE_URL: z.string().default(infraDefaults.CHRONICLE_DATABASE_URL) }),
);

// The runs projection's own tables, in a schema of this test's.
const ddl = (schema: string) => `CREATE SCHEMA ${schema}; ${projectionTablesSql(schema, runsProjection)}`;

interface SeedRun {
  id: string;
  experiment?: string;
  name: string;
  user: string;
  status: string;
  start: number;
  end: number | null;
  stage?: 'active' | 'deleted';
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  datasets?: { name: string; digest: string; context: string | null }[];
}

// Default order (start_time DESC, run_id) over the active runs of experiment 1: c, d, b, a.
const RUNS: SeedRun[] = [
  {
    id: 'run-a', name: 'alpha', user: 'ada', status: 'FINISHED', start: 1000, end: 2000,
    metrics: { acc: 0.9, loss: 0.1 }, params: { lr: '0.1', model: 'CNN' },
    tags: { team: 'Vision', stage: 'prod', 'mlflow.runName': 'alpha' },
    datasets: [{ name: 'train-ds', digest: 'd1', context: 'training' }],
  },
  {
    id: 'run-b', name: 'Beta', user: 'bob', status: 'RUNNING', start: 2000, end: null,
    metrics: { acc: Number.NaN }, params: { lr: '0.01', model: 'cnn' }, tags: { team: 'vision', stage: 'dev' },
  },
  {
    id: 'run-c', name: 'gamma', user: 'ada', status: 'FAILED', start: 3000, end: 4000,
    metrics: { acc: 0.5 }, params: { lr: '0.1' },
    datasets: [{ name: 'eval-ds', digest: 'e1', context: 'eval' }],
  },
  { id: 'run-d', name: 'delta', user: 'cy', status: 'FINISHED', start: 3000, end: 3500, params: { model: 'rnn' } },
  { id: 'run-e', name: 'deleted', user: 'ada', status: 'FINISHED', start: 5000, end: 6000, stage: 'deleted', metrics: { acc: 0.99 } },
  { id: 'run-f', experiment: '2', name: 'other-exp', user: 'ada', status: 'FINISHED', start: 500, end: 600, metrics: { acc: 0.95 } },
  // A tag longer than a btree entry may be (2704 bytes): equality still finds it, through md5.
  { id: 'run-g', experiment: '3', name: 'long-tag', user: 'ada', status: 'FINISHED', start: 700, end: 800, tags: { note: 'n'.repeat(8000) } },
  // Infinities, a negative value, NaN and no value, for the metric order in both directions.
  { id: 'run-h', experiment: '4', name: 'minus-inf', user: 'ada', status: 'FINISHED', start: 10, end: 20, metrics: { loss: -Infinity } },
  { id: 'run-i', experiment: '4', name: 'plus-inf', user: 'ada', status: 'FINISHED', start: 11, end: 20, metrics: { loss: Infinity } },
  { id: 'run-j', experiment: '4', name: 'negative', user: 'ada', status: 'FINISHED', start: 12, end: 20, metrics: { loss: -2 } },
  { id: 'run-k', experiment: '4', name: 'nan', user: 'ada', status: 'FINISHED', start: 13, end: 20, metrics: { loss: Number.NaN } },
  { id: 'run-l', experiment: '4', name: 'no-loss', user: 'ada', status: 'FINISHED', start: 14, end: 20, metrics: { acc: 1 } },
];

describe('compileRunSearch on Postgres', () => {
  const schema = `search_it_${randomBytes(6).toString('hex')}`;
  const workspaceId = `ws-${randomBytes(6).toString('hex')}`;
  const otherWorkspaceId = `ws-${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: env.CHRONICLE_DATABASE_URL });

  beforeAll(async () => {
    await client.connect();
    await client.query(ddl(schema));
    for (const run of RUNS) await insertRun(workspaceId, run);
    // Another tenant's runs in the same experiment id, with the best metric and matching params
    // and tags (one with a run id of ours): they must never show up.
    await insertRun(otherWorkspaceId, { id: 'run-d', name: 'delta', user: 'cy', status: 'FINISHED', start: 3000, end: 3500, tags: { team: 'vision' } });
    await insertRun(otherWorkspaceId, {
      id: 'run-x', name: 'alpha', user: 'ada', status: 'FINISHED', start: 9000, end: 9500,
      metrics: { acc: 1 }, params: { lr: '0.1', model: 'CNN' }, tags: { team: 'vision' },
    });
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  async function insertRun(workspace: string, run: SeedRun): Promise<void> {
    // Metrics as the projection stores them: [value as Postgres float8 text, timestamp, step].
    const metrics = Object.fromEntries(Object.entries(run.metrics ?? {}).map(([key, value]) => [key, [String(value), 0, 0]]));
    await client.query(
      `INSERT INTO ${schema}.runs (workspace_id, run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage,
         params, tags, metrics)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        workspace, run.id, run.experiment ?? '1', run.name, run.user, run.status, run.start, run.end, `s3://b/${run.id}`, run.stage ?? 'active',
        JSON.stringify(run.params ?? {}), JSON.stringify(run.tags ?? {}), JSON.stringify(metrics),
      ],
    );
    for (const [key, value] of Object.entries(run.metrics ?? {})) {
      await client.query(
        `INSERT INTO ${schema}.latest_metrics (workspace_id, run_id, experiment_id, key, value, timestamp, step) VALUES ($1, $2, $3, $4, $5, 0, 0)`,
        [workspace, run.id, run.experiment ?? '1', key, value],
      );
    }
    for (const [kind, values] of [['param', run.params], ['tag', run.tags]] as const) {
      for (const [key, value] of Object.entries(values ?? {})) {
        await client.query(
          `INSERT INTO ${schema}.run_keyed_values (workspace_id, run_id, experiment_id, kind, key, value) VALUES ($1, $2, $3, $4, $5, $6)`,
          [workspace, run.id, run.experiment ?? '1', kind, key, value],
        );
      }
    }
    for (const dataset of run.datasets ?? []) {
      await client.query(
        `INSERT INTO ${schema}.run_dataset_inputs (workspace_id, run_id, dataset_name, dataset_digest, source_type, source, schema, profile, context, tags)
         VALUES ($1, $2, $3, $4, '', '', '', '', $5, '[]')`,
        [workspace, run.id, dataset.name, dataset.digest, dataset.context],
      );
    }
  }

  interface Search {
    filter?: string;
    orderBy?: string[];
    experimentIds?: string[];
    viewType?: ViewType;
    limit?: number;
    offset?: number;
    workspace?: string;
  }

  async function search(request: Search = {}): Promise<string[]> {
    const query = compileRunSearch({
      schema,
      workspaceId: request.workspace ?? workspaceId,
      experimentIds: request.experimentIds ?? ['1'],
      lifecycleStages: lifecycleStagesFor(request.viewType),
      filter: parseSearchFilter(request.filter, RUN_SEARCH),
      orderBy: parseOrderBy(request.orderBy, RUN_SEARCH),
      limit: request.limit ?? 1000,
      offset: request.offset ?? 0,
    });
    const result = await client.query<{ run_id: string }>(query.text, query.values as unknown[]);
    return result.rows.map((row) => row.run_id);
  }

  describe('given no filter', () => {
    it('when searching, then runs come by start_time DESC with run_id breaking the tie', async () => {
      expect(await search()).toEqual(['run-c', 'run-d', 'run-b', 'run-a']);
    });
    it('when paging by 2, then offsets 0, 2 and 4 give the two halves and an empty page', async () => {
      expect(await search({ limit: 2, offset: 0 })).toEqual(['run-c', 'run-d']);
      expect(await search({ limit: 2, offset: 2 })).toEqual(['run-b', 'run-a']);
      expect(await search({ limit: 2, offset: 4 })).toEqual([]);
    });
    it('when the view type is ALL or DELETED_ONLY, then deleted runs are included or alone', async () => {
      expect(await search({ viewType: 'ALL' })).toEqual(['run-e', 'run-c', 'run-d', 'run-b', 'run-a']);
      expect(await search({ viewType: 'DELETED_ONLY' })).toEqual(['run-e']);
    });
    it('when two experiments are searched, then runs of both come back', async () => {
      expect(await search({ experimentIds: ['1', '2'] })).toEqual(['run-c', 'run-d', 'run-b', 'run-a', 'run-f']);
    });
    it("when searching another workspace, then only that workspace's run is seen", async () => {
      expect(await search({ workspace: otherWorkspaceId })).toEqual(['run-x', 'run-d']);
      expect(await search({ filter: 'metrics.acc >= 1' })).toEqual([]);
    });
  });

  describe('given filters', () => {
    it.each([
      ["params.model LIKE 'cnn'", ['run-b']],
      ["params.model ILIKE 'cnn'", ['run-b', 'run-a']],
      ["params.model = 'CNN'", ['run-a']],
      ["params.model != 'cnn'", ['run-d', 'run-a']],
      ["params.missing != 'x'", []],
      ["tags.team = 'vision'", ['run-b']],
      ["tags.team != 'vision'", ['run-a']],
      ["tags.`mlflow.runName` = 'alpha'", ['run-a']],
      ["attributes.run_id IN ('run-a', 'run-c', 'RUN-D')", ['run-c', 'run-a']],
      ["run_id NOT IN ('run-a', 'run-c')", ['run-d', 'run-b']],
      ['metrics.acc > 0.4', ['run-c', 'run-a']],
      ['metrics.acc >= 0.5', ['run-c', 'run-a']],
      ['metrics.acc < 1', ['run-c', 'run-a']],
      ['metrics.acc != 0.9', ['run-c', 'run-b']],
      ['metrics.acc = 0.5', ['run-c']],
      ["metrics.acc > 0.4 AND params.lr = '0.1'", ['run-c', 'run-a']],
      ["metrics.acc > 0.4 AND params.lr = '0.1' AND attributes.status = 'FINISHED'", ['run-a']],
      ["created >= 2000 AND user_id = 'ada'", ['run-c']],
      ['attributes.end_time < 3600', ['run-d', 'run-a']],
      [`"run name" ILIKE 'b%'`, ['run-b']],
      ["attributes.run_name LIKE 'b%'", []],
      ["attributes.artifact_uri LIKE 's3://b/run-_'", ['run-c', 'run-d', 'run-b', 'run-a']],
      ["dataset.context = 'eval'", ['run-c']],
      ["datasets.name IN ('train-ds', 'eval-ds')", ['run-c', 'run-a']],
      ["dataset.digest LIKE 'd%'", ['run-a']],
      ["dataset.name NOT IN ('eval-ds')", ['run-a']],
    ])('when filtering %s, then the runs are %j', async (filter, expected) => {
      expect(await search({ filter })).toEqual(expected);
    });
    it('when a tag of 8000 characters is filtered by equality, then its run is found, and not by a prefix', async () => {
      expect(await search({ experimentIds: ['3'], filter: `tags.note = '${'n'.repeat(8000)}'` })).toEqual(['run-g']);
      expect(await search({ experimentIds: ['3'], filter: `tags.note = '${'n'.repeat(7999)}'` })).toEqual([]);
    });
  });

  describe('given order_by', () => {
    it.each([
      [['metrics.acc DESC'], ['run-a', 'run-c', 'run-b', 'run-d']],
      [['metrics.acc ASC'], ['run-c', 'run-a', 'run-b', 'run-d']],
      [['params.lr ASC'], ['run-b', 'run-c', 'run-a', 'run-d']],
      [['params.lr DESC'], ['run-c', 'run-a', 'run-b', 'run-d']],
      [['tags.stage'], ['run-b', 'run-a', 'run-c', 'run-d']],
      [['attributes.end_time DESC'], ['run-c', 'run-d', 'run-a', 'run-b']],
      [['end_time'], ['run-a', 'run-d', 'run-c', 'run-b']],
      [['start_time ASC'], ['run-a', 'run-b', 'run-c', 'run-d']],
      [['attributes.user_id', 'metrics.acc DESC'], ['run-a', 'run-c', 'run-b', 'run-d']],
      [['params.lr DESC', 'run_name'], ['run-a', 'run-c', 'run-b', 'run-d']],
    ])('when ordering by %j, then the runs are %j (None and NaN last)', async (orderBy, expected) => {
      expect(await search({ orderBy })).toEqual(expected);
    });
    it.each([
      ['metrics.loss DESC', ['run-i', 'run-j', 'run-h', 'run-k', 'run-l']],
      ['metrics.loss ASC', ['run-h', 'run-j', 'run-i', 'run-k', 'run-l']],
    ])('when ordering by %s over ±Infinity, then numbers keep their order and NaN, then no value, come last', async (orderBy, expected) => {
      expect(await search({ experimentIds: ['4'], orderBy: [orderBy] })).toEqual(expected);
    });
    it('when filtering and ordering by metrics with a page size, then pages follow the metric order', async () => {
      const orderBy = ['metrics.acc DESC'];
      const filter = "metrics.acc != 0.1 AND params.lr LIKE '0.%'";
      expect(await search({ filter, orderBy, limit: 2 })).toEqual(['run-a', 'run-c']);
      expect(await search({ filter, orderBy, limit: 2, offset: 2 })).toEqual(['run-b']);
    });
  });

  describe('given a filter the run rows do not decide', () => {
    it('when the indexes have found the runs, then their rows are read through the hash index on run id', async () => {
      const query = compileRunSearch({
        schema,
        workspaceId,
        experimentIds: ['1'],
        lifecycleStages: lifecycleStagesFor(undefined),
        filter: parseSearchFilter("metrics.acc > 0.2 AND params.lr = '0.1'", RUN_SEARCH),
        orderBy: parseOrderBy(['metrics.acc DESC'], RUN_SEARCH),
        limit: 1000,
        offset: 0,
      });
      // A handful of rows would be read whole; on 100,000 runs Postgres probes by id, as here.
      await client.query('BEGIN');
      try {
        await client.query('SET LOCAL enable_seqscan = off');
        await client.query('SET LOCAL enable_bitmapscan = off');
        const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${query.text}`, query.values as unknown[]);
        expect(plan.rows.map((line) => line['QUERY PLAN']).join('\n')).toMatch(/Index Scan using runs_run_id_idx on .*runs r/);
      } finally {
        await client.query('ROLLBACK');
      }
    });
  });
});

import { abilityFor, localPrincipal } from '@chronicle/authz';
import { Database, statementText } from '@chronicle/database';
import { buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type IntrospectionQuery } from 'graphql';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomId, waitFor } from '@chronicle/testing';
import { RunCommandsHandler } from '../../commands/run-commands.handler';
import { gql, gqlData, persistedGet, subscribe } from './graphql.test-client';
import { LiveTrackingFeed } from './live-tracking.feed';
import { startGraphqlTestServer, type GraphqlTestServer } from './graphql.test-server';

// One server for the file; every test works in workspaces of its own.
let server: GraphqlTestServer;
let url: string;
beforeAll(async () => {
  server = await startGraphqlTestServer();
  url = server.url;
});
afterAll(() => server.close());

const workspace = () => randomId('ws').replaceAll('_', '-');

async function createExperiment(ws: string, name = randomId('exp')): Promise<string> {
  const data = await gqlData<{ createExperiment: { id: string } }>(url, ws, 'mutation($n: String!) { createExperiment(input: { name: $n }) { id } }', { n: name });
  return data.createExperiment.id;
}

async function createRun(ws: string, experimentId: string, runName = randomId('run')): Promise<string> {
  const data = await gqlData<{ createRun: { id: string } }>(url, ws, 'mutation($e: ID!, $n: String) { createRun(input: { experimentId: $e, runName: $n }) { id } }', {
    e: experimentId,
    n: runName,
  });
  return data.createRun.id;
}

const metricsQuery = 'subscription($r: ID, $e: ID, $k: [String!]) { metricsLogged(runId: $r, experimentId: $e, keys: $k) { runId experimentId metrics { key value step } } }';
type Metrics = { metricsLogged: { runId: string; experimentId: string; metrics: { key: string; value: number | string; step: number }[] } };

const logBatch = `mutation($r: ID!, $b: LogBatchInput!) { logBatch(runId: $r, batch: $b) { id } }`;

type Bucket = { firstStep: number; lastStep: number; min: number; max: number; mean: number; count: number };
type Columns = { encoding: string; length: number; types?: Record<keyof Bucket, 'float64' | 'float32' | 'int32'> } & Record<keyof Bucket, string | (number | string)[]>;
const columnNames = ['firstStep', 'lastStep', 'min', 'max', 'mean', 'count'] as const;
const numbers = (bucket: Bucket): Bucket => Object.fromEntries(columnNames.map((name) => [name, Number(bucket[name])])) as Bucket;

/** Decodes `MetricSeries.columns` as a client would, into bucket objects. */
function bucketsOf(columns: Columns): Bucket[] {
  const column = (name: keyof Bucket): number[] => {
    const values = columns[name];
    if (typeof values !== 'string') return values.map(Number);
    const bytes = Buffer.from(values, 'base64');
    const type = columns.types?.[name] ?? 'float64';
    const width = type === 'float64' ? 8 : 4;
    const read = { float64: bytes.readDoubleLE, float32: bytes.readFloatLE, int32: bytes.readInt32LE }[type];
    return Array.from({ length: bytes.length / width }, (_, i) => read.call(bytes, i * width));
  };
  const decoded = columnNames.map(column);
  decoded.forEach((values) => expect(values).toHaveLength(columns.length));
  return Array.from({ length: columns.length }, (_, i) => Object.fromEntries(columnNames.map((name, c) => [name, decoded[c][i]])) as Bucket);
}

describe('schema', () => {
  it('the server serves exactly the committed SDL', async () => {
    const introspection = await gqlData<IntrospectionQuery>(url, workspace(), getIntrospectionQuery());
    const served = printSchema(lexicographicSortSchema(buildClientSchema(introspection)));
    expect(`${served}\n`).toBe(await readFile(join(__dirname, 'schema.graphql'), 'utf8'));
  });
});

describe('queries', () => {
  it('experiments: OR filters, Relay pages with cursors and total counts', async () => {
    const ws = workspace();
    for (const name of ['alpha', 'beta', 'gamma', 'delta']) await createExperiment(ws, name);
    const page = `query($f: String, $after: String) { experiments(filter: $f, orderBy: ["name ASC"], first: 2, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { name } } } }`;
    type Page = { experiments: { totalCount: number; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string }; edges: { node: { name: string } }[] } };
    const filter = "name = 'alpha' OR (name LIKE '%a' AND name != 'Default')";
    const first = await gqlData<Page>(url, ws, page, { f: filter });
    expect(first.experiments.totalCount).toBe(4);
    expect(first.experiments.edges.map((e) => e.node.name)).toEqual(['alpha', 'beta']);
    expect(first.experiments.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await gqlData<Page>(url, ws, page, { f: filter, after: first.experiments.pageInfo.endCursor });
    expect(second.experiments.edges.map((e) => e.node.name)).toEqual(['delta', 'gamma']);
    expect(second.experiments.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const all = await gqlData<Page>(url, ws, page, {});
    expect(all.experiments.totalCount).toBe(5); // with the Default experiment every workspace has
  });

  it('runs: params, latest metrics, tags, inputs, logged models, experiment; OR filter; run by id', async () => {
    const ws = workspace();
    const experimentId = await createExperiment(ws);
    const [a, b, c] = [await createRun(ws, experimentId, 'a'), await createRun(ws, experimentId, 'b'), await createRun(ws, experimentId, 'c')];
    const now = Date.now();
    await gqlData(url, ws, logBatch, {
      r: a,
      b: { metrics: [{ key: 'acc', value: 0.5, timestamp: now, step: 0 }, { key: 'acc', value: 0.9, timestamp: now, step: 1 }, { key: 'loss', value: 'NaN', timestamp: now }], params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'team', value: 'x' }] },
    });
    await gqlData(url, ws, logBatch, { r: b, b: { params: [{ key: 'lr', value: '0.2' }] } });
    const model = await gqlData<{ createLoggedModel: { id: string } }>(url, ws, 'mutation($e: ID!) { createLoggedModel(input: { experimentId: $e, name: "m" }) { id } }', { e: experimentId });
    await gqlData(url, ws, 'mutation($r: ID!, $m: ID!) { logOutputs(runId: $r, models: [{ modelId: $m, step: 1 }]) { id } }', { r: a, m: model.createLoggedModel.id });
    await gqlData(url, ws, `mutation($r: ID!) { logInputs(runId: $r, datasets: [{ dataset: { name: "d", digest: "1", sourceType: "local", source: "/x" }, tags: [{ key: "mlflow.data.context", value: "train" }] }]) { id } }`, { r: a });

    const data = await gqlData<{ runs: { totalCount: number; edges: { node: Record<string, unknown> }[] } }>(
      url,
      ws,
      `query($e: ID!) { runs(experimentIds: [$e], filter: "metrics.acc > 0.8 OR params.lr = '0.2'", orderBy: ["attributes.run_name ASC"]) {
        totalCount edges { node { id name status lifecycleStage experiment { id } params { key value } latestMetrics(keys: ["acc", "loss"]) { key value step }
          tags { key } datasetInputs { dataset { name } tags { value } } modelOutputs { modelId step } loggedModels { id name } } } } }`,
      { e: experimentId },
    );
    expect(data.runs.totalCount).toBe(2);
    const [runA, runB] = data.runs.edges.map((e) => e.node);
    expect(runB).toMatchObject({ id: b, params: [{ key: 'lr', value: '0.2' }] });
    expect(runA).toMatchObject({
      id: a,
      status: 'RUNNING',
      lifecycleStage: 'active',
      experiment: { id: experimentId },
      params: [{ key: 'lr', value: '0.1' }],
      latestMetrics: [{ key: 'acc', value: 0.9, step: 1 }, { key: 'loss', value: 'NaN', step: 0 }],
      datasetInputs: [{ dataset: { name: 'd' }, tags: [{ value: 'train' }] }],
      modelOutputs: [{ modelId: model.createLoggedModel.id, step: 1 }],
      loggedModels: [{ id: model.createLoggedModel.id, name: 'm' }],
    });
    expect(runA.tags).toEqual(expect.arrayContaining([{ key: 'team' }]));
    const one = await gqlData<{ run: { name: string } }>(url, ws, 'query($id: ID!) { run(id: $id) { name } }', { id: c });
    expect(one.run.name).toBe('c');
  });

  it('metric history in raw pages, and downsampled series that keep spikes', async () => {
    const ws = workspace();
    const runId = await createRun(ws, await createExperiment(ws));
    const metrics = Array.from({ length: 1000 }, (_, step) => ({ key: 'loss', value: step === 437 ? 100 : 1, timestamp: 1000 + step, step }));
    await gqlData(url, ws, logBatch, { r: runId, b: { metrics } });
    const data = await gqlData<{ run: { metricHistory: { totalCount: number; pageInfo: { hasNextPage: boolean }; edges: { node: { step: number } }[] }; metricSeries: { firstStep: number; lastStep: number; min: number; max: number; mean: number; count: number }[] } }>(
      url,
      ws,
      `query($id: ID!) { run(id: $id) {
        metricHistory(key: "loss", first: 10, after: "eyJvZmZzZXQiOiAyMH0=") { totalCount pageInfo { hasNextPage } edges { node { step } } }
        metricSeries(key: "loss", buckets: 10) { firstStep lastStep min max mean count } } }`,
      { id: runId },
    );
    expect(data.run.metricHistory.totalCount).toBe(1000);
    expect(data.run.metricHistory.pageInfo.hasNextPage).toBe(true);
    expect(data.run.metricHistory.edges.map((e) => e.node.step)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(data.run.metricSeries).toHaveLength(10);
    expect(data.run.metricSeries[4]).toEqual({ firstStep: 400, lastStep: 499, min: 1, max: 100, mean: 1.99, count: 100 });
    expect(data.run.metricSeries.reduce((sum, b) => sum + b.count, 0)).toBe(1000);

    const ranged = await gqlData<{ metricSeries: { runId: string; key: string; buckets: { firstStep: number; lastStep: number }[] }[] }>(
      url,
      ws,
      'query($r: ID!) { metricSeries(runIds: [$r], keys: ["loss", "missing"], buckets: 500, startStep: 10, endStep: 12) { runId key buckets { firstStep lastStep } } }',
      { r: runId },
    );
    expect(ranged.metricSeries).toEqual([
      { runId, key: 'loss', buckets: [{ firstStep: 10, lastStep: 10 }, { firstStep: 11, lastStep: 11 }, { firstStep: 12, lastStep: 12 }] },
      { runId, key: 'missing', buckets: [] },
    ]);
  });

  it('series by column, packed, packed in 32 bits or as arrays, hold the same buckets as the objects; spikes, NaN and ±Infinity survive', async () => {
    const ws = workspace();
    const runId = await createRun(ws, await createExperiment(ws));
    const loss = Array.from({ length: 1000 }, (_, step) => ({ key: 'loss', value: step === 437 ? 100 : step / 1000, timestamp: 1000 + step, step }));
    const odd = [1, 'NaN', '-Infinity'].map((value, step) => ({ key: 'odd', value, timestamp: 1000 + step, step }));
    await gqlData(url, ws, logBatch, { r: runId, b: { metrics: loss } });
    await gqlData(url, ws, logBatch, { r: runId, b: { metrics: odd } });
    const data = await gqlData<{ metricSeries: { key: string; buckets: Bucket[]; packed: Columns; packed32: Columns; arrays: Columns }[] }>(
      url,
      ws,
      `query($r: ID!) { metricSeries(runIds: [$r], keys: ["loss", "odd"], buckets: 10) {
        key buckets { firstStep lastStep min max mean count } packed: columns packed32: columns(encoding: PACKED32) arrays: columns(encoding: ARRAYS) } }`,
      { r: runId },
    );
    const [lossSeries, oddSeries] = data.metricSeries;
    expect(lossSeries.packed.encoding).toBe('float64-le-base64');
    expect(lossSeries.arrays.encoding).toBe('json');
    expect(lossSeries.packed32).toMatchObject({ encoding: 'le-base64', types: { firstStep: 'int32', lastStep: 'int32', min: 'float32', max: 'float32', mean: 'float32', count: 'int32' } });
    for (const series of data.metricSeries) {
      expect(bucketsOf(series.packed)).toEqual(series.buckets.map(numbers));
      expect(bucketsOf(series.arrays)).toEqual(series.buckets.map(numbers));
      // In 32 bits: steps and counts exact, values rounded to float32.
      const rounded = series.buckets.map(numbers).map((b) => ({ ...b, min: Math.fround(b.min), max: Math.fround(b.max), mean: Math.fround(b.mean) }));
      expect(bucketsOf(series.packed32)).toEqual(rounded);
    }
    expect(bucketsOf(lossSeries.packed)).toHaveLength(10);
    expect(bucketsOf(lossSeries.packed)[4]).toMatchObject({ firstStep: 400, lastStep: 499, max: 100, count: 100 });
    expect(bucketsOf(oddSeries.packed).map((b) => b.min)).toEqual([1, NaN, -Infinity]);
    expect(oddSeries.arrays.min).toEqual([1, 'NaN', '-Infinity']);

    const chosenQuery =
      'query($r: ID!) { metricSeries(runIds: [$r], keys: ["loss"], buckets: 10) { packed: columns(only: [MAX, FIRST_STEP]) packed32: columns(encoding: PACKED32, only: [MAX, FIRST_STEP]) } }';
    const chosen = await gqlData<{ metricSeries: { packed: Columns; packed32: Columns }[] }>(url, ws, chosenQuery, { r: runId });
    expect(Object.keys(chosen.metricSeries[0].packed)).toEqual(['encoding', 'length', 'max', 'firstStep']);
    expect(chosen.metricSeries[0].packed.max).toBe(lossSeries.packed.max);
    expect(Object.keys(chosen.metricSeries[0].packed32)).toEqual(['encoding', 'length', 'types', 'max', 'firstStep']);
    expect(chosen.metricSeries[0].packed32.types).toEqual({ max: 'float32', firstStep: 'int32' });
    // Two resolutions in one query: one batch of the loader, each series at its own resolution.
    const both = await gqlData<{ coarse: { columns: Columns }[]; fine: { columns: Columns }[] }>(
      url,
      ws,
      'query($r: ID!) { coarse: metricSeries(runIds: [$r], keys: ["loss"], buckets: 2) { columns } fine: metricSeries(runIds: [$r], keys: ["loss"], buckets: 10) { columns } }',
      { r: runId },
    );
    expect([bucketsOf(both.coarse[0].columns).length, bucketsOf(both.fine[0].columns).length]).toEqual([2, 10]);
    expect(bucketsOf(both.fine[0].columns)).toEqual(bucketsOf(lossSeries.packed));

    // Over graphql-ws the columns are serialized from the objects, not from the cached bytes HTTP writes: the same JSON.
    const overWs = subscribe<typeof chosen>(url, ws, chosenQuery, { r: runId });
    try {
      await overWs.until((received) => received.length > 0);
      expect(overWs.received[0]).toEqual(chosen);
    } finally {
      overWs.close();
    }
  });

  it('a cached series is served until its run gets a new point, and the next query sees the point', async () => {
    const ws = workspace();
    const runId = await createRun(ws, await createExperiment(ws));
    const metrics = Array.from({ length: 100 }, (_, step) => ({ key: 'loss', value: 1, timestamp: 1000 + step, step }));
    await gqlData(url, ws, logBatch, { r: runId, b: { metrics } });
    const query = 'query($r: ID!) { metricSeries(runIds: [$r], keys: ["loss"], buckets: 10) { columns } }';
    const series = async () => bucketsOf((await gqlData<{ metricSeries: { columns: Columns }[] }>(url, ws, query, { r: runId })).metricSeries[0].columns);
    const first = await series();
    const statements = jest.spyOn(Database.prototype, 'query');
    try {
      expect(await series()).toEqual(first);
      // Served from the cache: the run's version was read, no point was.
      expect(statements.mock.calls.filter(([sql]) => /\btracking\.metrics\b/.test(statementText(sql)))).toHaveLength(0);
      expect(statements.mock.calls.filter(([sql]) => /\btracking\.events\b/.test(statementText(sql)))).toHaveLength(1);
    } finally {
      statements.mockRestore();
    }
    await gqlData(url, ws, logBatch, { r: runId, b: { metrics: [{ key: 'loss', value: 500, timestamp: 2000, step: 100 }] } });
    const after = await series();
    expect(after.reduce((sum, b) => sum + b.count, 0)).toBe(101);
    expect(Math.max(...after.map((b) => b.max))).toBe(500);
  });

  it('compareRuns: N runs × chosen metrics and params in one query', async () => {
    const ws = workspace();
    const experimentId = await createExperiment(ws);
    const runs = [await createRun(ws, experimentId), await createRun(ws, experimentId)];
    for (const [i, r] of runs.entries()) {
      await gqlData(url, ws, logBatch, { r, b: { metrics: [{ key: 'acc', value: i, timestamp: 1 }, { key: 'f1', value: 9, timestamp: 1 }], params: [{ key: 'lr', value: `${i}` }, { key: 'opt', value: 'adam' }] } });
    }
    const data = await gqlData<{ compareRuns: unknown[] }>(
      url,
      ws,
      'query($ids: [ID!]!) { compareRuns(runIds: $ids, metricKeys: ["acc"], paramKeys: ["lr"]) { run { id } metrics { key value } params { key value } } }',
      { ids: [...runs, 'no-such-run'] },
    );
    expect(data.compareRuns).toEqual([
      { run: { id: runs[0] }, metrics: [{ key: 'acc', value: 0 }], params: [{ key: 'lr', value: '0' }] },
      { run: { id: runs[1] }, metrics: [{ key: 'acc', value: 1 }], params: [{ key: 'lr', value: '1' }] },
    ]);
  });

  it('artifacts: a run lists what was uploaded under it', async () => {
    const ws = workspace();
    const experimentId = await createExperiment(ws);
    const runId = await createRun(ws, experimentId);
    const upload = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/plots/roc.png`, {
      method: 'PUT',
      headers: { 'x-mlflow-workspace': ws },
      body: 'png',
    });
    expect(upload.status).toBe(200);
    const data = await gqlData<{ run: { artifacts: unknown; plots: unknown } }>(
      url,
      ws,
      'query($id: ID!) { run(id: $id) { artifacts { files { path isDir } } plots: artifacts(path: "plots") { files { path isDir size } } } }',
      { id: runId },
    );
    expect(data.run.artifacts).toEqual({ files: [{ path: 'plots', isDir: true }] });
    expect(data.run.plots).toEqual({ files: [{ path: 'plots/roc.png', isDir: false, size: 3 }] });
    // REST lists through the same query.
    const rest = await fetch(`${url}/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=plots`, { headers: { 'x-mlflow-workspace': ws } });
    expect(await rest.json()).toEqual({ root_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`, files: [{ path: 'plots/roc.png', is_dir: false, file_size: 3 }] });
  });
});

describe('mutations (the REST command handlers)', () => {
  it('experiment commands', async () => {
    const ws = workspace();
    const id = await createExperiment(ws, 'first');
    const run = (q: string) => gqlData<Record<string, Record<string, unknown>>>(url, ws, q, { id });
    expect((await run('mutation($id: ID!) { renameExperiment(id: $id, name: "second") { name } }')).renameExperiment).toEqual({ name: 'second' });
    expect((await run('mutation($id: ID!) { setExperimentTag(id: $id, key: "k", value: "v") { tags { key value } } }')).setExperimentTag).toEqual({ tags: [{ key: 'k', value: 'v' }] });
    expect((await run('mutation($id: ID!) { deleteExperimentTag(id: $id, key: "k") { tags { key } } }')).deleteExperimentTag).toEqual({ tags: [] });
    expect((await run('mutation($id: ID!) { deleteExperiment(id: $id) { lifecycleStage } }')).deleteExperiment).toEqual({ lifecycleStage: 'deleted' });
    expect((await run('mutation($id: ID!) { restoreExperiment(id: $id) { lifecycleStage } }')).restoreExperiment).toEqual({ lifecycleStage: 'active' });
    // The same read model REST serves.
    const rest = await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=${id}`, { headers: { 'x-mlflow-workspace': ws } });
    expect(((await rest.json()) as { experiment: { name: string } }).experiment.name).toBe('second');
  });

  it('run commands', async () => {
    const ws = workspace();
    const runId = await createRun(ws, await createExperiment(ws));
    const run = (q: string) => gqlData<Record<string, Record<string, unknown>>>(url, ws, q, { id: runId });
    await run('mutation($id: ID!) { logBatch(runId: $id, batch: { tags: [{ key: "t", value: "1" }] }) { id } }');
    expect((await run('mutation($id: ID!) { deleteRunTag(runId: $id, key: "t") { tags { key } } }')).deleteRunTag.tags).not.toContainEqual({ key: 't' });
    expect((await run('mutation($id: ID!) { updateRun(id: $id, input: { status: FINISHED, endTime: 5, runName: "renamed" }) { status endTime name } }')).updateRun).toEqual({
      status: 'FINISHED',
      endTime: 5,
      name: 'renamed',
    });
    expect((await run('mutation($id: ID!) { logLegacyModel(runId: $id, modelJson: "{\\"artifact_path\\": \\"m\\"}") { tags { key } } }')).logLegacyModel.tags).toContainEqual({ key: 'mlflow.log-model.history' });
    expect((await run('mutation($id: ID!) { logInputs(runId: $id, modelIds: []) { id } }')).logInputs).toEqual({ id: runId });
    expect((await run('mutation($id: ID!) { deleteRun(id: $id) { lifecycleStage } }')).deleteRun).toEqual({ lifecycleStage: 'deleted' });
    expect((await run('mutation($id: ID!) { restoreRun(id: $id) { lifecycleStage } }')).restoreRun).toEqual({ lifecycleStage: 'active' });
  });

  it('logged-model commands', async () => {
    const ws = workspace();
    const experimentId = await createExperiment(ws);
    const created = await gqlData<{ createLoggedModel: { id: string; status: string } }>(
      url,
      ws,
      'mutation($e: ID!) { createLoggedModel(input: { experimentId: $e, name: "m", params: [{ key: "p", value: "1" }] }) { id status } }',
      { e: experimentId },
    );
    const id = created.createLoggedModel.id;
    expect(created.createLoggedModel.status).toBe('LOGGED_MODEL_PENDING');
    const run = (q: string) => gqlData<Record<string, Record<string, unknown>>>(url, ws, q, { id });
    expect((await run('mutation($id: ID!) { finalizeLoggedModel(id: $id, status: LOGGED_MODEL_READY) { status } }')).finalizeLoggedModel).toEqual({ status: 'LOGGED_MODEL_READY' });
    expect((await run('mutation($id: ID!) { setLoggedModelTags(id: $id, tags: [{ key: "a", value: "b" }]) { tags { key value } } }')).setLoggedModelTags.tags).toContainEqual({ key: 'a', value: 'b' });
    expect((await run('mutation($id: ID!) { deleteLoggedModelTag(id: $id, key: "a") { tags { key } } }')).deleteLoggedModelTag.tags).not.toContainEqual({ key: 'a' });
    expect((await run('mutation($id: ID!) { logLoggedModelParams(id: $id, params: [{ key: "q", value: "2" }]) { params { key } } }')).logLoggedModelParams.params).toEqual([{ key: 'p' }, { key: 'q' }]);
    expect(await run('mutation($id: ID!) { deleteLoggedModel(id: $id) }')).toEqual({ deleteLoggedModel: true });
    expect(await run('query($id: ID!) { loggedModel(id: $id) { id } }')).toEqual({ loggedModel: null });
  });
});

describe('errors carry domain codes', () => {
  it('NOT_FOUND, ALREADY_EXISTS and INVALID_ARGUMENT are client errors, never INTERNAL', async () => {
    const ws = workspace();
    const missing = await gql(url, ws, 'mutation { renameExperiment(id: "424242", name: "x") { id } }');
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    await createExperiment(ws, 'taken');
    const taken = await gql(url, ws, 'mutation { createExperiment(input: { name: "taken" }) { id } }');
    expect(taken.errors?.[0]).toMatchObject({ message: 'Experiment(name=taken) already exists.', extensions: { code: 'ALREADY_EXISTS' } });
    const badFilter = await gql(url, ws, 'query { runs(experimentIds: ["0"], filter: "metrics.a > 1 OR (") { totalCount } }');
    expect(badFilter.errors?.[0].extensions?.code).toBe('INVALID_ARGUMENT');
  });

  it('REST keeps MLflow\'s grammar: OR is rejected there', async () => {
    const response = await fetch(`${url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlflow-workspace': workspace() },
      body: JSON.stringify({ experiment_ids: ['0'], filter: "metrics.a > 1 OR params.b = 'x'" }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe("Invalid clause(s) in filter string: 'OR'");
  });
});

describe('limits', () => {
  it('rejects a query deeper than the limit', async () => {
    const nested = (depth: number): string => (depth === 0 ? 'name' : `f${depth} { ${nested(depth - 1)} }`);
    const response = await gql(url, workspace(), `{ workspace { ${nested(12)} } }`);
    expect(response.status).toBe(400);
    expect(response.errors?.map((e) => e.message)).toContain("'' exceeds maximum operation depth of 10");
    expect(response.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects a query above the complexity limit, counting pages and batch sizes', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);
    const heavy = await gql(url, workspace(), 'query($ids: [ID!]!) { metricSeries(runIds: $ids, keys: ["a", "b", "c"], buckets: 5000) { key buckets { min max } } }', { ids });
    expect(heavy.status).toBe(400);
    expect(heavy.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const light = await gql(url, workspace(), 'query($ids: [ID!]!) { metricSeries(runIds: $ids, keys: ["a"], buckets: 500) { key buckets { min max } } }', { ids: ids.slice(0, 10) });
    expect(light.errors).toBeUndefined();
  });

  it('serves automatic persisted queries: a hash alone once the query was registered', async () => {
    const ws = workspace();
    const query = `{ workspace { name } ${randomId('alias')}: workspace { name } }`;
    const unknown = await persistedGet(url, ws, query, false);
    expect(unknown.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await persistedGet(url, ws, query, true)).data).toMatchObject({ workspace: { name: ws } });
    const byHash = await persistedGet(url, ws, query, false);
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toMatchObject({ workspace: { name: ws } });
  });
});

describe('batching', () => {
  it('a page of 100 runs with params, metrics, experiment and 10 downsampled series each runs a fixed number of SQL statements', async () => {
    const ws = workspace();
    const experimentId = await createExperiment(ws);
    const commands = server.app.get(RunCommandsHandler);
    const principal = localPrincipal(ws);
    const ctx = { workspaceId: ws, actor: principal.id, principal, ability: abilityFor(principal), requestId: randomId('req'), now: Date.now() };
    const keys = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const runIds = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const runId = await commands.create(ctx, { experimentId, tags: [] });
        const metrics = keys.flatMap((key) => Array.from({ length: 20 }, (_, step) => ({ key, value: step * i, timestamp: step, step, modelId: '', datasetName: '', datasetDigest: '' })));
        await commands.logBatch(ctx, runId, { metrics, params: [{ key: 'lr', value: `${i}` }] });
        return runId;
      }),
    );
    const statements = jest.spyOn(Database.prototype, 'query');
    try {
      const data = await gqlData<{ runs: { totalCount: number; edges: { node: { params: unknown[]; latestMetrics: unknown[]; experiment: { id: string }; s: { count: number }[] } }[] } }>(
        url,
        ws,
        `query($e: ID!, $keys: [String!]!) { runs(experimentIds: [$e], first: 100) { totalCount edges { node {
          id params { key value } latestMetrics { key value } experiment { id name }
          s0: metricSeries(key: "m0", buckets: 5) { count } s9: metricSeries(key: "m9", buckets: 5) { count } } } }
          metricSeries(runIds: [], keys: $keys) { key } }`,
        { e: experimentId, keys },
      );
      expect(data.runs.totalCount).toBe(100);
      expect(data.runs.edges.every((e) => e.node.params.length === 1 && e.node.latestMetrics.length === 10 && e.node.experiment.id === experimentId)).toBe(true);
      const reads = statements.mock.calls.map(([sql]) => statementText(sql)).filter((sql) => /\btracking\.(runs|experiments|metrics|latest_metrics|events)\b/.test(sql));
      // ensureDefault's probe is cached per workspace: page (the search returns whole runs) + count + experiments + series (1) = 4,
      // plus the permission filters, one per kind of load: readable experiments of the page's search and of its count,
      // of the experiment loader, and readable runs of the series loader = 8, plus the runs' stream versions that
      // the series cache checks = 9, however many runs the page holds.
      expect(reads.map((sql) => sql.trim().split(/\s+/).slice(0, 3).join(' '))).toHaveLength(9);
    } finally {
      statements.mockRestore();
    }
    expect(runIds).toHaveLength(100);
  });
});

describe('subscriptions over graphql-ws', () => {
  it('live metric points for a run and for an experiment, filtered by key', async () => {
    const ws = workspace();
    const experimentId = await createExperiment(ws);
    const runId = await createRun(ws, experimentId);
    const byRun = subscribe<Metrics>(url, ws, metricsQuery, { r: runId, k: ['acc'] });
    const byExperiment = subscribe<Metrics>(url, ws, metricsQuery, { e: experimentId });
    try {
      // Log until both subscriptions are live; each batch carries a new step.
      for (let step = 0; byRun.received.length === 0 || byExperiment.received.length === 0; step += 1) {
        if (step > 100) throw new Error('subscriptions never received a point');
        await gqlData(url, ws, logBatch, { r: runId, b: { metrics: [{ key: 'acc', value: 'Infinity', timestamp: step, step }, { key: 'loss', value: 1, timestamp: step, step }] } });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await byRun.until((items) => items.length > 0);
      expect(byRun.received[0].metricsLogged).toMatchObject({ runId, experimentId, metrics: [{ key: 'acc', value: 'Infinity' }] });
      expect(byExperiment.received[0].metricsLogged.metrics.map((m) => m.key)).toEqual(['acc', 'loss']);
      expect(server.app.get(LiveTrackingFeed).listening).toBe(2);
    } finally {
      byRun.close();
      byExperiment.close();
    }
    // Closed subscriptions stop the feed decoding events for them.
    await waitFor('the feed to drop both listeners', () => server.app.get(LiveTrackingFeed).listening === 0, 10_000);
  });

  it('run status changes for a run', async () => {
    const ws = workspace();
    const runId = await createRun(ws, await createExperiment(ws));
    const changes = subscribe<{ runChanged: { change: string; status: string | null; lifecycleStage: string | null } }>(
      url,
      ws,
      'subscription($r: ID) { runChanged(runId: $r) { runId change status lifecycleStage } }',
      { r: runId },
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await gqlData(url, ws, 'mutation($id: ID!) { updateRun(id: $id, input: { status: FAILED }) { id } }', { id: runId });
      await gqlData(url, ws, 'mutation($id: ID!) { deleteRun(id: $id) { id } }', { id: runId });
      // The run's creation may still be on its way through the relay when the subscription starts.
      const later = () => changes.received.map((c) => c.runChanged).filter((c) => c.change !== 'RunCreated');
      await changes.until(() => later().length >= 2);
      expect(later()).toEqual([
        { runId, change: 'RunUpdated', status: 'FAILED', lifecycleStage: null },
        { runId, change: 'RunDeleted', status: null, lifecycleStage: 'deleted' },
      ]);
    } finally {
      changes.close();
    }
  });

  it('a subscription needs exactly one scope, and says so with a code', async () => {
    const bad = subscribe(url, workspace(), 'subscription { runChanged { runId } }');
    try {
      await expect(bad.until(() => false, 3000)).rejects.toThrow(/INVALID_ARGUMENT/);
    } finally {
      bad.close();
    }
  });
});

describe('workspace isolation', () => {
  it('a run of workspace A is invisible when querying or mutating as workspace B', async () => {
    const [a, b] = [workspace(), workspace()];
    const experimentId = await createExperiment(a);
    const runId = await createRun(a, experimentId);
    await gqlData(url, a, logBatch, { r: runId, b: { metrics: [{ key: 'acc', value: 1, timestamp: 1 }] } });
    const asB = await gqlData<Record<string, unknown>>(
      url,
      b,
      `query($r: ID!, $e: ID!) { run(id: $r) { id } experiment(id: $e) { id } runs(experimentIds: [$e]) { totalCount edges { node { id } } }
        compareRuns(runIds: [$r], metricKeys: ["acc"]) { run { id } } metricSeries(runIds: [$r], keys: ["acc"]) { buckets { count } } }`,
      { r: runId, e: experimentId },
    );
    expect(asB).toEqual({ run: null, experiment: null, runs: { totalCount: 0, edges: [] }, compareRuns: [], metricSeries: [{ buckets: [] }] });
    const update = await gql(url, b, 'mutation($r: ID!) { updateRun(id: $r, input: { status: KILLED }) { id } }', { r: runId });
    expect(update.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('a subscriber in workspace B never receives events of workspace A, even for the same experiment id', async () => {
    const [a, b] = [workspace(), workspace()];
    const [runA, runB] = [await createRun(a, '0'), await createRun(b, '0')];
    const inA = subscribe<Metrics>(url, a, metricsQuery, { e: '0' });
    const inB = subscribe<Metrics>(url, b, metricsQuery, { e: '0' });
    const snooping = subscribe<Metrics>(url, b, metricsQuery, { r: runA });
    try {
      for (let step = 0; inA.received.length === 0 || inB.received.length === 0; step += 1) {
        if (step > 100) throw new Error('subscriptions never received a point');
        await gqlData(url, a, logBatch, { r: runA, b: { metrics: [{ key: 'acc', value: 1, timestamp: step, step }] } });
        await gqlData(url, b, logBatch, { r: runB, b: { metrics: [{ key: 'acc', value: 2, timestamp: step, step }] } });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(inA.received.every((m) => m.metricsLogged.runId === runA)).toBe(true);
      expect(inB.received.every((m) => m.metricsLogged.runId === runB)).toBe(true);
      expect(snooping.received).toEqual([]);
    } finally {
      inA.close();
      inB.close();
      snooping.close();
    }
  });
});

import { trackingEvents, type TrackingEvent, type trackingV1 } from '@chronicle/contracts';
import type { Queryable } from '@chronicle/database';
import { EventStore, liveTables, rebuildProjection, type Projection, type StoredEvent } from '@chronicle/eventstore';
import { freshSchema, randomId, testMetadata, type FreshSchema } from '@chronicle/testing';
import { experimentPermissionsProjection } from './experiment-permissions.projection';
import { experimentsProjection } from './experiments.projection';
import { trackingProjections } from './index';
import { loggedModelsProjection } from './logged-models.projection';
import { metricHistoryProjection } from './metric-history.projection';
import { runsProjection } from './runs.projection';

type AnyProjection = Projection<TrackingEvent>;
type Row = Record<string, unknown>;

let fx: FreshSchema;
let store: EventStore<TrackingEvent>;
/** Every event appended by the current test, in append order. */
let history: StoredEvent<TrackingEvent>[];
let ws: string;

beforeAll(async () => {
  fx = await freshSchema(trackingProjections as unknown as Projection<never>[], 'tracking_proj_it');
  store = new EventStore(fx.db, fx.schema, trackingEvents, trackingProjections);
});

afterAll(async () => {
  await fx.drop();
});

beforeEach(() => {
  ws = randomId('ws');
  history = [];
});

/** Appends events to one stream and applies the inline projections, in one transaction. */
async function append(streamId: string, ...events: TrackingEvent[]): Promise<StoredEvent<TrackingEvent>[]> {
  const stored = await fx.db.transaction(async (tx) => {
    const s = await store.append(tx, { workspaceId: ws, streamId, expectedVersion: 'any', events, metadata: testMetadata() });
    await store.project(tx, s);
    return s;
  });
  history.push(...stored);
  return stored;
}

/** Every row of a projection's tables, ordered by all columns. */
async function snapshot(projection: AnyProjection, q: Queryable = fx.db): Promise<Record<string, Row[]>> {
  const result: Record<string, Row[]> = {};
  for (const table of Object.keys(projection.tables)) {
    const columns = await q.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [fx.schema, table],
    );
    expect(columns.length).toBeGreaterThan(0);
    const order = columns.map((c) => `"${c.column_name}"`).join(', ');
    result[table] = await q.query<Row>(`SELECT * FROM ${fx.schema}.${table} ORDER BY ${order}`);
  }
  return result;
}

class RolledBack extends Error {}

/**
 * Applies the given events to the projection again and returns the rows before and after; the
 * second application is rolled back, so a failure here does not leak into later tests.
 */
async function applyTwice(projection: AnyProjection, events: StoredEvent<TrackingEvent>[] = history) {
  const before = await snapshot(projection);
  let after: Record<string, Row[]> = {};
  await fx.db
    .transaction(async (tx) => {
      await projection.apply(events, tx, liveTables(fx.schema, projection));
      after = await snapshot(projection, tx);
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return { before, after };
}

const rows = (sql: string, params: unknown[] = [ws]) => fx.db.query<Row>(sql.replaceAll('$schema', fx.schema), params);

// ---- event builders -------------------------------------------------------------------------

const tag = (key: string, value: string): trackingV1.Tag => ({ key, value });
const point = (key: string, value: number, timestamp: number, step: number, modelId = ''): trackingV1.MetricPoint => ({
  key,
  value,
  timestamp,
  step,
  modelId,
  datasetName: modelId ? 'eval-ds' : '',
  datasetDigest: modelId ? 'd1' : '',
});

const ev = {
  experimentCreated: (experimentId: string, name: string, tags: trackingV1.Tag[] = [], creationTime = 1000): TrackingEvent => ({
    type: 'ExperimentCreated',
    data: { experimentId, name, artifactLocation: `s3://bucket/${experimentId}`, creationTime, tags },
  }),
  experimentRenamed: (experimentId: string, name: string, time: number): TrackingEvent => ({ type: 'ExperimentRenamed', data: { experimentId, name, time } }),
  experimentDeleted: (experimentId: string, time: number): TrackingEvent => ({ type: 'ExperimentDeleted', data: { experimentId, time } }),
  experimentRestored: (experimentId: string, time: number): TrackingEvent => ({ type: 'ExperimentRestored', data: { experimentId, time } }),
  experimentTagSet: (experimentId: string, key: string, value: string, time: number): TrackingEvent => ({
    type: 'ExperimentTagSet',
    data: { experimentId, tag: tag(key, value), time },
  }),
  experimentTagDeleted: (experimentId: string, key: string, time: number): TrackingEvent => ({ type: 'ExperimentTagDeleted', data: { experimentId, key, time } }),
  permissionGranted: (experimentId: string, principalId: string, permission: string): TrackingEvent => ({
    type: 'ExperimentPermissionGranted',
    data: { experimentId, principalId, permission, time: 1 },
  }),
  permissionRevoked: (experimentId: string, principalId: string): TrackingEvent => ({
    type: 'ExperimentPermissionRevoked',
    data: { experimentId, principalId, time: 1 },
  }),
  runCreated: (runId: string, experimentId: string, runName: string, tags: trackingV1.Tag[] = [], startTime = 2000): TrackingEvent => ({
    type: 'RunCreated',
    data: { runId, experimentId, runName, userId: 'ada', startTime, artifactUri: `s3://bucket/${experimentId}/${runId}`, tags },
  }),
  runUpdated: (runId: string, status: string, endTime?: number, runName = ''): TrackingEvent => ({ type: 'RunUpdated', data: { runId, status, endTime, runName } }),
  runDeleted: (runId: string, time: number): TrackingEvent => ({ type: 'RunDeleted', data: { runId, time } }),
  runRestored: (runId: string, time: number): TrackingEvent => ({ type: 'RunRestored', data: { runId, time } }),
  params: (runId: string, ...params: [string, string][]): TrackingEvent => ({
    type: 'ParamsLogged',
    data: { runId, params: params.map(([key, value]) => ({ key, value })) },
  }),
  tags: (runId: string, ...tags: [string, string][]): TrackingEvent => ({ type: 'RunTagsSet', data: { runId, tags: tags.map(([k, v]) => tag(k, v)) } }),
  tagDeleted: (runId: string, key: string): TrackingEvent => ({ type: 'RunTagDeleted', data: { runId, key } }),
  metrics: (runId: string, ...metrics: trackingV1.MetricPoint[]): TrackingEvent => ({ type: 'MetricsLogged', data: { runId, metrics } }),
  inputs: (runId: string, datasets: trackingV1.DatasetInput[], modelIds: string[] = []): TrackingEvent => ({
    type: 'RunInputsLogged',
    data: { runId, datasets, modelIds },
  }),
  outputs: (runId: string, ...models: [string, number][]): TrackingEvent => ({
    type: 'RunOutputsLogged',
    data: { runId, models: models.map(([modelId, step]) => ({ modelId, step })) },
  }),
  runModelLogged: (runId: string, model: object): TrackingEvent => ({ type: 'RunModelLogged', data: { runId, modelJson: JSON.stringify(model) } }),
  modelCreated: (modelId: string, experimentId: string, sourceRunId: string, tags: trackingV1.Tag[] = [], params: trackingV1.Param[] = []): TrackingEvent => ({
    type: 'LoggedModelCreated',
    data: { modelId, experimentId, name: `model-${modelId}`, modelType: 'sklearn', sourceRunId, artifactUri: `s3://m/${modelId}`, creationTime: 5000, params, tags },
  }),
  modelFinalized: (modelId: string, status: string, time: number): TrackingEvent => ({ type: 'LoggedModelFinalized', data: { modelId, status, time } }),
  modelDeleted: (modelId: string, time: number): TrackingEvent => ({ type: 'LoggedModelDeleted', data: { modelId, time } }),
  modelTagsSet: (modelId: string, time: number, ...tags: [string, string][]): TrackingEvent => ({
    type: 'LoggedModelTagsSet',
    data: { modelId, tags: tags.map(([k, v]) => tag(k, v)), time },
  }),
  modelTagDeleted: (modelId: string, key: string, time: number): TrackingEvent => ({ type: 'LoggedModelTagDeleted', data: { modelId, key, time } }),
  modelParams: (modelId: string, time: number, ...params: [string, string][]): TrackingEvent => ({
    type: 'LoggedModelParamsLogged',
    data: { modelId, params: params.map(([key, value]) => ({ key, value })), time },
  }),
};

const dataset = (name: string, digest: string, context?: string): trackingV1.DatasetInput => ({
  dataset: { name, digest, sourceType: 'local', source: '{"uri":"/data"}', schema: '{}', profile: '{"rows":10}' },
  tags: context === undefined ? [] : [tag('mlflow.data.context', context)],
});

// ---- histories ------------------------------------------------------------------------------

async function experimentHistory() {
  await append('exp-1', ev.experimentCreated('1', 'first', [tag('team', 'vision'), tag('stage', 'dev')]));
  await append('exp-1', ev.experimentRenamed('1', 'renamed', 1100), ev.experimentTagSet('1', 'stage', 'prod', 1200));
  await append('exp-1', ev.experimentTagDeleted('1', 'team', 1300), ev.experimentTagSet('1', 'owner', 'ada', 1350));
  await append('exp-1', ev.experimentDeleted('1', 1400));
  await append('exp-2', ev.experimentCreated('2', 'second', [], 1500), ev.experimentDeleted('2', 1600), ev.experimentRestored('2', 1700));
  await append('exp-2', ev.permissionGranted('2', 'user:ada', 'MANAGE'), ev.permissionGranted('2', 'user:bob', 'READ'));
  await append('exp-2', ev.permissionGranted('2', 'user:bob', 'EDIT'), ev.permissionGranted('2', 'sa:ci', 'READ'), ev.permissionRevoked('2', 'sa:ci'));
}

async function runHistory() {
  await append('exp-1', ev.experimentCreated('1', 'exp'));
  await append('run-a', ev.runCreated('run-a', '1', 'generated-name', [tag('mlflow.runName', 'alpha'), tag('team', 'vision')]));
  await append('run-a', ev.params('run-a', ['lr', '0.1'], ['depth', '3']), ev.params('run-a', ['lr', '0.5']));
  await append('run-a', ev.tags('run-a', ['team', 'nlp'], ['stage', 'dev']), ev.tagDeleted('run-a', 'stage'));
  await append(
    'run-a',
    ev.metrics('run-a', point('loss', 0.5, 100, 2), point('loss', 0.9, 100, 1), point('acc', 0.1, 50, 0)),
    // out of order: an older step arrives later and must not replace the latest
    ev.metrics('run-a', point('loss', 0.1, 999, 1), point('acc', 0.2, 40, 0), point('acc', 0.3, 50, 0)),
  );
  await append('run-a', ev.metrics('run-a', point('nan', 1, 10, 0), point('nan', Number.NaN, 10, 1)));
  await append('run-a', ev.inputs('run-a', [dataset('train', 'd1', 'training'), dataset('raw', 'd2')], ['m-in']));
  await append('run-a', ev.outputs('run-a', ['m-out', 7]), ev.runModelLogged('run-a', { flavor: 'sklearn', run_id: 'run-a' }));
  await append('run-a', ev.runUpdated('run-a', 'FINISHED', 3000));
  await append('run-b', ev.runCreated('run-b', '1', 'beta'));
  await append('run-c', ev.runCreated('run-c', '1', 'gamma'), ev.runDeleted('run-c', 2500));
  await append('run-d', ev.runCreated('run-d', '1', 'delta'), ev.runUpdated('run-d', '', undefined, 'delta-2'));
  await append('exp-1', ev.experimentDeleted('1', 2600), ev.experimentRestored('1', 2700));
}

async function loggedModelHistory() {
  await append('exp-1', ev.experimentCreated('1', 'exp'));
  await append('run-a', ev.runCreated('run-a', '1', 'alpha'));
  await append('model-1', ev.modelCreated('m-1', '1', 'run-a', [tag('a', '1'), tag('b', '2')], [{ key: 'p', value: 'x' }]));
  await append('model-1', ev.modelTagsSet('m-1', 5100, ['b', '3'], ['c', '4']), ev.modelTagDeleted('m-1', 'a', 5200));
  await append('model-1', ev.modelParams('m-1', 5300, ['q', 'y']), ev.modelFinalized('m-1', 'LOGGED_MODEL_READY', 5400));
  await append('model-2', ev.modelCreated('m-2', '1', 'run-a'), ev.modelDeleted('m-2', 5500));
  await append('run-a', ev.metrics('run-a', point('acc', 0.7, 100, 1, 'm-1'), point('acc', 0.8, 200, 2), point('acc', 0.7, 100, 1, 'm-1')));
}

// ---- experiments ----------------------------------------------------------------------------

describe('experiments projection', () => {
  it('creates with tags, renames, sets and deletes tags, deletes and restores', async () => {
    await experimentHistory();
    expect(await rows(`SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM $schema.experiments WHERE workspace_id = $1 ORDER BY experiment_id`)).toEqual([
      { experiment_id: '1', name: 'renamed', artifact_location: 's3://bucket/1', lifecycle_stage: 'deleted', creation_time: '1000', last_update_time: '1400' },
      { experiment_id: '2', name: 'second', artifact_location: 's3://bucket/2', lifecycle_stage: 'active', creation_time: '1500', last_update_time: '1700' },
    ]);
    expect(await rows(`SELECT experiment_id, key, value FROM $schema.experiment_tags WHERE workspace_id = $1 ORDER BY experiment_id, key`)).toEqual([
      { experiment_id: '1', key: 'owner', value: 'ada' },
      { experiment_id: '1', key: 'stage', value: 'prod' },
    ]);
  });

  it('keeps workspaces apart: same experiment id in another workspace is untouched', async () => {
    await append('exp-1', ev.experimentCreated('1', 'mine'));
    const mine = ws;
    ws = randomId('ws');
    await append('exp-1', ev.experimentCreated('1', 'theirs'), ev.experimentDeleted('1', 9), ev.experimentTagSet('1', 'k', 'v', 9));
    expect(await rows(`SELECT name, lifecycle_stage FROM $schema.experiments WHERE workspace_id = $1`, [mine])).toEqual([{ name: 'mine', lifecycle_stage: 'active' }]);
    expect(await rows(`SELECT * FROM $schema.experiment_tags WHERE workspace_id = $1`, [mine])).toEqual([]);
  });

  it('apply twice gives the same rows', async () => {
    await experimentHistory();
    const { before, after } = await applyTwice(experimentsProjection);
    expect(before.experiments.length).toBeGreaterThan(0);
    expect(after).toEqual(before);
  });
});

describe('experiment-permissions projection', () => {
  it('keeps the latest level per principal and forgets revoked ones', async () => {
    await experimentHistory();
    expect(await rows(`SELECT experiment_id, principal_id, permission FROM $schema.experiment_permissions WHERE workspace_id = $1 ORDER BY principal_id`)).toEqual([
      { experiment_id: '2', principal_id: 'user:ada', permission: 'MANAGE' },
      { experiment_id: '2', principal_id: 'user:bob', permission: 'EDIT' },
    ]);
  });

  it('apply twice gives the same rows', async () => {
    await experimentHistory();
    const { before, after } = await applyTwice(experimentPermissionsProjection);
    expect(before.experiment_permissions.length).toBeGreaterThan(0);
    expect(after).toEqual(before);
  });
});

// ---- runs -----------------------------------------------------------------------------------

describe('runs projection', () => {
  it('takes run_name from the mlflow.runName tag and RunUpdated; params insert once; tags overwrite', async () => {
    await runHistory();
    expect(await rows(`SELECT run_id, run_name, status, end_time FROM $schema.runs WHERE workspace_id = $1 ORDER BY run_id`)).toEqual([
      { run_id: 'run-a', run_name: 'alpha', status: 'FINISHED', end_time: '3000' },
      { run_id: 'run-b', run_name: 'beta', status: 'RUNNING', end_time: null },
      { run_id: 'run-c', run_name: 'gamma', status: 'RUNNING', end_time: null },
      { run_id: 'run-d', run_name: 'delta-2', status: 'RUNNING', end_time: null },
    ]);
    expect(await rows(`SELECT params, tags FROM $schema.runs WHERE workspace_id = $1 AND run_id = 'run-a'`)).toEqual([
      {
        params: { depth: '3', lr: '0.1' },
        tags: {
          'mlflow.log-model.history': JSON.stringify([{ flavor: 'sklearn', run_id: 'run-a' }]),
          'mlflow.runName': 'alpha',
          team: 'nlp',
        },
      },
    ]);
    expect(await rows(`SELECT tags ->> 'mlflow.runName' AS value FROM $schema.runs WHERE workspace_id = $1 AND run_id = 'run-d'`)).toEqual([{ value: 'delta-2' }]);
  });

  it("keeps run_keyed_values equal to each run row's params and tags, through renames, overwrites and deletes", async () => {
    await runHistory();
    const keyed = await rows(
      `SELECT r.run_id, r.experiment_id,
         (SELECT coalesce(jsonb_object_agg(k.key, k.value), '{}') FROM $schema.run_keyed_values k
           WHERE k.workspace_id = r.workspace_id AND k.run_id = r.run_id AND k.experiment_id = r.experiment_id AND k.kind = 'param') = r.params AS params_match,
         (SELECT coalesce(jsonb_object_agg(k.key, k.value), '{}') FROM $schema.run_keyed_values k
           WHERE k.workspace_id = r.workspace_id AND k.run_id = r.run_id AND k.experiment_id = r.experiment_id AND k.kind = 'tag') = r.tags AS tags_match
       FROM $schema.runs r WHERE r.workspace_id = $1 ORDER BY r.run_id`,
    );
    expect(keyed.map((r) => [r.run_id, r.params_match, r.tags_match])).toEqual([
      ['run-a', true, true],
      ['run-b', true, true],
      ['run-c', true, true],
      ['run-d', true, true],
    ]);
    expect(await rows(`SELECT kind, key, value FROM $schema.run_keyed_values WHERE workspace_id = $1 AND run_id = 'run-a' AND key <> 'mlflow.log-model.history' ORDER BY kind, key`)).toEqual([
      { kind: 'param', key: 'depth', value: '3' },
      { kind: 'param', key: 'lr', value: '0.1' },
      { kind: 'tag', key: 'mlflow.runName', value: 'alpha' },
      { kind: 'tag', key: 'team', value: 'nlp' },
    ]);
  });

  it("keeps the latest metric by (step, timestamp, value), across out-of-order batches and NaN, under the run's experiment", async () => {
    await runHistory();
    expect(
      await rows(`SELECT experiment_id, key, value, timestamp, step FROM $schema.latest_metrics WHERE workspace_id = $1 AND run_id = 'run-a' ORDER BY key`),
    ).toEqual([
      { experiment_id: '1', key: 'acc', value: 0.3, timestamp: '50', step: '0' },
      { experiment_id: '1', key: 'loss', value: 0.5, timestamp: '100', step: '2' },
      { experiment_id: '1', key: 'nan', value: Number.NaN, timestamp: '10', step: '1' },
    ]);
    // a later step replaces the NaN; an equal (step, timestamp) with a smaller value does not
    await append('run-a', ev.metrics('run-a', point('nan', 2, 10, 2)), ev.metrics('run-a', point('nan', 1.5, 10, 2)));
    expect(await rows(`SELECT value, step FROM $schema.latest_metrics WHERE workspace_id = $1 AND run_id = 'run-a' AND key = 'nan'`)).toEqual([
      { value: 2, step: '2' },
    ]);
  });

  it('cascades an experiment delete to its runs; restore brings back only runs not deleted on their own', async () => {
    await append('exp-1', ev.experimentCreated('1', 'exp'));
    await append('exp-2', ev.experimentCreated('2', 'other'));
    await append('run-a', ev.runCreated('run-a', '1', 'a'));
    await append('run-b', ev.runCreated('run-b', '1', 'b'), ev.runDeleted('run-b', 10));
    await append('run-x', ev.runCreated('run-x', '2', 'x'));
    const stages = () => rows(`SELECT run_id, lifecycle_stage FROM $schema.runs WHERE workspace_id = $1 ORDER BY run_id`);

    await append('exp-1', ev.experimentDeleted('1', 20));
    expect(await stages()).toEqual([
      { run_id: 'run-a', lifecycle_stage: 'deleted' },
      { run_id: 'run-b', lifecycle_stage: 'deleted' },
      { run_id: 'run-x', lifecycle_stage: 'active' },
    ]);
    await append('exp-1', ev.experimentRestored('1', 30));
    expect(await stages()).toEqual([
      { run_id: 'run-a', lifecycle_stage: 'active' },
      { run_id: 'run-b', lifecycle_stage: 'deleted' },
      { run_id: 'run-x', lifecycle_stage: 'active' },
    ]);
    await append('run-b', ev.runRestored('run-b', 40));
    expect((await stages())[1]).toEqual({ run_id: 'run-b', lifecycle_stage: 'active' });
  });

  it('records dataset inputs with their mlflow.data.context and model links', async () => {
    await runHistory();
    expect(
      await rows(`SELECT dataset_name, dataset_digest, source_type, profile, context, tags FROM $schema.run_dataset_inputs WHERE workspace_id = $1 ORDER BY dataset_name`),
    ).toEqual([
      { dataset_name: 'raw', dataset_digest: 'd2', source_type: 'local', profile: '{"rows":10}', context: null, tags: [] },
      { dataset_name: 'train', dataset_digest: 'd1', source_type: 'local', profile: '{"rows":10}', context: 'training', tags: [tag('mlflow.data.context', 'training')] },
    ]);
    expect(await rows(`SELECT run_id, direction, model_id, step FROM $schema.run_model_links WHERE workspace_id = $1 ORDER BY direction`)).toEqual([
      { run_id: 'run-a', direction: 'input', model_id: 'm-in', step: null },
      { run_id: 'run-a', direction: 'output', model_id: 'm-out', step: '7' },
    ]);
  });

  it("keeps each run's MLflow JSON in step with its rows, through updates, renames, deletes, cascades, inputs and outputs", async () => {
    await runHistory();
    await append('run-b', ev.runUpdated('run-b', 'FAILED', 4000), ev.runDeleted('run-b', 4100));
    const runs = await rows(
      `SELECT r.run_id, r.run_name, r.status, r.end_time, r.lifecycle_stage, r.params, r.tags,
         '{"info":' || j.info || ',"data":' || j.data || ',' || j.inputs_outputs || '}' AS json
       FROM $schema.runs r JOIN $schema.run_json j USING (workspace_id, run_id) WHERE r.workspace_id = $1 ORDER BY r.run_id`,
    );
    expect(runs.map((r) => r.run_id)).toEqual(['run-a', 'run-b', 'run-c', 'run-d']);
    for (const r of runs) {
      const { info, data } = JSON.parse(r.json as string);
      expect(info).toEqual({
        run_id: r.run_id,
        run_uuid: r.run_id,
        run_name: r.run_name,
        experiment_id: '1',
        user_id: expect.any(String),
        status: r.status,
        start_time: expect.any(Number),
        ...(r.end_time === null ? {} : { end_time: Number(r.end_time) }),
        artifact_uri: expect.any(String),
        lifecycle_stage: r.lifecycle_stage,
      });
      const byKey = (entries: { key: string; value: string }[]) => Object.fromEntries(entries.map((e) => [e.key, e.value]));
      expect(byKey(data.params)).toEqual(r.params);
      expect(byKey(data.tags)).toEqual(r.tags);
    }
    const [a, b, c, d] = runs.map((r) => JSON.parse(r.json as string));
    expect([a.info.status, a.info.end_time, a.info.run_name]).toEqual(['FINISHED', 3000, 'alpha']);
    expect([b.info.status, b.info.end_time, b.info.lifecycle_stage]).toEqual(['FAILED', 4000, 'deleted']);
    expect(c.info.lifecycle_stage).toBe('deleted');
    expect(d.info.run_name).toBe('delta-2');
    expect(a.data.metrics).toEqual([
      { key: 'acc', value: 0.3, timestamp: 50, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 100, step: 2 },
      { key: 'nan', value: 'NaN', timestamp: 10, step: 1 },
    ]);
    expect(a.inputs.dataset_inputs.map((i: { dataset: { name: string } }) => i.dataset.name).sort()).toEqual(['raw', 'train']);
    expect(a.inputs.model_inputs).toEqual([{ model_id: 'm-in' }]);
    expect(a.outputs).toEqual({ model_outputs: [{ model_id: 'm-out', step: 7 }] });
    expect(b.inputs).toEqual({ dataset_inputs: [], model_inputs: [] });
    expect(b.outputs).toEqual({ model_outputs: [] });
  });

  it('apply twice gives the same rows', async () => {
    await runHistory();
    const { before, after } = await applyTwice(runsProjection);
    expect(before.runs.length).toBeGreaterThan(0);
    expect(after).toEqual(before);
  });
});

// ---- metric history -------------------------------------------------------------------------

describe('metric-history projection', () => {
  it('keeps identical points once and orders by timestamp, step, value', async () => {
    await append('run-a', ev.runCreated('run-a', '1', 'a'));
    await append('run-a', ev.metrics('run-a', point('loss', 0.5, 300, 1), point('loss', 0.5, 300, 1), point('loss', 0.4, 100, 2)));
    await append('run-a', ev.metrics('run-a', point('loss', 0.5, 300, 1), point('loss', 0.6, 100, 2), point('loss', 0.9, 100, 0), point('acc', 1, 1, 1)));
    expect(
      await rows(
        `SELECT c.key, p.timestamp, p.step, p.value FROM $schema.metrics c, unnest(c.steps, c.timestamps, c.metric_values) AS p(step, timestamp, value)
         WHERE c.workspace_id = $1 AND c.run_id = 'run-a' AND c.key = 'loss' ORDER BY timestamp, step, value`,
      ),
    ).toEqual([
      { key: 'loss', timestamp: '100', step: '0', value: 0.9 },
      { key: 'loss', timestamp: '100', step: '2', value: 0.4 },
      { key: 'loss', timestamp: '100', step: '2', value: 0.6 },
      { key: 'loss', timestamp: '300', step: '1', value: 0.5 },
    ]);
    expect(await rows(`SELECT sum(cardinality(steps))::int AS n, sum(count)::int AS counted FROM $schema.metrics WHERE workspace_id = $1`)).toEqual([{ n: 5, counted: 5 }]);
    // One chunk per event and key; the second event's loss chunk holds only its two new points.
    expect(await rows(`SELECT key, count, min_step, max_step, min_timestamp, max_timestamp FROM $schema.metrics WHERE workspace_id = $1 ORDER BY position, key`)).toEqual([
      { key: 'loss', count: 2, min_step: '1', max_step: '2', min_timestamp: '100', max_timestamp: '300' },
      { key: 'acc', count: 1, min_step: '1', max_step: '1', min_timestamp: '1', max_timestamp: '1' },
      { key: 'loss', count: 2, min_step: '0', max_step: '2', min_timestamp: '100', max_timestamp: '100' },
    ]);
  });

  it('apply twice gives the same rows', async () => {
    await runHistory();
    const { before, after } = await applyTwice(metricHistoryProjection);
    expect(before.metrics.length).toBeGreaterThan(0);
    expect(after).toEqual(before);
  });
});

// ---- logged models --------------------------------------------------------------------------

describe('logged-models projection', () => {
  it('creates PENDING, finalizes, sets and deletes tags, logs params, flags deletion', async () => {
    await loggedModelHistory();
    expect(
      await rows(`SELECT model_id, experiment_id, source_run_id, status, creation_time, last_updated_time, deleted, tags, params FROM $schema.logged_models WHERE workspace_id = $1 ORDER BY model_id`),
    ).toEqual([
      {
        model_id: 'm-1', experiment_id: '1', source_run_id: 'run-a', status: 'LOGGED_MODEL_READY', creation_time: '5000', last_updated_time: '5400',
        deleted: false, tags: { b: '3', c: '4' }, params: { p: 'x', q: 'y' },
      },
      {
        model_id: 'm-2', experiment_id: '1', source_run_id: 'run-a', status: 'LOGGED_MODEL_PENDING', creation_time: '5000', last_updated_time: '5500',
        deleted: true, tags: {}, params: {},
      },
    ]);
  });

  it('a new model is LOGGED_MODEL_PENDING', async () => {
    await append('model-9', ev.modelCreated('m-9', '1', 'run-a'));
    expect(await rows(`SELECT status, deleted FROM $schema.logged_models WHERE workspace_id = $1`)).toEqual([{ status: 'LOGGED_MODEL_PENDING', deleted: false }]);
  });

  it('metrics logged with a model_id land in logged_model_metrics, once', async () => {
    await loggedModelHistory();
    expect(await rows(`SELECT model_id, key, value, timestamp, step, run_id, dataset_name, dataset_digest FROM $schema.logged_model_metrics WHERE workspace_id = $1`)).toEqual([
      { model_id: 'm-1', key: 'acc', value: 0.7, timestamp: '100', step: '1', run_id: 'run-a', dataset_name: 'eval-ds', dataset_digest: 'd1' },
    ]);
  });

  it('apply twice gives the same rows', async () => {
    await loggedModelHistory();
    const { before, after } = await applyTwice(loggedModelsProjection);
    expect(before.logged_models.length).toBeGreaterThan(0);
    expect(before.logged_model_metrics.length).toBeGreaterThan(0);
    expect(after).toEqual(before);
  });
});

// ---- rebuild --------------------------------------------------------------------------------

describe('rebuild from the log', () => {
  beforeEach(async () => {
    // A mixed history in two workspaces, on top of whatever earlier tests left in the log.
    await experimentHistory();
    ws = randomId('ws');
    await runHistory();
    ws = randomId('ws');
    await loggedModelHistory();
  });

  it.each(trackingProjections.map((p) => [p.name, p] as const))('%s: rebuild equals inline', async (_name, projection) => {
    const before = await snapshot(projection);
    const progress = await rebuildProjection(fx.db, store, projection);
    expect(progress.replayed).toBeGreaterThan(0);
    expect(await snapshot(projection)).toEqual(before);
  });
});

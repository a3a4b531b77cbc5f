import { randomId } from '@chronicle/testing';
import { startGraphqlTestServer, type GraphqlTestServer } from '../graphql/graphql.test-server';

// runs/search and runs/get send the MLflow JSON Postgres builds from the runs projection: it must
// be MLflow's JSON exactly (non-finite metrics as strings, unset fields left out, lists by key),
// and both endpoints must say the same thing about a run, key order included.
let server: GraphqlTestServer;
beforeAll(async () => {
  server = await startGraphqlTestServer();
});
afterAll(() => server.close());

const workspace = randomId('ws').replaceAll('_', '-');

async function rest<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-mlflow-workspace': workspace },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(text) as T;
}

type Run = { info: { run_id: string } };

describe('runs/search JSON', () => {
  let experimentId: string;
  const runIds: string[] = [];

  beforeAll(async () => {
    ({ experiment_id: experimentId } = await rest<{ experiment_id: string }>('POST', 'experiments/create', { name: randomId('exp') }));
    for (const name of ['full', 'finished', 'empty']) {
      const { run } = await rest<{ run: Run }>('POST', 'runs/create', { experiment_id: experimentId, run_name: name, start_time: 1000 + runIds.length });
      runIds.push(run.info.run_id);
    }
    const [full, finished] = runIds;
    const metric = (key: string, value: number | string) => ({ key, value, timestamp: 1_700_000_000_123, step: 3 });
    await rest('POST', 'runs/log-batch', {
      run_id: full,
      metrics: [metric('acc', 0.30000000000000004), metric('tiny', 1e-7), metric('huge', 1.5e300), metric('nan', 'NaN'), metric('inf', 'Infinity'), metric('-inf', '-Infinity'), metric('int', 2)],
      params: [{ key: 'lr', value: '0.1' }, { key: 'B', value: 'x'.repeat(6000) }, { key: 'quote', value: 'a "b" \\ c' }],
      tags: [{ key: 'team', value: 'vision' }, { key: 'a b:c/d', value: 'ünïcode ✓' }],
    });
    const { model } = await rest<{ model: { info: { model_id: string } } }>('POST', 'logged-models', { experiment_id: experimentId, name: 'm' });
    await rest('POST', 'runs/log-inputs', {
      run_id: full,
      datasets: [
        { tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'd1', digest: 'a', source_type: 'local', source: '/x', schema: '{"s":1}', profile: '{"p":2}' } },
        { dataset: { name: 'd2', digest: 'b', source_type: 'local', source: '/y' } },
      ],
      models: [{ model_id: model.info.model_id }],
    });
    await rest('POST', 'runs/outputs', { run_id: full, models: [{ model_id: model.info.model_id, step: 7 }] });
    await rest('POST', 'runs/update', { run_id: finished, status: 'FINISHED', end_time: 5000 });
  });

  it('when searched, then every run is exactly what runs/get returns for it', async () => {
    const { runs, next_page_token } = await rest<{ runs: Run[]; next_page_token?: string }>('POST', 'runs/search', { experiment_ids: [experimentId] });
    expect(runs.map((run) => run.info.run_id)).toEqual([...runIds].reverse());
    expect(next_page_token).toBeUndefined();
    for (const run of runs) {
      const { run: got } = await rest<{ run: Run }>('GET', `runs/get?run_id=${run.info.run_id}`);
      expect(JSON.stringify(run)).toBe(JSON.stringify(got));
    }
  });

  it("when the fullest run is read, then its data, inputs and outputs are MLflow's JSON", async () => {
    const { run } = await rest<{ run: Run & Record<string, unknown> }>('GET', `runs/get?run_id=${runIds[0]}`);
    const metric = (key: string, value: number | string) => ({ key, value, timestamp: 1_700_000_000_123, step: 3 });
    expect(run.data).toEqual({
      metrics: [metric('-inf', '-Infinity'), metric('acc', 0.30000000000000004), metric('huge', 1.5e300), metric('inf', 'Infinity'), metric('int', 2), metric('nan', 'NaN'), metric('tiny', 1e-7)],
      params: [{ key: 'B', value: 'x'.repeat(6000) }, { key: 'lr', value: '0.1' }, { key: 'quote', value: 'a "b" \\ c' }],
      tags: [{ key: 'a b:c/d', value: 'ünïcode ✓' }, { key: 'mlflow.runName', value: 'full' }, { key: 'team', value: 'vision' }],
    });
    const modelId = (run.inputs as { model_inputs: { model_id: string }[] }).model_inputs[0]?.model_id;
    expect(run.inputs).toEqual({
      dataset_inputs: [
        { tags: [{ key: 'mlflow.data.context', value: 'train' }], dataset: { name: 'd1', digest: 'a', source_type: 'local', source: '/x', schema: '{"s":1}', profile: '{"p":2}' } },
        { tags: [], dataset: { name: 'd2', digest: 'b', source_type: 'local', source: '/y' } },
      ],
      model_inputs: [{ model_id: modelId }],
    });
    expect(run.outputs).toEqual({ model_outputs: [{ model_id: modelId, step: 7 }] });
  });

  it('when a run is running or finished, then end_time is left out or set, and runs/update answers its run_info', async () => {
    const [, finished, empty] = runIds;
    const { run: running } = await rest<{ run: { info: Record<string, unknown> } }>('GET', `runs/get?run_id=${empty}`);
    expect(running.info).toEqual({
      run_id: empty, run_uuid: empty, run_name: 'empty', experiment_id: experimentId, user_id: '', status: 'RUNNING', start_time: 1002,
      artifact_uri: expect.any(String), lifecycle_stage: 'active',
    });
    const { run_info } = await rest<{ run_info: Record<string, unknown> }>('POST', 'runs/update', { run_id: finished, status: 'FINISHED', end_time: 6000 });
    expect(run_info).toMatchObject({ run_id: finished, status: 'FINISHED', start_time: 1001, end_time: 6000 });
    expect(Object.keys(run_info)).toEqual(['run_id', 'run_uuid', 'run_name', 'experiment_id', 'user_id', 'status', 'start_time', 'end_time', 'artifact_uri', 'lifecycle_stage']);
  });

  it('when a page is full, then the token follows the runs; when nothing matches, then runs is empty', async () => {
    const page = await rest<{ runs: Run[]; next_page_token?: string }>('POST', 'runs/search', { experiment_ids: [experimentId], max_results: 2 });
    expect(Object.keys(page)).toEqual(['runs', 'next_page_token']);
    expect(page.runs).toHaveLength(2);
    expect(await rest('POST', 'runs/search', { experiment_ids: [experimentId], filter: "params.lr = 'none'" })).toEqual({ runs: [] });
  });
});

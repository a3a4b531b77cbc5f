import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlflow, startEmbeddedServer, stopServer } from './embedded-server';

// The embedded default keeps what it acknowledged: across a clean restart and across kill -9.
describe('embedded server durability', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-durability-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses no acknowledged write to kill -9, and shuts down cleanly on SIGTERM', async () => {
    let server = await startEmbeddedServer(dataDir);
    const { experiment_id } = await mlflow<{ experiment_id: string }>(server.url, 'experiments/create', { name: 'durable' });
    const { run } = await mlflow<{ run: { info: { run_id: string } } }>(server.url, 'runs/create', { experiment_id });
    const runId = run.info.run_id;
    const acknowledged = 50;
    for (let step = 0; step < acknowledged; step++) {
      await mlflow(server.url, 'runs/log-metric', { run_id: runId, key: 'loss', value: step / 10, timestamp: 1000 + step, step });
    }
    await mlflow(server.url, 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' });

    expect(await stopServer(server, 'SIGKILL')).toBeNull();
    server = await startEmbeddedServer(dataDir);
    const history = await mlflow<{ metrics: { step: number }[] }>(server.url, `metrics/get-history?run_id=${runId}&metric_key=loss`);
    expect(history.metrics.map((m) => m.step)).toEqual([...Array(acknowledged).keys()]);
    const got = await mlflow<{ run: { data: { params: { key: string; value: string }[] } } }>(server.url, `runs/get?run_id=${runId}`);
    expect(got.run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);

    expect(await stopServer(server, 'SIGTERM')).toBe(0);
    server = await startEmbeddedServer(dataDir);
    const experiment = await mlflow<{ experiment: { name: string } }>(server.url, `experiments/get?experiment_id=${experiment_id}`);
    expect(experiment.experiment.name).toBe('durable');
    expect(await stopServer(server, 'SIGINT')).toBe(0);
  }, 180_000);
});

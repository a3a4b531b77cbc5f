import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlflow, startEmbeddedServer, stopServer } from './embedded-server';

interface ExperimentList {
  experiments?: { name: string }[];
}

const experimentNames = async (url: string) =>
  ((await mlflow<ExperimentList>(url, 'experiments/search', { max_results: 100 })).experiments ?? []).map((e) => e.name);

// New data dirs start as copies of one template cluster: each copy is its own database.
describe('embedded server on new data dirs', () => {
  const root = mkdtempSync(join(tmpdir(), 'chronicle-template-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gives every new data dir its own database, and each keeps its writes', async () => {
    const first = join(root, 'first');
    const second = join(root, 'second');

    let server = await startEmbeddedServer(first);
    await mlflow(server.url, 'experiments/create', { name: 'only-in-first' });
    expect(await stopServer(server, 'SIGTERM')).toBe(0);

    server = await startEmbeddedServer(second);
    expect(await experimentNames(server.url)).not.toContain('only-in-first');
    await mlflow(server.url, 'experiments/create', { name: 'only-in-second' });
    expect(await stopServer(server, 'SIGTERM')).toBe(0);

    server = await startEmbeddedServer(first);
    const names = await experimentNames(server.url);
    expect(names).toContain('only-in-first');
    expect(names).not.toContain('only-in-second');
    expect(await stopServer(server, 'SIGTERM')).toBe(0);
  }, 180_000);
});

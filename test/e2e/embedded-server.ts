import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

// This file runs from test/e2e (Jest) and from dist/test/e2e (benchmarks); both find the build.
const repoRoot = __dirname.replace(/[/\\](dist[/\\])?test[/\\]e2e$/, '');
const cli = join(repoRoot, 'dist/services/cli/src/main.js');

// Auth stays on, as it ships; the first start creates this administrator, later starts keep it.
const adminPassword = 'embedded-test-password';
const authorization = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`;

export interface RunningServer {
  url: string;
  process: ChildProcess;
  /** Milliseconds from spawn to the first successful /ready. */
  startupMs: number;
}

/**
 * Starts the built `chronicle server` in embedded mode on a data dir and waits until it is ready.
 * It listens on a port the kernel picks (a port chosen here could be taken by the time the server
 * binds it) and the URL is read from the server's banner.
 */
export async function startEmbeddedServer(dataDir: string): Promise<RunningServer> {
  const startedAt = performance.now();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHRONICLE_LOG_LEVEL: 'warn',
    CHRONICLE_ARTIFACT_STORE: 'local',
    CHRONICLE_ADMIN_USERNAME: 'admin',
    CHRONICLE_ADMIN_PASSWORD: adminPassword,
  };
  delete env.CHRONICLE_DATABASE_URL;
  const child = spawn(process.execPath, [cli, 'server', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let banner = '';
  let url: string | undefined;
  // Reading on after the banner keeps the pipe drained, so the server never blocks on a write.
  child.stdout!.on('data', (chunk: Buffer) => {
    if (url !== undefined) return;
    banner += chunk.toString();
    url = /Chronicle is listening on (http:\/\/\S+)/.exec(banner)?.[1];
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ready = url !== undefined && (await fetch(`${url}/ready`).then((r) => r.ok, () => false));
    if (ready) return { url: url!, process: child, startupMs: performance.now() - startedAt };
    if (performance.now() - startedAt > 60_000) throw new Error('server not ready after 60 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function stopServer(server: RunningServer, signal: NodeJS.Signals): Promise<number | null> {
  if (server.process.exitCode !== null) return server.process.exitCode;
  const exited = once(server.process, 'exit');
  server.process.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

export async function mlflow<T = Record<string, unknown>>(url: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/api/2.0/mlflow/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? { authorization } : { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

// Lifecycle of the two servers the tracking benchmark compares (Chronicle and the real MLflow
// server, both on the infra Postgres), the fresh databases they get, and one keep-alive HTTP
// driver for the MLflow REST API both speak.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export const PG = { host: '127.0.0.1', port: 55432, user: 'chronicle', password: 'chronicle' };
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export type SystemName = 'chronicle' | 'mlflow';

export interface Server {
  system: SystemName;
  baseUrl: string;
  port: number;
  database: string;
  logFile: string;
  process: ChildProcess;
  tmpDir: string;
}

export function pgUrl(database: string, scheme = 'postgres'): string {
  return `${scheme}://${PG.user}:${PG.password}@${PG.host}:${PG.port}/${database}`;
}

export async function withPg<T>(database: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...PG, database });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string): Promise<void> {
  await withPg('chronicle', async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    // Collation C, as infra's cluster has it (postgres.sh), on older clusters too.
    await c.query(`CREATE DATABASE ${name} TEMPLATE template0 LC_COLLATE 'C'`);
  });
}

export async function databaseExists(name: string): Promise<boolean> {
  return withPg('chronicle', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

export async function dropDatabase(name: string): Promise<void> {
  await withPg('chronicle', (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

// ---------------------------------------------------------------------------------------------
// HTTP driver

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly what: string,
  ) {
    super(`${what} → HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

// Chronicle runs with authentication on, as it ships; MLflow's server (no auth app) ignores the header.
const benchPassword = 'bench-admin-password';
const authorization = `Basic ${Buffer.from(`admin:${benchPassword}`).toString('base64')}`;

/** One request; resolves with the parsed JSON body, rejects on a non-2xx status. */
export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  method: 'GET' | 'POST',
  pathAndQuery: string,
  body?: unknown,
  timeoutMs = 120_000,
): Promise<T> {
  const text = await callText(baseUrl, method, pathAndQuery, body, timeoutMs);
  return (text ? JSON.parse(text) : {}) as T;
}

/** One request; resolves with the body's text once its last byte is in, rejects on a non-2xx status. */
export async function callText(baseUrl: string, method: 'GET' | 'POST', pathAndQuery: string, body?: unknown, timeoutMs = 120_000): Promise<string> {
  return (await callBytes(baseUrl, method, pathAndQuery, body, timeoutMs)).toString('utf8');
}

/** One request; resolves with the body's bytes once its last byte is in, rejects on a non-2xx status. */
export function callBytes(baseUrl: string, method: 'GET' | 'POST', pathAndQuery: string, body?: unknown, timeoutMs = 120_000): Promise<Buffer> {
  const url = new URL(pathAndQuery, baseUrl);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<Buffer>((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: payload
          ? { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : { authorization },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new HttpError(status, bytes.toString('utf8'), `${method} ${url.pathname}`));
          else resolve(bytes);
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Servers

async function waitHealthy(server: Server, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  server.process.once('exit', (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null) break;
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.get(`${server.baseUrl}/health`, (res) => {
          res.resume();
          if (res.statusCode === 200) resolve();
          else reject(new Error(String(res.statusCode)));
        });
        req.setTimeout(2000, () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  let tail = '';
  try {
    tail = readFileSync(server.logFile, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    // no log yet
  }
  throw new Error(`${server.system} did not become healthy at ${server.baseUrl}\n${tail}`);
}

// Below Linux's ephemeral range (32768–60999), where an outgoing connection could hold the port.
function freePortCandidate(base: number): number {
  return base + Math.floor(Math.random() * 1000);
}

/** How long a server on a kept database may take to start: it first rebuilds bumped projections from its log. */
export const keptDatabaseStartupMs = 3_600_000;

/** `startupMs`: how long to wait for /health (`keptDatabaseStartupMs` on a kept database). */
export async function startChronicle(database: string, startupMs = 90_000): Promise<Server> {
  const tmpDir = mkdtempSync(path.join(tmpdir(), 'chronicle-bench-'));
  const port = freePortCandidate(28000);
  const logFile = path.join(tmpDir, 'server.log');
  const out = openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHRONICLE_DATABASE_URL: pgUrl(database),
    CHRONICLE_ARTIFACT_STORE: 's3',
    CHRONICLE_S3_ENDPOINT: process.env.CHRONICLE_S3_ENDPOINT ?? 'http://127.0.0.1:58080',
    CHRONICLE_S3_ACCESS_KEY: process.env.CHRONICLE_S3_ACCESS_KEY ?? 'chronicle',
    CHRONICLE_S3_SECRET_KEY: process.env.CHRONICLE_S3_SECRET_KEY ?? 'chronicle-secret',
    CHRONICLE_S3_BUCKET: process.env.CHRONICLE_S3_BUCKET ?? 'chronicle-artifacts',
    CHRONICLE_LOG_LEVEL: 'warn',
    // As the image runs it (Dockerfile): graphql-js, for one, skips its development-mode checks.
    NODE_ENV: 'production',
    CHRONICLE_ADMIN_USERNAME: 'admin',
    CHRONICLE_ADMIN_PASSWORD: benchPassword,
  };
  // As the image starts it (Dockerfile), plus e.g. TRACKING_BENCH_SERVER_NODE_ARGS="--cpu-prof
  // --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeArgs = ['--no-memory-reducer', ...(process.env.TRACKING_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      path.join(REPO_ROOT, 'dist/services/cli/src/main.js'),
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--data-dir',
      tmpDir,
    ],
    { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', out, out] },
  );
  const server: Server = {
    system: 'chronicle',
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    database,
    logFile,
    process: child,
    tmpDir,
  };
  await waitHealthy(server, startupMs);
  return server;
}

export async function startMlflow(database: string): Promise<Server> {
  const tmpDir = mkdtempSync(path.join(tmpdir(), 'mlflow-bench-'));
  const port = freePortCandidate(29000);
  const logFile = path.join(tmpDir, 'server.log');
  const out = openSync(logFile, 'a');
  const bin = path.join(REPO_ROOT, 'infra/.cache/venv/bin/mlflow');
  // MLflow 3.17 maps a bare postgresql:// URI to psycopg (v3), which the venv does not have;
  // the driver it ships with is psycopg2.
  const child = spawn(
    bin,
    [
      'server',
      '--backend-store-uri',
      pgUrl(database, 'postgresql+psycopg2'),
      '--artifacts-destination',
      path.join(tmpDir, 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    {
      cwd: tmpDir,
      // MLflow 3.x also starts a job runner with ~8 huey consumer processes (GenAI jobs) that
      // poll and eat CPU on a 2-core box; tracking does not use them.
      env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
      detached: true,
      stdio: ['ignore', out, out],
    },
  );
  const server: Server = {
    system: 'mlflow',
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    database,
    logFile,
    process: child,
    tmpDir,
  };
  await waitHealthy(server, 180_000);
  return server;
}

/** SIGTERM the server's whole process group (uvicorn workers too), SIGKILL after 10 s. */
export async function stopServer(server: Server): Promise<void> {
  const pid = server.process.pid;
  if (pid === undefined || server.process.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.process.once('exit', () => resolve()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
  // uvicorn workers can outlive the parent for a moment
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // group gone
  }
  rmSync(server.tmpDir, { recursive: true, force: true });
}

export function closeHttp(): void {
  agent.destroy();
}

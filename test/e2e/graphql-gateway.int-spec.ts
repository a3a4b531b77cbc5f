import { KafkaEventBus } from '@chronicle/messaging';
import { kafkaBrokers, randomId } from '@chronicle/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { gql, gqlData, subscribe } from '../../services/tracking/src/api/graphql/graphql.test-client';
import { startGraphqlTestServer, type GraphqlTestServer } from '../../services/tracking/src/api/graphql/graphql.test-server';

// The distributed shape: tracking fed by Kafka, clients talking to the built gateway process.
const gatewayMain = join(__dirname, '../../dist/services/gateway/src/main.js');

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

let tracking: GraphqlTestServer;
let gateway: ChildProcess;
let url: string;
const secret = randomBytes(32).toString('hex');
const admin = `Basic ${Buffer.from('admin:gateway-test-password').toString('base64')}`;

beforeAll(async () => {
  const bus = await KafkaEventBus.connect({ brokers: kafkaBrokers, clientId: randomId('graphql-gateway-test') });
  tracking = await startGraphqlTestServer(bus, { behindGatewaySignedWith: secret });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  gateway = spawn(process.execPath, [gatewayMain], {
    env: {
      ...process.env,
      CHRONICLE_PORT: String(port),
      CHRONICLE_TRACKING_URL: tracking.url,
      CHRONICLE_DATABASE_URL: tracking.databaseUrl,
      CHRONICLE_PRINCIPAL_SECRET: secret,
      CHRONICLE_ADMIN_USERNAME: 'admin',
      CHRONICLE_ADMIN_PASSWORD: 'gateway-test-password',
      CHRONICLE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Waits for the port with bare TCP: no HTTP request may reach the gateway before the WebSocket
  // upgrade below, which must be proxied on its own.
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.on('error', () => resolve(false));
    });
  for (const deadline = Date.now() + 30_000; !(await accepts()); ) {
    if (Date.now() > deadline || gateway.exitCode !== null) throw new Error('gateway did not start (run npm run build first)');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  if (gateway?.exitCode === null) {
    const exited = once(gateway, 'exit');
    gateway.kill('SIGTERM');
    await exited;
  }
  await tracking?.close();
});

it('the gateway authenticates and proxies GraphQL over HTTP and WebSocket; subscriptions arrive through Kafka', async () => {
  const ws = randomId('ws').replaceAll('_', '-');
  const createWorkspace = await fetch(`${url}/api/3.0/mlflow/workspaces`, {
    method: 'POST',
    headers: { authorization: admin, 'content-type': 'application/json' },
    body: JSON.stringify({ name: ws }),
  });
  expect(createWorkspace.status).toBe(201);
  const created = await gqlData<{ createRun: { id: string } }>(url, ws, 'mutation { createRun(input: { experimentId: "0" }) { id } }', {}, admin);
  const runId = created.createRun.id;
  const live = subscribe<{ metricsLogged: { runId: string } }>(url, ws, 'subscription($r: ID) { metricsLogged(runId: $r) { runId } }', { r: runId }, admin);
  try {
    for (let step = 0; live.received.length === 0; step += 1) {
      if (step > 150) throw new Error(`no metric arrived through the gateway: ${JSON.stringify(live.errors)}`);
      await gqlData(url, ws, 'mutation($r: ID!, $s: Float!) { logBatch(runId: $r, batch: { metrics: [{ key: "a", value: 1, timestamp: 1, step: $s }] }) { id } }', { r: runId, s: step }, admin);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(live.received[0]).toEqual({ metricsLogged: { runId } });
    const read = await gqlData<{ run: { latestMetrics: { key: string }[] } }>(url, ws, 'query($r: ID!) { run(id: $r) { latestMetrics { key } } }', { r: runId }, admin);
    expect(read.run.latestMetrics).toEqual([{ key: 'a' }]);
  } finally {
    live.close();
  }
});

it('the gateway refuses GraphQL and WebSocket upgrades without valid credentials, and ignores a forged principal header', async () => {
  const anonymous = await gql(url, 'default', '{ workspace { name } }');
  expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  const forged = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-chronicle-principal': 'forged.signature' },
    body: JSON.stringify({ query: '{ workspace { name } }' }),
  });
  expect(((await forged.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  const live = subscribe(url, 'default', 'subscription { runChanged(experimentId: "0") { runId } }', {}, 'Basic bm9ib2R5Om5vcGU=');
  try {
    for (const deadline = Date.now() + 10_000; live.errors.length === 0; ) {
      if (Date.now() > deadline) throw new Error('the upgrade was not refused');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    live.close();
  }
});

import { createHttpApp, loggingModule } from '@chronicle/http';
import { InProcessEventBus, type EventBus } from '@chronicle/messaging';
import { databaseUrl, randomId } from '@chronicle/testing';
import { Module, type INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTracking } from '../../tracking.runtime';

export interface GraphqlTestServer {
  url: string;
  app: INestApplication;
  close(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A tracking server on a fresh database of the real Postgres, listening on a free loopback port,
 * as `chronicle server` runs it (the same module, HTTP app and bus port).
 */
export async function startGraphqlTestServer(bus: EventBus = new InProcessEventBus()): Promise<GraphqlTestServer> {
  const database = randomId('graphql_test');
  await adminQuery(`CREATE DATABASE ${database}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  const artifacts = await mkdtemp(join(tmpdir(), 'graphql-test-'));
  const tracking = await startTracking({
    databaseUrl: url.toString(),
    poolSize: 10,
    artifacts: { kind: 'local', root: artifacts },
    bus,
    onRelayError: (error) => console.error('relay failed', error),
  });

  @Module({ imports: [loggingModule('warn'), tracking.module] })
  class GraphqlTestModule {}

  const app = await createHttpApp(GraphqlTestModule);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    async close() {
      await app.close();
      await tracking.close();
      await rm(artifacts, { recursive: true, force: true });
      await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}

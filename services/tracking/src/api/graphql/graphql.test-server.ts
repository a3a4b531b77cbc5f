import { AuthorizationModule, localPrincipal, principalHeader, setPrincipal, trustedPrincipalMiddleware, verifyPrincipal, type AuthenticatedRequest } from '@chronicle/authz';
import { createHttpApp, loggingModule } from '@chronicle/http';
import { InProcessEventBus, type EventBus } from '@chronicle/messaging';
import { freshDatabase } from '@chronicle/testing';
import { Module, type INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTracking } from '../../tracking.runtime';

export interface GraphqlTestServer {
  url: string;
  /** Its fresh database, which a gateway in front of it shares for identity. */
  databaseUrl: string;
  app: INestApplication;
  close(): Promise<void>;
}

/**
 * A tracking server on a fresh database of the real Postgres, listening on a free loopback port,
 * as `chronicle server` runs it (the same modules, HTTP app and bus port), with authentication
 * explicitly off: these tests are about the GraphQL surface; test/e2e covers who may use it.
 */
export async function startGraphqlTestServer(bus: EventBus = new InProcessEventBus(), options: { behindGatewaySignedWith?: string } = {}): Promise<GraphqlTestServer> {
  const secret = options.behindGatewaySignedWith;
  const database = await freshDatabase('graphql_test');
  const artifacts = await mkdtemp(join(tmpdir(), 'graphql-test-'));
  const tracking = await startTracking({
    databaseUrl: database.url,
    poolSize: 10,
    prepareStatements: true,
    artifacts: { kind: 'local', root: artifacts },
    bus,
    relayElection: 'advisory-lock',
    onRelayError: (error) => console.error('relay failed', error),
    authenticateSubscription: async (request, params) =>
      secret ? verifyPrincipal(String(request.headers[principalHeader]), secret) : localPrincipal(String(params['x-mlflow-workspace'] ?? 'default')),
  });

  @Module({ imports: [loggingModule('warn'), AuthorizationModule, tracking.module] })
  class GraphqlTestModule {}

  const app = await createHttpApp(GraphqlTestModule);
  if (secret) {
    // As tracking runs behind the gateway: only the principal it signed counts.
    app.use(trustedPrincipalMiddleware(secret));
  } else {
    // Authentication off, as CHRONICLE_AUTH=off runs it: the local administrator in the requested workspace.
    app.use((request: Request & AuthenticatedRequest, _response: Response, next: NextFunction) => {
      setPrincipal(request, localPrincipal(request.header('x-mlflow-workspace') || 'default'));
      next();
    });
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    databaseUrl: database.url,
    app,
    async close() {
      await app.close();
      await tracking.close();
      await rm(artifacts, { recursive: true, force: true });
      await database.drop();
    },
  };
}

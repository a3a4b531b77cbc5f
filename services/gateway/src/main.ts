import 'reflect-metadata';
import { AuthorizationModule, principalHeader, signPrincipal, type AuthenticatedRequest } from '@chronicle/authz';
import { loadConfig } from '@chronicle/config';
import { createHttpApp, HealthModule, loggingModule, runService } from '@chronicle/http';
import { KafkaEventBus } from '@chronicle/messaging';
import { Module } from '@nestjs/common';
import { toMlflowError } from '@chronicle/mlflow-wire';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { pino } from 'pino';
import { gatewayConfigSchema } from './config/gateway.config';
import { identityConfigSchema } from './config/identity.config';
import { startIdentity } from './identity/identity.runtime';

// The gateway answers these itself (identity's routes and its probes); tracking owns the rest of
// the MLflow surface. MLflow's /api/3.0/mlflow/users/permissions/* grant experiment permissions,
// which tracking keeps, so only the 2.0 user routes are identity's.
const ownPath = /^\/(?:health|ready)$|^\/(?:ajax-)?api\/(?:3\.0\/mlflow\/workspaces(?:\/|$)|2\.0\/mlflow\/users\/|chronicle\/v1\/)/;

/**
 * The gateway: authenticates every request (identity), serves identity's routes, and streams the
 * rest to the service that owns it with the caller's principal signed into a header.
 */
runService('gateway', async () => {
  const config = loadConfig(gatewayConfigSchema);
  const logger = pino({ level: config.CHRONICLE_LOG_LEVEL });
  const bus = await KafkaEventBus.connect({ brokers: config.CHRONICLE_KAFKA_BROKERS.split(','), clientId: 'chronicle-gateway', logger });
  const identity = await startIdentity({
    databaseUrl: config.CHRONICLE_DATABASE_URL,
    poolSize: config.CHRONICLE_DB_POOL_SIZE,
    bus,
    config: loadConfig(identityConfigSchema),
    onRelayError: (err) => logger.error({ err }, 'relay failed'),
  });
  const trackingReady = async () => {
    const response = await fetch(`${config.CHRONICLE_TRACKING_URL}/ready`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) throw new Error(`tracking answered ${response.status}`);
  };

  @Module({ imports: [loggingModule(config.CHRONICLE_LOG_LEVEL), HealthModule.register(trackingReady), AuthorizationModule, identity.module] })
  class GatewayModule {}

  const app = await createHttpApp(GatewayModule, { parseBodies: (path) => ownPath.test(path) });
  app.use(identity.middleware);
  const proxy = createProxyMiddleware<IncomingMessage & AuthenticatedRequest>({
    target: config.CHRONICLE_TRACKING_URL,
    pathFilter: (path) => !ownPath.test(path),
    xfwd: true,
    proxyTimeout: 120_000,
    // Not `ws: true`: that subscribes the proxy to upgrades itself, unauthenticated, and turns
    // `proxy.upgrade` below into a no-op.
    on: {
      proxyReq: (proxyReq, request) => {
        // Only the gateway speaks for the caller: a principal header from outside is dropped.
        proxyReq.removeHeader(principalHeader);
        if (request.principal) proxyReq.setHeader(principalHeader, signPrincipal(request.principal, config.CHRONICLE_PRINCIPAL_SECRET));
      },
    },
  });
  app.use(proxy);
  await app.listen(config.CHRONICLE_PORT, config.CHRONICLE_HOST);
  // WebSocket upgrades (GraphQL subscriptions) never reach Express: authenticate them from their
  // headers (the gateway cannot read graphql-ws connection parameters), sign, and hand them over.
  app.getHttpServer().on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    identity.authenticator
      .authenticateUpgrade(request.headers)
      .then((principal) => {
        request.headers[principalHeader] = signPrincipal(principal, config.CHRONICLE_PRINCIPAL_SECRET);
        proxy.upgrade(request, socket as Socket, head);
      })
      .catch((error: unknown) => {
        const status = toMlflowError(error).status;
        socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nWWW-Authenticate: Basic realm="mlflow"\r\nConnection: close\r\n\r\n`);
      });
  });
  return {
    app,
    async close() {
      await identity.close();
      await bus.close();
    },
  };
});

import 'reflect-metadata';
import { loadConfig } from '@chronicle/config';
import { HealthModule, loggingModule, runService } from '@chronicle/http';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { Logger } from 'nestjs-pino';
import { gatewayConfigSchema } from './config/gateway.config';

const ownPaths = new Set(['/health', '/ready']);

/**
 * The gateway: the one address clients use in the distributed deployment. It streams every MLflow
 * request to the service that owns it (today: tracking, which owns the whole MLflow REST surface and
 * /graphql, WebSocket subscriptions included); authentication joins it with its issue.
 */
runService('gateway', async () => {
  const config = loadConfig(gatewayConfigSchema);
  const tracking = config.CHRONICLE_TRACKING_URL;
  const trackingReady = async () => {
    const response = await fetch(`${tracking}/ready`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) throw new Error(`tracking answered ${response.status}`);
  };

  @Module({ imports: [loggingModule(config.CHRONICLE_LOG_LEVEL), HealthModule.register(trackingReady)] })
  class GatewayModule {}

  // No body parser: request bodies (artifacts included) stream through untouched.
  const app = await NestFactory.create(GatewayModule, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  const proxy = createProxyMiddleware({
    target: tracking,
    pathFilter: (path) => !ownPaths.has(path),
    xfwd: true,
    proxyTimeout: 120_000,
    ws: true,
  });
  app.use(proxy);
  await app.listen(config.CHRONICLE_PORT, config.CHRONICLE_HOST);
  // WebSocket upgrades (GraphQL subscriptions) never reach Express: hand them over from the server.
  app.getHttpServer().on('upgrade', proxy.upgrade);
  return { app };
});

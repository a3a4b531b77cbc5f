import 'reflect-metadata';
import { AuthorizationModule, principalHeader, trustedPrincipalMiddleware, verifyPrincipal } from '@chronicle/authz';
import { Unauthenticated } from '@chronicle/errors';
import { loadConfig } from '@chronicle/config';
import { createHttpApp, HealthModule, loggingModule, runService } from '@chronicle/http';
import { KafkaEventBus } from '@chronicle/messaging';
import { Module } from '@nestjs/common';
import { pino } from 'pino';
import { trackingConfigSchema } from './config/tracking.config';
import { startTracking } from './tracking.runtime';

/** The tracking service as its own process: real Postgres, Kafka and S3. */
runService('tracking', async () => {
  const config = loadConfig(trackingConfigSchema);
  const logger = pino({ level: config.CHRONICLE_LOG_LEVEL });
  const tracking = await startTracking({
    databaseUrl: config.CHRONICLE_DATABASE_URL,
    poolSize: config.CHRONICLE_DB_POOL_SIZE,
    prepareStatements: true,
    artifacts: {
      kind: 's3',
      endpoint: config.CHRONICLE_S3_ENDPOINT,
      accessKey: config.CHRONICLE_S3_ACCESS_KEY,
      secretKey: config.CHRONICLE_S3_SECRET_KEY,
      bucket: config.CHRONICLE_S3_BUCKET,
      region: 'us-east-1',
    },
    bus: await KafkaEventBus.connect({ brokers: config.CHRONICLE_KAFKA_BROKERS.split(','), clientId: 'chronicle-tracking', logger }),
    // Several replicas of this service may run: their relays elect one leader per log.
    relayElection: 'advisory-lock',
    onRelayError: (err) => logger.error({ err }, 'relay failed'),
    // The gateway authenticated the upgrade and signed its principal, as for any request.
    authenticateSubscription: async (request) => {
      const header = request.headers[principalHeader];
      if (typeof header !== 'string') throw new Unauthenticated('You are not authenticated. Please provide valid credentials.');
      return verifyPrincipal(header, config.CHRONICLE_PRINCIPAL_SECRET);
    },
  });

  @Module({
    imports: [
      loggingModule(config.CHRONICLE_LOG_LEVEL),
      HealthModule.register(() => tracking.db.query('SELECT 1').then(() => undefined)),
      AuthorizationModule,
      tracking.module,
    ],
  })
  class TrackingServiceModule {}

  const app = await createHttpApp(TrackingServiceModule);
  // The gateway authenticated the caller; only its signature is trusted here.
  app.use(trustedPrincipalMiddleware(config.CHRONICLE_PRINCIPAL_SECRET));
  await app.listen(config.CHRONICLE_PORT, config.CHRONICLE_HOST);
  return { app, close: tracking.close };
});

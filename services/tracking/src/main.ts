import 'reflect-metadata';
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
  });

  @Module({ imports: [loggingModule(config.CHRONICLE_LOG_LEVEL), HealthModule.register(() => tracking.db.query('SELECT 1').then(() => undefined)), tracking.module] })
  class TrackingServiceModule {}

  const app = await createHttpApp(TrackingServiceModule);
  await app.listen(config.CHRONICLE_PORT, config.CHRONICLE_HOST);
  return { app, close: tracking.close };
});

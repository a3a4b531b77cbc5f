import { loadConfig } from '@chronicle/config';
import { Module } from '@nestjs/common';
import { Client } from 'pg';
import { z } from 'zod';
import { HealthModule } from './health.module';
import { createHttpApp } from './http-app';
import { loggingModule } from './logging.module';

const bareServiceConfig = z.object({
  CHRONICLE_DATABASE_URL: z.string().url(),
  CHRONICLE_HOST: z.string().default('127.0.0.1'),
  CHRONICLE_PORT: z.coerce.number().int().min(0).max(65535),
  CHRONICLE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

/**
 * A service process that has no behaviour yet: it boots, answers /health, and /ready once its
 * Postgres answers. Its commands, events and read models arrive with its own issue.
 */
export async function bootBareService() {
  const config = loadConfig(bareServiceConfig);
  const ping = async () => {
    const client = new Client({ connectionString: config.CHRONICLE_DATABASE_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  @Module({ imports: [loggingModule(config.CHRONICLE_LOG_LEVEL), HealthModule.register(ping)] })
  class BareServiceModule {}

  const app = await createHttpApp(BareServiceModule);
  await app.listen(config.CHRONICLE_PORT, config.CHRONICLE_HOST);
  return { app };
}

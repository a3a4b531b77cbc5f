import { infraDefaults } from '@chronicle/config';
import { z } from 'zod';

/** The gateway process: the one address clients use in the distributed deployment. */
export const gatewayConfigSchema = z.object({
  CHRONICLE_HOST: z.string().default('127.0.0.1'),
  CHRONICLE_PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  /** Base URL of the tracking service process. */
  CHRONICLE_TRACKING_URL: z.string().url(),
  /** Identity's own schema lives here. */
  CHRONICLE_DATABASE_URL: z.string().url(),
  CHRONICLE_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  CHRONICLE_KAFKA_BROKERS: z.string().min(1).default(infraDefaults.CHRONICLE_KAFKA_BROKERS),
  /** Signs the principal the gateway forwards; every service is configured with the same value. */
  CHRONICLE_PRINCIPAL_SECRET: z.string().min(32),
  CHRONICLE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

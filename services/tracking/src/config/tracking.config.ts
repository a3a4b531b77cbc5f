import { infraDefaults } from '@chronicle/config';
import { z } from 'zod';

/** The tracking process in the distributed deployment. */
export const trackingConfigSchema = z.object({
  CHRONICLE_HOST: z.string().default('127.0.0.1'),
  CHRONICLE_PORT: z.coerce.number().int().min(0).max(65535),
  CHRONICLE_DATABASE_URL: z.string().url(),
  CHRONICLE_KAFKA_BROKERS: z.string().min(1).default(infraDefaults.CHRONICLE_KAFKA_BROKERS),
  CHRONICLE_S3_ENDPOINT: z.string().url().default(infraDefaults.CHRONICLE_S3_ENDPOINT),
  CHRONICLE_S3_ACCESS_KEY: z.string().min(1).default(infraDefaults.CHRONICLE_S3_ACCESS_KEY),
  CHRONICLE_S3_SECRET_KEY: z.string().min(1).default(infraDefaults.CHRONICLE_S3_SECRET_KEY),
  CHRONICLE_S3_BUCKET: z.string().min(3).default(infraDefaults.CHRONICLE_S3_BUCKET),
  /** Shared with the gateway, which signs the authenticated principal of each request it forwards. */
  CHRONICLE_PRINCIPAL_SECRET: z.string().min(32),
  CHRONICLE_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  CHRONICLE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

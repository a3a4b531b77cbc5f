import { infraDefaults } from '@chronicle/config';
import { z } from 'zod';

/** `chronicle server` configuration; flags override the environment variables of the same meaning. */
export const serverConfigSchema = z.object({
  CHRONICLE_HOST: z.string().default('127.0.0.1'),
  CHRONICLE_PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  CHRONICLE_DATA_DIR: z.string().default('.chronicle'),
  /** Unset: embedded Postgres (PGlite) in the data dir. Set: that Postgres server. */
  CHRONICLE_DATABASE_URL: z.string().url().optional(),
  CHRONICLE_ARTIFACT_STORE: z.enum(['local', 's3']).default('local'),
  CHRONICLE_S3_ENDPOINT: z.string().url().default(infraDefaults.CHRONICLE_S3_ENDPOINT),
  CHRONICLE_S3_ACCESS_KEY: z.string().default(infraDefaults.CHRONICLE_S3_ACCESS_KEY),
  CHRONICLE_S3_SECRET_KEY: z.string().default(infraDefaults.CHRONICLE_S3_SECRET_KEY),
  CHRONICLE_S3_BUCKET: z.string().default(infraDefaults.CHRONICLE_S3_BUCKET),
  CHRONICLE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type ServerConfig = z.infer<typeof serverConfigSchema>;

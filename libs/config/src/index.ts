import { z } from 'zod';

/**
 * Reads and validates one service's configuration from the environment, once, at boot.
 * An invalid value stops the process with a message naming the variable.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

export class ConfigError extends Error {}

/** Loopback defaults of the servers that infra/up.sh starts; every variable can override them. */
export const infraDefaults = {
  CHRONICLE_DATABASE_URL: 'postgres://chronicle:chronicle@127.0.0.1:55432/chronicle',
  CHRONICLE_KAFKA_BROKERS: '127.0.0.1:59092',
  CHRONICLE_REDIS_URL: 'redis://127.0.0.1:56379',
  CHRONICLE_S3_ENDPOINT: 'http://127.0.0.1:58080',
  CHRONICLE_S3_ACCESS_KEY: 'chronicle',
  CHRONICLE_S3_SECRET_KEY: 'chronicle-secret',
  CHRONICLE_S3_BUCKET: 'chronicle-artifacts',
} as const;

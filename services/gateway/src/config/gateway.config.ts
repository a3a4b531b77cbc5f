import { z } from 'zod';

export const gatewayConfigSchema = z.object({
  CHRONICLE_HOST: z.string().default('127.0.0.1'),
  CHRONICLE_PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  /** Base URL of the tracking service process. */
  CHRONICLE_TRACKING_URL: z.string().url(),
  CHRONICLE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

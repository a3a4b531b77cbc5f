import { ConfigError } from '@chronicle/config';
import type { INestApplication } from '@nestjs/common';

/**
 * Runs one service process: boots it, logs where it listens, closes it on SIGINT/SIGTERM, and
 * exits with a readable message when configuration is invalid.
 */
export function runService(name: string, boot: () => Promise<{ app: INestApplication; close?: () => Promise<void> }>): void {
  boot()
    .then(({ app, close }) => {
      const shutdown = async () => {
        await app.close();
        await close?.();
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      const port = (app.getHttpServer().address() as { port: number }).port;
      process.stdout.write(`${JSON.stringify({ level: 30, service: name, msg: `${name} listening`, port })}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
      process.exit(1);
    });
}

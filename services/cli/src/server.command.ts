import type { ArtifactStoreConfig } from '@chronicle/artifacts';
import { loadConfig } from '@chronicle/config';
import { createHttpApp, HealthModule, loggingModule } from '@chronicle/http';
import { InProcessEventBus } from '@chronicle/messaging';
import { startTracking } from '@chronicle/tracking';
import { Module } from '@nestjs/common';
import { pino } from 'pino';
import { join, resolve } from 'node:path';
import { openEmbeddedPostgres } from './embedded-template';
import { serverConfigSchema, type ServerConfig } from './server.config';

export interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
}

export function artifactStoreOf(config: ServerConfig, dataDir: string): ArtifactStoreConfig {
  return config.CHRONICLE_ARTIFACT_STORE === 's3'
    ? {
        kind: 's3',
        endpoint: config.CHRONICLE_S3_ENDPOINT,
        accessKey: config.CHRONICLE_S3_ACCESS_KEY,
        secretKey: config.CHRONICLE_S3_SECRET_KEY,
        bucket: config.CHRONICLE_S3_BUCKET,
        region: 'us-east-1',
      }
    : { kind: 'local', root: join(dataDir, 'artifacts') };
}

export function loadServerConfig(flags: ServerFlags): ServerConfig {
  return loadConfig(serverConfigSchema, {
    ...process.env,
    ...(flags.host ? { CHRONICLE_HOST: flags.host } : {}),
    ...(flags.port ? { CHRONICLE_PORT: flags.port } : {}),
    ...(flags.dataDir ? { CHRONICLE_DATA_DIR: flags.dataDir } : {}),
  });
}

/** Runs every Chronicle module in one process: embedded Postgres unless a database URL is set. */
export async function runServer(flags: ServerFlags): Promise<void> {
  const startedAt = performance.now();
  const config = loadServerConfig(flags);
  const logger = pino({ level: config.CHRONICLE_LOG_LEVEL });
  const dataDir = resolve(config.CHRONICLE_DATA_DIR);
  const embedded = config.CHRONICLE_DATABASE_URL ? null : await openEmbeddedPostgres(join(dataDir, 'postgres'));
  const tracking = await startTracking({
    databaseUrl: config.CHRONICLE_DATABASE_URL ?? embedded!.url,
    // PGlite serves one session at a time; a larger pool would only queue behind it.
    poolSize: embedded ? 1 : 20,
    artifacts: artifactStoreOf(config, dataDir),
    bus: new InProcessEventBus(),
    onRelayError: (err) => logger.error({ err }, 'relay failed'),
  });

  @Module({ imports: [loggingModule(config.CHRONICLE_LOG_LEVEL), HealthModule.register(() => tracking.db.query('SELECT 1').then(() => undefined)), tracking.module] })
  class ChronicleServerModule {}

  const app = await createHttpApp(ChronicleServerModule);
  await app.listen(config.CHRONICLE_PORT, config.CHRONICLE_HOST);
  const url = `http://${config.CHRONICLE_HOST}:${(app.getHttpServer().address() as { port: number }).port}`;
  const shutdown = async () => {
    await app.close();
    await tracking.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.stdout.write(
    [
      `Chronicle is listening on ${url} (started in ${Math.round(performance.now() - startedAt)} ms)`,
      `  database:  ${embedded ? `embedded Postgres in ${join(dataDir, 'postgres')}` : 'Postgres server'}`,
      `  artifacts: ${config.CHRONICLE_ARTIFACT_STORE === 's3' ? `s3 bucket ${config.CHRONICLE_S3_BUCKET}` : join(dataDir, 'artifacts')}`,
      `  workspace: default (select another with the X-MLFLOW-WORKSPACE header or MLFLOW_WORKSPACE)`,
      `  auth:      off (single-user local mode)`,
      `Point the mlflow client at it:`,
      `  export MLFLOW_TRACKING_URI=${url}`,
      '',
    ].join('\n'),
  );
}

import { createArtifactStore } from '@chronicle/artifacts';
import { loadConfig } from '@chronicle/config';
import { Database } from '@chronicle/database';
import { createHttpApp, loggingModule } from '@chronicle/http';
import { TrackingInit1763900000000, TrackingModule } from '@chronicle/tracking';
import { Module } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';
import { serverConfigSchema } from './server.config';

export interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
}

/** Runs every Chronicle module in one process: embedded Postgres unless a database URL is set. */
export async function runServer(flags: ServerFlags): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig(serverConfigSchema, {
    ...process.env,
    ...(flags.host ? { CHRONICLE_HOST: flags.host } : {}),
    ...(flags.port ? { CHRONICLE_PORT: flags.port } : {}),
    ...(flags.dataDir ? { CHRONICLE_DATA_DIR: flags.dataDir } : {}),
  });
  const dataDir = resolve(config.CHRONICLE_DATA_DIR);
  const embedded = config.CHRONICLE_DATABASE_URL ? null : await startEmbeddedPostgres(join(dataDir, 'postgres'));
  const db = await Database.connect({
    url: config.CHRONICLE_DATABASE_URL ?? embedded!.url,
    name: 'tracking',
    migrations: [TrackingInit1763900000000],
    // PGlite serves one session at a time; a larger pool would only queue behind it.
    poolSize: embedded ? 1 : 20,
  });
  const artifacts = createArtifactStore(
    config.CHRONICLE_ARTIFACT_STORE === 's3'
      ? {
          kind: 's3',
          endpoint: config.CHRONICLE_S3_ENDPOINT,
          accessKey: config.CHRONICLE_S3_ACCESS_KEY,
          secretKey: config.CHRONICLE_S3_SECRET_KEY,
          bucket: config.CHRONICLE_S3_BUCKET,
          region: 'us-east-1',
        }
      : { kind: 'local', root: join(dataDir, 'artifacts') },
  );

  @Module({ imports: [loggingModule(config.CHRONICLE_LOG_LEVEL), TrackingModule.register({ db, artifacts })] })
  class ChronicleServerModule {}

  const app = await createHttpApp(ChronicleServerModule);
  app.enableShutdownHooks();
  await app.listen(config.CHRONICLE_PORT, config.CHRONICLE_HOST);
  const url = `http://${config.CHRONICLE_HOST}:${(app.getHttpServer().address() as { port: number }).port}`;
  const shutdown = async () => {
    await app.close();
    await db.close();
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

import type { ArtifactStoreConfig } from '@chronicle/artifacts';
import { AuthorizationModule } from '@chronicle/authz';
import { loadConfig } from '@chronicle/config';
import { identityConfigSchema, startIdentity, type IdentityConfig } from '@chronicle/gateway';
import { createHttpApp, HealthModule, loggingModule } from '@chronicle/http';
import { InProcessEventBus } from '@chronicle/messaging';
import { startTracking } from '@chronicle/tracking';
import { type INestApplication, Module } from '@nestjs/common';
import { pino } from 'pino';
import { randomBytes } from 'node:crypto';
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

/**
 * Identity settings of a one-process server. With auth on and no first administrator configured,
 * one is created with a random password that the banner shows once: secure by default, with
 * nothing to set up for a first `npm start` (and no default password).
 */
function loadIdentityConfig(): { config: IdentityConfig; generatedPassword?: string } {
  const config = loadConfig(identityConfigSchema);
  if (config.CHRONICLE_AUTH === 'off' || config.CHRONICLE_ADMIN_PASSWORD) return { config };
  const generatedPassword = randomBytes(12).toString('base64url');
  return { config: { ...config, CHRONICLE_ADMIN_PASSWORD: generatedPassword }, generatedPassword };
}

export function loadServerConfig(flags: ServerFlags): ServerConfig {
  return loadConfig(serverConfigSchema, {
    ...process.env,
    ...(flags.host ? { CHRONICLE_HOST: flags.host } : {}),
    ...(flags.port ? { CHRONICLE_PORT: flags.port } : {}),
    ...(flags.dataDir ? { CHRONICLE_DATA_DIR: flags.dataDir } : {}),
  });
}

export interface AssembledServer {
  /** Every module in one Nest app, authentication installed; not listening yet. */
  app: INestApplication;
  embedded: boolean;
  firstAdminCreated: boolean;
  close(): Promise<void>;
}

/**
 * Assembles every Chronicle module in one process: embedded Postgres unless a database URL is
 * set, identity (authentication) in front of tracking. `chronicle server` listens with it; the
 * isolation test enumerates its routes.
 */
export async function assembleServer(config: ServerConfig, identityConfig: IdentityConfig): Promise<AssembledServer> {
  const logger = pino({ level: config.CHRONICLE_LOG_LEVEL });
  const dataDir = resolve(config.CHRONICLE_DATA_DIR);
  const embedded = config.CHRONICLE_DATABASE_URL ? null : await openEmbeddedPostgres(join(dataDir, 'postgres'));
  const databaseUrl = config.CHRONICLE_DATABASE_URL ?? embedded!.url;
  // PGlite serves one session at a time; a larger pool would only queue behind it.
  const poolSize = embedded ? 1 : 20;
  const bus = new InProcessEventBus();
  const onRelayError = (err: unknown) => logger.error({ err }, 'relay failed');
  // PGlite serves one connection, which a relay's own (leader-election) connection would take from the pool.
  const relayElection = embedded ? 'none' : 'advisory-lock';
  const identity = await startIdentity({ databaseUrl, poolSize, bus, config: identityConfig, relayElection, onRelayError });
  const tracking = await startTracking({
    databaseUrl,
    poolSize,
    prepareStatements: !embedded,
    artifacts: artifactStoreOf(config, dataDir),
    bus,
    relayElection,
    onRelayError,
    authenticateSubscription: (request, connectionParams) => identity.authenticator.authenticateUpgrade(request.headers, connectionParams),
  });

  @Module({
    imports: [
      loggingModule(config.CHRONICLE_LOG_LEVEL),
      HealthModule.register(() => tracking.db.query('SELECT 1').then(() => undefined)),
      AuthorizationModule,
      identity.module,
      tracking.module,
    ],
  })
  class ChronicleServerModule {}

  const app = await createHttpApp(ChronicleServerModule);
  app.use(identity.middleware);
  return {
    app,
    embedded: embedded !== null,
    firstAdminCreated: identity.firstAdminCreated,
    async close() {
      await app.close();
      await identity.close();
      await tracking.close();
      await embedded?.stop();
    },
  };
}

/** `chronicle server`: assembles everything, listens, and prints how to connect. */
export async function runServer(flags: ServerFlags): Promise<void> {
  const startedAt = performance.now();
  const config = loadServerConfig(flags);
  const dataDir = resolve(config.CHRONICLE_DATA_DIR);
  const identitySettings = loadIdentityConfig();
  const server = await assembleServer(config, identitySettings.config);
  const app = server.app;
  await app.listen(config.CHRONICLE_PORT, config.CHRONICLE_HOST);
  const url = `http://${config.CHRONICLE_HOST}:${(app.getHttpServer().address() as { port: number }).port}`;
  const shutdown = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.stdout.write(
    [
      `Chronicle is listening on ${url} (started in ${Math.round(performance.now() - startedAt)} ms)`,
      `  database:  ${server.embedded ? `embedded Postgres in ${join(dataDir, 'postgres')}` : 'Postgres server'}`,
      `  artifacts: ${config.CHRONICLE_ARTIFACT_STORE === 's3' ? `s3 bucket ${config.CHRONICLE_S3_BUCKET}` : join(dataDir, 'artifacts')}`,
      `  workspace: default (select another with the X-MLFLOW-WORKSPACE header or MLFLOW_WORKSPACE)`,
      ...authLines(identitySettings.config, server.firstAdminCreated ? identitySettings.generatedPassword : undefined),
      `  graphql:   ${url}/graphql (subscriptions: graphql-ws on the same path)`,
      `Point the mlflow client at it:`,
      `  export MLFLOW_TRACKING_URI=${url}`,
      ...credentialLines(identitySettings.config, server.firstAdminCreated ? identitySettings.generatedPassword : undefined),
      '',
    ].join('\n'),
  );
}

function credentialLines(config: IdentityConfig, generatedPassword: string | undefined): string[] {
  if (config.CHRONICLE_AUTH === 'off') return [];
  if (generatedPassword) return [`  export MLFLOW_TRACKING_USERNAME=${config.CHRONICLE_ADMIN_USERNAME} MLFLOW_TRACKING_PASSWORD=${generatedPassword}`];
  return ['  export MLFLOW_TRACKING_USERNAME=<user> MLFLOW_TRACKING_PASSWORD=<password>   # or MLFLOW_TRACKING_TOKEN=<token>'];
}

function authLines(config: IdentityConfig, generatedPassword: string | undefined): string[] {
  if (config.CHRONICLE_AUTH === 'off') return ['  auth:      OFF (CHRONICLE_AUTH=off): every request acts as one local administrator'];
  const lines = ['  auth:      on (HTTP Basic users, API tokens' + (config.CHRONICLE_OIDC_ISSUER ? ', OIDC' : '') + ')'];
  if (generatedPassword) {
    lines.push(
      `  first administrator: ${config.CHRONICLE_ADMIN_USERNAME} / ${generatedPassword}`,
      '    (generated now and shown once; set CHRONICLE_ADMIN_PASSWORD before the first start to choose it)',
    );
  }
  return lines;
}

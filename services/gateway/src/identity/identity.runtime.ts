import { principalId } from '@chronicle/authz';
import { trackingEvents } from '@chronicle/contracts';
import { Database } from '@chronicle/database';
import { AlreadyExists, ConcurrencyError } from '@chronicle/errors';
import { ensureProjections, EventRelay, ProjectionConsumer, topicOf } from '@chronicle/eventstore';
import type { EventBus } from '@chronicle/messaging';
import type { DynamicModule } from '@nestjs/common';
import type { RequestHandler } from 'express';
import type { IdentityConfig } from '../config/identity.config';
import { authenticationMiddleware } from './authentication/authentication.middleware';
import { Authenticator } from './authentication/authenticator';
import { CredentialCache } from './authentication/credential-cache';
import { OidcVerifier } from './authentication/oidc-verifier';
import { PasswordHasher } from './authentication/password-hasher';
import type { CommandContext } from './commands/command-context';
import { UserCommandsHandler } from './commands/user-commands.handler';
import { WorkspaceCommandsHandler } from './commands/workspace-commands.handler';
import { withoutPasswordHash } from './domain/user/password-redaction';
import { systemActor } from './domain/workspace/workspace.decider';
import { IdentityEventStore } from './identity.event-store';
import { identitySchema } from './identity.schema';
import { IdentityTables } from './identity.tables';
import { IdentityModule } from './identity.module';
import { identityMigrations } from './migrations';
import { identityProjections, workspaceResourcesProjection } from './projections';
import { AccessRepository } from './repositories/access.repository';
import { ServiceAccountsRepository } from './repositories/service-accounts.repository';
import { TokensRepository } from './repositories/tokens.repository';
import { UsersRepository } from './repositories/users.repository';

export interface IdentityRuntimeOptions {
  databaseUrl: string;
  poolSize: number;
  /** Where the relay publishes the identity log and where tracking's events come from. */
  bus: EventBus;
  config: IdentityConfig;
  /** `advisory-lock` when replicas may share the database; `none` when this process is alone on it (embedded). */
  relayElection?: 'advisory-lock' | 'none';
  onRelayError?: (error: unknown) => void;
}

export interface IdentityRuntime {
  /** Import into the app: the identity REST routes. */
  module: DynamicModule;
  /** Install with `app.use(...)` before the routes: authenticates every request. */
  middleware: RequestHandler;
  authenticator: Authenticator;
  db: Database;
  /** Whether this start created the first administrator (from CHRONICLE_ADMIN_USERNAME / PASSWORD). */
  firstAdminCreated: boolean;
  /** Stops the relay and the consumer (and closes the database startIdentity opened); the bus belongs to the caller. */
  close(): Promise<void>;
}

/**
 * Everything identity needs before it serves: migrations, read models at their versions, the
 * default workspace and first administrator, the relay of its log and the consumer of tracking's.
 */
export async function startIdentity(options: IdentityRuntimeOptions): Promise<IdentityRuntime> {
  const db = await openIdentityDatabase(options.databaseUrl, options.poolSize);
  const runtime = await assembleIdentity(db, identitySchema, options);
  return {
    ...runtime,
    async close() {
      await runtime.close();
      await db.close();
    },
  };
}

/** Connects to identity's schema and brings it to the current migrations and read-model versions. */
export async function openIdentityDatabase(databaseUrl: string, poolSize: number): Promise<Database> {
  const db = await Database.connect({ url: databaseUrl, name: 'identity', migrations: identityMigrations, poolSize });
  await ensureProjections(db, new IdentityEventStore(db, identitySchema), identityProjections);
  return db;
}

/** The runtime on a database whose schema already holds identity's tables (tests use a fresh one). */
export async function assembleIdentity(db: Database, schema: string, options: Pick<IdentityRuntimeOptions, 'bus' | 'config' | 'relayElection' | 'onRelayError'>): Promise<IdentityRuntime> {
  const { bus, config } = options;
  const store = new IdentityEventStore(db, schema);
  const tables = new IdentityTables(schema);
  const users = new UsersRepository(db, tables);
  const passwords = new PasswordHasher();
  const userCommands = new UserCommandsHandler(store, passwords, tables);
  const system = (): CommandContext => ({ actor: systemActor, requestId: `${systemActor}-${Date.now()}`, now: Date.now() });

  await new WorkspaceCommandsHandler(store, tables, users, new ServiceAccountsRepository(db, tables)).ensureDefault(system());
  const firstAdminCreated = config.CHRONICLE_AUTH === 'on' && (await ensureFirstAdmin(users, userCommands, config, system()));

  const relay = new EventRelay(db, store, bus, { election: options.relayElection, redact: withoutPasswordHash, onError: options.onRelayError });
  await relay.start();
  const trackingTopic = topicOf(trackingEvents.context);
  await bus.ensureTopics([trackingTopic], 3);
  const resources = new ProjectionConsumer(db, schema, workspaceResourcesProjection, trackingEvents, bus, [trackingTopic]);
  await resources.start();

  const oidc =
    config.CHRONICLE_OIDC_ISSUER && config.CHRONICLE_OIDC_JWKS_URL && config.CHRONICLE_OIDC_AUDIENCE
      ? new OidcVerifier({
          issuer: config.CHRONICLE_OIDC_ISSUER,
          jwksUrl: config.CHRONICLE_OIDC_JWKS_URL,
          audience: config.CHRONICLE_OIDC_AUDIENCE,
          usernameClaim: config.CHRONICLE_OIDC_USERNAME_CLAIM,
        })
      : null;
  const authenticator = new Authenticator({
    mode: config.CHRONICLE_AUTH,
    users,
    tokens: new TokensRepository(db, tables),
    access: new AccessRepository(db, tables),
    passwords,
    cache: new CredentialCache(),
    oidc,
    provisionUser: (username) => userCommands.provision({ ...system(), actor: principalId('user', username) }, username),
  });
  return {
    module: IdentityModule.register({ db, store, tables, authenticator, passwords }),
    middleware: authenticationMiddleware(authenticator),
    authenticator,
    db,
    firstAdminCreated,
    async close() {
      await resources.stop();
      await relay.stop();
    },
  };
}

// MLflow's basic-auth app ships a default admin password; upstream now requires one at first start,
// and so do we: there is no default.
async function ensureFirstAdmin(users: UsersRepository, commands: UserCommandsHandler, config: IdentityConfig, ctx: CommandContext): Promise<boolean> {
  if (await users.any()) return false;
  if (!config.CHRONICLE_ADMIN_PASSWORD) {
    throw new Error('CHRONICLE_ADMIN_PASSWORD: required at first start with CHRONICLE_AUTH=on, to create the first administrator');
  }
  try {
    await commands.create(ctx, { username: config.CHRONICLE_ADMIN_USERNAME, password: config.CHRONICLE_ADMIN_PASSWORD, isAdmin: true });
    return true;
  } catch (error) {
    // Another replica starting at the same time created it.
    if (!(error instanceof AlreadyExists) && !(error instanceof ConcurrencyError)) throw error;
    return false;
  }
}

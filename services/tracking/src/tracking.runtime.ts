import { createArtifactStore, type ArtifactStoreConfig } from '@chronicle/artifacts';
import { Database, isolateWorkspaces } from '@chronicle/database';
import { ensureProjections, EventRelay, eventStoreWorkspaceTables, type RelayOptions } from '@chronicle/eventstore';
import type { EventBus } from '@chronicle/messaging';
import type { DynamicModule } from '@nestjs/common';
import type { SubscriptionAuthenticator } from './api/graphql/graphql.options';
import { trackingMigrations } from './migrations';
import { trackingProjections } from './projections';
import { TrackingEventStore } from './tracking.event-store';
import { TrackingModule } from './tracking.module';
import { trackingSchema } from './tracking.schema';

export interface TrackingRuntimeOptions {
  databaseUrl: string;
  poolSize: number;
  artifacts: ArtifactStoreConfig;
  /** Where the relay publishes the tracking log: Kafka when distributed, in process when embedded. */
  bus: EventBus;
  /** Whether hot statements are prepared per connection: not on embedded PGlite, whose connections share one session. */
  prepareStatements: boolean;
  /** `advisory-lock` when replicas may share the database; `none` when this process is alone on it. */
  relayElection: NonNullable<RelayOptions['election']>;
  onRelayError: (error: unknown) => void;
  /** How a GraphQL subscription's WebSocket is authenticated (it bypasses the HTTP middleware). */
  authenticateSubscription: SubscriptionAuthenticator;
}

/** Connects to tracking's schema and brings it to the current migrations and read-model versions. */
export async function openTrackingDatabase(
  databaseUrl: string,
  poolSize: number,
  prepareStatements = false,
): Promise<{ db: Database; store: TrackingEventStore }> {
  const db = await Database.connect({ url: databaseUrl, name: 'tracking', migrations: trackingMigrations, poolSize, prepareStatements });
  const store = new TrackingEventStore(db);
  await ensureProjections(db, store, trackingProjections);
  // Every tracking table is per workspace: behind row-level security, at its current policy (a
  // lookup once it is). The log's tables got theirs in a migration; a newer policy reaches them here.
  const tables = [...eventStoreWorkspaceTables, ...trackingProjections.flatMap((projection) => Object.keys(projection.tables))];
  for (const table of tables) await isolateWorkspaces(db, trackingSchema, table);
  return { db, store };
}

/**
 * Everything the tracking service needs before it serves: migrations, read models at their
 * versions, and the relay that publishes its log. Both deployments start tracking through here.
 */
export async function startTracking(options: TrackingRuntimeOptions): Promise<{ module: DynamicModule; db: Database; close(): Promise<void> }> {
  const { db, store } = await openTrackingDatabase(options.databaseUrl, options.poolSize, options.prepareStatements);
  const relay = new EventRelay(db, store, options.bus, { election: options.relayElection, onError: options.onRelayError });
  await relay.start();
  return {
    module: TrackingModule.register({
      db,
      store,
      artifacts: await createArtifactStore(options.artifacts),
      bus: options.bus,
      authenticateSubscription: options.authenticateSubscription,
    }),
    db,
    async close() {
      await relay.stop();
      await options.bus.close();
      await db.close();
    },
  };
}

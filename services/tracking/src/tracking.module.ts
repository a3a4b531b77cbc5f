import type { ArtifactStore } from '@chronicle/artifacts';
import { Database } from '@chronicle/database';
import type { EventBus } from '@chronicle/messaging';
import { type DynamicModule, Module } from '@nestjs/common';
import { ExperimentPermissionsController } from './api/rest/experiment-permissions.controller';
import { GraphQLModule } from '@nestjs/graphql';
import { graphqlOptions, type SubscriptionAuthenticator } from './api/graphql/graphql.options';
import { EVENT_BUS, LiveTrackingFeed } from './api/graphql/live-tracking.feed';
import { trackingGraphqlResolvers } from './api/graphql/tracking-graphql.resolvers';
import { TrackingLoaders } from './api/graphql/tracking.loader';
import { ArtifactsController } from './api/rest/artifacts.controller';
import { ExperimentsController } from './api/rest/experiments.controller';
import { LoggedModelsController } from './api/rest/logged-models.controller';
import { MetricsController } from './api/rest/metrics.controller';
import { RunsController } from './api/rest/runs.controller';
import { ServerController } from './api/rest/server.controller';
import { ExperimentCommandsHandler } from './commands/experiment-commands.handler';
import { LoggedModelCommandsHandler } from './commands/logged-model-commands.handler';
import { RunCommandsHandler } from './commands/run-commands.handler';
import { ExperimentPolicy } from './policies/experiment.policy';
import { ArtifactListing, ARTIFACT_STORE } from './queries/artifact-listing.query';
import { ExperimentSearch } from './queries/experiment-search.query';
import { RunSearch } from './queries/run-search.query';
import { ExperimentPermissionsRepository } from './repositories/experiment-permissions.repository';
import { ExperimentsRepository } from './repositories/experiments.repository';
import { LoggedModelsRepository } from './repositories/logged-models.repository';
import { DownsampledSeriesRepository } from './repositories/downsampled-series.repository';
import { MetricsRepository } from './repositories/metrics.repository';
import { RunsRepository } from './repositories/runs.repository';
import { TrackingEventStore } from './tracking.event-store';

export interface TrackingAdapters {
  db: Database;
  store: TrackingEventStore;
  artifacts: ArtifactStore;
  /** Where tracking's events arrive after the relay; GraphQL subscriptions are fed from it. */
  bus: EventBus;
  authenticateSubscription: SubscriptionAuthenticator;
}

/** Experiment tracking: MLflow's experiments, runs, metrics, logged models and artifacts, over REST and GraphQL. */
@Module({})
export class TrackingModule {
  static register(adapters: TrackingAdapters): DynamicModule {
    return {
      module: TrackingModule,
      imports: [GraphQLModule.forRoot(graphqlOptions(adapters.authenticateSubscription))],
      controllers: [ServerController, ExperimentsController, RunsController, MetricsController, LoggedModelsController, ArtifactsController, ExperimentPermissionsController],
      providers: [
        { provide: Database, useValue: adapters.db },
        { provide: ARTIFACT_STORE, useValue: adapters.artifacts },
        { provide: TrackingEventStore, useValue: adapters.store },
        { provide: EVENT_BUS, useValue: adapters.bus },
        ExperimentCommandsHandler,
        RunCommandsHandler,
        LoggedModelCommandsHandler,
        ExperimentsRepository,
        RunsRepository,
        MetricsRepository,
        DownsampledSeriesRepository,
        LoggedModelsRepository,
        ExperimentSearch,
        RunSearch,
        ExperimentPolicy,
        ExperimentPermissionsRepository,
        ArtifactListing,
        TrackingLoaders,
        LiveTrackingFeed,
        ...trackingGraphqlResolvers,
      ],
    };
  }
}

import { ExperimentMutationsResolver } from './experiment-mutations.resolver';
import { ExperimentsResolver } from './experiments.resolver';
import { LiveTrackingResolver } from './live-tracking.resolver';
import { LoggedModelMutationsResolver } from './logged-model-mutations.resolver';
import { LoggedModelsResolver } from './logged-models.resolver';
import { MetricSeriesResolver, MetricsResolver } from './metrics.resolver';
import { RunMutationsResolver } from './run-mutations.resolver';
import { RunsResolver } from './runs.resolver';
import { WorkspaceResolver } from './workspace.resolver';

/** Every resolver of the tracking GraphQL schema: the module serves them, the SDL printer prints them. */
export const trackingGraphqlResolvers = [
  WorkspaceResolver,
  ExperimentsResolver,
  RunsResolver,
  MetricsResolver,
  MetricSeriesResolver,
  LoggedModelsResolver,
  ExperimentMutationsResolver,
  RunMutationsResolver,
  LoggedModelMutationsResolver,
  LiveTrackingResolver,
];

import { Authorize } from '@chronicle/authz';
import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ArtifactListing as ArtifactListingQuery } from '../../queries/artifact-listing.query';
import { RunSearch } from '../../queries/run-search.query';
import { MetricsRepository } from '../../repositories/metrics.repository';
import { encodePageToken } from '../../search/page-token';
import { lifecycleStagesFor } from '../../search/view-type';
import { ArtifactListing } from './artifact.model';
import { KeyValue, LifecycleView, viewTypeOf } from './common.model';
import { Experiment, experimentOf } from './experiment.model';
import type { GraphqlContext } from './graphql-context';
import { LoggedModel, loggedModelOf } from './logged-model.model';
import { Metric, MetricBucket, MetricConnection } from './metric.model';
import { connectionOf, pageStart } from './relay-pagination';
import { Run, RunConnection, runOf } from './run.model';
import { seriesArgsOf, SeriesRangeArgs } from './series-args';
import { TrackingLoaders } from './tracking.loader';

const pick = <T extends { key: string }>(items: T[], keys?: string[]) => (keys ? items.filter((i) => keys.includes(i.key)) : items);

@Resolver(() => Run)
export class RunsResolver {
  constructor(
    private readonly search: RunSearch,
    private readonly loaders: TrackingLoaders,
    private readonly metrics: MetricsRepository,
    private readonly artifactListing: ArtifactListingQuery,
  ) {}

  @Authorize('read', 'Experiment')
  @Query(() => RunConnection, { description: "Runs of some experiments; `filter` is MLflow's grammar plus OR and parentheses." })
  async runs(
    @Context() context: GraphqlContext,
    @Args('experimentIds', { type: () => [ID] }) experimentIds: string[],
    @Args('filter', { nullable: true }) filter?: string,
    @Args('orderBy', { type: () => [String], nullable: true }) orderBy?: string[],
    @Args('lifecycle', { type: () => LifecycleView, nullable: true }) lifecycle?: LifecycleView,
    @Args('first', { type: () => Int, defaultValue: 100 }) first = 100,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<RunConnection> {
    const offset = pageStart(first, after);
    const request = { experimentIds, filter, filterGrammar: 'boolean' as const, lifecycleStages: lifecycleStagesFor(viewTypeOf(lifecycle)) };
    const [page, total] = await Promise.all([
      this.search.search(context.command, { ...request, orderBy: orderBy ?? [], maxResults: first, pageToken: offset > 0 ? encodePageToken(offset) : undefined }),
      this.search.count(context.command, request),
    ]);
    const loader = this.loaders.of(context).run;
    // Nested fields (compare views, run links) find these runs loaded already.
    page.items.forEach((view) => loader.prime(view.info.runId, view));
    return connectionOf(page.items.map(runOf), offset, total);
  }

  @Authorize('read', 'Experiment')
  @Query(() => Run, { nullable: true })
  async run(@Context() context: GraphqlContext, @Args('id', { type: () => ID }) id: string): Promise<Run | null> {
    const view = await this.loaders.of(context).run.load(id);
    return view && runOf(view);
  }

  @ResolveField(() => Experiment, { nullable: true })
  async experiment(@Context() context: GraphqlContext, @Parent() run: Run): Promise<Experiment | null> {
    const view = await this.loaders.of(context).experiment.load(run.experimentId);
    return view && experimentOf(view);
  }

  @ResolveField(() => [KeyValue])
  params(@Parent() run: Run, @Args('keys', { type: () => [String], nullable: true }) keys?: string[]): KeyValue[] {
    return pick(run.allParams, keys);
  }

  @ResolveField(() => [Metric], { description: 'The latest value of each metric (or of the given keys).' })
  latestMetrics(@Parent() run: Run, @Args('keys', { type: () => [String], nullable: true }) keys?: string[]): Metric[] {
    return pick(run.allLatestMetrics, keys);
  }

  @ResolveField(() => [LoggedModel], { description: 'Logged models the run used or produced.' })
  async loggedModels(@Context() context: GraphqlContext, @Parent() run: Run): Promise<LoggedModel[]> {
    const ids = [...new Set([...run.modelInputIds, ...run.modelOutputs.map((m) => m.modelId)])];
    const views = await this.loaders.of(context).loggedModel.loadMany(ids);
    return views.flatMap((v) => (v && !(v instanceof Error) ? [loggedModelOf(v)] : []));
  }

  @ResolveField(() => MetricConnection, { description: "Raw points of one metric, in MLflow's order (timestamp, step, value)." })
  async metricHistory(
    @Context() context: GraphqlContext,
    @Parent() run: Run,
    @Args('key') key: string,
    @Args('first', { type: () => Int, defaultValue: 1000 }) first = 1000,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<MetricConnection> {
    const offset = pageStart(first, after);
    const workspaceId = context.command.workspaceId;
    const [points, total] = await Promise.all([
      this.metrics.history(workspaceId, run.id, key, { offset }, first),
      this.metrics.historyCount(workspaceId, run.id, key),
    ]);
    return connectionOf(points, offset, total);
  }

  @ResolveField(() => [MetricBucket], { description: 'One metric downsampled to at most `buckets` step ranges (min, max, mean each).' })
  async metricSeries(
    @Context() context: GraphqlContext,
    @Parent() run: Run,
    @Args('key') key: string,
    @Args() rangeArgs: SeriesRangeArgs,
  ): Promise<MetricBucket[]> {
    const series = await this.loaders.of(context).series.load({ runId: run.id, key, ...seriesArgsOf(rangeArgs) });
    return series.buckets();
  }

  @ResolveField(() => ArtifactListing)
  async artifacts(
    @Context() context: GraphqlContext,
    @Parent() run: Run,
    @Args('path', { defaultValue: '' }) path: string,
  ): Promise<ArtifactListing> {
    return this.artifactListing.list(context.command.workspaceId, run.artifactUri, path);
  }
}

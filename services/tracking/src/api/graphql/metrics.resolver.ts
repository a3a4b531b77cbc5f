import { Authorize } from '@chronicle/authz';
import { Args, Context, Field, ID, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { seriesColumnNames, type ArraySeriesColumns, type PackedSeriesColumns, type SeriesColumnName } from '../../repositories/downsampled-series';
import { KeyValue } from './common.model';
import type { GraphqlContext } from './graphql-context';
import { Metric, MetricBucket, MetricSeries } from './metric.model';
import { Run, runOf } from './run.model';
import { withJsonChunks } from './raw-json';
import { seriesArgsOf, SeriesRangeArgs } from './series-args';
import { SeriesColumnEnum, SeriesColumnsScalar, SeriesEncodingEnum, type SeriesEncoding } from './series-columns.scalar';
import { TrackingLoaders } from './tracking.loader';

@ObjectType({ description: 'One run of a comparison: the chosen params and latest metrics, in the order asked.' })
export class RunComparison {
  @Field(() => Run) run!: Run;
  @Field(() => [KeyValue], { description: 'The chosen params the run has.' }) params!: KeyValue[];
  @Field(() => [Metric], { description: 'The latest value of each chosen metric the run has.' }) metrics!: Metric[];
}

@Resolver()
export class MetricsResolver {
  constructor(private readonly loaders: TrackingLoaders) {}

  @Authorize('read', 'Experiment')
  @Query(() => [MetricSeries], {
    description: 'Every run × key series, downsampled; one SQL statement for all of them, and none for a series whose run has had no new event since it was last asked for (kept in a cache).',
  })
  async metricSeries(
    @Context() context: GraphqlContext,
    @Args('runIds', { type: () => [ID] }) runIds: string[],
    @Args('keys', { type: () => [String] }) keys: string[],
    @Args() rangeArgs: SeriesRangeArgs,
  ): Promise<MetricSeries[]> {
    const range = seriesArgsOf(rangeArgs);
    const pairs = runIds.flatMap((runId) => keys.map((key) => ({ runId, key })));
    const series = await this.loaders.of(context).series.loadMany(pairs.map((pair) => ({ ...pair, ...range })));
    return pairs.map((pair, i) => {
      const found = series[i];
      if (found instanceof Error) throw found;
      return { ...pair, series: found };
    });
  }

  @Authorize('read', 'Experiment')
  @Query(() => [RunComparison], { description: 'N runs × chosen params and metrics; runs of other workspaces or unknown ids are left out.' })
  async compareRuns(
    @Context() context: GraphqlContext,
    @Args('runIds', { type: () => [ID] }) runIds: string[],
    @Args('metricKeys', { type: () => [String], defaultValue: [] }) metricKeys: string[],
    @Args('paramKeys', { type: () => [String], defaultValue: [] }) paramKeys: string[],
  ): Promise<RunComparison[]> {
    const views = await this.loaders.of(context).run.loadMany(runIds);
    return views.flatMap((view) => {
      if (view instanceof Error) throw view;
      if (!view) return [];
      const run = runOf(view);
      return [
        {
          run,
          params: paramKeys.flatMap((key) => run.allParams.filter((p) => p.key === key)),
          metrics: metricKeys.flatMap((key) => run.allLatestMetrics.filter((m) => m.key === key)),
        },
      ];
    });
  }
}

@Resolver(() => MetricSeries)
export class MetricSeriesResolver {
  @ResolveField(() => [MetricBucket], { description: 'An object per bucket, in step order: for small charts (every field of every bucket goes through GraphQL).' })
  buckets(@Parent() parent: MetricSeries): MetricBucket[] {
    return parent.series.buckets();
  }

  @ResolveField(() => SeriesColumnsScalar, { description: 'The buckets by column, in one value: for dashboards of many series (see SeriesColumns).' })
  columns(
    @Parent() parent: MetricSeries,
    @Args('encoding', { type: () => SeriesEncodingEnum, defaultValue: 'PACKED' }) encoding: SeriesEncoding,
    @Args('only', { type: () => [SeriesColumnEnum], nullable: true, description: 'The columns to send, in this order; all six when omitted.' })
    only?: SeriesColumnName[] | null,
  ): ArraySeriesColumns | PackedSeriesColumns {
    const names = only ?? seriesColumnNames;
    if (encoding === 'ARRAYS') return parent.series.arrays(names);
    const packing = encoding === 'PACKED32' ? 'compact' : 'float64';
    const { columns, json } = parent.series.packed(names, packing);
    return withJsonChunks(columns, json);
  }
}

/**
 * Has graphql-js call MetricSeriesResolver.columns directly. A dashboard resolves the field once per
 * series, a thousand times a query, and Nest's per-call parameter pipeline (a dozen promises a call)
 * took about half of the series part's server time. Nest runs no guards, interceptors or filters on
 * field resolvers here (no `fieldResolverEnhancers`): the pipeline is all this skips.
 */
export function resolveSeriesColumnsDirectly(schema: GraphQLSchema): void {
  const resolver = new MetricSeriesResolver();
  const field = (schema.getType('MetricSeries') as GraphQLObjectType).getFields().columns;
  field.resolve = (parent: MetricSeries, args: { encoding: SeriesEncoding; only?: SeriesColumnName[] | null }) => resolver.columns(parent, args.encoding, args.only);
}

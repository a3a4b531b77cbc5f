import { Authorize } from '@chronicle/authz';
import { InvalidArgument } from '@chronicle/errors';
import { Args, Context, Field, Float, ID, ObjectType, Resolver, Subscription } from '@nestjs/graphql';
import type { CommandContext } from '../../commands/command-context';
import { ExperimentPolicy } from '../../policies/experiment.policy';
import { mayReceive, type GraphqlContext, type LiveEventScope } from './graphql-context';
import { LiveTrackingFeed, type LiveMetrics, type LiveRunChange } from './live-tracking.feed';
import { Metric } from './metric.model';

@ObjectType({ description: 'Points just logged to a run.' })
export class MetricsLogged {
  @Field(() => ID) runId!: string;
  @Field(() => ID) experimentId!: string;
  @Field(() => [Metric]) metrics!: Metric[];
}

@ObjectType({ description: "A change of a run's status or lifecycle; unchanged fields are null." })
export class RunChanged {
  @Field(() => ID) runId!: string;
  @Field(() => ID) experimentId!: string;
  @Field({ description: 'RunCreated, RunUpdated, RunDeleted or RunRestored.' }) change!: string;
  @Field(() => String, { nullable: true }) status!: string | null;
  @Field(() => Float, { nullable: true }) endTime!: number | null;
  @Field(() => String, { nullable: true }) lifecycleStage!: string | null;
}

interface ScopeArgs {
  runId?: string;
  experimentId?: string;
}

function requireOneScope(args: ScopeArgs): void {
  if (!args.runId === !args.experimentId) throw new InvalidArgument('Subscribe to exactly one of runId or experimentId');
}

// The caller's right to read the run or experiment is checked when it subscribes; the workspace, for every event.
const inScope = (event: LiveEventScope, args: ScopeArgs, context: GraphqlContext) =>
  mayReceive(context, event) && (args.runId ? event.runId === args.runId : event.experimentId === args.experimentId);

@Resolver()
export class LiveTrackingResolver {
  constructor(
    private readonly feed: LiveTrackingFeed,
    private readonly policy: ExperimentPolicy,
  ) {}

  @Authorize('read', 'Experiment')
  @Subscription(() => MetricsLogged, {
    description: 'Metric points as they are logged, for one run or every run of one experiment.',
    filter: (event: LiveMetrics, args: ScopeArgs & { keys?: string[] }, context: GraphqlContext) =>
      inScope(event, args, context) && (!args.keys || event.metrics.some((m) => args.keys!.includes(m.key))),
    resolve: (event: LiveMetrics, args: { keys?: string[] }): MetricsLogged => ({
      runId: event.runId,
      experimentId: event.experimentId,
      metrics: args.keys ? event.metrics.filter((m) => args.keys!.includes(m.key)) : event.metrics,
    }),
  })
  async metricsLogged(
    @Context() context: GraphqlContext,
    @Args('runId', { type: () => ID, nullable: true }) runId?: string,
    @Args('experimentId', { type: () => ID, nullable: true }) experimentId?: string,
    @Args('keys', { type: () => [String], nullable: true }) _keys?: string[],
  ) {
    await this.authorize(context.command, { runId, experimentId });
    return this.feed.listen('metrics');
  }

  @Authorize('read', 'Experiment')
  @Subscription(() => RunChanged, {
    description: 'Run status and lifecycle changes, for one run or every run of one experiment.',
    filter: (event: LiveRunChange, args: ScopeArgs, context: GraphqlContext) => inScope(event, args, context),
    resolve: (event: LiveRunChange): RunChanged => event,
  })
  async runChanged(
    @Context() context: GraphqlContext,
    @Args('runId', { type: () => ID, nullable: true }) runId?: string,
    @Args('experimentId', { type: () => ID, nullable: true }) experimentId?: string,
  ) {
    await this.authorize(context.command, { runId, experimentId });
    return this.feed.listen('runChanges');
  }

  private async authorize(ctx: CommandContext, scope: ScopeArgs): Promise<void> {
    requireOneScope(scope);
    if (scope.runId) await this.policy.requireForRun(ctx, 'read', scope.runId);
    else await this.policy.require(ctx, 'read', scope.experimentId!);
  }
}

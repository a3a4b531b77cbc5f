import { Authorize } from '@chronicle/authz';
import { Args, Context, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { ExperimentCommandsHandler } from '../../commands/experiment-commands.handler';
import { ExperimentSearch } from '../../queries/experiment-search.query';
import { lifecycleStagesFor } from '../../search/view-type';
import { LifecycleView, viewTypeOf } from './common.model';
import { Experiment, ExperimentConnection, experimentOf } from './experiment.model';
import type { GraphqlContext } from './graphql-context';
import { encodePageToken } from '../../search/page-token';
import { connectionOf, pageStart } from './relay-pagination';
import { TrackingLoaders } from './tracking.loader';

@Resolver(() => Experiment)
export class ExperimentsResolver {
  constructor(
    private readonly search: ExperimentSearch,
    private readonly loaders: TrackingLoaders,
    private readonly commands: ExperimentCommandsHandler,
  ) {}

  @Authorize('read', 'Experiment')
  @Query(() => ExperimentConnection, { description: 'Experiments of the workspace; `filter` is MLflow\'s grammar plus OR and parentheses.' })
  async experiments(
    @Context() context: GraphqlContext,
    @Args('filter', { nullable: true }) filter?: string,
    @Args('orderBy', { type: () => [String], nullable: true }) orderBy?: string[],
    @Args('lifecycle', { type: () => LifecycleView, nullable: true }) lifecycle?: LifecycleView,
    @Args('first', { type: () => Int, defaultValue: 100 }) first = 100,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<ExperimentConnection> {
    const offset = pageStart(first, after);
    // As MLflow's REST search does: every workspace lists its "Default" experiment.
    await this.commands.ensureDefault(context.command);
    const lifecycleStages = lifecycleStagesFor(viewTypeOf(lifecycle));
    const [page, total] = await Promise.all([
      this.search.search(context.command, {
        filter,
        filterGrammar: 'boolean',
        orderBy: orderBy ?? [],
        lifecycleStages,
        maxResults: first,
        pageToken: offset > 0 ? encodePageToken(offset) : undefined,
      }),
      this.search.count(context.command, { filter, filterGrammar: 'boolean', lifecycleStages }),
    ]);
    return connectionOf(page.items.map(experimentOf), offset, total);
  }

  @Authorize('read', 'Experiment')
  @Query(() => Experiment, { nullable: true })
  async experiment(@Context() context: GraphqlContext, @Args('id', { type: () => ID }) id: string): Promise<Experiment | null> {
    const view = await this.loaders.of(context).experiment.load(id);
    return view && experimentOf(view);
  }
}

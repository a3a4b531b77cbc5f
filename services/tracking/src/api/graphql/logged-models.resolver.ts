import { Authorize } from '@chronicle/authz';
import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import type { GraphqlContext } from './graphql-context';
import { LoggedModel, loggedModelOf } from './logged-model.model';
import { TrackingLoaders } from './tracking.loader';

@Resolver(() => LoggedModel)
export class LoggedModelsResolver {
  constructor(private readonly loaders: TrackingLoaders) {}

  @Authorize('read', 'Experiment')
  @Query(() => LoggedModel, { nullable: true })
  async loggedModel(@Context() context: GraphqlContext, @Args('id', { type: () => ID }) id: string): Promise<LoggedModel | null> {
    const view = await this.loaders.of(context).loggedModel.load(id);
    return view && loggedModelOf(view);
  }
}

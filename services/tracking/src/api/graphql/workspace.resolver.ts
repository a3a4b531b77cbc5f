import { Authorize } from '@chronicle/authz';
import { Context, Field, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { GraphqlContext } from './graphql-context';

@ObjectType({ description: 'A tenant: every experiment, run and model belongs to exactly one.' })
export class Workspace {
  @Field() name!: string;
}

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Authorize('read', 'Workspace')
  @Query(() => Workspace, { description: 'The workspace this request acts in (X-MLFLOW-WORKSPACE, default "default").' })
  workspace(@Context() context: GraphqlContext): Workspace {
    return { name: context.command.workspaceId };
  }
}

import { Authorize } from '@chronicle/authz';
import { NotFound } from '@chronicle/errors';
import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { LoggedModelCommandsHandler } from '../../commands/logged-model-commands.handler';
import type { LoggedModelStatus } from '../../domain/logged-model/logged-model.decider';
import { LoggedModelsRepository } from '../../repositories/logged-models.repository';
import type { GraphqlContext } from './graphql-context';
import { LoggedModel, loggedModelOf } from './logged-model.model';
import { LoggedModelStatusEnum } from './status.enum';
import { CreateLoggedModelInput, KeyValueInput } from './tracking.input';

/** MLflow 3 logged-model commands, through the same handlers as REST. */
@Resolver()
export class LoggedModelMutationsResolver {
  constructor(
    private readonly commands: LoggedModelCommandsHandler,
    private readonly models: LoggedModelsRepository,
  ) {}

  @Authorize('update', 'Experiment')
  @Mutation(() => LoggedModel)
  async createLoggedModel(@Context() { command }: GraphqlContext, @Args('input') input: CreateLoggedModelInput): Promise<LoggedModel> {
    const id = await this.commands.create(command, input);
    return this.read(command.workspaceId, id);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => LoggedModel)
  async finalizeLoggedModel(
    @Context() { command }: GraphqlContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('status', { type: () => LoggedModelStatusEnum }) status: LoggedModelStatus,
  ) {
    await this.commands.finalize(command, id, status);
    return this.read(command.workspaceId, id);
  }

  @Authorize('delete', 'Experiment')
  @Mutation(() => Boolean, { description: 'Deleted models are gone from every read.' })
  async deleteLoggedModel(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    await this.commands.delete(command, id);
    return true;
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => LoggedModel)
  async setLoggedModelTags(
    @Context() { command }: GraphqlContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('tags', { type: () => [KeyValueInput] }) tags: KeyValueInput[],
  ) {
    await this.commands.setTags(command, id, tags);
    return this.read(command.workspaceId, id);
  }

  @Authorize('delete', 'Experiment')
  @Mutation(() => LoggedModel)
  async deleteLoggedModelTag(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string, @Args('key') key: string) {
    await this.commands.deleteTag(command, id, key);
    return this.read(command.workspaceId, id);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => LoggedModel)
  async logLoggedModelParams(
    @Context() { command }: GraphqlContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('params', { type: () => [KeyValueInput] }) params: KeyValueInput[],
  ) {
    await this.commands.logParams(command, id, params);
    return this.read(command.workspaceId, id);
  }

  private async read(workspaceId: string, id: string): Promise<LoggedModel> {
    const view = await this.models.get(workspaceId, id);
    if (!view) throw new NotFound(`Logged model with ID '${id}' not found.`);
    return loggedModelOf(view);
  }
}

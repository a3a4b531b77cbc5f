import { Authorize } from '@chronicle/authz';
import { NotFound } from '@chronicle/errors';
import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { ExperimentCommandsHandler } from '../../commands/experiment-commands.handler';
import { ExperimentsRepository } from '../../repositories/experiments.repository';
import { Experiment, experimentOf } from './experiment.model';
import type { GraphqlContext } from './graphql-context';
import { CreateExperimentInput } from './tracking.input';

/** Experiment commands, through the same handlers as MLflow's REST API; each answers the experiment as it now is. */
@Resolver()
export class ExperimentMutationsResolver {
  constructor(
    private readonly commands: ExperimentCommandsHandler,
    private readonly experiments: ExperimentsRepository,
  ) {}

  @Authorize('create', 'Experiment')
  @Mutation(() => Experiment)
  async createExperiment(@Context() { command }: GraphqlContext, @Args('input') input: CreateExperimentInput): Promise<Experiment> {
    await this.commands.ensureDefault(command);
    const id = await this.commands.create(command, input);
    return this.read(command.workspaceId, id);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Experiment)
  async renameExperiment(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string, @Args('name') name: string) {
    await this.commands.rename(command, id, name);
    return this.read(command.workspaceId, id);
  }

  @Authorize('delete', 'Experiment')
  @Mutation(() => Experiment)
  async deleteExperiment(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string) {
    await this.commands.delete(command, id);
    return this.read(command.workspaceId, id);
  }

  @Authorize('delete', 'Experiment')
  @Mutation(() => Experiment)
  async restoreExperiment(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string) {
    await this.commands.restore(command, id);
    return this.read(command.workspaceId, id);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Experiment)
  async setExperimentTag(
    @Context() { command }: GraphqlContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('key') key: string,
    @Args('value') value: string,
  ) {
    await this.commands.setTag(command, id, { key, value });
    return this.read(command.workspaceId, id);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Experiment)
  async deleteExperimentTag(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string, @Args('key') key: string) {
    await this.commands.deleteTag(command, id, key);
    return this.read(command.workspaceId, id);
  }

  // Read from the repository, not the request's loader: the loader may hold the state before the command.
  private async read(workspaceId: string, id: string): Promise<Experiment> {
    const view = await this.experiments.get(workspaceId, id);
    if (!view) throw new NotFound(`No Experiment with id=${id} exists`);
    return experimentOf(view);
  }
}

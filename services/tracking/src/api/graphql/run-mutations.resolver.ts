import { Authorize } from '@chronicle/authz';
import { InvalidArgument, NotFound } from '@chronicle/errors';
import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { RunCommandsHandler } from '../../commands/run-commands.handler';
import { RunsRepository } from '../../repositories/runs.repository';
import type { GraphqlContext } from './graphql-context';
import { Run, runOf } from './run.model';
import { CreateRunInput, DatasetInputInput, LogBatchInput, ModelOutputInput, UpdateRunInput } from './tracking.input';

/** Run commands, through the same handlers as MLflow's REST API; each answers the run as it now is. */
@Resolver()
export class RunMutationsResolver {
  constructor(
    private readonly commands: RunCommandsHandler,
    private readonly runs: RunsRepository,
  ) {}

  @Authorize('update', 'Experiment')
  @Mutation(() => Run)
  async createRun(@Context() { command }: GraphqlContext, @Args('input') input: CreateRunInput): Promise<Run> {
    const runId = await this.commands.create(command, input);
    return this.read(command.workspaceId, runId);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Run)
  async updateRun(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateRunInput) {
    await this.commands.update(command, id, input);
    return this.read(command.workspaceId, id);
  }

  @Authorize('delete', 'Experiment')
  @Mutation(() => Run)
  async deleteRun(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string) {
    await this.commands.delete(command, id);
    return this.read(command.workspaceId, id);
  }

  @Authorize('delete', 'Experiment')
  @Mutation(() => Run)
  async restoreRun(@Context() { command }: GraphqlContext, @Args('id', { type: () => ID }) id: string) {
    await this.commands.restore(command, id);
    return this.read(command.workspaceId, id);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Run, { description: 'Metrics, params and tags in one atomic batch (MLflow log-batch).' })
  async logBatch(@Context() { command }: GraphqlContext, @Args('runId', { type: () => ID }) runId: string, @Args('batch') batch: LogBatchInput) {
    // MLflow rejects a repeated param key in one batch, even with the same value.
    const keys = batch.params.map((p) => p.key);
    const duplicates = [...new Set(keys.filter((key, i) => keys.indexOf(key) !== i))];
    if (duplicates.length > 0) throw new InvalidArgument(`Duplicate parameter keys have been submitted: [${duplicates.map((k) => `'${k}'`).join(', ')}].`);
    const metrics = batch.metrics.map((m) => ({ ...m, modelId: m.modelId ?? '', datasetName: m.datasetName ?? '', datasetDigest: m.datasetDigest ?? '' }));
    await this.commands.logBatch(command, runId, { metrics, params: batch.params, tags: batch.tags });
    return this.read(command.workspaceId, runId);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Run)
  async deleteRunTag(@Context() { command }: GraphqlContext, @Args('runId', { type: () => ID }) runId: string, @Args('key') key: string) {
    await this.commands.deleteTag(command, runId, key);
    return this.read(command.workspaceId, runId);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Run)
  async logInputs(
    @Context() { command }: GraphqlContext,
    @Args('runId', { type: () => ID }) runId: string,
    @Args('datasets', { type: () => [DatasetInputInput], defaultValue: [] }) datasets: DatasetInputInput[],
    @Args('modelIds', { type: () => [ID], defaultValue: [] }) modelIds: string[],
  ) {
    await this.commands.logInputs(command, runId, datasets, modelIds);
    return this.read(command.workspaceId, runId);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Run)
  async logOutputs(
    @Context() { command }: GraphqlContext,
    @Args('runId', { type: () => ID }) runId: string,
    @Args('models', { type: () => [ModelOutputInput] }) models: ModelOutputInput[],
  ) {
    await this.commands.logOutputs(command, runId, models);
    return this.read(command.workspaceId, runId);
  }

  @Authorize('update', 'Experiment')
  @Mutation(() => Run, { description: 'The pre-MLflow-3 log-model: records the MLmodel JSON on the run.' })
  async logLegacyModel(@Context() { command }: GraphqlContext, @Args('runId', { type: () => ID }) runId: string, @Args('modelJson') modelJson: string) {
    await this.commands.logLegacyModel(command, runId, modelJson);
    return this.read(command.workspaceId, runId);
  }

  // Read from the repository, not the request's loader: the loader may hold the state before the command.
  private async read(workspaceId: string, runId: string): Promise<Run> {
    const view = await this.runs.get(workspaceId, runId);
    if (!view) throw new NotFound(`Run with id=${runId} not found`);
    return runOf(view);
  }
}

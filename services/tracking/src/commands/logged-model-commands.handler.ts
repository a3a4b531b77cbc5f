import type { Queryable } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NotFound } from '@chronicle/errors';
import { loggedModelDecider, loggedModelStream, type LoggedModelCommand, type LoggedModelState, type LoggedModelStatus } from '../domain/logged-model/logged-model.decider';
import { generateRunName } from '../domain/run/run-name';
import type { Param, Tag } from '../domain/tracking-event';
import { ExperimentPolicy } from '../policies/experiment.policy';
import { ExperimentsRepository } from '../repositories/experiments.repository';
import { TrackingEventStore } from '../tracking.event-store';
import { metadataOf, type CommandContext } from './command-context';
import { ExperimentCommandsHandler } from './experiment-commands.handler';

/** MLflow 3 logged-model commands. */
@Injectable()
export class LoggedModelCommandsHandler {
  constructor(
    private readonly store: TrackingEventStore,
    private readonly experiments: ExperimentCommandsHandler,
    private readonly experimentsRepository: ExperimentsRepository,
    private readonly policy: ExperimentPolicy,
  ) {}

  async create(
    ctx: CommandContext,
    input: { experimentId: string; name?: string; modelType?: string; sourceRunId?: string; params: Param[]; tags: Tag[] },
  ): Promise<string> {
    await this.experiments.ensureDefault(ctx);
    const experiment = await this.experimentsRepository.get(ctx.workspaceId, input.experimentId);
    if (!experiment) throw new NotFound(`No Experiment with id=${input.experimentId} exists`);
    const modelId = `m-${randomUUID().replaceAll('-', '')}`;
    await this.execute(ctx, modelId, async (tx) => ({
      type: 'CreateLoggedModel',
      modelId,
      experimentId: input.experimentId,
      experimentActive: await this.experiments.isActive(tx, ctx.workspaceId, input.experimentId),
      name: input.name || generateRunName(),
      modelType: input.modelType ?? '',
      sourceRunId: input.sourceRunId ?? '',
      artifactUri: `${experiment.artifactLocation}/models/${modelId}/artifacts`,
      time: ctx.now,
      params: input.params,
      tags: input.tags,
    }));
    return modelId;
  }

  finalize(ctx: CommandContext, modelId: string, status: LoggedModelStatus) {
    return this.execute(ctx, modelId, () => ({ type: 'FinalizeLoggedModel', modelId, status, time: ctx.now }));
  }

  delete(ctx: CommandContext, modelId: string) {
    return this.execute(ctx, modelId, () => ({ type: 'DeleteLoggedModel', modelId, time: ctx.now }));
  }

  setTags(ctx: CommandContext, modelId: string, tags: Tag[]) {
    return this.execute(ctx, modelId, () => ({ type: 'SetLoggedModelTags', modelId, tags, time: ctx.now }));
  }

  deleteTag(ctx: CommandContext, modelId: string, key: string) {
    return this.execute(ctx, modelId, () => ({ type: 'DeleteLoggedModelTag', modelId, key, time: ctx.now }));
  }

  logParams(ctx: CommandContext, modelId: string, params: Param[]) {
    return this.execute(ctx, modelId, () => ({ type: 'LogLoggedModelParams', modelId, params, time: ctx.now }));
  }

  private async execute(
    ctx: CommandContext,
    modelId: string,
    command: (tx: Queryable) => Promise<LoggedModelCommand> | LoggedModelCommand,
  ): Promise<void> {
    await this.store.execute<LoggedModelState, null>({
      workspaceId: ctx.workspaceId,
      streamId: loggedModelStream(modelId),
      metadata: metadataOf(ctx),
      decider: loggedModelDecider,
      decide: async (state, tx) => {
        const next = await command(tx);
        // A logged model inherits its experiment's permissions; as in MLflow, deleting it or a tag takes the right to delete.
        const experimentId = next.type === 'CreateLoggedModel' ? next.experimentId : state.exists ? state.experimentId : null;
        const action = next.type === 'DeleteLoggedModel' || next.type === 'DeleteLoggedModelTag' ? 'delete' : 'update';
        if (experimentId !== null) await this.policy.require(ctx, action, experimentId, tx);
        return loggedModelDecider.decide(next, state);
      },
      result: () => null,
    });
  }
}

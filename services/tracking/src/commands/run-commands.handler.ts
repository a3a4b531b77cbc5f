import { NotFound } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { trackingV1 } from '@chronicle/contracts';
import { generateRunName } from '../domain/run/run-name';
import { runDecider, runStream, type RunCommand, type RunState } from '../domain/run/run.decider';
import type { MetricPoint, Param, RunStatus, Tag } from '../domain/tracking-event';
import { ExperimentPolicy } from '../policies/experiment.policy';
import { ExperimentsRepository } from '../repositories/experiments.repository';
import { TrackingEventStore } from '../tracking.event-store';
import { metadataOf, type CommandContext } from './command-context';
import { ExperimentCommandsHandler } from './experiment-commands.handler';

type WithoutRun<C> = C extends unknown ? Omit<C, 'runId' | 'experimentActive'> : never;

/** Run commands: create, update, delete, restore, and logging data to a run. */
@Injectable()
export class RunCommandsHandler {
  constructor(
    private readonly store: TrackingEventStore,
    private readonly experiments: ExperimentCommandsHandler,
    private readonly experimentsRepository: ExperimentsRepository,
    private readonly policy: ExperimentPolicy,
  ) {}

  async create(
    ctx: CommandContext,
    input: { experimentId: string; runName?: string; userId?: string; startTime?: number; tags: Tag[] },
  ): Promise<string> {
    await this.experiments.ensureDefault(ctx);
    const experiment = await this.experimentsRepository.get(ctx.workspaceId, input.experimentId);
    if (!experiment) throw new NotFound(`No Experiment with id=${input.experimentId} exists`);
    const runId = randomUUID().replaceAll('-', '');
    const named = input.tags.some((t) => t.key === 'mlflow.runName');
    await this.execute(ctx, runId, {
      type: 'CreateRun',
      experimentId: input.experimentId,
      runName: input.runName || (named ? '' : generateRunName()),
      userId: input.userId ?? '',
      startTime: input.startTime ?? ctx.now,
      artifactUri: `${experiment.artifactLocation}/${runId}/artifacts`,
      tags: input.tags,
    });
    return runId;
  }

  update(ctx: CommandContext, runId: string, input: { status?: RunStatus; endTime?: number; runName?: string }) {
    return this.execute(ctx, runId, { type: 'UpdateRun', ...input });
  }

  delete(ctx: CommandContext, runId: string) {
    return this.execute(ctx, runId, { type: 'DeleteRun', time: ctx.now });
  }

  restore(ctx: CommandContext, runId: string) {
    return this.execute(ctx, runId, { type: 'RestoreRun', time: ctx.now });
  }

  logBatch(ctx: CommandContext, runId: string, data: { metrics?: MetricPoint[]; params?: Param[]; tags?: Tag[] }) {
    return this.execute(ctx, runId, { type: 'LogBatch', metrics: data.metrics ?? [], params: data.params ?? [], tags: data.tags ?? [] });
  }

  deleteTag(ctx: CommandContext, runId: string, key: string) {
    return this.execute(ctx, runId, { type: 'DeleteRunTag', key });
  }

  logInputs(ctx: CommandContext, runId: string, datasets: trackingV1.DatasetInput[], modelIds: string[]) {
    return this.execute(ctx, runId, { type: 'LogInputs', datasets, modelIds });
  }

  logOutputs(ctx: CommandContext, runId: string, models: trackingV1.ModelOutput[]) {
    return this.execute(ctx, runId, { type: 'LogOutputs', models });
  }

  logLegacyModel(ctx: CommandContext, runId: string, modelJson: string) {
    return this.execute(ctx, runId, { type: 'LogLegacyModel', modelJson });
  }

  private async execute(ctx: CommandContext, runId: string, command: WithoutRun<RunCommand>): Promise<string> {
    await this.store.execute<RunState, null>({
      workspaceId: ctx.workspaceId,
      streamId: runStream(runId),
      metadata: metadataOf(ctx),
      decider: runDecider,
      decide: async (state, tx) => {
        const experimentId = command.type === 'CreateRun' ? command.experimentId : state.exists ? state.experimentId : null;
        // A run inherits its experiment's permissions: deleting or restoring it takes the right to delete, the rest to update.
        const action = command.type === 'DeleteRun' || command.type === 'RestoreRun' ? 'delete' : 'update';
        if (experimentId !== null) await this.policy.require(ctx, action, experimentId, tx);
        const experimentActive = experimentId !== null && (await this.experiments.isActive(tx, ctx.workspaceId, experimentId));
        return runDecider.decide({ ...command, runId, experimentActive } as RunCommand, state);
      },
      result: () => null,
    });
    return runId;
  }
}

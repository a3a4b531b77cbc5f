import { Database, isUniqueViolation, type Queryable } from '@chronicle/database';
import { AlreadyExists, ConcurrencyError } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import { experimentDecider, experimentStream, type ExperimentCommand } from '../domain/experiment/experiment.decider';
import type { Tag } from '../domain/tracking-event';
import { TrackingEventStore } from '../tracking.event-store';
import { trackingSchema } from '../tracking.schema';
import { metadataOf, type CommandContext } from './command-context';

export const defaultExperimentId = '0';

/** Experiment commands: create, rename, delete, restore, tags. */
@Injectable()
export class ExperimentCommandsHandler {
  private readonly workspacesWithDefault = new Set<string>();

  constructor(
    private readonly store: TrackingEventStore,
    private readonly db: Database,
  ) {}

  async create(ctx: CommandContext, input: { name: string; artifactLocation?: string; tags: Tag[] }): Promise<string> {
    const [{ id }] = await this.db.query<{ id: string }>(`SELECT nextval('${trackingSchema}.experiment_ids')::text AS id`);
    await this.createWithId(ctx, id, input);
    return id;
  }

  /** The default experiment "0" ("Default") exists in every workspace, as in MLflow. */
  async ensureDefault(ctx: CommandContext): Promise<void> {
    if (this.workspacesWithDefault.has(ctx.workspaceId)) return;
    const [existing] = await this.db.query(`SELECT 1 FROM ${trackingSchema}.experiments WHERE workspace_id = $1 AND experiment_id = '0'`, [
      ctx.workspaceId,
    ]);
    if (!existing) {
      try {
        await this.createWithId({ ...ctx, idempotencyKey: undefined }, defaultExperimentId, { name: 'Default', tags: [] });
      } catch (error) {
        // Another request created it first.
        if (!(error instanceof AlreadyExists) && !(error instanceof ConcurrencyError)) throw error;
      }
    }
    this.workspacesWithDefault.add(ctx.workspaceId);
  }

  rename(ctx: CommandContext, experimentId: string, name: string) {
    return this.run(ctx, { type: 'RenameExperiment', experimentId, name, time: ctx.now });
  }

  delete(ctx: CommandContext, experimentId: string) {
    return this.run(ctx, { type: 'DeleteExperiment', experimentId, time: ctx.now });
  }

  restore(ctx: CommandContext, experimentId: string) {
    return this.run(ctx, { type: 'RestoreExperiment', experimentId, time: ctx.now });
  }

  setTag(ctx: CommandContext, experimentId: string, tag: Tag) {
    return this.run(ctx, { type: 'SetExperimentTag', experimentId, tag, time: ctx.now });
  }

  deleteTag(ctx: CommandContext, experimentId: string, key: string) {
    return this.run(ctx, { type: 'DeleteExperimentTag', experimentId, key, time: ctx.now });
  }

  /** Whether the experiment exists and is active, read from its stream inside `tx`. */
  async isActive(tx: Queryable, workspaceId: string, experimentId: string): Promise<boolean> {
    const { state } = await this.store.load(tx, workspaceId, experimentStream(experimentId), experimentDecider);
    return state.exists && state.lifecycle === 'active';
  }

  private async createWithId(ctx: CommandContext, experimentId: string, input: { name: string; artifactLocation?: string; tags: Tag[] }) {
    // Artifacts are proxied: keys are scoped by workspace on the server side.
    const artifactLocation = input.artifactLocation || `mlflow-artifacts:/${experimentId}`;
    await this.run(ctx, { type: 'CreateExperiment', experimentId, name: input.name, artifactLocation, tags: input.tags, time: ctx.now });
  }

  private async run(ctx: CommandContext, command: ExperimentCommand): Promise<void> {
    try {
      await this.store.execute({
        workspaceId: ctx.workspaceId,
        streamId: experimentStream(command.experimentId),
        metadata: metadataOf(ctx),
        decider: experimentDecider,
        decide: (state) => experimentDecider.decide(command, state),
        result: () => null,
      });
    } catch (error) {
      // Names are unique per workspace, deleted experiments included: the read model's unique
      // key rejects the append transaction of a create or rename.
      if (isUniqueViolation(error) && 'name' in command) throw new AlreadyExists(`Experiment(name=${command.name}) already exists.`);
      throw error;
    }
  }
}

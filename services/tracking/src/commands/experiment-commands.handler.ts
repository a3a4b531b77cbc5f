import { Database, isUniqueViolation, type Queryable } from '@chronicle/database';
import { AlreadyExists, ConcurrencyError } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import type { ResourceAction } from '@chronicle/authz';
import { experimentDecider, experimentStream, type ExperimentCommand } from '../domain/experiment/experiment.decider';
import type { Tag } from '../domain/tracking-event';
import { ExperimentPolicy } from '../policies/experiment.policy';
import { TrackingEventStore } from '../tracking.event-store';
import { trackingSchema } from '../tracking.schema';
import { metadataOf, type CommandContext } from './command-context';

export const defaultExperimentId = '0';

// What each command needs the caller to hold on the experiment.
const requiredAction: Record<ExperimentCommand['type'], ResourceAction | 'create'> = {
  CreateExperiment: 'create',
  RenameExperiment: 'update',
  SetExperimentTag: 'update',
  DeleteExperimentTag: 'update',
  DeleteExperiment: 'delete',
  RestoreExperiment: 'delete',
  CreateExperimentPermission: 'grant',
  UpdateExperimentPermission: 'grant',
  DeleteExperimentPermission: 'grant',
};

/** Experiment commands: create, rename, delete, restore, tags, per-principal permissions. */
@Injectable()
export class ExperimentCommandsHandler {
  private readonly workspacesWithDefault = new Set<string>();

  constructor(
    private readonly store: TrackingEventStore,
    private readonly db: Database,
    private readonly policy: ExperimentPolicy,
  ) {}

  async create(ctx: CommandContext, input: { name: string; artifactLocation?: string; tags: Tag[] }): Promise<string> {
    const [{ id }] = await this.db.query<{ id: string }>(`SELECT nextval('${trackingSchema}.experiment_ids')::text AS id`);
    await this.run(ctx, {
      type: 'CreateExperiment',
      experimentId: id,
      name: input.name,
      // Artifacts are proxied; the server scopes their keys by workspace.
      artifactLocation: input.artifactLocation || `mlflow-artifacts:/${id}`,
      tags: input.tags,
      time: ctx.now,
      owner: ctx.principal.id,
    });
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
        // Nobody's own action, so neither authorized against the caller nor owned by it.
        await this.append({ ...ctx, idempotencyKey: undefined }, defaultExperimentCommand(ctx.now));
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

  /** MLflow's experiments/permissions create, update and delete: explicit levels for one principal. */
  createPermission(ctx: CommandContext, experimentId: string, principalId: string, permission: string) {
    return this.run(ctx, { type: 'CreateExperimentPermission', experimentId, principalId, permission, time: ctx.now });
  }

  updatePermission(ctx: CommandContext, experimentId: string, principalId: string, permission: string) {
    return this.run(ctx, { type: 'UpdateExperimentPermission', experimentId, principalId, permission, time: ctx.now });
  }

  deletePermission(ctx: CommandContext, experimentId: string, principalId: string) {
    return this.run(ctx, { type: 'DeleteExperimentPermission', experimentId, principalId, time: ctx.now });
  }

  /** Whether the experiment exists and is active, read from its stream inside `tx`. */
  async isActive(tx: Queryable, workspaceId: string, experimentId: string): Promise<boolean> {
    const { state } = await this.store.load(tx, workspaceId, experimentStream(experimentId), experimentDecider);
    return state.exists && state.lifecycle === 'active';
  }

  /** Checks the caller's right on the experiment inside the command's transaction, then appends. */
  private run(ctx: CommandContext, command: ExperimentCommand): Promise<void> {
    return this.append(ctx, command, (tx) => this.policy.require(ctx, requiredAction[command.type], command.experimentId, tx));
  }

  private async append(ctx: CommandContext, command: ExperimentCommand, authorize?: (tx: Queryable) => Promise<void>): Promise<void> {
    try {
      await this.store.execute({
        workspaceId: ctx.workspaceId,
        streamId: experimentStream(command.experimentId),
        metadata: metadataOf(ctx),
        decider: experimentDecider,
        decide: async (state, tx) => {
          await authorize?.(tx);
          return experimentDecider.decide(command, state);
        },
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

function defaultExperimentCommand(time: number): ExperimentCommand {
  return { type: 'CreateExperiment', experimentId: defaultExperimentId, name: 'Default', artifactLocation: `mlflow-artifacts:/${defaultExperimentId}`, tags: [], time };
}

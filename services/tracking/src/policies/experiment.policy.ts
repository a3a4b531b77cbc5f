import { accessCondition, type Bind, type ResourceAction } from '@chronicle/authz';
import { subject } from '@casl/ability';
import { Database, type Queryable } from '@chronicle/database';
import { Forbidden, NotFound } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import type { CommandContext } from '../commands/command-context';
import { ExperimentPermissionsRepository } from '../repositories/experiment-permissions.repository';
import { trackingSchema } from '../tracking.schema';

/**
 * Who may do what to an experiment and everything that inherits from it (runs, metrics,
 * artifacts, logged models). The rules are the caller's CASL ability; this class supplies the
 * one fact they need from tracking's data: the caller's explicit grant on the experiment.
 */
@Injectable()
export class ExperimentPolicy {
  constructor(
    private readonly db: Database,
    private readonly permissions: ExperimentPermissionsRepository,
  ) {}

  /** Throws Forbidden unless the caller may `action` the experiment; inside a command, pass its transaction. */
  async require(ctx: CommandContext, action: ResourceAction | 'create', experimentId: string, q: Queryable = this.db): Promise<void> {
    const grant = await this.permissions.get(ctx.workspaceId, experimentId, ctx.principal.id, q);
    const experiment = subject('Experiment', { workspaceId: ctx.workspaceId, grant });
    if (!ctx.ability.can(action, experiment)) {
      throw new Forbidden(`Permission denied: ${ctx.principal.name} may not ${action} experiment ${experimentId}`);
    }
  }

  /** Like `require`, for the experiment a run belongs to; a run outside the caller's workspace is not found. */
  async requireForRun(ctx: CommandContext, action: ResourceAction, runId: string): Promise<void> {
    const [run] = await this.db.query<{ experiment_id: string }>(`SELECT experiment_id FROM ${trackingSchema}.runs WHERE workspace_id = $1 AND run_id = $2`, [
      ctx.workspaceId,
      runId,
    ]);
    if (!run) throw new NotFound(`Run with id=${runId} not found`);
    await this.require(ctx, action, run.experiment_id);
  }

  /** A SQL condition on an experiments row (`alias.workspace_id`, `alias.experiment_id`): the ones the caller may read. */
  readable(ctx: CommandContext, alias: string, bind: Bind): string {
    return accessCondition(
      ctx.ability,
      'read',
      'Experiment',
      {
        workspaceId: `${alias}.workspace_id`,
        grant: () =>
          `(SELECT g.permission FROM ${trackingSchema}.experiment_permissions g` +
          ` WHERE g.workspace_id = ${alias}.workspace_id AND g.experiment_id = ${alias}.experiment_id AND g.principal_id = ${bind(ctx.principal.id)})`,
      },
      bind,
    );
  }

  /** The experiments among `experimentIds` that exist in the caller's workspace and that it may read, in one query. */
  async readableIds(ctx: CommandContext, experimentIds: readonly string[]): Promise<string[]> {
    if (experimentIds.length === 0) return [];
    const params: unknown[] = [ctx.workspaceId, experimentIds];
    const bind: Bind = (value) => `$${params.push(value)}`;
    const rows = await this.db.query<{ experiment_id: string }>(
      `SELECT e.experiment_id FROM ${trackingSchema}.experiments e
       WHERE e.workspace_id = $1 AND e.experiment_id = ANY($2::text[]) AND ${this.readable(ctx, 'e', bind)}`,
      params,
    );
    const readable = new Set(rows.map((r) => r.experiment_id));
    return experimentIds.filter((id) => readable.has(id));
  }

  /** The runs among `runIds` in the caller's workspace whose experiment it may read, in one query. */
  async readableRunIds(ctx: CommandContext, runIds: readonly string[]): Promise<string[]> {
    const params: unknown[] = [ctx.workspaceId, runIds];
    const bind: Bind = (value) => `$${params.push(value)}`;
    const rows = await this.db.query<{ run_id: string }>(
      `SELECT r.run_id FROM ${trackingSchema}.runs r
       JOIN ${trackingSchema}.experiments e ON e.workspace_id = r.workspace_id AND e.experiment_id = r.experiment_id
       WHERE r.workspace_id = $1 AND r.run_id = ANY($2::text[]) AND ${this.readable(ctx, 'e', bind)}`,
      params,
    );
    const readable = new Set(rows.map((r) => r.run_id));
    return runIds.filter((id) => readable.has(id));
  }
}

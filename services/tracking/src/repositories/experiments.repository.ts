import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import type { LifecycleStage } from '../domain/tracking-event';
import { trackingSchema as s } from '../tracking.schema';
import type { ExperimentView } from './read-models';

interface ExperimentRow {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: string;
  last_update_time: string;
  tags: { key: string; value: string }[];
}

const columns = `e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time,
  coalesce((SELECT json_agg(json_build_object('key', t.key, 'value', t.value) ORDER BY t.key) FROM ${s}.experiment_tags t
            WHERE t.workspace_id = e.workspace_id AND t.experiment_id = e.experiment_id), '[]') AS tags`;

@Injectable()
export class ExperimentsRepository {
  constructor(private readonly db: Database) {}

  async get(workspaceId: string, experimentId: string): Promise<ExperimentView | null> {
    const [row] = await this.db.query<ExperimentRow>(
      `SELECT ${columns} FROM ${s}.experiments e WHERE e.workspace_id = $1 AND e.experiment_id = $2`,
      [workspaceId, experimentId],
    );
    return row ? toView(row) : null;
  }

  async getByName(workspaceId: string, name: string): Promise<ExperimentView | null> {
    const [row] = await this.db.query<ExperimentRow>(`SELECT ${columns} FROM ${s}.experiments e WHERE e.workspace_id = $1 AND e.name = $2`, [
      workspaceId,
      name,
    ]);
    return row ? toView(row) : null;
  }

  /** Loads experiments by id, in the order given (the order a search decided). */
  async getMany(workspaceId: string, experimentIds: string[]): Promise<ExperimentView[]> {
    const rows = await this.db.query<ExperimentRow>(
      `SELECT ${columns} FROM ${s}.experiments e WHERE e.workspace_id = $1 AND e.experiment_id = ANY($2)`,
      [workspaceId, experimentIds],
    );
    const byId = new Map(rows.map((row) => [row.experiment_id, toView(row)]));
    return experimentIds.flatMap((id) => byId.get(id) ?? []);
  }

  /** Runs a compiled count of a search. */
  async count(query: { text: string; values: unknown[] }): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(query.text, query.values);
    return row.count;
  }

  /** Runs a compiled search that selects `experiment_id` in result order. */
  async findIds(query: { text: string; values: unknown[] }): Promise<string[]> {
    const rows = await this.db.query<{ experiment_id: string }>(query.text, query.values);
    return rows.map((row) => row.experiment_id);
  }
}

function toView(row: ExperimentRow): ExperimentView {
  return {
    experimentId: row.experiment_id,
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage,
    creationTime: Number(row.creation_time),
    lastUpdateTime: Number(row.last_update_time),
    tags: row.tags,
  };
}

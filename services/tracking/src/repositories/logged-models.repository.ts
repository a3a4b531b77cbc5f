import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { trackingSchema as s } from '../tracking.schema';
import type { LoggedModelView } from './read-models';

interface LoggedModelRow {
  model_id: string;
  experiment_id: string;
  name: string;
  model_type: string;
  source_run_id: string;
  artifact_uri: string;
  status: string;
  creation_time: string;
  last_updated_time: string;
  tags: Record<string, string>;
  params: Record<string, string>;
}

const columns = 'model_id, experiment_id, name, model_type, source_run_id, artifact_uri, status, creation_time, last_updated_time, tags, params';

@Injectable()
export class LoggedModelsRepository {
  constructor(private readonly db: Database) {}

  async get(workspaceId: string, modelId: string): Promise<LoggedModelView | null> {
    const [row] = await this.db.query<LoggedModelRow>(
      `SELECT ${columns} FROM ${s}.logged_models WHERE workspace_id = $1 AND model_id = $2 AND NOT deleted`,
      [workspaceId, modelId],
    );
    return row ? toView(row) : null;
  }

  /** Newest first; `conditions` are attribute equalities already validated by the caller. */
  async search(
    workspaceId: string,
    experimentIds: string[],
    conditions: { column: 'name' | 'model_id' | 'model_type' | 'status' | 'source_run_id'; value: string }[],
    offset: number,
    limit: number,
  ): Promise<LoggedModelView[]> {
    const where = conditions.map((c, i) => `AND ${c.column} = $${i + 5}`).join(' ');
    const rows = await this.db.query<LoggedModelRow>(
      `SELECT ${columns} FROM ${s}.logged_models
       WHERE workspace_id = $1 AND experiment_id = ANY($2) AND NOT deleted ${where}
       ORDER BY creation_time DESC, model_id LIMIT $3 OFFSET $4`,
      [workspaceId, experimentIds, limit, offset, ...conditions.map((c) => c.value)],
    );
    return rows.map(toView);
  }
}

function toView(row: LoggedModelRow): LoggedModelView {
  return {
    modelId: row.model_id,
    experimentId: row.experiment_id,
    name: row.name,
    modelType: row.model_type,
    sourceRunId: row.source_run_id,
    artifactUri: row.artifact_uri,
    status: row.status,
    creationTime: Number(row.creation_time),
    lastUpdatedTime: Number(row.last_updated_time),
    tags: Object.entries(row.tags).map(([key, value]) => ({ key, value })),
    params: Object.entries(row.params).map(([key, value]) => ({ key, value })),
  };
}

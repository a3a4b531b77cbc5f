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
    const [model] = await this.getMany(workspaceId, [modelId]);
    return model ?? null;
  }

  /** Loads live (not deleted) models with their metrics, in the order given. */
  async getMany(workspaceId: string, modelIds: string[]): Promise<LoggedModelView[]> {
    const [rows, metrics] = await Promise.all([
      this.db.query<LoggedModelRow>(
        `SELECT ${columns} FROM ${s}.logged_models WHERE workspace_id = $1 AND model_id = ANY($2) AND NOT deleted`,
        [workspaceId, modelIds],
      ),
      this.db.query<MetricRow>(
        `SELECT model_id, key, value, timestamp, step, run_id, dataset_name, dataset_digest FROM ${s}.logged_model_metrics
         WHERE workspace_id = $1 AND model_id = ANY($2) ORDER BY key, step, timestamp`,
        [workspaceId, modelIds],
      ),
    ]);
    const views = new Map(rows.map((row) => [row.model_id, toView(row)]));
    for (const m of metrics) {
      views.get(m.model_id)?.metrics.push({
        key: m.key,
        value: m.value,
        timestamp: Number(m.timestamp),
        step: Number(m.step),
        runId: m.run_id,
        datasetName: m.dataset_name || undefined,
        datasetDigest: m.dataset_digest || undefined,
      });
    }
    return modelIds.flatMap((id) => views.get(id) ?? []);
  }

  /** Runs a compiled search that selects `model_id` in result order. */
  async findIds(query: { text: string; values: unknown[] }): Promise<string[]> {
    const rows = await this.db.query<{ model_id: string }>(query.text, query.values);
    return rows.map((row) => row.model_id);
  }
}

type MetricRow = {
  model_id: string;
  key: string;
  value: number;
  timestamp: string;
  step: string;
  run_id: string;
  dataset_name: string;
  dataset_digest: string;
};

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
    metrics: [],
  };
}

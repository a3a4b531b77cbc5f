import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import type { LifecycleStage, RunStatus } from '../domain/tracking-event';
import { trackingSchema as s } from '../tracking.schema';
import type { RunView } from './read-models';

interface RunRow {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: RunStatus;
  start_time: string;
  end_time: string | null;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

type KeyValueRow = { run_id: string; key: string; value: string };

@Injectable()
export class RunsRepository {
  constructor(private readonly db: Database) {}

  async get(workspaceId: string, runId: string): Promise<RunView | null> {
    const [run] = await this.getMany(workspaceId, [runId]);
    return run ?? null;
  }

  /** Loads whole runs (info, data, inputs, outputs) by id, in the order given. */
  async getMany(workspaceId: string, runIds: string[]): Promise<RunView[]> {
    if (runIds.length === 0) return [];
    const args = [workspaceId, runIds];
    const where = 'workspace_id = $1 AND run_id = ANY($2)';
    const [runs, params, tags, metrics, datasets, links] = await Promise.all([
      this.db.query<RunRow>(
        `SELECT run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage FROM ${s}.runs WHERE ${where}`,
        args,
      ),
      this.db.query<KeyValueRow>(`SELECT run_id, key, value FROM ${s}.run_params WHERE ${where} ORDER BY key`, args),
      this.db.query<KeyValueRow>(`SELECT run_id, key, value FROM ${s}.run_tags WHERE ${where} ORDER BY key`, args),
      this.db.query<{ run_id: string; key: string; value: number; timestamp: string; step: string }>(
        `SELECT run_id, key, value, timestamp, step FROM ${s}.latest_metrics WHERE ${where} ORDER BY key`,
        args,
      ),
      this.db.query<{ run_id: string; dataset_name: string; dataset_digest: string; source_type: string; source: string; schema: string; profile: string; tags: { key: string; value: string }[] }>(
        `SELECT run_id, dataset_name, dataset_digest, source_type, source, schema, profile, tags FROM ${s}.run_dataset_inputs WHERE ${where}`,
        args,
      ),
      this.db.query<{ run_id: string; direction: 'input' | 'output'; model_id: string; step: string | null }>(
        `SELECT run_id, direction, model_id, step FROM ${s}.run_model_links WHERE ${where}`,
        args,
      ),
    ]);
    const views = new Map<string, RunView>();
    for (const r of runs) {
      views.set(r.run_id, {
        info: {
          runId: r.run_id,
          experimentId: r.experiment_id,
          runName: r.run_name,
          userId: r.user_id,
          status: r.status,
          startTime: Number(r.start_time),
          endTime: r.end_time === null ? null : Number(r.end_time),
          artifactUri: r.artifact_uri,
          lifecycleStage: r.lifecycle_stage,
        },
        data: { metrics: [], params: [], tags: [] },
        inputs: { datasetInputs: [], modelInputs: [] },
        outputs: { modelOutputs: [] },
      });
    }
    for (const p of params) views.get(p.run_id)?.data.params.push({ key: p.key, value: p.value });
    for (const t of tags) views.get(t.run_id)?.data.tags.push({ key: t.key, value: t.value });
    for (const m of metrics) {
      views.get(m.run_id)?.data.metrics.push({ key: m.key, value: m.value, timestamp: Number(m.timestamp), step: Number(m.step) });
    }
    for (const d of datasets) {
      views.get(d.run_id)?.inputs.datasetInputs.push({
        tags: d.tags,
        dataset: { name: d.dataset_name, digest: d.dataset_digest, sourceType: d.source_type, source: d.source, schema: d.schema, profile: d.profile },
      });
    }
    for (const l of links) {
      const view = views.get(l.run_id);
      if (l.direction === 'input') view?.inputs.modelInputs.push({ modelId: l.model_id });
      else view?.outputs.modelOutputs.push({ modelId: l.model_id, step: Number(l.step ?? 0) });
    }
    return runIds.flatMap((id) => views.get(id) ?? []);
  }

  /** Runs a compiled search that selects `run_id` in result order. */
  async findIds(query: { text: string; values: unknown[] }): Promise<string[]> {
    const rows = await this.db.query<{ run_id: string }>(query.text, query.values);
    return rows.map((row) => row.run_id);
  }
}

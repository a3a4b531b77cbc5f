import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import type { LifecycleStage, RunStatus } from '../domain/tracking-event';
import type { SqlQuery } from '../search/search-sql';
import { trackingSchema as s } from '../tracking.schema';
import type { DatasetInputView, RunView } from './read-models';

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
  params: Record<string, string>;
  tags: Record<string, string>;
  // Values as text: JSON has no NaN or Infinity, Postgres' float8 text does.
  metrics: Record<string, [value: string, timestamp: number, step: number]>;
  datasets: DatasetInputView[];
  links: ['input' | 'output', string, number | null][];
}

// One row per run: params, tags and latest metrics come from the run's own row (the projection
// keeps copies there), so a 1000-run page is 1000 rows and no per-key index scans.
const runColumns = `r.run_id, r.experiment_id, r.run_name, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage,
  r.params, r.tags, r.metrics,
  (SELECT coalesce(json_agg(json_build_object('tags', d.tags, 'dataset', json_build_object('name', d.dataset_name,
       'digest', d.dataset_digest, 'sourceType', d.source_type, 'source', d.source, 'schema', d.schema, 'profile', d.profile))), '[]')
     FROM ${s}.run_dataset_inputs d WHERE d.workspace_id = r.workspace_id AND d.run_id = r.run_id) AS datasets,
  (SELECT coalesce(json_agg(json_build_array(l.direction, l.model_id, l.step)), '[]')
     FROM ${s}.run_model_links l WHERE l.workspace_id = r.workspace_id AND l.run_id = r.run_id) AS links`;

// MLflow's Run JSON (runs/get, runs/search), spliced from the parts the runs projection keeps
// rendered (run_json): a page of 1000 runs is 1000 strings to join, not 300,000 values to
// serialize. Unset fields are left out as MLflow does (end_time of a running run, a dataset's empty schema).
const runJson = (j: string) => `'{"info":' || ${j}.info || ',"data":' || ${j}.data || ',' || ${j}.inputs_outputs || '}'`;
const runJsonOfRow = `(SELECT ${runJson('j')} FROM ${s}.run_json j WHERE j.workspace_id = r.workspace_id AND j.run_id = r.run_id)`;

/** A run as MLflow's JSON texts, with the experiment its permissions come from. */
export interface MlflowRunJson {
  experimentId: string;
  /** The `Run` message. */
  run: string;
  /** The `RunInfo` message alone. */
  info: string;
}

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
    const rows = await this.db.query<RunRow>(`SELECT ${runColumns} FROM ${s}.runs r WHERE r.workspace_id = $1 AND r.run_id = ANY($2)`, [
      workspaceId,
      runIds,
    ]);
    const views = new Map(rows.map((r) => [r.run_id, toView(r)]));
    return runIds.flatMap((id) => views.get(id) ?? []);
  }

  /**
   * Runs a search compiled around this repository's column list (over `runs r`) and returns its
   * whole runs in result order: the rows the search sorts are the rows the page shows, so a
   * 1000-run page costs no second lookup by id.
   */
  async findRuns(compile: (columns: string) => SqlQuery): Promise<RunView[]> {
    const query = compile(runColumns);
    return (await this.db.query<RunRow>(query.text, query.values)).map(toView);
  }

  async getMlflowJson(workspaceId: string, runId: string): Promise<MlflowRunJson | null> {
    const [row] = await this.db.query<MlflowRunJson>(
      `SELECT r.experiment_id AS "experimentId", ${runJson('j')} AS run, j.info
       FROM ${s}.runs r JOIN ${s}.run_json j ON j.workspace_id = r.workspace_id AND j.run_id = r.run_id
       WHERE r.workspace_id = $1 AND r.run_id = $2`,
      [workspaceId, runId],
    );
    return row ?? null;
  }

  /** Like `findRuns`, with each run as MLflow's Run JSON text. */
  async findMlflowJson(compile: (columns: string) => SqlQuery): Promise<string[]> {
    const query = compile(`${runJsonOfRow} AS run`);
    return (await this.db.query<{ run: string }>(query.text, query.values)).map((row) => row.run);
  }

  /** Runs a compiled count of a search. */
  async count(query: SqlQuery): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(query.text, query.values);
    return row.count;
  }
}

function toView(r: RunRow): RunView {
  return {
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
    data: {
      metrics: byKey(r.metrics).map(([key, [value, timestamp, step]]) => ({ key, value: Number(value), timestamp, step })),
      params: byKey(r.params).map(([key, value]) => ({ key, value })),
      tags: byKey(r.tags).map(([key, value]) => ({ key, value })),
    },
    inputs: {
      datasetInputs: r.datasets,
      modelInputs: r.links.filter(([direction]) => direction === 'input').map(([, modelId]) => ({ modelId })),
    },
    outputs: {
      modelOutputs: r.links.filter(([direction]) => direction === 'output').map(([, modelId, step]) => ({ modelId, step: Number(step ?? 0) })),
    },
  };
}

// Sorted by key as before; keys are ASCII (MLflow's name rule), so this is the database's C order.
function byKey<V>(entries: Record<string, V>): [string, V][] {
  return Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

import type { ExperimentView, LoggedModelView, MetricView } from '../../repositories/read-models';

// MLflow's JSON: snake_case names, int64 as numbers, enums by name, unset fields omitted,
// non-finite doubles as "NaN" / "Infinity" / "-Infinity".
export function jsonDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

export function experimentJson(e: ExperimentView) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: e.tags,
  };
}

export function metricJson(m: MetricView) {
  return {
    key: m.key,
    value: jsonDouble(m.value),
    timestamp: m.timestamp,
    step: m.step,
    ...(m.runId ? { run_id: m.runId } : {}),
    ...(m.datasetName ? { dataset_name: m.datasetName, dataset_digest: m.datasetDigest } : {}),
  };
}

export function loggedModelJson(m: LoggedModelView) {
  return {
    info: {
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTime,
      last_updated_timestamp_ms: m.lastUpdatedTime,
      artifact_uri: m.artifactUri,
      status: m.status,
      ...(m.modelType ? { model_type: m.modelType } : {}),
      ...(m.sourceRunId ? { source_run_id: m.sourceRunId } : {}),
      tags: m.tags,
    },
    data: { params: m.params, metrics: m.metrics.map(metricJson) },
  };
}

import type { LifecycleStage, Param, RunStatus, Tag } from '../domain/tracking-event';

export interface ExperimentView {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
}

export interface MetricView {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  runId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

export interface DatasetInputView {
  tags: Tag[];
  dataset: { name: string; digest: string; sourceType: string; source: string; schema: string; profile: string };
}

export interface RunView {
  info: {
    runId: string;
    experimentId: string;
    runName: string;
    userId: string;
    status: RunStatus;
    startTime: number;
    endTime: number | null;
    artifactUri: string;
    lifecycleStage: LifecycleStage;
  };
  data: { metrics: MetricView[]; params: Param[]; tags: Tag[] };
  inputs: { datasetInputs: DatasetInputView[]; modelInputs: { modelId: string }[] };
  outputs: { modelOutputs: { modelId: string; step: number }[] };
}

export interface LoggedModelView {
  modelId: string;
  experimentId: string;
  name: string;
  modelType: string;
  sourceRunId: string;
  artifactUri: string;
  status: string;
  creationTime: number;
  lastUpdatedTime: number;
  tags: Tag[];
  params: Param[];
  metrics: MetricView[];
}

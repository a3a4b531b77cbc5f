import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import type { RunView } from '../../repositories/read-models';
import { Connection, KeyValue } from './common.model';
import { Metric } from './metric.model';

@ObjectType()
export class Dataset {
  @Field() name!: string;
  @Field() digest!: string;
  @Field() sourceType!: string;
  @Field() source!: string;
  @Field() schema!: string;
  @Field() profile!: string;
}

@ObjectType()
export class DatasetInput {
  @Field(() => Dataset) dataset!: Dataset;
  @Field(() => [KeyValue]) tags!: KeyValue[];
}

@ObjectType()
export class ModelOutput {
  @Field(() => ID) modelId!: string;
  @Field(() => Float) step!: number;
}

/** A run. `params`, `latestMetrics`, the model links and datasets arrive with it in one row. */
@ObjectType()
export class Run {
  @Field(() => ID) id!: string;
  @Field(() => ID) experimentId!: string;
  @Field() name!: string;
  @Field() userId!: string;
  @Field() status!: string;
  @Field(() => Float, { description: 'Unix ms.' }) startTime!: number;
  @Field(() => Float, { nullable: true, description: 'Unix ms.' }) endTime!: number | null;
  @Field() artifactUri!: string;
  @Field() lifecycleStage!: string;
  @Field(() => [KeyValue]) tags!: KeyValue[];
  @Field(() => [DatasetInput]) datasetInputs!: DatasetInput[];
  @Field(() => [ID], { description: 'Logged models this run used as inputs.' }) modelInputIds!: string[];
  @Field(() => [ModelOutput]) modelOutputs!: ModelOutput[];
  // Read by the field resolvers that filter them by key.
  allParams!: KeyValue[];
  allLatestMetrics!: Metric[];
}

@ObjectType()
export class RunConnection extends Connection(Run, 'Run') {}

export function runOf(view: RunView): Run {
  const { info, data, inputs, outputs } = view;
  return {
    id: info.runId,
    experimentId: info.experimentId,
    name: info.runName,
    userId: info.userId,
    status: info.status,
    startTime: info.startTime,
    endTime: info.endTime,
    artifactUri: info.artifactUri,
    lifecycleStage: info.lifecycleStage,
    tags: data.tags,
    datasetInputs: inputs.datasetInputs,
    modelInputIds: inputs.modelInputs.map((m) => m.modelId),
    modelOutputs: outputs.modelOutputs,
    allParams: data.params,
    allLatestMetrics: data.metrics,
  };
}

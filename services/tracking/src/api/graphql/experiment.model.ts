import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import type { ExperimentView } from '../../repositories/read-models';
import { Connection, KeyValue } from './common.model';

@ObjectType()
export class Experiment {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() artifactLocation!: string;
  @Field() lifecycleStage!: string;
  @Field(() => Float, { description: 'Unix ms.' }) creationTime!: number;
  @Field(() => Float, { description: 'Unix ms.' }) lastUpdateTime!: number;
  @Field(() => [KeyValue]) tags!: KeyValue[];
}

@ObjectType()
export class ExperimentConnection extends Connection(Experiment, 'Experiment') {}

export function experimentOf(view: ExperimentView): Experiment {
  return {
    id: view.experimentId,
    name: view.name,
    artifactLocation: view.artifactLocation,
    lifecycleStage: view.lifecycleStage,
    creationTime: view.creationTime,
    lastUpdateTime: view.lastUpdateTime,
    tags: view.tags,
  };
}

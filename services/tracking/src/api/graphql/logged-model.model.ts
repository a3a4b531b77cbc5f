import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import type { LoggedModelView } from '../../repositories/read-models';
import { KeyValue } from './common.model';
import { Metric } from './metric.model';

@ObjectType({ description: 'An MLflow 3 logged model.' })
export class LoggedModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) experimentId!: string;
  @Field() name!: string;
  @Field() modelType!: string;
  @Field() sourceRunId!: string;
  @Field() artifactUri!: string;
  @Field() status!: string;
  @Field(() => Float) creationTime!: number;
  @Field(() => Float) lastUpdatedTime!: number;
  @Field(() => [KeyValue]) tags!: KeyValue[];
  @Field(() => [KeyValue]) params!: KeyValue[];
  @Field(() => [Metric]) metrics!: Metric[];
}

export function loggedModelOf(view: LoggedModelView): LoggedModel {
  const { modelId, ...rest } = view;
  return { id: modelId, ...rest };
}

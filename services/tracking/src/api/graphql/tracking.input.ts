import { Field, Float, ID, InputType } from '@nestjs/graphql';
import type { RunStatus } from '../../domain/tracking-event';
import { MetricValueScalar } from './metric-value.scalar';
import { RunStatusEnum } from './status.enum';

@InputType()
export class KeyValueInput {
  @Field() key!: string;
  @Field({ defaultValue: '' }) value!: string;
}

@InputType()
export class CreateExperimentInput {
  @Field() name!: string;
  @Field({ nullable: true }) artifactLocation?: string;
  @Field(() => [KeyValueInput], { defaultValue: [] }) tags!: KeyValueInput[];
}

@InputType()
export class CreateRunInput {
  @Field(() => ID, { defaultValue: '0' }) experimentId!: string;
  @Field({ nullable: true }) runName?: string;
  @Field({ nullable: true }) userId?: string;
  @Field(() => Float, { nullable: true, description: 'Unix ms; default now.' }) startTime?: number;
  @Field(() => [KeyValueInput], { defaultValue: [] }) tags!: KeyValueInput[];
}

@InputType()
export class UpdateRunInput {
  @Field(() => RunStatusEnum, { nullable: true }) status?: RunStatus;
  @Field(() => Float, { nullable: true }) endTime?: number;
  @Field({ nullable: true }) runName?: string;
}

@InputType()
export class MetricInput {
  @Field() key!: string;
  @Field(() => MetricValueScalar) value!: number;
  @Field(() => Float, { description: 'Unix ms.' }) timestamp!: number;
  @Field(() => Float, { defaultValue: 0 }) step!: number;
  @Field({ nullable: true }) modelId?: string;
  @Field({ nullable: true }) datasetName?: string;
  @Field({ nullable: true }) datasetDigest?: string;
}

@InputType()
export class LogBatchInput {
  @Field(() => [MetricInput], { defaultValue: [] }) metrics!: MetricInput[];
  @Field(() => [KeyValueInput], { defaultValue: [] }) params!: KeyValueInput[];
  @Field(() => [KeyValueInput], { defaultValue: [] }) tags!: KeyValueInput[];
}

@InputType()
export class DatasetDefinitionInput {
  @Field() name!: string;
  @Field() digest!: string;
  @Field() sourceType!: string;
  @Field() source!: string;
  @Field({ defaultValue: '' }) schema!: string;
  @Field({ defaultValue: '' }) profile!: string;
}

@InputType()
export class DatasetInputInput {
  @Field(() => DatasetDefinitionInput) dataset!: DatasetDefinitionInput;
  @Field(() => [KeyValueInput], { defaultValue: [] }) tags!: KeyValueInput[];
}

@InputType()
export class ModelOutputInput {
  @Field(() => ID) modelId!: string;
  @Field(() => Float, { defaultValue: 0 }) step!: number;
}

@InputType()
export class CreateLoggedModelInput {
  @Field(() => ID) experimentId!: string;
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) modelType?: string;
  @Field(() => ID, { nullable: true }) sourceRunId?: string;
  @Field(() => [KeyValueInput], { defaultValue: [] }) params!: KeyValueInput[];
  @Field(() => [KeyValueInput], { defaultValue: [] }) tags!: KeyValueInput[];
}

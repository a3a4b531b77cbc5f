import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import type { DownsampledSeries } from '../../repositories/downsampled-series';
import { Connection } from './common.model';
import { MetricValueScalar } from './metric-value.scalar';

@ObjectType({ description: 'One logged point of a metric.' })
export class Metric {
  @Field() key!: string;
  @Field(() => MetricValueScalar) value!: number;
  @Field(() => Float, { description: 'Unix ms.' }) timestamp!: number;
  @Field(() => Float) step!: number;
}

@ObjectType()
export class MetricConnection extends Connection(Metric, 'Metric') {}

@ObjectType({ description: 'A step range of a downsampled series; min and max keep spikes visible.' })
export class MetricBucket {
  @Field(() => Float) firstStep!: number;
  @Field(() => Float) lastStep!: number;
  @Field(() => MetricValueScalar) min!: number;
  @Field(() => MetricValueScalar) max!: number;
  @Field(() => MetricValueScalar) mean!: number;
  @Field(() => Int, { description: 'Points in the bucket.' }) count!: number;
}

@ObjectType({
  description: "One run's metric, downsampled for charts: as `buckets` (an object per bucket, for small charts) or as `columns` (one value per column, for dashboards).",
})
export class MetricSeries {
  @Field(() => ID) runId!: string;
  @Field() key!: string;
  // Both forms are resolved from it (MetricSeriesResolver).
  series!: DownsampledSeries;
}

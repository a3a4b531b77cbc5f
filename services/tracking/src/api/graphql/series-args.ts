import { InvalidArgument } from '@chronicle/errors';
import { ArgsType, Field, Float, Int } from '@nestjs/graphql';
import type { SeriesKey } from './tracking.loader';

export const maxBuckets = 5000;

@ArgsType()
export class SeriesRangeArgs {
  @Field(() => Int, { defaultValue: 500, description: `Most buckets per series (1 to ${maxBuckets}).` })
  buckets = 500;
  @Field(() => Float, { nullable: true, description: 'First step of the range (inclusive); with endStep.' })
  startStep?: number;
  @Field(() => Float, { nullable: true, description: 'Last step of the range (inclusive); with startStep.' })
  endStep?: number;
}

export function seriesArgsOf(args: SeriesRangeArgs): Omit<SeriesKey, 'runId' | 'key'> {
  if (!Number.isInteger(args.buckets) || args.buckets < 1 || args.buckets > maxBuckets) {
    throw new InvalidArgument(`'buckets' must be between 1 and ${maxBuckets}, got ${args.buckets}`);
  }
  const bounded = args.startStep !== undefined && args.startStep !== null && args.endStep !== undefined && args.endStep !== null;
  if (!bounded && (args.startStep != null || args.endStep != null)) throw new InvalidArgument("'startStep' and 'endStep' go together");
  if (bounded && args.startStep! > args.endStep!) throw new InvalidArgument("'startStep' must not be after 'endStep'");
  return { buckets: args.buckets, range: bounded ? { start: args.startStep!, end: args.endStep! } : null };
}

import { endianness } from 'node:os';
import type { MetricBucketView } from './metrics.repository';

export const seriesColumnNames = ['firstStep', 'lastStep', 'min', 'max', 'mean', 'count'] as const;
export type SeriesColumnName = (typeof seriesColumnNames)[number];

/** Each column as the base64 of its little-endian float64 values; NaN and ±Infinity survive as such. */
export type PackedSeriesColumns = { encoding: 'float64-le-base64'; length: number } & Partial<Record<SeriesColumnName, string>>;

/** Each column as JSON numbers; NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity". */
export type ArraySeriesColumns = { encoding: 'json'; length: number } & Partial<Record<SeriesColumnName, (number | string)[]>>;

type AllPackedColumns = Required<PackedSeriesColumns>;

const littleEndian = endianness() === 'LE';

function packed(values: Float64Array): string {
  if (littleEndian) return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
  const bytes = new DataView(new ArrayBuffer(values.byteLength));
  values.forEach((value, i) => bytes.setFloat64(i * 8, value, true));
  return Buffer.from(bytes.buffer).toString('base64');
}

function unpacked(column: string): Float64Array {
  const bytes = Buffer.from(column, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float64Array.from({ length: bytes.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true));
}

const jsonNumber = (value: number): number | string => (Number.isFinite(value) ? value : String(value));

/**
 * One run's metric downsampled into buckets, held in the packed form a dashboard asks for: a few
 * strings instead of an object per bucket, so caching it is cheap and sending it walks no buckets.
 */
export class DownsampledSeries {
  private constructor(private readonly columns: AllPackedColumns) {}

  static of(buckets: readonly MetricBucketView[]): DownsampledSeries {
    const column = (name: SeriesColumnName) => packed(Float64Array.from(buckets, (bucket) => bucket[name]));
    return new DownsampledSeries({
      encoding: 'float64-le-base64',
      length: buckets.length,
      firstStep: column('firstStep'),
      lastStep: column('lastStep'),
      min: column('min'),
      max: column('max'),
      mean: column('mean'),
      count: column('count'),
    });
  }

  /** What a run without the metric, or one the caller may not read, shows. */
  static readonly empty: DownsampledSeries = DownsampledSeries.of([]);

  get length(): number {
    return this.columns.length;
  }

  /** Roughly what the series holds in memory: its column strings, one byte per character. */
  get byteLength(): number {
    return seriesColumnNames.reduce((sum, name) => sum + this.columns[name].length, 0);
  }

  /** The columns asked for (a dashboard drawing a min/max band and a mean line needs four of six). */
  packed(names: readonly SeriesColumnName[] = seriesColumnNames): PackedSeriesColumns {
    const { encoding, length } = this.columns;
    return { encoding, length, ...Object.fromEntries(names.map((name) => [name, this.columns[name]])) };
  }

  /**
   * JSON.stringify(packed(names)), built by joining strings: base64 needs no escapes, and V8 joins
   * strings without copying them, so a response can carry the columns without a scan.
   */
  packedJson(names: readonly SeriesColumnName[] = seriesColumnNames): string {
    const { encoding, length } = this.columns;
    return `{"encoding":"${encoding}","length":${length}${names.map((name) => `,"${name}":"${this.columns[name]}"`).join('')}}`;
  }

  arrays(names: readonly SeriesColumnName[] = seriesColumnNames): ArraySeriesColumns {
    return {
      encoding: 'json',
      length: this.length,
      ...Object.fromEntries(names.map((name) => [name, Array.from(unpacked(this.columns[name]), jsonNumber)])),
    };
  }

  buckets(): Omit<MetricBucketView, 'runId' | 'key'>[] {
    const [firstStep, lastStep, min, max, mean, count] = seriesColumnNames.map((name) => unpacked(this.columns[name]));
    return Array.from({ length: this.length }, (_, i) => ({
      firstStep: firstStep[i],
      lastStep: lastStep[i],
      min: min[i],
      max: max[i],
      mean: mean[i],
      count: count[i],
    }));
  }
}

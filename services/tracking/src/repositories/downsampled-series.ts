import { endianness } from 'node:os';
import type { MetricBucketView } from './metrics.repository';

export const seriesColumnNames = ['firstStep', 'lastStep', 'min', 'max', 'mean', 'count'] as const;
export type SeriesColumnName = (typeof seriesColumnNames)[number];

/**
 * How packed columns hold their numbers: 'float64' exactly; 'compact' in half the bytes where it
 * can, for a dashboard that draws them (values rounded to float32, steps and counts as int32 when
 * every one fits, and float64 for any column that would not survive that).
 */
export type Packing = 'float64' | 'compact';
export type PackedColumnType = 'float64' | 'float32' | 'int32';

/** Each column as the base64 of its little-endian float64 values; NaN and ±Infinity survive as such. */
export type Float64SeriesColumns = { encoding: 'float64-le-base64'; length: number } & Partial<Record<SeriesColumnName, string>>;

/** Each column as the base64 of its little-endian values, of the type `types` names for it. */
export type CompactSeriesColumns = { encoding: 'le-base64'; length: number; types: Partial<Record<SeriesColumnName, PackedColumnType>> } & Partial<Record<SeriesColumnName, string>>;

export type PackedSeriesColumns = Float64SeriesColumns | CompactSeriesColumns;

/** Each column as JSON numbers; NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity". */
export type ArraySeriesColumns = { encoding: 'json'; length: number } & Partial<Record<SeriesColumnName, (number | string)[]>>;

/** Packed columns, and the bytes of their JSON. */
export interface PackedForm {
  columns: PackedSeriesColumns;
  json: readonly Buffer[];
}

/** A column packed: its type and its base64 text, kept as bytes so a response writes them as they are. */
interface PackedColumn {
  type: PackedColumnType;
  base64: Buffer;
}

const integerColumns: ReadonlySet<SeriesColumnName> = new Set(['firstStep', 'lastStep', 'count']);
const int32 = (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
// float32 rounds every value but overflows a finite one beyond ±3.4e38 to ±Infinity: that would draw wrong.
const float32 = (value: number) => !Number.isFinite(value) || Number.isFinite(Math.fround(value));

function compactTypeOf(name: SeriesColumnName, values: readonly number[]): PackedColumnType {
  if (integerColumns.has(name)) return values.every(int32) ? 'int32' : 'float64';
  return values.every(float32) ? 'float32' : 'float64';
}

const arrayTypes = { float64: Float64Array, float32: Float32Array, int32: Int32Array } as const;
const littleEndian = endianness() === 'LE';

function packedColumn(type: PackedColumnType, values: readonly number[]): PackedColumn {
  const bytes = Buffer.from(arrayTypes[type].from(values).buffer);
  if (!littleEndian) bytes[type === 'float64' ? 'swap64' : 'swap32']();
  const base64 = bytes.toString('base64');
  // A buffer of its own, not a slice of Node's shared pool: a cached column must not keep a pool
  // slab alive after the rest of it is garbage, or the cache would hold more than it counts.
  const text = Buffer.allocUnsafeSlow(base64.length);
  text.write(base64, 'latin1');
  return { type, base64: text };
}

function unpacked(column: PackedColumn): number[] {
  const bytes = Buffer.from(column.base64.toString('latin1'), 'base64');
  return Array.from({ length: bytes.length / 8 }, (_, i) => bytes.readDoubleLE(i * 8));
}

const jsonNumber = (value: number): number | string => (Number.isFinite(value) ? value : String(value));

// The JSON between and after columns, made once: a response of a thousand series joins these.
const firstColumnOpenings = new Map(seriesColumnNames.map((name) => [name, Buffer.from(`,"${name}":"`)]));
const nextColumnOpenings = new Map(seriesColumnNames.map((name) => [name, Buffer.from(`","${name}":"`)]));
const objectEnd = Buffer.from('"}');

/**
 * One run's metric downsampled into buckets, held in the packed forms a dashboard asks for: a few
 * byte strings instead of an object per bucket, so caching it is cheap and sending it walks no
 * buckets and copies no text into the JavaScript heap.
 */
export class DownsampledSeries {
  // The last packed form asked for: a dashboard asks every series for the same one on every refresh.
  private lastPacked?: { shape: string; form: PackedForm };

  private constructor(
    readonly length: number,
    private readonly columns: Record<Packing, Record<SeriesColumnName, PackedColumn>>,
  ) {}

  static of(buckets: readonly MetricBucketView[]): DownsampledSeries {
    const float64 = {} as Record<SeriesColumnName, PackedColumn>;
    const compact = {} as Record<SeriesColumnName, PackedColumn>;
    for (const name of seriesColumnNames) {
      const values = buckets.map((bucket) => bucket[name]);
      float64[name] = packedColumn('float64', values);
      compact[name] = packedColumn(compactTypeOf(name, values), values);
    }
    return new DownsampledSeries(buckets.length, { float64, compact });
  }

  /** What a run without the metric, or one the caller may not read, shows. */
  static readonly empty: DownsampledSeries = DownsampledSeries.of([]);

  /** What the series holds in memory: its packed columns' bytes. */
  get byteLength(): number {
    return Object.values(this.columns).reduce((sum, packed) => sum + seriesColumnNames.reduce((s, name) => s + packed[name].base64.length, 0), 0);
  }

  /**
   * The columns asked for (a dashboard drawing a min/max band and a mean line needs four of six),
   * and the bytes of their JSON, mostly the cached columns themselves. The columns' strings are
   * made only when read: an HTTP response writes the bytes instead (raw-json.ts).
   */
  packed(names: readonly SeriesColumnName[] = seriesColumnNames, packing: Packing = 'float64'): PackedForm {
    const shape = `${packing}:${names.join()}`;
    if (this.lastPacked?.shape !== shape) this.lastPacked = { shape, form: this.packedAfresh(names, packing) };
    return this.lastPacked.form;
  }

  private packedAfresh(names: readonly SeriesColumnName[], packing: Packing): PackedForm {
    const header = this.header(names, packing);
    const columns: Record<string, unknown> = { ...header };
    for (const name of names) {
      const base64 = this.columns[packing][name].base64;
      Object.defineProperty(columns, name, { enumerable: true, get: () => base64.toString('latin1') });
    }
    const headerJson = JSON.stringify(header);
    if (names.length === 0) return { columns: columns as PackedSeriesColumns, json: [Buffer.from(headerJson)] };
    // The header without its closing brace, then `,"name":"<base64>` per column, then `"}`.
    const json: Buffer[] = [Buffer.from(headerJson.slice(0, -1))];
    names.forEach((name, i) => json.push((i === 0 ? firstColumnOpenings : nextColumnOpenings).get(name)!, this.columns[packing][name].base64));
    json.push(objectEnd);
    return { columns: columns as PackedSeriesColumns, json };
  }

  private header(names: readonly SeriesColumnName[], packing: Packing): Omit<Float64SeriesColumns, SeriesColumnName> | Omit<CompactSeriesColumns, SeriesColumnName> {
    if (packing === 'float64') return { encoding: 'float64-le-base64', length: this.length };
    return { encoding: 'le-base64', length: this.length, types: Object.fromEntries(names.map((name) => [name, this.columns.compact[name].type])) };
  }

  arrays(names: readonly SeriesColumnName[] = seriesColumnNames): ArraySeriesColumns {
    return { encoding: 'json', length: this.length, ...Object.fromEntries(names.map((name) => [name, unpacked(this.columns.float64[name]).map(jsonNumber)])) };
  }

  buckets(): Omit<MetricBucketView, 'runId' | 'key'>[] {
    const [firstStep, lastStep, min, max, mean, count] = seriesColumnNames.map((name) => unpacked(this.columns.float64[name]));
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

import { DownsampledSeries, type CompactSeriesColumns, type SeriesColumnName } from './downsampled-series';

const bucket = (firstStep: number, min: number, max: number) => ({ runId: 'r', key: 'k', firstStep, lastStep: firstStep + 9, min, max, mean: (min + max) / 2, count: 10 });

/** A packed column decoded as a client would, by the type it was sent as. */
function decoded(base64: string, type: 'float64' | 'float32' | 'int32'): number[] {
  const bytes = Buffer.from(base64, 'base64');
  const width = type === 'float64' ? 8 : 4;
  const read = { float64: bytes.readDoubleLE, float32: bytes.readFloatLE, int32: bytes.readInt32LE }[type];
  return Array.from({ length: bytes.length / width }, (_, i) => read.call(bytes, i * width));
}

describe('DownsampledSeries', () => {
  const buckets = [bucket(0, 0.25, 1), bucket(10, -1e300, 1e-300), bucket(20, NaN, Infinity), bucket(2 ** 52, -Infinity, 3)];
  const series = DownsampledSeries.of(buckets);
  const small = DownsampledSeries.of([bucket(0, 0.1, 1), bucket(10, NaN, -Infinity), bucket(20, -3e38, 2 ** 24 + 1)]);

  it('gives back the buckets it was made of, NaN and ±Infinity included', () => {
    expect(series.buckets()).toEqual(buckets.map(({ runId: _r, key: _k, ...b }) => b));
  });

  it('packs each column as the base64 of its little-endian float64 values', () => {
    const packed = series.packed().columns;
    expect(packed).toMatchObject({ encoding: 'float64-le-base64', length: 4 });
    expect(decoded(packed.max!, 'float64')).toEqual([1, 1e-300, Infinity, 3]);
  });

  it('packs compactly: values as float32 (rounded; NaN and ±Infinity kept), steps and counts as exact int32', () => {
    const packed = small.packed(['firstStep', 'min', 'max', 'count'], 'compact').columns as CompactSeriesColumns;
    expect(packed).toMatchObject({ encoding: 'le-base64', length: 3, types: { firstStep: 'int32', min: 'float32', max: 'float32', count: 'int32' } });
    expect(decoded(packed.firstStep!, 'int32')).toEqual([0, 10, 20]);
    expect(decoded(packed.count!, 'int32')).toEqual([10, 10, 10]);
    expect(decoded(packed.min!, 'float32')).toEqual([Math.fround(0.1), NaN, Math.fround(-3e38)]);
    expect(decoded(packed.max!, 'float32')).toEqual([1, -Infinity, 2 ** 24]);
  });

  it('keeps a column float64 in the compact packing when 32 bits would not hold it: a step past int32, a value past float32', () => {
    const packed = series.packed(['firstStep', 'lastStep', 'min', 'max', 'mean', 'count'], 'compact').columns as CompactSeriesColumns;
    expect(packed.types).toEqual({ firstStep: 'float64', lastStep: 'float64', min: 'float64', max: 'float32', mean: 'float64', count: 'int32' });
    expect(decoded(packed.firstStep!, 'float64')).toEqual([0, 10, 20, 2 ** 52]);
    expect(decoded(packed.min!, 'float64')).toEqual([0.25, -1e300, NaN, -Infinity]);
    // 1e-300 rounds to 0 in float32: the column holds no value beyond float32's range, only one below its precision.
    expect(decoded(packed.max!, 'float32')).toEqual([1, 0, Infinity, 3]);
  });

  it('writes the bytes of its packed JSON as JSON.stringify would, in either packing', () => {
    const matches = (s: DownsampledSeries, names?: SeriesColumnName[], packing?: 'float64' | 'compact') => {
      const { columns, json } = s.packed(names, packing);
      expect(Buffer.concat(json).toString()).toBe(JSON.stringify(columns));
    };
    matches(series);
    matches(DownsampledSeries.empty);
    matches(series, ['mean', 'firstStep']);
    matches(small, ['max', 'firstStep'], 'compact');
    matches(small, [], 'compact');
    matches(small);
  });

  it('sends only the columns asked for, in their order', () => {
    expect(Object.keys(series.packed(['max', 'firstStep']).columns)).toEqual(['encoding', 'length', 'max', 'firstStep']);
    expect(Object.keys(series.packed(['max', 'firstStep'], 'compact').columns)).toEqual(['encoding', 'length', 'types', 'max', 'firstStep']);
    expect(series.arrays(['min'])).toEqual({ encoding: 'json', length: 4, min: [0.25, -1e300, 'NaN', '-Infinity'] });
  });

  it('as arrays, sends the values JSON cannot carry as strings', () => {
    expect(series.arrays()).toMatchObject({ encoding: 'json', length: 4, min: [0.25, -1e300, 'NaN', '-Infinity'], max: [1, 1e-300, 'Infinity', 3] });
  });
});

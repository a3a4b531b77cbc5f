import { DownsampledSeries } from './downsampled-series';

const bucket = (firstStep: number, min: number, max: number) => ({ runId: 'r', key: 'k', firstStep, lastStep: firstStep + 9, min, max, mean: (min + max) / 2, count: 10 });

describe('DownsampledSeries', () => {
  const buckets = [bucket(0, 0.25, 1), bucket(10, -1e300, 1e-300), bucket(20, NaN, Infinity), bucket(2 ** 52, -Infinity, 3)];
  const series = DownsampledSeries.of(buckets);

  it('gives back the buckets it was made of, NaN and ±Infinity included', () => {
    expect(series.buckets()).toEqual(buckets.map(({ runId: _r, key: _k, ...b }) => b));
  });

  it('packs each column as the base64 of its little-endian float64 values', () => {
    const packed = series.packed();
    expect(packed).toMatchObject({ encoding: 'float64-le-base64', length: 4 });
    const bytes = Buffer.from(packed.max!, 'base64');
    expect([0, 1, 2, 3].map((i) => bytes.readDoubleLE(i * 8))).toEqual([1, 1e-300, Infinity, 3]);
  });

  it('writes its packed JSON as JSON.stringify would', () => {
    expect(series.packedJson()).toBe(JSON.stringify(series.packed()));
    expect(DownsampledSeries.empty.packedJson()).toBe(JSON.stringify(DownsampledSeries.empty.packed()));
    expect(series.packedJson(['mean', 'firstStep'])).toBe(JSON.stringify(series.packed(['mean', 'firstStep'])));
  });

  it('sends only the columns asked for, in their order', () => {
    expect(Object.keys(series.packed(['max', 'firstStep']))).toEqual(['encoding', 'length', 'max', 'firstStep']);
    expect(series.arrays(['min'])).toEqual({ encoding: 'json', length: 4, min: [0.25, -1e300, 'NaN', '-Infinity'] });
  });

  it('as arrays, sends the values JSON cannot carry as strings', () => {
    expect(series.arrays()).toMatchObject({ encoding: 'json', length: 4, min: [0.25, -1e300, 'NaN', '-Infinity'], max: [1, 1e-300, 'Infinity', 3] });
  });
});

import { latestMetricPoints } from './latest-metric-points';

const point = (key: string, value: number, timestamp: number, step: number) => ({ key, value, timestamp, step, modelId: '', datasetName: '', datasetDigest: '' });

describe('latestMetricPoints', () => {
  it('keeps per key the greatest point by step, then timestamp, then value', () => {
    const latest = latestMetricPoints([
      point('loss', 0.1, 999, 1),
      point('loss', 0.5, 100, 2),
      point('acc', 0.2, 40, 0),
      point('loss', 0.9, 100, 2),
      point('acc', 0.3, 50, 0),
      point('loss', 0.7, 99, 2),
    ]);
    expect(latest).toEqual([point('loss', 0.9, 100, 2), point('acc', 0.3, 50, 0)]);
  });

  it('orders NaN above every number, as Postgres does', () => {
    expect(latestMetricPoints([point('x', 1, 10, 1), point('x', NaN, 10, 1), point('x', Infinity, 10, 1)])).toEqual([point('x', NaN, 10, 1)]);
    expect(latestMetricPoints([point('x', NaN, 10, 1), point('x', 2, 10, 1)])).toEqual([point('x', NaN, 10, 1)]);
  });
});

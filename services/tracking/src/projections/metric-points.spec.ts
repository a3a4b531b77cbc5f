import { latestMetricPoints, metricChunks } from './metric-points';

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

describe('metricChunks', () => {
  const nothingStored = () => false;

  it('cuts each key into sorted chunks of at most `size` points', () => {
    const metrics = [5, 3, 1, 4, 2].flatMap((step) => [point('b', step / 10, 100, step), point('a', step, 100, step)]);
    const chunks = metricChunks(metrics, 2, nothingStored);
    expect(chunks.map((c) => [c.key, c.part, c.points.map((p) => p.step)])).toEqual([
      ['b', 0, [1, 2]],
      ['b', 1, [3, 4]],
      ['b', 2, [5]],
      ['a', 0, [1, 2]],
      ['a', 1, [3, 4]],
      ['a', 2, [5]],
    ]);
  });

  it('keeps each distinct point once (NaN equal to NaN, -0 to 0) and orders by step, timestamp, value', () => {
    const metrics = [point('x', NaN, 1, 0), point('x', 2, 1, 0), point('x', NaN, 1, 0), point('x', 0, 1, 0), point('x', -0, 1, 0), point('x', 2, 0, 0), point('x', 2, 1, 0)];
    const [chunk] = metricChunks(metrics, 60, nothingStored);
    expect(chunk.points).toEqual([
      { step: 0, timestamp: 0, value: 2 },
      { step: 0, timestamp: 1, value: 0 },
      { step: 0, timestamp: 1, value: 2 },
      { step: 0, timestamp: 1, value: NaN },
    ]);
  });

  it('leaves out points already stored, and makes no chunk for a key with nothing new', () => {
    const metrics = [point('x', 1, 1, 1), point('x', 2, 2, 2), point('y', 1, 1, 1)];
    const chunks = metricChunks(metrics, 60, (key, p) => key === 'y' || p.step === 1);
    expect(chunks).toEqual([{ key: 'x', part: 0, points: [{ step: 2, timestamp: 2, value: 2 }] }]);
  });
});

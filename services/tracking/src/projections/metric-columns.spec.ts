import { metricColumns } from './metric-columns';

const point = (key: string, value: number, timestamp = 1, step = 0) => ({ key, value, timestamp, step, modelId: '', datasetName: '', datasetDigest: '' });

describe('metricColumns', () => {
  it('encodes each column as a Postgres array literal, in batch order', () => {
    const columns = metricColumns({ metrics: [point('loss', 0.5, 10, 1), point('acc', -2, 11, 2)] });
    expect(columns).toEqual({ keys: '{"loss","acc"}', values: '{0.5,-2}', timestamps: '{10,11}', steps: '{1,2}' });
  });

  it('prints NaN and infinities the way Postgres reads float8', () => {
    expect(metricColumns({ metrics: [point('a', NaN), point('b', Infinity), point('c', -Infinity)] }).values).toBe('{NaN,Infinity,-Infinity}');
  });

  it('quotes keys so commas, braces, quotes and backslashes stay inside one element', () => {
    expect(metricColumns({ metrics: [point('a,b {c} "d" \\e', 1)] }).keys).toBe('{"a,b {c} \\"d\\" \\\\e"}');
  });
});

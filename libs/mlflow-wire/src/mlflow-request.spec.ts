import { InvalidArgument } from '@chronicle/errors';
import { z } from 'zod';
import { parseMessage, wire } from './mlflow-request';

function rejects(fn: () => unknown, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidArgument);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

const missing = (field: string) => `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`;

describe('parseMessage', () => {
  const schema = z.object({ run_id: wire.id(), key: wire.text(), max_results: wire.int().optional() });

  it('parses a valid message', () => {
    expect(parseMessage(schema, { run_id: 'r', key: 'k', max_results: 5 })).toEqual({ run_id: 'r', key: 'k', max_results: 5 });
  });

  it('ignores unknown fields', () => {
    expect(parseMessage(schema, { run_id: 'r', key: 'k', extra: { deep: 1 } })).toEqual({ run_id: 'r', key: 'k' });
  });

  it.each([
    ['absent', { key: 'k' }],
    ['empty', { run_id: '', key: 'k' }],
    ['null', { run_id: null, key: 'k' }],
  ])('gives MLflow\'s message for a required field that is %s', (_case, body) => {
    rejects(() => parseMessage(schema, body), missing('run_id'));
  });

  it('treats a missing body as an empty message', () => {
    rejects(() => parseMessage(schema, undefined), missing('run_id'));
  });

  it('gives MLflow\'s message for a value of the wrong type', () => {
    rejects(
      () => parseMessage(schema, { run_id: 123, key: 'k' }),
      /^Invalid value 123 for parameter 'run_id' supplied: .+\. See the API docs for more information about request parameters\.$/,
    );
    rejects(() => parseMessage(schema, { run_id: 'r', key: 'k', max_results: 'ten' }), /^Invalid value "ten" for parameter 'max_results' supplied: /);
  });
});

describe('wire', () => {
  const parse = (field: z.ZodType, value: unknown): unknown => (parseMessage(z.object({ f: field }), { f: value }) as { f: unknown }).f;

  describe('int', () => {
    it('accepts a JSON integer and an int64 given as text', () => {
      expect(parse(wire.int(), 7)).toBe(7);
      expect(parse(wire.int(), '1700000000000')).toBe(1700000000000);
      expect(parse(wire.int(), '-3')).toBe(-3);
    });
    it.each([[1.5], ['1.5'], ['abc'], ['']])('rejects %j', (value) => {
      rejects(() => parse(wire.int(), value), value === '' ? missing('f') : /^Invalid value .* for parameter 'f' supplied/);
    });
  });

  describe('double', () => {
    it('accepts numbers, decimal text and the proto JSON non-finite spellings', () => {
      expect(parse(wire.double(), 0.25)).toBe(0.25);
      expect(parse(wire.double(), '0.25')).toBe(0.25);
      expect(parse(wire.double(), '-1e3')).toBe(-1000);
      expect(parse(wire.double(), 'NaN')).toBeNaN();
      expect(parse(wire.double(), 'Infinity')).toBe(Number.POSITIVE_INFINITY);
      expect(parse(wire.double(), '-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    });
    it.each([['nan'], ['inf'], ['abc'], [true]])('rejects %j', (value) => {
      rejects(() => parse(wire.double(), value), /^Invalid value .* for parameter 'f' supplied/);
    });
  });

  describe('bool', () => {
    it('accepts JSON booleans and "true"/"false"', () => {
      expect(parse(wire.bool(), true)).toBe(true);
      expect(parse(wire.bool(), false)).toBe(false);
      expect(parse(wire.bool(), 'true')).toBe(true);
      expect(parse(wire.bool(), 'false')).toBe(false);
    });
    it.each([['yes'], [1], ['1']])('rejects %j', (value) => {
      rejects(() => parse(wire.bool(), value), /^Invalid value .* for parameter 'f' supplied/);
    });
  });

  describe('list', () => {
    it('takes a JSON list, a single query value or a repeated query key', () => {
      expect(parse(wire.list(wire.id()), ['a', 'b'])).toEqual(['a', 'b']);
      expect(parse(wire.list(wire.id()), 'a')).toEqual(['a']);
      expect(parseMessage(z.object({ f: wire.list(wire.id()) }), {})).toEqual({ f: [] });
      // express parses ?experiment_ids=1&experiment_ids=2 into an array.
      expect(parseMessage(z.object({ experiment_ids: wire.list(wire.id()) }), { experiment_ids: ['1', '2'] })).toEqual({ experiment_ids: ['1', '2'] });
    });
    it('validates items', () => {
      rejects(() => parse(wire.list(wire.int()), ['1', 'x']), /^Invalid value \["1","x"\] for parameter 'f' supplied/);
    });
  });

  describe('keyValues', () => {
    it('defaults to an empty list and turns a null value into ""', () => {
      expect(parseMessage(z.object({ tags: wire.keyValues() }), {})).toEqual({ tags: [] });
      expect(parse(wire.keyValues(), [{ key: 'a', value: null }, { key: 'b' }, { key: 'c', value: 'v', extra: 1 }])).toEqual([
        { key: 'a', value: '' },
        { key: 'b', value: '' },
        { key: 'c', value: 'v' },
      ]);
    });
  });

  it('id rejects an empty string as missing while text accepts it', () => {
    rejects(() => parse(wire.id(), ''), missing('f'));
    expect(parse(wire.text(), '')).toBe('');
  });
});

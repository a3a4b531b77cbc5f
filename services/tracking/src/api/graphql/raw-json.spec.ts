import { stringifyWithRawJson, withJsonText } from './raw-json';

describe('stringifyWithRawJson', () => {
  it('splices marked objects in as their text, and otherwise reads like JSON.stringify', () => {
    const columns = { x: 'QUJD', n: [1, 2] };
    const value = { data: { a: [withJsonText(columns, JSON.stringify(columns)), 'raw-json-', { b: withJsonText({ c: 1 }, '{"c":1}') }], d: null } };
    expect(stringifyWithRawJson(value)).toBe(`${JSON.stringify(value)}\n`);
  });

  it('uses the marked text, not the object', () => {
    expect(stringifyWithRawJson({ data: withJsonText({ a: 1 }, '{"a":2}') })).toBe('{"data":{"a":2}}\n');
  });

  it('ends with a newline, as Apollo does', () => {
    expect(stringifyWithRawJson({ data: null })).toBe('{"data":null}\n');
  });
});

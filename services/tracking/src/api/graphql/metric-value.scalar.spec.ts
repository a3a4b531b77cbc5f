import { Kind } from 'graphql';
import { MetricValueScalar } from './metric-value.scalar';

describe('MetricValue', () => {
  it.each([
    [0.5, 0.5],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('when %p is sent, then it travels as %p', (value, wire) => {
    expect(MetricValueScalar.serialize(value)).toBe(wire);
  });

  it('when a client sends numbers or the named values, then they parse back to numbers', () => {
    expect(MetricValueScalar.parseValue('NaN')).toBeNaN();
    expect(MetricValueScalar.parseValue('-Infinity')).toBe(-Infinity);
    expect(MetricValueScalar.parseLiteral({ kind: Kind.INT, value: '3' })).toBe(3);
    expect(MetricValueScalar.parseLiteral({ kind: Kind.STRING, value: 'Infinity' })).toBe(Infinity);
  });

  it('when a client sends another string, then it is rejected', () => {
    expect(() => MetricValueScalar.parseValue('1.5')).toThrow(/MetricValue is a number/);
  });
});

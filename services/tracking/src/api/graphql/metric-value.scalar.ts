import { GraphQLScalarType, Kind } from 'graphql';

const named: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function fromName(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value in named) return named[value];
  throw new TypeError(`MetricValue is a number or one of "NaN", "Infinity", "-Infinity"; got ${JSON.stringify(value)}`);
}

/**
 * A metric value. MLflow metrics may be NaN or ±Infinity, which GraphQL's Float (and JSON) cannot
 * carry, so those travel as the strings "NaN", "Infinity" and "-Infinity".
 */
export const MetricValueScalar = new GraphQLScalarType<number, number | string>({
  name: 'MetricValue',
  description: 'A float; NaN and ±Infinity are sent as the strings "NaN", "Infinity", "-Infinity".',
  serialize: (value) => {
    const number = fromName(value);
    return Number.isFinite(number) ? number : String(number);
  },
  parseValue: fromName,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.FLOAT || ast.kind === Kind.INT) return Number(ast.value);
    if (ast.kind === Kind.STRING) return fromName(ast.value);
    throw new TypeError('MetricValue literal must be a number or a string');
  },
});

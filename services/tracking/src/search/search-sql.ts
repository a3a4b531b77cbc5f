import { type ListComparator, type ScalarComparator } from './search-entities';
import { type Comparison, type SearchFilter } from './search-filter.parser';

export type SqlValue = string | number | readonly string[];

/** Parameterised SQL for `pg`: every value travels in `values`, never in `text`. */
export interface SqlQuery {
  readonly text: string;
  readonly values: SqlValue[];
}

/** Collects bind values and hands out their `$n` placeholders. */
export class SqlParameters {
  readonly values: SqlValue[] = [];
  add(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `schema.table`; the schema comes from code, but it is interpolated, so only plain names pass. */
export function qualifiedTable(schema: string, table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Not a safe SQL identifier: ${schema}`);
  return `${schema}.${table}`;
}

const SQL_OPERATORS: Readonly<Record<ScalarComparator, string>> = {
  '=': '=',
  '!=': '<>',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  // Postgres LIKE is case-sensitive, as MLflow requires; ILIKE is not.
  LIKE: 'LIKE',
  ILIKE: 'ILIKE',
};

const LIST_OPERATORS: Readonly<Record<ListComparator, (placeholder: string) => string>> = {
  IN: (placeholder) => `= ANY(${placeholder}::text[])`,
  'NOT IN': (placeholder) => `<> ALL(${placeholder}::text[])`,
};

/** The SQL type a numeric value is compared as: metric values are doubles, times are bigints. */
export type NumericColumnType = 'double precision' | 'bigint';

/** `column <op> $n` for one comparison. */
export function compareColumn(
  column: string,
  comparison: Comparison,
  params: SqlParameters,
  numericType: NumericColumnType,
): string {
  if (comparison.comparator === 'IN' || comparison.comparator === 'NOT IN') {
    return `${column} ${LIST_OPERATORS[comparison.comparator](params.add(comparison.value))}`;
  }
  const { value } = comparison;
  const placeholder = typeof value === 'number' ? numericPlaceholder(value, params, numericType) : params.add(value);
  return `${column} ${SQL_OPERATORS[comparison.comparator]} ${placeholder}`;
}

function numericPlaceholder(value: number, params: SqlParameters, numericType: NumericColumnType): string {
  // A fractional bound on a bigint column compares exactly as numeric instead of failing the cast.
  const type = numericType === 'bigint' && !Number.isSafeInteger(value) ? 'numeric' : numericType;
  return `${params.add(value)}::${type}`;
}

/** `LIMIT $n OFFSET $m`, after checking both are row counts. */
export function pageClause(limit: number, offset: number, params: SqlParameters): string {
  for (const [name, value] of [['limit', limit], ['offset', offset]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Invalid ${name}: ${value}`);
  }
  return `LIMIT ${params.add(limit)} OFFSET ${params.add(offset)}`;
}

/** One SQL condition per conjunct of `filter`; an OR group becomes one parenthesised disjunction. */
export function filterConditions(filter: SearchFilter, condition: (comparison: Comparison) => string): string[] {
  return filter.map((term) =>
    term.type === 'or'
      ? `(${term.alternatives.map((alternative) => `(${filterConditions(alternative, condition).join(' AND ')})`).join(' OR ')})`
      : condition(term),
  );
}

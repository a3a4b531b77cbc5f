import { rulesToAST } from '@casl/ability/extra';
import type { Action, AppAbility, SubjectType } from './ability';

type Condition = NonNullable<ReturnType<typeof rulesToAST>>;

/** Binds a value as a query parameter and returns its placeholder (`$3`). */
export type Bind = (value: unknown) => string;

/**
 * A subject attribute's SQL expression. A function is called once, and only if a rule needs the
 * attribute, so an expensive or parameterised expression costs nothing when no rule reads it.
 */
export type Column = string | (() => string);

/**
 * Compiles what `ability` permits for `action` on `subjectType` into a SQL boolean, so lists and
 * searches filter in the database instead of trimming a page afterwards. `columns` maps each
 * subject attribute to its SQL expression; values are bound through `bind`.
 */
export function accessCondition(ability: AppAbility, action: Action, subjectType: SubjectType, columns: Record<string, Column>, bind: Bind): string {
  const ast = rulesToAST(ability, action, subjectType);
  if (!ast) return 'FALSE';
  const resolved = new Map<string, string>();
  const column = (field: string): string => {
    const expression = columns[field];
    if (expression === undefined) throw new Error(`Rule field '${field}' has no SQL column`);
    if (!resolved.has(field)) resolved.set(field, typeof expression === 'function' ? expression() : expression);
    return resolved.get(field)!;
  };
  return compile(ast, column, bind);
}

function compile(node: Condition, column: (field: string) => string, bind: Bind): string {
  const { operator, value } = node as { operator: string; value: unknown; field?: string };
  switch (operator) {
    case 'and':
    case 'or': {
      const parts = (value as Condition[]).map((child) => compile(child, column, bind));
      if (parts.length === 0) return operator === 'and' ? 'TRUE' : 'FALSE';
      return `(${parts.join(operator === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return `NOT (${(value as Condition[]).map((child) => compile(child, column, bind)).join(' AND ')})`;
    case 'eq': {
      const sql = column(fieldOf(node));
      // A NULL column never equals a value; IS NOT DISTINCT FROM keeps NOT (...) true for it.
      return value === null ? `${sql} IS NULL` : `${sql} IS NOT DISTINCT FROM ${bind(value)}`;
    }
    case 'in':
      return `${column(fieldOf(node))} = ANY(${bind(value)})`;
    default:
      throw new Error(`Rule operator '${operator}' has no SQL translation`);
  }
}

function fieldOf(node: Condition): string {
  return (node as { field: string }).field;
}

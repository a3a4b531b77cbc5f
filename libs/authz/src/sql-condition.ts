import { rulesToAST } from '@casl/ability/extra';
import type { Action, AppAbility, SubjectType } from './ability';

type Condition = NonNullable<ReturnType<typeof rulesToAST>>;

/**
 * Compiles what `ability` permits for `action` on `subjectType` into a SQL boolean, so lists and
 * searches filter in the database instead of trimming a page afterwards. `columns` maps each
 * subject attribute to its SQL expression; values are bound as parameters appended to `params`.
 */
export function accessCondition(ability: AppAbility, action: Action, subjectType: SubjectType, columns: Record<string, string>, params: unknown[]): string {
  const ast = rulesToAST(ability, action, subjectType);
  return ast ? compile(ast, columns, params) : 'FALSE';
}

function compile(node: Condition, columns: Record<string, string>, params: unknown[]): string {
  const { operator, value } = node as { operator: string; value: unknown; field?: string };
  switch (operator) {
    case 'and':
    case 'or': {
      const parts = (value as Condition[]).map((child) => compile(child, columns, params));
      if (parts.length === 0) return operator === 'and' ? 'TRUE' : 'FALSE';
      return `(${parts.join(operator === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return `NOT (${(value as Condition[]).map((child) => compile(child, columns, params)).join(' AND ')})`;
    case 'eq': {
      const column = columnOf(node, columns);
      if (value === null) return `${column} IS NULL`;
      params.push(value);
      // A NULL column never equals a value; IS NOT DISTINCT FROM keeps NOT (...) true for it.
      return `${column} IS NOT DISTINCT FROM $${params.length}`;
    }
    case 'in': {
      params.push(value);
      return `${columnOf(node, columns)} = ANY($${params.length})`;
    }
    default:
      throw new Error(`Rule operator '${operator}' has no SQL translation`);
  }
}

function columnOf(node: Condition, columns: Record<string, string>): string {
  const field = (node as { field: string }).field;
  const column = columns[field];
  if (!column) throw new Error(`Rule field '${field}' has no SQL column`);
  return column;
}

import type { Queryable } from '@chronicle/database';
import type { StoredEvent } from './stored-event';

/** Physical table names by logical name: `runs` → `tracking.runs` (or `tracking.runs__rebuild`). */
export type TableNames<T extends string> = Record<T, string>;

/**
 * A read model built from a log. It owns its tables (nobody else writes them), writes them and
 * nothing else in `apply`, and is idempotent: applying the same events twice gives the same rows.
 */
export interface Projection<E, T extends string = string> {
  name: string;
  version: number;
  /** DDL of each owned table, given its physical name (indexes and constraints unnamed or derived from it). */
  tables: Record<T, (table: string) => string>;
  /**
   * The event types (short names) `apply` acts on, when it ignores the rest: a consumer fed from
   * the bus then skips the others undecoded and writes nothing for them. Absent: every event.
   */
  reads?: readonly string[];
  apply(events: StoredEvent<E>[], tx: Queryable, tables: TableNames<T>): Promise<void>;
}

export function liveTables<T extends string>(schema: string, projection: Projection<unknown, T>): TableNames<T> {
  return mapTables(projection, (name) => `${schema}.${name}`);
}

export function mapTables<T extends string>(projection: Projection<unknown, T>, physical: (name: T) => string): TableNames<T> {
  const names = Object.keys(projection.tables) as T[];
  return Object.fromEntries(names.map((name) => [name, physical(name)])) as TableNames<T>;
}

/** SQL that creates a projection's tables under their live names; used by service migrations. */
export function projectionTablesSql(schema: string, projection: Projection<unknown>): string {
  const tables = liveTables(schema, projection);
  return Object.entries(projection.tables)
    .map(([name, ddl]) => (ddl as (table: string) => string)(tables[name]))
    .join(';\n');
}

import type { PreparedStatement } from './prepared-statement';

/** Anything that runs parameterised SQL: the pool, one open transaction, one session. */
export interface Queryable {
  query<R = Record<string, unknown>>(statement: string | PreparedStatement, values?: unknown[]): Promise<R[]>;
}

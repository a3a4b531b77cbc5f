/** Anything that runs parameterised SQL: the pool, one open transaction, one session. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

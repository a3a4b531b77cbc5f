/** Postgres SQLSTATE 23505: a unique constraint rejected the row. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pg = (error as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string }) ?? {};
  const cause = pg.driverError ?? pg;
  return cause.code === '23505' && (constraint === undefined || cause.constraint === constraint);
}

export { Database, type DatabaseOptions } from './database';
export type { Queryable } from './queryable';
export { DatabaseSession } from './database-session';
export { isUniqueViolation } from './pg-errors';

export { Database, type DatabaseOptions, type Queryable } from './database';
export { isUniqueViolation } from './pg-errors';

export { Database, type DatabaseOptions } from './database';
export type { Queryable } from './queryable';
export { prepared, statementText, type PreparedStatement } from './prepared-statement';
export { DatabaseSession } from './database-session';
export { isUniqueViolation } from './pg-errors';
export { isolatesWorkspaces, isolateWorkspaces, shareWorkspaces } from './row-level-security';
export { workspaceScope, workspaceSetting } from './workspace-scope';

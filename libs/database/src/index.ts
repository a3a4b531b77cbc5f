export { Database, type DatabaseOptions, type Queryable } from './database';
export { isUniqueViolation } from './pg-errors';
export { isolatesWorkspaces, isolateWorkspaces, workspaceSetting } from './row-level-security';
export { workspaceScope } from './workspace-scope';

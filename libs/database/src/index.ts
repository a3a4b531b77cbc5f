export { Database, type DatabaseOptions, type Queryable } from './database';
export { isUniqueViolation } from './pg-errors';
export { isolatesWorkspaces, isolateWorkspaces } from './row-level-security';
export { workspaceScope, workspaceSetting } from './workspace-scope';

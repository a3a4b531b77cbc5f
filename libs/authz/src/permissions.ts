/**
 * The permission catalogue. A workspace role (built in or custom) is a named set of these; the
 * per-resource levels are MLflow's READ / EDIT / MANAGE / NO_PERMISSIONS.
 */
export const permissionCatalog = [
  'workspace.read',
  'workspace.manage',
  'workspace.delete',
  'experiment.create',
  'experiment.read',
  'experiment.update',
  'experiment.manage',
] as const;
export type Permission = (typeof permissionCatalog)[number];

export const builtInRoles = {
  viewer: ['workspace.read', 'experiment.read'],
  editor: ['workspace.read', 'experiment.read', 'experiment.create', 'experiment.update'],
  admin: ['workspace.read', 'workspace.manage', 'experiment.read', 'experiment.create', 'experiment.update', 'experiment.manage'],
  owner: [...permissionCatalog],
} as const satisfies Record<string, readonly Permission[]>;
export type BuiltInRole = keyof typeof builtInRoles;

export function isBuiltInRole(name: string): name is BuiltInRole {
  return Object.hasOwn(builtInRoles, name);
}

export function isPermission(value: string): value is Permission {
  return (permissionCatalog as readonly string[]).includes(value);
}

/** MLflow's per-resource permission levels, weakest first. */
export const resourceLevels = ['NO_PERMISSIONS', 'READ', 'EDIT', 'MANAGE'] as const;
export type ResourceLevel = (typeof resourceLevels)[number];

export function isResourceLevel(value: string): value is ResourceLevel {
  return (resourceLevels as readonly string[]).includes(value);
}

/** What each level lets its holder do to the resource (MLflow: can_read / can_update / can_delete / can_manage). */
export type ResourceAction = 'read' | 'update' | 'delete' | 'grant';
export const levelActions: Record<ResourceLevel, readonly ResourceAction[]> = {
  NO_PERMISSIONS: [],
  READ: ['read'],
  EDIT: ['read', 'update'],
  MANAGE: ['read', 'update', 'delete', 'grant'],
};

/** The level a role holds on an experiment nobody granted it anything on explicitly. */
export function defaultExperimentLevel(permissions: readonly Permission[]): ResourceLevel {
  if (permissions.includes('experiment.manage')) return 'MANAGE';
  if (permissions.includes('experiment.update')) return 'EDIT';
  if (permissions.includes('experiment.read')) return 'READ';
  return 'NO_PERMISSIONS';
}

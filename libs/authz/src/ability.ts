import { AbilityBuilder, createMongoAbility, type ForcedSubject, type MongoAbility } from '@casl/ability';
import { defaultExperimentLevel, levelActions, type ResourceLevel } from './permissions';
import type { Principal } from './principal';

export type Action = 'create' | 'read' | 'update' | 'delete' | 'grant' | 'manage';
export type SubjectType = 'Workspace' | 'Experiment' | 'User' | 'Token' | 'ServiceAccount' | 'all';

/**
 * Subjects carry the attributes rules match on. An experiment's `grant` is the caller's explicit
 * per-resource level on it (null when nobody granted one), looked up by the caller's repository.
 */
export interface ExperimentSubject {
  workspaceId: string;
  grant: ResourceLevel | null;
}

/** An API token: the workspace it is scoped to and the principal id it authenticates as. */
export interface TokenSubject {
  workspaceId: string;
  owner: string;
}

type Tagged<Name extends string, Attributes> = Name | (Attributes & ForcedSubject<Name>);
export type AppSubject =
  | Tagged<'Workspace', { name: string }>
  | Tagged<'Experiment', ExperimentSubject>
  | Tagged<'User', { name: string }>
  | Tagged<'Token', TokenSubject>
  | Tagged<'ServiceAccount', { workspaceId: string }>
  | 'all';
export type AppAbility = MongoAbility<[Action, AppSubject]>;

const explicitLevels = ['READ', 'EDIT', 'MANAGE'] as const;

/** Every rule a principal holds, as CASL rules: the one source for route checks, handler checks and SQL filters. */
export function abilityFor(principal: Principal): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  if (principal.isAdmin) {
    can('manage', 'all');
    return build();
  }
  const workspaceId = principal.workspaceId;
  const permissions = principal.permissions;
  if (permissions.includes('workspace.read')) can('read', 'Workspace', { name: workspaceId });
  if (permissions.includes('workspace.manage')) can(['update', 'grant'], 'Workspace', { name: workspaceId });
  if (permissions.includes('workspace.delete')) can('delete', 'Workspace', { name: workspaceId });
  if (permissions.includes('experiment.create')) can('create', 'Experiment', { workspaceId });
  // Any member may hold tokens for itself in the workspace; those who manage it see and revoke all of
  // them and run its service accounts.
  if (principal.role !== null) can(['create', 'read', 'delete'], 'Token', { workspaceId, owner: principal.id });
  if (permissions.includes('workspace.manage')) {
    can(['create', 'read', 'delete'], 'Token', { workspaceId });
    can(['create', 'read', 'delete'], 'ServiceAccount', { workspaceId });
  }

  const fallback = defaultExperimentLevel(permissions);
  if (fallback === 'MANAGE') {
    // Like MLflow's admins, a role that manages every experiment is not narrowed by per-resource grants.
    can([...levelActions.MANAGE], 'Experiment', { workspaceId });
  } else if (permissions.length > 0) {
    if (fallback !== 'NO_PERMISSIONS') can([...levelActions[fallback]], 'Experiment', { workspaceId, grant: null });
    for (const level of explicitLevels) can([...levelActions[level]], 'Experiment', { workspaceId, grant: level });
  }
  if (principal.kind === 'user') can(['read', 'update'], 'User', { name: principal.name });
  return build();
}

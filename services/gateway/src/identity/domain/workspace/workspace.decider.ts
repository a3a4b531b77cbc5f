import { isBuiltInRole, isPermission, type Permission } from '@chronicle/authz';
import { AlreadyExists, InvalidArgument, InvalidState, NotFound } from '@chronicle/errors';
import type { Decider } from '@chronicle/eventstore';
import type { IdentityEvent } from '../identity-event';
import { defaultWorkspace, validateRoleName, validateWorkspaceName } from '../identity.rules';

export type WorkspaceState =
  | { exists: false }
  | { exists: true; name: string; members: Record<string, string>; roles: Record<string, Permission[]> };

export type WorkspaceCommand =
  | { type: 'CreateWorkspace'; name: string; description: string; defaultArtifactRoot: string; createdBy: string; time: number }
  | { type: 'UpdateWorkspace'; name: string; description?: string; defaultArtifactRoot?: string; time: number }
  | { type: 'DeleteWorkspace'; name: string; resourceCount: number; time: number }
  | { type: 'AssignRole'; name: string; principal: string; role: string; time: number }
  | { type: 'RemoveMember'; name: string; principal: string; time: number }
  | { type: 'DefineRole'; name: string; role: string; permissions: string[]; time: number }
  | { type: 'DeleteRole'; name: string; role: string; time: number };

export const workspaceStream = (name: string) => `workspace-${name}`;

/** Who creates the built-in default workspace: nobody in particular, so it has no owner. */
export const systemActor = 'system';

function decide(command: WorkspaceCommand, state: WorkspaceState): IdentityEvent[] {
  const { name, time } = command;
  if (command.type === 'CreateWorkspace') {
    validateWorkspaceName(name);
    if (state.exists) throw new AlreadyExists(`Workspace '${name}' already exists.`);
    const created: IdentityEvent = {
      type: 'WorkspaceCreated',
      data: { name, description: command.description, defaultArtifactRoot: command.defaultArtifactRoot, createdBy: command.createdBy, time },
    };
    // The creator owns what it created, as MLflow gives the creator MANAGE on a new experiment.
    if (command.createdBy === systemActor) return [created];
    return [created, { type: 'MemberRoleAssigned', data: { principal: command.createdBy, role: 'owner', time } }];
  }
  if (!state.exists) throw new NotFound(`Workspace '${name}' does not exist.`);
  switch (command.type) {
    case 'UpdateWorkspace': {
      const { description, defaultArtifactRoot } = command;
      if (description === undefined && defaultArtifactRoot === undefined) return [];
      return [{ type: 'WorkspaceUpdated', data: { description, defaultArtifactRoot, time } }];
    }
    case 'DeleteWorkspace':
      if (name === defaultWorkspace) throw new InvalidState(`The '${defaultWorkspace}' workspace cannot be deleted.`);
      if (command.resourceCount > 0) {
        throw new InvalidState(`Workspace '${name}' still holds ${command.resourceCount} experiment(s); delete them before the workspace.`);
      }
      return [{ type: 'WorkspaceDeleted', data: { time } }];
    case 'AssignRole':
      if (!isBuiltInRole(command.role) && !state.roles[command.role]) throw new NotFound(`Role '${command.role}' does not exist in workspace '${name}'.`);
      if (state.members[command.principal] === command.role) return [];
      assertNotLastOwner(state, command.principal);
      return [{ type: 'MemberRoleAssigned', data: { principal: command.principal, role: command.role, time } }];
    case 'RemoveMember':
      if (!state.members[command.principal]) throw new NotFound(`'${command.principal}' is not a member of workspace '${name}'.`);
      assertNotLastOwner(state, command.principal);
      return [{ type: 'MemberRemoved', data: { principal: command.principal, time } }];
    case 'DefineRole': {
      validateRoleName(command.role);
      if (isBuiltInRole(command.role)) throw new InvalidArgument(`Role name '${command.role}' is reserved for a built-in role.`);
      if (state.roles[command.role]) throw new AlreadyExists(`Role '${command.role}' already exists in workspace '${name}'.`);
      const unknown = command.permissions.filter((permission) => !isPermission(permission));
      if (unknown.length > 0) throw new InvalidArgument(`Unknown permission(s): ${unknown.join(', ')}`);
      return [{ type: 'RoleDefined', data: { name: command.role, permissions: [...new Set(command.permissions)], time } }];
    }
    case 'DeleteRole': {
      if (!state.roles[command.role]) throw new NotFound(`Role '${command.role}' does not exist in workspace '${name}'.`);
      const holders = Object.entries(state.members).filter(([, role]) => role === command.role);
      if (holders.length > 0) throw new InvalidState(`Role '${command.role}' is still held by ${holders.map(([principal]) => principal).join(', ')}.`);
      return [{ type: 'RoleDeleted', data: { name: command.role, time } }];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

// A workspace someone created keeps an owner, so that somebody besides server admins can run it.
function assertNotLastOwner(state: WorkspaceState & { exists: true }, principal: string): void {
  if (state.members[principal] !== 'owner') return;
  const owners = Object.values(state.members).filter((role) => role === 'owner').length;
  if (owners === 1) throw new InvalidState(`'${principal}' is the last owner of workspace '${state.name}'; make someone else owner first.`);
}

function evolve(state: WorkspaceState, event: IdentityEvent): WorkspaceState {
  switch (event.type) {
    case 'WorkspaceCreated':
      return { exists: true, name: event.data.name, members: {}, roles: {} };
    case 'WorkspaceDeleted':
      // A workspace created again under the same name starts with no members or roles.
      return { exists: false };
    default:
      break;
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'MemberRoleAssigned':
      return { ...state, members: { ...state.members, [event.data.principal]: event.data.role } };
    case 'MemberRemoved': {
      const { [event.data.principal]: _removed, ...members } = state.members;
      return { ...state, members };
    }
    case 'RoleDefined':
      return { ...state, roles: { ...state.roles, [event.data.name]: event.data.permissions.filter(isPermission) } };
    case 'RoleDeleted': {
      const { [event.data.name]: _deleted, ...roles } = state.roles;
      return { ...state, roles };
    }
    default:
      return state;
  }
}

export const workspaceDecider: Decider<WorkspaceCommand, IdentityEvent, WorkspaceState> = {
  initialState: { exists: false },
  decide,
  evolve,
};

import { AlreadyExists, InvalidState, NotFound } from '@chronicle/errors';
import type { Decider } from '@chronicle/eventstore';
import type { IdentityEvent } from '../identity-event';
import { validateUsername } from '../identity.rules';

export type UserSource = 'password' | 'oidc';

export type UserState = { exists: false } | { exists: true; username: string; isAdmin: boolean };

export type UserCommand =
  | { type: 'CreateUser'; username: string; passwordHash: string; isAdmin: boolean; source: UserSource; time: number }
  | { type: 'ChangePassword'; username: string; passwordHash: string; time: number }
  | { type: 'ChangeAdmin'; username: string; isAdmin: boolean; otherAdmins: number; time: number }
  | { type: 'DeleteUser'; username: string; otherAdmins: number; time: number };

export const userStream = (username: string) => `user-${username}`;

function decide(command: UserCommand, state: UserState): IdentityEvent[] {
  const { username, time } = command;
  if (command.type === 'CreateUser') {
    validateUsername(username);
    // MLflow's message and code for a duplicate user (RESOURCE_ALREADY_EXISTS).
    if (state.exists) throw new AlreadyExists(`User '${username}' already exists.`);
    const { passwordHash, isAdmin, source } = command;
    return [{ type: 'UserCreated', data: { username, passwordHash, isAdmin, source, time } }];
  }
  if (!state.exists) throw new NotFound(`User with username=${username} not found`);
  switch (command.type) {
    case 'ChangePassword':
      return [{ type: 'UserPasswordChanged', data: { username, passwordHash: command.passwordHash, time } }];
    case 'ChangeAdmin':
      if (state.isAdmin === command.isAdmin) return [];
      if (!command.isAdmin) assertNotLastAdmin(state, command.otherAdmins);
      return [{ type: 'UserAdminChanged', data: { username, isAdmin: command.isAdmin, time } }];
    case 'DeleteUser':
      assertNotLastAdmin(state, command.otherAdmins);
      return [{ type: 'UserDeleted', data: { username, time } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

// Without an administrator nobody can manage users or create workspaces, and the configured first
// admin is only created on an empty server.
function assertNotLastAdmin(state: UserState & { exists: true }, otherAdmins: number): void {
  if (state.isAdmin && otherAdmins === 0) throw new InvalidState(`'${state.username}' is the last server administrator; make another user admin first.`);
}

function evolve(state: UserState, event: IdentityEvent): UserState {
  switch (event.type) {
    case 'UserCreated':
      return { exists: true, username: event.data.username, isAdmin: event.data.isAdmin };
    case 'UserAdminChanged':
      return state.exists ? { ...state, isAdmin: event.data.isAdmin } : state;
    case 'UserDeleted':
      return { exists: false };
    default:
      return state;
  }
}

export const userDecider: Decider<UserCommand, IdentityEvent, UserState> = {
  initialState: { exists: false },
  decide,
  evolve,
};

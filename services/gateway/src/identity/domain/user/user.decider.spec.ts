import { AlreadyExists, InvalidArgument, InvalidState, NotFound } from '@chronicle/errors';
import type { IdentityEvent } from '../identity-event';
import { userDecider, userStream, type UserCommand } from './user.decider';

const given = (...events: IdentityEvent[]) => {
  const state = events.reduce(userDecider.evolve, userDecider.initialState);
  return (command: UserCommand) => userDecider.decide(command, state);
};
const created: IdentityEvent = { type: 'UserCreated', data: { username: 'bob', passwordHash: 'h1', isAdmin: false, source: 'password', time: 1 } };

describe('userDecider', () => {
  it('names its stream', () => {
    expect(userStream('bob')).toBe('user-bob');
  });

  it('creates a user once, with a valid name', () => {
    expect(given()({ type: 'CreateUser', username: 'bob', passwordHash: 'h1', isAdmin: false, source: 'password', time: 1 })).toEqual([created]);
    const duplicate = () => given(created)({ type: 'CreateUser', username: 'bob', passwordHash: 'h', isAdmin: false, source: 'password', time: 2 });
    expect(duplicate).toThrow(AlreadyExists);
    expect(duplicate).toThrow("User 'bob' already exists.");
    expect(() => given()({ type: 'CreateUser', username: 'a:b', passwordHash: 'h', isAdmin: false, source: 'password', time: 2 })).toThrow(InvalidArgument);
  });

  it('changes password and admin flag; an unchanged flag appends nothing', () => {
    expect(given(created)({ type: 'ChangePassword', username: 'bob', passwordHash: 'h2', time: 3 })).toEqual([
      { type: 'UserPasswordChanged', data: { username: 'bob', passwordHash: 'h2', time: 3 } },
    ]);
    expect(given(created)({ type: 'ChangeAdmin', username: 'bob', isAdmin: true, otherAdmins: 0, time: 3 })).toEqual([
      { type: 'UserAdminChanged', data: { username: 'bob', isAdmin: true, time: 3 } },
    ]);
    expect(given(created)({ type: 'ChangeAdmin', username: 'bob', isAdmin: false, otherAdmins: 0, time: 3 })).toEqual([]);
  });

  it('keeps the last server administrator', () => {
    const admin: IdentityEvent = { type: 'UserCreated', data: { username: 'root', passwordHash: 'h', isAdmin: true, source: 'password', time: 1 } };
    expect(() => given(admin)({ type: 'DeleteUser', username: 'root', otherAdmins: 0, time: 2 })).toThrow(InvalidState);
    expect(() => given(admin)({ type: 'ChangeAdmin', username: 'root', isAdmin: false, otherAdmins: 0, time: 2 })).toThrow(/last server administrator/);
    expect(given(admin)({ type: 'DeleteUser', username: 'root', otherAdmins: 1, time: 2 })).toEqual([{ type: 'UserDeleted', data: { username: 'root', time: 2 } }]);
    // A non-admin can always go, admins or not.
    expect(given(created)({ type: 'DeleteUser', username: 'bob', otherAdmins: 0, time: 2 })).toHaveLength(1);
  });

  it('refuses commands on a missing or deleted user', () => {
    const deleted: IdentityEvent = { type: 'UserDeleted', data: { username: 'bob', time: 2 } };
    expect(() => given()({ type: 'DeleteUser', username: 'bob', otherAdmins: 0, time: 3 })).toThrow(NotFound);
    expect(() => given(created, deleted)({ type: 'ChangePassword', username: 'bob', passwordHash: 'h', time: 3 })).toThrow(
      'User with username=bob not found',
    );
  });
});

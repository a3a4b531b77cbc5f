import { AlreadyExists, InvalidArgument, InvalidState, NotFound } from '@chronicle/errors';
import type { IdentityEvent } from '../identity-event';
import { systemActor, workspaceDecider, type WorkspaceCommand } from './workspace.decider';

const given = (...events: IdentityEvent[]) => {
  const state = events.reduce(workspaceDecider.evolve, workspaceDecider.initialState);
  return (command: WorkspaceCommand) => workspaceDecider.decide(command, state);
};
const created = (name = 'team-a', createdBy = 'user:alice'): IdentityEvent => ({
  type: 'WorkspaceCreated',
  data: { name, description: '', defaultArtifactRoot: '', createdBy, time: 1 },
});
const assigned = (principal: string, role: string): IdentityEvent => ({ type: 'MemberRoleAssigned', data: { principal, role, time: 2 } });
const roleDefined = (name: string, permissions: string[]): IdentityEvent => ({ type: 'RoleDefined', data: { name, permissions, time: 3 } });

describe('workspaceDecider', () => {
  it('creates a workspace owned by its creator', () => {
    expect(given()({ type: 'CreateWorkspace', name: 'team-a', description: 'd', defaultArtifactRoot: 's3://b', createdBy: 'user:alice', time: 5 })).toEqual([
      { type: 'WorkspaceCreated', data: { name: 'team-a', description: 'd', defaultArtifactRoot: 's3://b', createdBy: 'user:alice', time: 5 } },
      { type: 'MemberRoleAssigned', data: { principal: 'user:alice', role: 'owner', time: 5 } },
    ]);
  });

  it('gives the system-created default workspace no owner', () => {
    const events = given()({ type: 'CreateWorkspace', name: 'default', description: '', defaultArtifactRoot: '', createdBy: systemActor, time: 1 });
    expect(events.map((e) => e.type)).toEqual(['WorkspaceCreated']);
  });

  it('refuses a bad name, a duplicate and commands on a missing workspace', () => {
    const create = (name: string): WorkspaceCommand => ({ type: 'CreateWorkspace', name, description: '', defaultArtifactRoot: '', createdBy: 'user:a', time: 1 });
    expect(() => given()(create('Team_A'))).toThrow(InvalidArgument);
    expect(() => given(created())(create('team-a'))).toThrow(AlreadyExists);
    expect(() => given()({ type: 'UpdateWorkspace', name: 'team-a', description: 'x', time: 2 })).toThrow(NotFound);
  });

  it('allows a deleted name to be created again, without its former members', () => {
    const deleted: IdentityEvent = { type: 'WorkspaceDeleted', data: { time: 2 } };
    const state = [created(), assigned('user:bob', 'viewer'), deleted].reduce(workspaceDecider.evolve, workspaceDecider.initialState);
    expect(state).toEqual({ exists: false });
  });

  it('updates only what was given', () => {
    expect(given(created())({ type: 'UpdateWorkspace', name: 'team-a', description: 'new', time: 9 })).toEqual([
      { type: 'WorkspaceUpdated', data: { description: 'new', defaultArtifactRoot: undefined, time: 9 } },
    ]);
    expect(given(created())({ type: 'UpdateWorkspace', name: 'team-a', time: 9 })).toEqual([]);
  });

  it('refuses to delete the default workspace or one that holds resources', () => {
    const defaultWs = created('default', systemActor);
    expect(() => given(defaultWs)({ type: 'DeleteWorkspace', name: 'default', resourceCount: 0, time: 2 })).toThrow(InvalidState);
    expect(() => given(created())({ type: 'DeleteWorkspace', name: 'team-a', resourceCount: 2, time: 2 })).toThrow(/still holds 2 experiment/);
    expect(given(created())({ type: 'DeleteWorkspace', name: 'team-a', resourceCount: 0, time: 2 })).toEqual([{ type: 'WorkspaceDeleted', data: { time: 2 } }]);
  });

  it('assigns built-in and custom roles, and nothing for an unchanged role', () => {
    const decide = given(created(), assigned('user:alice', 'owner'), roleDefined('runner', ['experiment.create']));
    expect(decide({ type: 'AssignRole', name: 'team-a', principal: 'user:bob', role: 'runner', time: 4 })).toEqual([
      { type: 'MemberRoleAssigned', data: { principal: 'user:bob', role: 'runner', time: 4 } },
    ]);
    expect(() => decide({ type: 'AssignRole', name: 'team-a', principal: 'user:bob', role: 'nope', time: 4 })).toThrow(NotFound);
    expect(decide({ type: 'AssignRole', name: 'team-a', principal: 'user:alice', role: 'owner', time: 4 })).toEqual([]);
  });

  it('keeps the last owner', () => {
    const decide = given(created(), assigned('user:alice', 'owner'));
    expect(() => decide({ type: 'RemoveMember', name: 'team-a', principal: 'user:alice', time: 4 })).toThrow(/last owner/);
    expect(() => decide({ type: 'AssignRole', name: 'team-a', principal: 'user:alice', role: 'viewer', time: 4 })).toThrow(/last owner/);
    const twoOwners = given(created(), assigned('user:alice', 'owner'), assigned('user:bob', 'owner'));
    expect(twoOwners({ type: 'RemoveMember', name: 'team-a', principal: 'user:alice', time: 4 })).toEqual([
      { type: 'MemberRemoved', data: { principal: 'user:alice', time: 4 } },
    ]);
    expect(() => twoOwners({ type: 'RemoveMember', name: 'team-a', principal: 'user:carol', time: 4 })).toThrow(NotFound);
  });

  it('defines custom roles from the catalogue only, never under a built-in name', () => {
    const decide = given(created());
    expect(decide({ type: 'DefineRole', name: 'team-a', role: 'runner', permissions: ['experiment.create', 'experiment.create'], time: 4 })).toEqual([
      { type: 'RoleDefined', data: { name: 'runner', permissions: ['experiment.create'], time: 4 } },
    ]);
    expect(() => decide({ type: 'DefineRole', name: 'team-a', role: 'editor', permissions: [], time: 4 })).toThrow(/reserved/);
    expect(() => decide({ type: 'DefineRole', name: 'team-a', role: 'runner', permissions: ['experiment.fly'], time: 4 })).toThrow(/experiment.fly/);
    expect(() => given(created(), roleDefined('runner', []))({ type: 'DefineRole', name: 'team-a', role: 'runner', permissions: [], time: 4 })).toThrow(
      AlreadyExists,
    );
  });

  it('deletes a custom role only when nobody holds it', () => {
    const held = given(created(), roleDefined('runner', []), assigned('user:bob', 'runner'));
    expect(() => held({ type: 'DeleteRole', name: 'team-a', role: 'runner', time: 5 })).toThrow(/user:bob/);
    expect(given(created(), roleDefined('runner', []))({ type: 'DeleteRole', name: 'team-a', role: 'runner', time: 5 })).toEqual([
      { type: 'RoleDeleted', data: { name: 'runner', time: 5 } },
    ]);
    expect(() => given(created())({ type: 'DeleteRole', name: 'team-a', role: 'runner', time: 5 })).toThrow(NotFound);
  });
});

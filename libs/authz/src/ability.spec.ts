import { subject } from '@casl/ability';
import { abilityFor } from './ability';
import { builtInRoles, type Permission } from './permissions';
import type { Principal } from './principal';
import { accessCondition } from './sql-condition';

function member(role: keyof typeof builtInRoles, workspaceId = 'ws-a'): Principal {
  return { id: 'user:alice', kind: 'user', name: 'alice', workspaceId, isAdmin: false, role, permissions: builtInRoles[role] };
}
const experiment = (workspaceId: string, grant: 'READ' | 'EDIT' | 'MANAGE' | 'NO_PERMISSIONS' | null) => subject('Experiment', { workspaceId, grant });

describe('abilityFor', () => {
  it('gives a viewer READ on experiments nobody granted it anything on, and nothing more', () => {
    const ability = abilityFor(member('viewer'));
    expect(ability.can('read', experiment('ws-a', null))).toBe(true);
    expect(ability.can('update', experiment('ws-a', null))).toBe(false);
    expect(ability.can('create', 'Experiment')).toBe(false);
  });

  it('lets a per-resource grant raise or remove the role default', () => {
    const ability = abilityFor(member('viewer'));
    expect(ability.can('update', experiment('ws-a', 'EDIT'))).toBe(true);
    expect(ability.can('delete', experiment('ws-a', 'EDIT'))).toBe(false);
    expect(ability.can('grant', experiment('ws-a', 'MANAGE'))).toBe(true);
    expect(ability.can('read', experiment('ws-a', 'NO_PERMISSIONS'))).toBe(false);
  });

  it('never reaches into another workspace', () => {
    const ability = abilityFor(member('owner'));
    expect(ability.can('read', experiment('ws-b', 'MANAGE'))).toBe(false);
    expect(ability.can('read', subject('Workspace', { name: 'ws-b' }))).toBe(false);
  });

  it('lets a role that manages experiments ignore per-resource grants, as MLflow admins do', () => {
    const ability = abilityFor(member('admin'));
    expect(ability.can('delete', experiment('ws-a', 'NO_PERMISSIONS'))).toBe(true);
    expect(ability.can('delete', subject('Workspace', { name: 'ws-a' }))).toBe(false);
  });

  it('gives a custom role exactly its permissions', () => {
    const permissions: Permission[] = ['workspace.read', 'experiment.create'];
    const ability = abilityFor({ ...member('viewer'), role: 'creator', permissions });
    expect(ability.can('create', 'Experiment')).toBe(true);
    expect(ability.can('read', experiment('ws-a', null))).toBe(false);
    expect(ability.can('read', experiment('ws-a', 'READ'))).toBe(true);
  });

  it('gives a principal without a membership nothing', () => {
    const ability = abilityFor({ ...member('viewer'), role: null, permissions: [] });
    expect(ability.can('read', experiment('ws-a', 'MANAGE'))).toBe(false);
    expect(ability.can('read', 'Workspace')).toBe(false);
  });

  it('lets a member hold its own tokens and a workspace manager every token and service account', () => {
    const token = (workspaceId: string, owner: string) => subject('Token', { workspaceId, owner });
    const viewer = abilityFor(member('viewer'));
    expect(viewer.can('create', token('ws-a', 'user:alice'))).toBe(true);
    expect(viewer.can('delete', token('ws-a', 'user:bob'))).toBe(false);
    expect(viewer.can('create', token('ws-b', 'user:alice'))).toBe(false);
    expect(viewer.can('create', subject('ServiceAccount', { workspaceId: 'ws-a' }))).toBe(false);
    const admin = abilityFor(member('admin'));
    expect(admin.can('delete', token('ws-a', 'sa:ci'))).toBe(true);
    expect(admin.can('create', subject('ServiceAccount', { workspaceId: 'ws-a' }))).toBe(true);
    expect(admin.can('create', subject('ServiceAccount', { workspaceId: 'ws-b' }))).toBe(false);
    const stranger = abilityFor({ ...member('viewer'), role: null, permissions: [] });
    expect(stranger.can('create', token('ws-a', 'user:alice'))).toBe(false);
  });

  it('lets a server administrator do anything anywhere', () => {
    const ability = abilityFor({ ...member('viewer', 'ws-b'), role: null, permissions: [], isAdmin: true });
    expect(ability.can('delete', experiment('ws-a', 'NO_PERMISSIONS'))).toBe(true);
    expect(ability.can('create', 'User')).toBe(true);
  });
});

describe('accessCondition', () => {
  const columns = { workspaceId: 'e.workspace_id', grant: 'g.permission' };
  const binder = () => {
    const params: unknown[] = [];
    return { params, bind: (value: unknown) => `$${params.push(value)}` };
  };

  it('compiles a viewer to its workspace with the role default or an explicit grant', () => {
    const { params, bind } = binder();
    const sql = accessCondition(abilityFor(member('viewer')), 'read', 'Experiment', columns, bind);
    expect(sql).toContain('g.permission IS NULL');
    expect(sql).toContain('e.workspace_id IS NOT DISTINCT FROM $1');
    expect(params).toContain('ws-a');
    expect(params).toContain('READ');
  });

  it('compiles an administrator to TRUE and a stranger to FALSE', () => {
    expect(accessCondition(abilityFor({ ...member('viewer'), isAdmin: true }), 'read', 'Experiment', columns, binder().bind)).toBe('TRUE');
    expect(accessCondition(abilityFor({ ...member('viewer'), role: null, permissions: [] }), 'read', 'Experiment', columns, binder().bind)).toBe('FALSE');
  });

  it('resolves a lazy column once, and only when a rule reads it', () => {
    const grant = jest.fn(() => 'g.permission');
    accessCondition(abilityFor(member('viewer')), 'read', 'Experiment', { ...columns, grant }, binder().bind);
    expect(grant).toHaveBeenCalledTimes(1);
    accessCondition(abilityFor(member('admin')), 'read', 'Experiment', { ...columns, grant }, binder().bind);
    expect(grant).toHaveBeenCalledTimes(1);
  });

  it('refuses a rule field it has no column for', () => {
    expect(() => accessCondition(abilityFor(member('viewer')), 'read', 'Experiment', { grant: 'g.permission' }, binder().bind)).toThrow(/workspaceId/);
  });
});

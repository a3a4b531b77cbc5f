import type { Permission } from './permissions';

export type PrincipalKind = 'user' | 'service_account';

/** Who is calling, in which workspace, with what role there: resolved once per request by authentication. */
export interface Principal {
  /** Stable id, used as the actor of events and the holder of grants: `user:alice`, `sa:ci-bot`. */
  id: string;
  kind: PrincipalKind;
  name: string;
  workspaceId: string;
  /** A server administrator (MLflow's is_admin) may do anything in any workspace. */
  isAdmin: boolean;
  /** The role held in `workspaceId`, or null without a membership. */
  role: string | null;
  permissions: readonly Permission[];
}

export function principalId(kind: PrincipalKind, name: string): string {
  return `${kind === 'user' ? 'user' : 'sa'}:${name}`;
}

/** The principal of a server started with authentication explicitly off: one local user who may do anything. */
export function localPrincipal(workspaceId: string): Principal {
  return { id: 'user:local', kind: 'user', name: 'local', workspaceId, isAdmin: true, role: 'owner', permissions: [] };
}

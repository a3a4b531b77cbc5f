import { liveTables, projectionTablesSql, type Projection } from '@chronicle/eventstore';
import { workspaceResourcesProjection } from './projections';
import { serviceAccountsProjection } from './projections/service-accounts.projection';
import { tokensProjection } from './projections/tokens.projection';
import { usersProjection } from './projections/users.projection';
import { workspaceAccessProjection } from './projections/workspace-access.projection';

/**
 * Physical names of identity's tables in one schema: `identity` in production, a fresh schema per
 * test file. Repositories read through these names only.
 */
export class IdentityTables {
  readonly workspaces: string;
  readonly members: string;
  readonly roles: string;
  readonly users: string;
  readonly serviceAccounts: string;
  readonly tokens: string;
  readonly resources: string;
  /** Last use of each token: operational data the authenticator writes, not an event. */
  readonly tokenUsage: string;

  constructor(readonly schema: string) {
    const access = liveTables(schema, workspaceAccessProjection);
    this.workspaces = access.workspaces;
    this.members = access.workspace_members;
    this.roles = access.workspace_roles;
    this.users = liveTables(schema, usersProjection).users;
    this.serviceAccounts = liveTables(schema, serviceAccountsProjection).service_accounts;
    this.tokens = liveTables(schema, tokensProjection).tokens;
    this.resources = liveTables(schema, workspaceResourcesProjection).workspace_resources;
    this.tokenUsage = `${schema}.token_usage`;
  }
}

/**
 * Tables no projection of the identity log owns, so ensureProjections never creates them: the
 * resources fed from other contexts' topics, and token usage.
 */
export function identityAuxiliaryTablesSql(schema: string): string {
  return `${projectionTablesSql(schema, workspaceResourcesProjection as Projection<unknown>)};
    CREATE TABLE ${schema}.token_usage (
      workspace_id text NOT NULL,
      token_id text NOT NULL,
      last_used_at bigint NOT NULL,
      PRIMARY KEY (workspace_id, token_id)
    )`;
}

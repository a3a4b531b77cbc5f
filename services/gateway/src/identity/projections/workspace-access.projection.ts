import { principalId } from '@chronicle/authz';
import type { Projection } from '@chronicle/eventstore';
import type { IdentityEvent } from '../domain/identity-event';

type Table = 'workspaces' | 'workspace_members' | 'workspace_roles';

/** Workspaces, who is a member of each with which role, and each workspace's custom roles. */
export const workspaceAccessProjection: Projection<IdentityEvent, Table> = {
  name: 'workspace_access',
  version: 1,
  tables: {
    workspaces: (t) => `CREATE TABLE ${t} (
      workspace_id text PRIMARY KEY,
      description text NOT NULL,
      default_artifact_root text NOT NULL,
      created_by text NOT NULL,
      creation_time bigint NOT NULL,
      last_update_time bigint NOT NULL
    )`,
    workspace_members: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      principal_id text NOT NULL,
      role text NOT NULL,
      PRIMARY KEY (workspace_id, principal_id)
    );
    CREATE INDEX ${t.split('.').pop()}_principal_idx ON ${t} (principal_id)`,
    workspace_roles: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      name text NOT NULL,
      permissions text[] NOT NULL,
      PRIMARY KEY (workspace_id, name)
    )`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId: ws, event } of events) {
      switch (event.type) {
        case 'WorkspaceCreated': {
          const e = event.data;
          await tx.query(
            `INSERT INTO ${t.workspaces} (workspace_id, description, default_artifact_root, created_by, creation_time, last_update_time)
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (workspace_id) DO NOTHING`,
            [ws, e.description, e.defaultArtifactRoot, e.createdBy, e.time],
          );
          break;
        }
        case 'WorkspaceUpdated': {
          const e = event.data;
          await tx.query(
            `UPDATE ${t.workspaces} SET description = coalesce($2, description), default_artifact_root = coalesce($3, default_artifact_root),
             last_update_time = $4 WHERE workspace_id = $1`,
            [ws, e.description ?? null, e.defaultArtifactRoot ?? null, e.time],
          );
          break;
        }
        case 'WorkspaceDeleted':
          for (const table of [t.workspace_members, t.workspace_roles, t.workspaces]) {
            await tx.query(`DELETE FROM ${table} WHERE workspace_id = $1`, [ws]);
          }
          break;
        case 'MemberRoleAssigned':
          await tx.query(
            `INSERT INTO ${t.workspace_members} (workspace_id, principal_id, role) VALUES ($1, $2, $3)
             ON CONFLICT (workspace_id, principal_id) DO UPDATE SET role = EXCLUDED.role`,
            [ws, event.data.principal, event.data.role],
          );
          break;
        case 'MemberRemoved':
          await tx.query(`DELETE FROM ${t.workspace_members} WHERE workspace_id = $1 AND principal_id = $2`, [ws, event.data.principal]);
          break;
        case 'RoleDefined':
          await tx.query(
            `INSERT INTO ${t.workspace_roles} (workspace_id, name, permissions) VALUES ($1, $2, $3)
             ON CONFLICT (workspace_id, name) DO UPDATE SET permissions = EXCLUDED.permissions`,
            [ws, event.data.name, event.data.permissions],
          );
          break;
        case 'RoleDeleted':
          await tx.query(`DELETE FROM ${t.workspace_roles} WHERE workspace_id = $1 AND name = $2`, [ws, event.data.name]);
          break;
        // A deleted identity loses its memberships everywhere, so a later one of the same name starts with none.
        case 'UserDeleted':
          await tx.query(`DELETE FROM ${t.workspace_members} WHERE principal_id = $1`, [principalId('user', event.data.username)]);
          break;
        case 'ServiceAccountDeleted':
          await tx.query(`DELETE FROM ${t.workspace_members} WHERE principal_id = $1`, [principalId('service_account', event.data.name)]);
          break;
        default:
          break;
      }
    }
  },
};

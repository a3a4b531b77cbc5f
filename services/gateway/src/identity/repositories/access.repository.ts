import { isPermission } from '@chronicle/authz';
import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { IdentityTables } from '../identity.tables';
import type { MemberView, Membership, RoleView } from './read-models';

/** Workspace memberships and custom roles. */
@Injectable()
export class AccessRepository {
  constructor(
    private readonly db: Database,
    private readonly t: IdentityTables,
  ) {}

  async membership(workspaceId: string, principalId: string): Promise<Membership> {
    const [row] = await this.db.query<{ workspace_exists: boolean; role: string | null; permissions: string[] | null }>(
      `SELECT w.workspace_id IS NOT NULL AS workspace_exists, m.role, r.permissions
       FROM (SELECT 1) one
       LEFT JOIN ${this.t.workspaces} w ON w.workspace_id = $1
       LEFT JOIN ${this.t.members} m ON m.workspace_id = $1 AND m.principal_id = $2
       LEFT JOIN ${this.t.roles} r ON r.workspace_id = $1 AND r.name = m.role`,
      [workspaceId, principalId],
    );
    return { workspaceExists: row.workspace_exists, role: row.role, customPermissions: row.permissions };
  }

  async members(workspaceId: string): Promise<MemberView[]> {
    const rows = await this.db.query<{ principal_id: string; role: string }>(
      `SELECT principal_id, role FROM ${this.t.members} WHERE workspace_id = $1 ORDER BY principal_id`,
      [workspaceId],
    );
    return rows.map((row) => ({ principal: row.principal_id, role: row.role }));
  }

  async roles(workspaceId: string): Promise<RoleView[]> {
    const rows = await this.db.query<{ name: string; permissions: string[] }>(
      `SELECT name, permissions FROM ${this.t.roles} WHERE workspace_id = $1 ORDER BY name`,
      [workspaceId],
    );
    return rows.map((row) => ({ name: row.name, permissions: row.permissions.filter(isPermission) }));
  }
}

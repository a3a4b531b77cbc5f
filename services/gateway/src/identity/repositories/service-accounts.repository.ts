import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { IdentityTables } from '../identity.tables';
import type { ServiceAccountView } from './read-models';

interface ServiceAccountRow {
  workspace_id: string;
  name: string;
  description: string;
  created_by: string;
  creation_time: string;
}

const columns = 'workspace_id, name, description, created_by, creation_time';

@Injectable()
export class ServiceAccountsRepository {
  constructor(
    private readonly db: Database,
    private readonly t: IdentityTables,
  ) {}

  /** Looks a service account up by its server-wide unique name, whatever workspace owns it. */
  async byName(name: string): Promise<ServiceAccountView | null> {
    const [row] = await this.db.query<ServiceAccountRow>(`SELECT ${columns} FROM ${this.t.serviceAccounts} WHERE name = $1`, [name]);
    return row ? toView(row) : null;
  }

  async list(workspaceId: string): Promise<ServiceAccountView[]> {
    const rows = await this.db.query<ServiceAccountRow>(`SELECT ${columns} FROM ${this.t.serviceAccounts} WHERE workspace_id = $1 ORDER BY name`, [
      workspaceId,
    ]);
    return rows.map(toView);
  }
}

function toView(row: ServiceAccountRow): ServiceAccountView {
  return { workspaceId: row.workspace_id, name: row.name, description: row.description, createdBy: row.created_by, creationTime: Number(row.creation_time) };
}

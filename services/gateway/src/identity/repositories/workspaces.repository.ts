import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { IdentityTables } from '../identity.tables';
import type { WorkspaceView } from './read-models';

interface WorkspaceRow {
  workspace_id: string;
  description: string;
  default_artifact_root: string;
  created_by: string;
  creation_time: string;
  last_update_time: string;
}

const columns = 'w.workspace_id, w.description, w.default_artifact_root, w.created_by, w.creation_time, w.last_update_time';

@Injectable()
export class WorkspacesRepository {
  constructor(
    private readonly db: Database,
    private readonly t: IdentityTables,
  ) {}

  async get(workspaceId: string): Promise<WorkspaceView | null> {
    const [row] = await this.db.query<WorkspaceRow>(`SELECT ${columns} FROM ${this.t.workspaces} w WHERE w.workspace_id = $1`, [workspaceId]);
    return row ? toView(row) : null;
  }

  /** Every workspace, or (given a principal) those it is a member of. */
  async list(memberId?: string): Promise<WorkspaceView[]> {
    const rows = memberId
      ? await this.db.query<WorkspaceRow>(
          `SELECT ${columns} FROM ${this.t.workspaces} w JOIN ${this.t.members} m ON m.workspace_id = w.workspace_id
           WHERE m.principal_id = $1 ORDER BY w.workspace_id`,
          [memberId],
        )
      : await this.db.query<WorkspaceRow>(`SELECT ${columns} FROM ${this.t.workspaces} w ORDER BY w.workspace_id`);
    return rows.map(toView);
  }

  /** How many resources of other contexts the workspace holds (as far as their topics have arrived). */
  async resourceCount(workspaceId: string): Promise<number> {
    const [row] = await this.db.query<{ count: string }>(`SELECT count(*) AS count FROM ${this.t.resources} WHERE workspace_id = $1`, [workspaceId]);
    return Number(row.count);
  }
}

function toView(row: WorkspaceRow): WorkspaceView {
  return {
    name: row.workspace_id,
    description: row.description,
    defaultArtifactRoot: row.default_artifact_root,
    createdBy: row.created_by,
    creationTime: Number(row.creation_time),
    lastUpdateTime: Number(row.last_update_time),
  };
}

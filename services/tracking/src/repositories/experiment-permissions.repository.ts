import type { ResourceLevel } from '@chronicle/authz';
import { Database, prepared, type Queryable } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { trackingSchema } from '../tracking.schema';

/** Explicit per-principal levels on experiments, as the experiment-permissions projection keeps them. */
@Injectable()
export class ExperimentPermissionsRepository {
  constructor(private readonly db: Database) {}

  async get(workspaceId: string, experimentId: string, principalId: string, q: Queryable = this.db): Promise<ResourceLevel | null> {
    const [row] = await q.query<{ permission: ResourceLevel }>(
      prepared(`SELECT permission FROM ${trackingSchema}.experiment_permissions WHERE workspace_id = $1 AND experiment_id = $2 AND principal_id = $3`),
      [workspaceId, experimentId, principalId],
    );
    return row?.permission ?? null;
  }
}

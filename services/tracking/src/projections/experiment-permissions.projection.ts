import type { Projection } from '@chronicle/eventstore';
import type { TrackingEvent } from '../domain/tracking-event';

type Table = 'experiment_permissions';

/**
 * Explicit per-principal levels on experiments (MLflow's experiment_permissions). Authorization
 * reads one row per check and compiles list filters against it; absence means the role default.
 */
export const experimentPermissionsProjection: Projection<TrackingEvent, Table> = {
  name: 'experiment-permissions',
  version: 1,
  tables: {
    experiment_permissions: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      experiment_id text NOT NULL,
      principal_id text NOT NULL,
      permission text NOT NULL,
      PRIMARY KEY (workspace_id, experiment_id, principal_id)
    )`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId: ws, event } of events) {
      if (event.type === 'ExperimentPermissionGranted') {
        const { experimentId, principalId, permission } = event.data;
        await tx.query(
          `INSERT INTO ${t.experiment_permissions} (workspace_id, experiment_id, principal_id, permission) VALUES ($1, $2, $3, $4)
           ON CONFLICT (workspace_id, experiment_id, principal_id) DO UPDATE SET permission = EXCLUDED.permission`,
          [ws, experimentId, principalId, permission],
        );
      } else if (event.type === 'ExperimentPermissionRevoked') {
        await tx.query(`DELETE FROM ${t.experiment_permissions} WHERE workspace_id = $1 AND experiment_id = $2 AND principal_id = $3`, [
          ws,
          event.data.experimentId,
          event.data.principalId,
        ]);
      }
    }
  },
};

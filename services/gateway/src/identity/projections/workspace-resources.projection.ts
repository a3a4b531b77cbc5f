import type { TrackingEvent } from '@chronicle/contracts';
import type { Projection } from '@chronicle/eventstore';

// Tracking creates experiment "0" in every workspace it is used in; it is not the user's resource.
const defaultExperimentId = '0';

/**
 * What each workspace holds in other contexts, fed from their topics through the bus (it may lag
 * them). A workspace that holds anything cannot be deleted. Today: experiments from tracking,
 * soft-deleted ones included, since tracking still stores them.
 */
export const workspaceResourcesProjection: Projection<TrackingEvent, 'workspace_resources'> = {
  name: 'workspace_resources',
  version: 1,
  // Everything else on tracking's topic (every metric batch) is skipped undecoded.
  reads: ['ExperimentCreated'],
  tables: {
    workspace_resources: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      resource_type text NOT NULL,
      resource_id text NOT NULL,
      PRIMARY KEY (workspace_id, resource_type, resource_id)
    )`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId: ws, event } of events) {
      if (event.type !== 'ExperimentCreated' || event.data.experimentId === defaultExperimentId) continue;
      await tx.query(
        `INSERT INTO ${t.workspace_resources} (workspace_id, resource_type, resource_id) VALUES ($1, 'experiment', $2) ON CONFLICT DO NOTHING`,
        [ws, event.data.experimentId],
      );
    }
  },
};

import type { Queryable } from '@chronicle/database';
import type { Projection } from '@chronicle/eventstore';
import type { TrackingEvent } from '../domain/tracking-event';

type Table = 'experiments' | 'experiment_tags';

/** Experiments and their tags, as MLflow's experiment endpoints return them. */
export const experimentsProjection: Projection<TrackingEvent, Table> = {
  name: 'experiments',
  version: 1,
  tables: {
    experiments: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      experiment_id text NOT NULL,
      name text NOT NULL,
      artifact_location text NOT NULL,
      lifecycle_stage text NOT NULL,
      creation_time bigint NOT NULL,
      last_update_time bigint NOT NULL,
      PRIMARY KEY (workspace_id, experiment_id),
      UNIQUE (workspace_id, name)
    )`,
    experiment_tags: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      experiment_id text NOT NULL,
      key text NOT NULL,
      value text NOT NULL,
      PRIMARY KEY (workspace_id, experiment_id, key)
    )`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId: ws, event } of events) {
      switch (event.type) {
        case 'ExperimentCreated': {
          const e = event.data;
          await tx.query(
            `INSERT INTO ${t.experiments} (workspace_id, experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
             VALUES ($1, $2, $3, $4, 'active', $5, $5) ON CONFLICT (workspace_id, experiment_id) DO NOTHING`,
            [ws, e.experimentId, e.name, e.artifactLocation, e.creationTime],
          );
          for (const tag of e.tags) await upsertTag(tx, t.experiment_tags, ws, e.experimentId, tag.key, tag.value);
          break;
        }
        case 'ExperimentRenamed':
          await touch(tx, t.experiments, ws, event.data.experimentId, event.data.time, 'name = $4', [event.data.name]);
          break;
        case 'ExperimentDeleted':
          await touch(tx, t.experiments, ws, event.data.experimentId, event.data.time, `lifecycle_stage = 'deleted'`);
          break;
        case 'ExperimentRestored':
          await touch(tx, t.experiments, ws, event.data.experimentId, event.data.time, `lifecycle_stage = 'active'`);
          break;
        case 'ExperimentTagSet':
          await upsertTag(tx, t.experiment_tags, ws, event.data.experimentId, event.data.tag?.key ?? '', event.data.tag?.value ?? '');
          break;
        case 'ExperimentTagDeleted':
          await tx.query(`DELETE FROM ${t.experiment_tags} WHERE workspace_id = $1 AND experiment_id = $2 AND key = $3`, [
            ws,
            event.data.experimentId,
            event.data.key,
          ]);
          break;
        default:
          break;
      }
    }
  },
};

function touch(tx: Queryable, table: string, ws: string, id: string, time: number, set: string, values: unknown[] = []) {
  return tx.query(`UPDATE ${table} SET ${set}, last_update_time = $3 WHERE workspace_id = $1 AND experiment_id = $2`, [ws, id, time, ...values]);
}

function upsertTag(tx: Queryable, table: string, ws: string, id: string, key: string, value: string) {
  return tx.query(
    `INSERT INTO ${table} (workspace_id, experiment_id, key, value) VALUES ($1, $2, $3, $4)
     ON CONFLICT (workspace_id, experiment_id, key) DO UPDATE SET value = EXCLUDED.value`,
    [ws, id, key, value],
  );
}

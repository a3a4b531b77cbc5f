import type { Projection } from '@chronicle/eventstore';
import type { TrackingEvent } from '../domain/tracking-event';

type Table = 'logged_models' | 'logged_model_metrics';

/** MLflow 3 logged models; tags and params are small maps, kept as jsonb on the row. */
export const loggedModelsProjection: Projection<TrackingEvent, Table> = {
  name: 'logged-models',
  version: 1,
  tables: {
    logged_models: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      model_id text NOT NULL,
      experiment_id text NOT NULL,
      name text NOT NULL,
      model_type text NOT NULL,
      source_run_id text NOT NULL,
      artifact_uri text NOT NULL,
      status text NOT NULL,
      creation_time bigint NOT NULL,
      last_updated_time bigint NOT NULL,
      deleted boolean NOT NULL DEFAULT false,
      tags jsonb NOT NULL DEFAULT '{}',
      params jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (workspace_id, model_id)
    );
    CREATE INDEX ON ${t} (workspace_id, experiment_id, creation_time DESC)`,
    logged_model_metrics: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      model_id text NOT NULL,
      key text NOT NULL,
      value double precision NOT NULL,
      timestamp bigint NOT NULL,
      step bigint NOT NULL,
      run_id text NOT NULL,
      dataset_name text NOT NULL,
      dataset_digest text NOT NULL,
      PRIMARY KEY (workspace_id, model_id, key, run_id, step, timestamp, value)
    )`,
  },
  async apply(events, tx, t) {
    const table = t.logged_models;
    for (const { workspaceId: ws, event } of events) {
      switch (event.type) {
        case 'LoggedModelCreated': {
          const m = event.data;
          await tx.query(
            `INSERT INTO ${table} (workspace_id, model_id, experiment_id, name, model_type, source_run_id, artifact_uri, status,
               creation_time, last_updated_time, tags, params)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'LOGGED_MODEL_PENDING', $8, $8, $9, $10) ON CONFLICT DO NOTHING`,
            [ws, m.modelId, m.experimentId, m.name, m.modelType, m.sourceRunId, m.artifactUri, m.creationTime, toMap(m.tags), toMap(m.params)],
          );
          break;
        }
        case 'LoggedModelFinalized':
          await update(`status = $4`, [event.data.status]);
          break;
        case 'LoggedModelDeleted':
          await update(`deleted = true`);
          break;
        case 'LoggedModelTagsSet':
          await update(`tags = tags || $4::jsonb`, [toMap(event.data.tags)]);
          break;
        case 'LoggedModelTagDeleted':
          await update(`tags = tags - $4::text`, [event.data.key]);
          break;
        case 'LoggedModelParamsLogged':
          await update(`params = params || $4::jsonb`, [toMap(event.data.params)]);
          break;
        // A metric logged with a model_id belongs to that model as well as to its run.
        case 'MetricsLogged': {
          const points = event.data.metrics.filter((p) => p.modelId);
          if (points.length === 0) break;
          await tx.query(
            `INSERT INTO ${t.logged_model_metrics} (workspace_id, model_id, key, value, timestamp, step, run_id, dataset_name, dataset_digest)
             SELECT $1, model_id, key, value, timestamp, step, $2, dataset_name, dataset_digest
             FROM unnest($3::text[], $4::text[], $5::float8[], $6::bigint[], $7::bigint[], $8::text[], $9::text[])
               AS p(model_id, key, value, timestamp, step, dataset_name, dataset_digest)
             ON CONFLICT DO NOTHING`,
            [
              ws,
              event.data.runId,
              points.map((p) => p.modelId),
              points.map((p) => p.key),
              points.map((p) => p.value),
              points.map((p) => p.timestamp),
              points.map((p) => p.step),
              points.map((p) => p.datasetName),
              points.map((p) => p.datasetDigest),
            ],
          );
          break;
        }
        default:
          break;
      }

      async function update(set: string, values: unknown[] = []) {
        const data = event.data as { modelId: string; time: number };
        await tx.query(`UPDATE ${table} SET ${set}, last_updated_time = $3 WHERE workspace_id = $1 AND model_id = $2`, [
          ws,
          data.modelId,
          data.time,
          ...values,
        ]);
      }
    }
  },
};

function toMap(entries: { key: string; value: string }[]): string {
  return JSON.stringify(Object.fromEntries(entries.map((e) => [e.key, e.value])));
}

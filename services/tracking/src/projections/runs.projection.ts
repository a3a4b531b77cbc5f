import { prepared, type Queryable } from '@chronicle/database';
import type { Projection, TableNames } from '@chronicle/eventstore';
import { runNameTag } from '../domain/run/run.decider';
import type { Tag, TrackingEvent } from '../domain/tracking-event';
import { latestMetricPoints } from './metric-points';
import { metricColumns } from './metric-columns';

type Table = 'runs' | 'run_keyed_values' | 'run_json' | 'latest_metrics' | 'run_dataset_inputs' | 'run_model_links';
type Tables = TableNames<Table>;

/**
 * Runs with their params, tags, latest metric values and inputs/outputs: everything runs/get and
 * runs/search return, each run on one row that search filters and orders.
 */
export const runsProjection: Projection<TrackingEvent, Table> = {
  name: 'runs',
  version: 10,
  tables: {
    runs: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      run_id text NOT NULL,
      experiment_id text NOT NULL,
      run_name text NOT NULL,
      user_id text NOT NULL,
      status text NOT NULL,
      start_time bigint NOT NULL,
      end_time bigint,
      artifact_uri text NOT NULL,
      lifecycle_stage text NOT NULL,
      -- set when the run itself was deleted, so restoring its experiment leaves it deleted
      deleted_time bigint,
      -- The run's params, tags and latest metrics (key -> value, key -> value,
      -- key -> [value as text, timestamp, step]): search filters and orders on them and a 1000-run
      -- page reads 1000 rows.
      params jsonb NOT NULL DEFAULT '{}',
      tags jsonb NOT NULL DEFAULT '{}',
      metrics jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (workspace_id, run_id)
    ) WITH (toast_tuple_target = 8160);
    -- (A row stays uncompressed up to a whole page: each filter and sort key reads the jsonb
    -- columns again, and decompressing them each time cost more than reading the wider rows.)
    CREATE INDEX ON ${t} (workspace_id, experiment_id, start_time DESC, run_id);
    -- A search reads the run row of each run its index filters let through, for the sort key and
    -- the lifecycle stage: thousands of lookups by run id, where a hash lookup took 4 µs and
    -- descending the primary key's btree of text keys 6 µs (the search took 37 instead of 44 ms).
    CREATE INDEX ON ${t} USING hash (run_id)`,
    // Each param and tag again, one row per key, for equality filters: under row-level security
    // Postgres uses an index only for leakproof operators, which jsonb's are not but uuid_eq is.
    // The value's md5 (as a uuid) stands in for the value, which can outgrow a btree entry (tags
    // run to 8000 characters); it is a column of its own because Postgres answers from an index
    // alone (no table reads) only when the index holds the columns, not an expression of them.
    run_keyed_values: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL, run_id text NOT NULL, experiment_id text NOT NULL,
      kind text NOT NULL, key text NOT NULL, value text NOT NULL,
      value_md5 uuid NOT NULL GENERATED ALWAYS AS (md5(value)::uuid) STORED,
      PRIMARY KEY (workspace_id, run_id, kind, key)
    );
    CREATE INDEX ON ${t} (workspace_id, experiment_id, kind, key, value_md5) INCLUDE (run_id)`,
    // The run as MLflow's JSON, in the parts that change apart: its RunInfo, its RunData (params,
    // tags and latest metrics, lists sorted by key) and its `"inputs":…,"outputs":…` members.
    // runs/get and runs/search splice them into their responses as they are: building 1000 runs'
    // JSON per search cost more than the search itself. Its own table keeps the run rows narrow.
    run_json: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL, run_id text NOT NULL, info text NOT NULL, data text NOT NULL, inputs_outputs text NOT NULL,
      PRIMARY KEY (workspace_id, run_id)
    )`,
    // Which point of each metric is the latest, decided on insert. Search filters on metrics here:
    // the second index finds the runs whose latest `key` is in a range from the index alone, with
    // float8 comparisons, which are leakproof (row-level security allows the index).
    latest_metrics: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL, run_id text NOT NULL, experiment_id text NOT NULL, key text NOT NULL,
      value double precision NOT NULL, timestamp bigint NOT NULL, step bigint NOT NULL,
      PRIMARY KEY (workspace_id, run_id, key) INCLUDE (value)
    );
    CREATE INDEX ON ${t} (workspace_id, experiment_id, key, value) INCLUDE (run_id)`,
    run_dataset_inputs: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL, run_id text NOT NULL,
      dataset_name text NOT NULL, dataset_digest text NOT NULL, source_type text NOT NULL, source text NOT NULL,
      schema text NOT NULL, profile text NOT NULL, context text, tags jsonb NOT NULL,
      PRIMARY KEY (workspace_id, run_id, dataset_name, dataset_digest)
    )`,
    run_model_links: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL, run_id text NOT NULL, direction text NOT NULL, model_id text NOT NULL, step bigint,
      PRIMARY KEY (workspace_id, run_id, direction, model_id)
    )`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId: ws, event } of events) {
      switch (event.type) {
        case 'RunCreated': {
          const r = event.data;
          // The row is born with its tags: one write instead of an insert and an update.
          const tags = lastValues(r.tags);
          await tx.query(
            `WITH run AS (
               INSERT INTO ${t.runs} (workspace_id, run_id, experiment_id, run_name, user_id, status, start_time, artifact_uri, lifecycle_stage, tags)
               VALUES ($1, $2, $3, $4, $5, 'RUNNING', $6, $7, 'active', jsonb_object($8::text[], $9::text[])) ON CONFLICT DO NOTHING
               ${returningRun}
             ),
             keyed AS (${insertKeyedValues(t, 'tag', '$8', '$9')} ON CONFLICT DO NOTHING)
             INSERT INTO ${t.run_json} (workspace_id, run_id, info, data, inputs_outputs)
             SELECT run.workspace_id, run.run_id, ${infoJson('run')}, ${dataJson('run')}, ${inputsOutputsJson(t, 'run')} FROM run`,
            [ws, r.runId, r.experimentId, tags.get(runNameTag) ?? r.runName, r.userId, r.startTime, r.artifactUri, [...tags.keys()], [...tags.values()]],
          );
          break;
        }
        case 'RunUpdated': {
          const u = event.data;
          await updateRuns(
            tx,
            t,
            `status = coalesce(nullif($3, ''), status), end_time = coalesce($4, end_time), run_name = coalesce(nullif($5, ''), run_name)`,
            'run_id = $2',
            [ws, u.runId, u.status, u.endTime ?? null, u.runName],
          );
          if (u.runName) await setTags(tx, t, ws, u.runId, [{ key: runNameTag, value: u.runName }]);
          break;
        }
        case 'RunDeleted':
          await updateRuns(tx, t, `lifecycle_stage = 'deleted', deleted_time = $3`, 'run_id = $2', [ws, event.data.runId, event.data.time]);
          break;
        case 'RunRestored':
          await updateRuns(tx, t, `lifecycle_stage = 'active', deleted_time = NULL`, 'run_id = $2', [ws, event.data.runId]);
          break;
        // MLflow cascades an experiment's lifecycle to its runs.
        case 'ExperimentDeleted':
          await updateRuns(tx, t, `lifecycle_stage = 'deleted'`, 'experiment_id = $2', [ws, event.data.experimentId]);
          break;
        case 'ExperimentRestored':
          await updateRuns(tx, t, `lifecycle_stage = 'active'`, 'experiment_id = $2 AND deleted_time IS NULL', [ws, event.data.experimentId]);
          break;
        case 'ParamsLogged': {
          const { runId, params } = event.data;
          // A param's first value stays (the decider rejects changes; a replay changes nothing).
          await tx.query(
            `WITH run AS (
               UPDATE ${t.runs} SET params = jsonb_object($3::text[], $4::text[]) || params WHERE workspace_id = $1 AND run_id = $2
               ${returningRun}
             ),
             keyed AS (${insertKeyedValues(t, 'param', '$3', '$4')} ON CONFLICT DO NOTHING)
             ${updateRunJson(t, 'data')}`,
            [ws, runId, params.map((p) => p.key), params.map((p) => p.value)],
          );
          break;
        }
        case 'RunTagsSet':
          await setTags(tx, t, ws, event.data.runId, event.data.tags);
          break;
        case 'RunTagDeleted':
          await tx.query(
            `WITH run AS (UPDATE ${t.runs} SET tags = tags - $3::text WHERE workspace_id = $1 AND run_id = $2 ${returningRun}),
             keyed AS (DELETE FROM ${t.run_keyed_values} WHERE workspace_id = $1 AND run_id = $2 AND kind = 'tag' AND key = $3)
             ${updateRunJson(t, 'data')}`,
            [ws, event.data.runId, event.data.key],
          );
          break;
        case 'MetricsLogged': {
          const { runId } = event.data;
          // Latest = max by (step, timestamp, value), as MLflow's SQL store decides it. Only the
          // keys whose latest point changed come back from the upsert and reach runs.metrics.
          const columns = metricColumns({ metrics: latestMetricPoints(event.data.metrics) });
          await tx.query(
            prepared(`WITH latest AS (
               INSERT INTO ${t.latest_metrics} AS l (workspace_id, run_id, experiment_id, key, value, timestamp, step)
               SELECT $1, $2, r.experiment_id, p.key, p.value, p.timestamp, p.step
               FROM unnest($3::text[], $4::float8[], $5::bigint[], $6::bigint[]) AS p(key, value, timestamp, step)
               JOIN ${t.runs} r ON r.workspace_id = $1 AND r.run_id = $2
               ON CONFLICT (workspace_id, run_id, key) DO UPDATE
                 SET value = EXCLUDED.value, timestamp = EXCLUDED.timestamp, step = EXCLUDED.step
                 WHERE (EXCLUDED.step, EXCLUDED.timestamp, EXCLUDED.value) > (l.step, l.timestamp, l.value)
               RETURNING key, value, timestamp, step
             ),
             run AS (
               UPDATE ${t.runs}
               SET metrics = metrics || (SELECT jsonb_object_agg(key, jsonb_build_array(value::text, timestamp, step)) FROM latest)
               WHERE workspace_id = $1 AND run_id = $2 AND EXISTS (SELECT 1 FROM latest)
               ${returningRun}
             )
             ${updateRunJson(t, 'data')}`),
            [ws, runId, columns.keys, columns.values, columns.timestamps, columns.steps],
          );
          break;
        }
        case 'RunInputsLogged': {
          const { runId, datasets, modelIds } = event.data;
          for (const input of datasets) {
            const d = input.dataset;
            if (!d) continue;
            const context = input.tags.find((tag) => tag.key === 'mlflow.data.context')?.value ?? null;
            await tx.query(
              `INSERT INTO ${t.run_dataset_inputs} (workspace_id, run_id, dataset_name, dataset_digest, source_type, source, schema, profile, context, tags)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
              [ws, runId, d.name, d.digest, d.sourceType, d.source, d.schema, d.profile, context, JSON.stringify(input.tags)],
            );
          }
          for (const modelId of modelIds) await linkModel(tx, t, ws, runId, 'input', modelId, null);
          await updateInputsOutputs(tx, t, ws, runId);
          break;
        }
        case 'RunOutputsLogged':
          for (const m of event.data.models) await linkModel(tx, t, ws, event.data.runId, 'output', m.modelId, m.step);
          await updateInputsOutputs(tx, t, ws, event.data.runId);
          break;
        case 'RunModelLogged': {
          // MLflow 2 keeps logged model metadata as a JSON list in this run tag.
          const [existing] = await tx.query<{ value: string | null }>(
            `SELECT tags ->> 'mlflow.log-model.history' AS value FROM ${t.runs} WHERE workspace_id = $1 AND run_id = $2`,
            [ws, event.data.runId],
          );
          const history = existing?.value ? (JSON.parse(existing.value) as unknown[]) : [];
          const model: unknown = JSON.parse(event.data.modelJson);
          // Idempotent: a replayed event finds its model already in the list.
          if (history.some((entry) => JSON.stringify(entry) === JSON.stringify(model))) break;
          history.push(model);
          await setTags(tx, t, ws, event.data.runId, [{ key: 'mlflow.log-model.history', value: JSON.stringify(history) }]);
          break;
        }
        default:
          break;
      }
    }
  },
};

/** Sets tags (the last value of a repeated key wins); setting mlflow.runName renames the run. */
async function setTags(tx: Queryable, t: Tables, ws: string, runId: string, tags: Tag[]): Promise<void> {
  if (tags.length === 0) return;
  const last = lastValues(tags);
  const name = last.get(runNameTag) ?? null;
  await tx.query(
    `WITH run AS (
       UPDATE ${t.runs} SET tags = tags || jsonb_object($3::text[], $4::text[]), run_name = coalesce($5, run_name)
       WHERE workspace_id = $1 AND run_id = $2
       ${returningRun}
     ),
     keyed AS (${insertKeyedValues(t, 'tag', '$3', '$4')} ON CONFLICT (workspace_id, run_id, kind, key) DO UPDATE SET value = EXCLUDED.value)
     ${updateRunJson(t, 'info', 'data')}`,
    [ws, runId, [...last.keys()], [...last.values()], name],
  );
}

// What a write to a run row hands on (as the CTE `run`) to the rows kept beside it.
const returningRun = `RETURNING workspace_id, run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri,
  lifecycle_stage, params, tags, metrics`;

/** Sets columns of the runs matching `where` (besides the workspace, `$1`), and their RunInfo JSON. */
function updateRuns(tx: Queryable, t: Tables, set: string, where: string, values: unknown[]) {
  return tx.query(`WITH run AS (UPDATE ${t.runs} SET ${set} WHERE workspace_id = $1 AND ${where} ${returningRun}) ${updateRunJson(t, 'info')}`, values);
}

/** Rewrites the given JSON parts of the runs the CTE `run` returned. */
function updateRunJson(t: Tables, ...parts: ('info' | 'data')[]): string {
  const render = { info: infoJson, data: dataJson };
  return `UPDATE ${t.run_json} j SET ${parts.map((part) => `${part} = ${render[part]('run')}`).join(', ')}
     FROM run WHERE j.workspace_id = run.workspace_id AND j.run_id = run.run_id`;
}

function updateInputsOutputs(tx: Queryable, t: Tables, ws: string, runId: string) {
  return tx.query(
    `WITH run AS (SELECT $1::text AS workspace_id, $2::text AS run_id)
     UPDATE ${t.run_json} j SET inputs_outputs = ${inputsOutputsJson(t, 'run')} FROM run WHERE j.workspace_id = run.workspace_id AND j.run_id = run.run_id`,
    [ws, runId],
  );
}

/** MLflow's RunInfo JSON of a run row; end_time is left out until the run ends. */
const infoJson = (run: string) => `json_strip_nulls(json_build_object('run_id', ${run}.run_id, 'run_uuid', ${run}.run_id,
  'run_name', ${run}.run_name, 'experiment_id', ${run}.experiment_id, 'user_id', ${run}.user_id, 'status', ${run}.status,
  'start_time', ${run}.start_time, 'end_time', ${run}.end_time, 'artifact_uri', ${run}.artifact_uri,
  'lifecycle_stage', ${run}.lifecycle_stage))::text`;

/** One MLflow {key, value} object per entry of a jsonb object, comma-joined in key order. */
const keyValuesJson = (column: string) =>
  `(SELECT coalesce(string_agg('{"key":' || to_json(e.key) || ',"value":' || to_json(e.value) || '}', ',' ORDER BY e.key COLLATE "C"), '')
    FROM jsonb_each_text(${column}) e)`;

/**
 * MLflow's RunData JSON of a run row, from its params, tags and metrics. Metric values go through
 * float8 so NaN and ±Infinity become MLflow's "NaN" strings.
 */
function dataJson(run: string): string {
  const metrics = `(SELECT coalesce(string_agg('{"key":' || to_json(m.key) || ',"value":' || to_json((m.value ->> 0)::float8)
      || ',"timestamp":' || (m.value -> 1)::text || ',"step":' || (m.value -> 2)::text || '}', ',' ORDER BY m.key COLLATE "C"), '')
    FROM jsonb_each(${run}.metrics) m)`;
  return `'{"metrics":[' || ${metrics} || '],"params":[' || ${keyValuesJson(`${run}.params`)} || '],"tags":[' || ${keyValuesJson(`${run}.tags`)} || ']}'`;
}

/** The `"inputs":{…},"outputs":{…}` members of MLflow's Run JSON for the run `run` names. */
function inputsOutputsJson(t: Tables, run: string): string {
  const ofRun = (alias: string) => `${alias}.workspace_id = ${run}.workspace_id AND ${alias}.run_id = ${run}.run_id`;
  return `'"inputs":' || json_build_object(
       'dataset_inputs', (SELECT coalesce(json_agg(json_build_object('tags', d.tags, 'dataset', json_strip_nulls(json_build_object(
           'name', d.dataset_name, 'digest', d.dataset_digest, 'source_type', d.source_type, 'source', d.source,
           'schema', nullif(d.schema, ''), 'profile', nullif(d.profile, ''))))), '[]')
         FROM ${t.run_dataset_inputs} d WHERE ${ofRun('d')}),
       'model_inputs', (SELECT coalesce(json_agg(json_build_object('model_id', l.model_id)), '[]')
         FROM ${t.run_model_links} l WHERE ${ofRun('l')} AND l.direction = 'input'))::text
     || ',"outputs":' || json_build_object(
       'model_outputs', (SELECT coalesce(json_agg(json_build_object('model_id', l.model_id, 'step', coalesce(l.step, 0))), '[]')
         FROM ${t.run_model_links} l WHERE ${ofRun('l')} AND l.direction = 'output'))::text`;
}

/** Inserts one run_keyed_values row per key of the arrays `$keys`/`$values`, for the run of the CTE `run`. */
function insertKeyedValues(t: Tables, kind: 'param' | 'tag', keys: string, values: string): string {
  return `INSERT INTO ${t.run_keyed_values} (workspace_id, run_id, experiment_id, kind, key, value)
     SELECT run.workspace_id, run.run_id, run.experiment_id, '${kind}', v.key, v.value FROM run, unnest(${keys}::text[], ${values}::text[]) AS v(key, value)`;
}

/** Tag values by key; the last value of a repeated key wins. */
function lastValues(tags: Tag[]): Map<string, string> {
  return new Map(tags.map((tag) => [tag.key, tag.value]));
}

function linkModel(tx: Queryable, t: Tables, ws: string, runId: string, direction: 'input' | 'output', modelId: string, step: number | null) {
  return tx.query(
    `INSERT INTO ${t.run_model_links} (workspace_id, run_id, direction, model_id, step) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [ws, runId, direction, modelId, step],
  );
}

import { prepared, type Queryable } from '@chronicle/database';
import type { Projection } from '@chronicle/eventstore';
import type { MetricPoint, TrackingEvent } from '../domain/tracking-event';
import { metricChunks, type SeriesPoint } from './metric-points';

type Table = 'metrics' | 'metric_series';

const pointsPerChunk = 60;

/**
 * Every metric point ever logged, stored as chunks: rows of up to 60 points of one key from one
 * event, as arrays sorted by (step, timestamp, value). A 1000-point batch of 10 keys writes ~20
 * chunk rows and 10 series summaries instead of 1000 rows and 2000 index entries, which made the
 * insert ~10× cheaper. Each row carries its step and timestamp ranges, so readers unpack only the chunks
 * that can hold what they look for (metrics.repository.ts).
 *
 * MLflow keeps identical points once: a point already stored in an earlier chunk whose ranges
 * overlap the batch's is left out, so chunks never share a point and a replayed event adds
 * nothing. Live logging moves forward in time, so the overlap lookup finds no chunk at all.
 */
export const metricHistoryProjection: Projection<TrackingEvent, Table> = {
  name: 'metric-history',
  version: 5,
  tables: {
    // Byte-order ("C") text: comparing the key columns as bytes instead of by locale rules is cheaper.
    // pointsPerChunk keeps a row under Postgres' 2 kB TOAST threshold, so a bulk-interval probe reads
    // one heap tuple instead of three out-of-line arrays (1000-point chunks made that read 2× slower).
    // Arrays stay uncompressed: doubles barely compress, and pglz trying costs inserts and reads.
    metrics: (t) => `CREATE TABLE ${t} (
      workspace_id text COLLATE "C" NOT NULL,
      run_id text COLLATE "C" NOT NULL,
      key text COLLATE "C" NOT NULL,
      position bigint NOT NULL,
      part int NOT NULL,
      min_step bigint NOT NULL,
      max_step bigint NOT NULL,
      min_timestamp bigint NOT NULL,
      max_timestamp bigint NOT NULL,
      count int NOT NULL,
      steps bigint[] NOT NULL,
      timestamps bigint[] NOT NULL,
      metric_values double precision[] NOT NULL,
      -- ranges ride in the indexes: reads that plan over a series' chunks scan an index, not the arrays
      PRIMARY KEY (workspace_id, run_id, key, min_step, position, part) INCLUDE (max_step)
    );
    ALTER TABLE ${t} ALTER COLUMN steps SET STORAGE EXTERNAL, ALTER COLUMN timestamps SET STORAGE EXTERNAL,
      ALTER COLUMN metric_values SET STORAGE EXTERNAL;
    -- get-history pages and the duplicate check look for chunks that end at or after a timestamp
    CREATE INDEX ON ${t} (workspace_id, run_id, key, max_timestamp) INCLUDE (min_timestamp, count)`,
    // Per series: its step range and its widest chunk, so a bulk-interval read knows where a chunk
    // holding a step can start without reading every chunk of a long series.
    metric_series: (t) => `CREATE TABLE ${t} (
      workspace_id text COLLATE "C" NOT NULL,
      run_id text COLLATE "C" NOT NULL,
      key text COLLATE "C" NOT NULL,
      min_step bigint NOT NULL,
      max_step bigint NOT NULL,
      widest_chunk numeric NOT NULL,
      PRIMARY KEY (workspace_id, run_id, key)
    )`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId, position, event } of events) {
      if (event.type !== 'MetricsLogged') continue;
      const { runId, metrics } = event.data;
      const stored = await storedOverlapping(tx, t.metrics, workspaceId, runId, metrics);
      const chunks = metricChunks(metrics, pointsPerChunk, (key, point) => stored.has(pointId(key, point)));
      if (chunks.length === 0) continue;
      const literals = (of: (point: SeriesPoint) => number) => chunks.map((c) => `{${c.points.map(of).join(',')}}`);
      const timestamps = chunks.map((c) => c.points.map((p) => p.timestamp));
      await tx.query(
        prepared(`WITH chunked AS (
           INSERT INTO ${t.metrics} (workspace_id, run_id, key, position, part, min_step, max_step, min_timestamp, max_timestamp,
                                     count, steps, timestamps, metric_values)
           SELECT $1, $2, key, $3, part, steps[1], steps[count], min_timestamp, max_timestamp, count, steps, timestamps, metric_values
           FROM unnest($4::text[], $5::int[], $6::int[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[])
             AS c(key, part, count, min_timestamp, max_timestamp, steps_literal, timestamps_literal, values_literal)
           CROSS JOIN LATERAL (
             SELECT c.steps_literal::bigint[] AS steps, c.timestamps_literal::bigint[] AS timestamps, c.values_literal::float8[] AS metric_values
           ) parsed
           RETURNING key, min_step, max_step
         )
         INSERT INTO ${t.metric_series} AS s (workspace_id, run_id, key, min_step, max_step, widest_chunk)
         SELECT $1, $2, key, min(min_step), max(max_step), max(max_step::numeric - min_step) FROM chunked GROUP BY key
         ON CONFLICT (workspace_id, run_id, key) DO UPDATE SET
           min_step = least(s.min_step, EXCLUDED.min_step), max_step = greatest(s.max_step, EXCLUDED.max_step),
           widest_chunk = greatest(s.widest_chunk, EXCLUDED.widest_chunk)`),
        [
          workspaceId,
          runId,
          position,
          chunks.map((c) => c.key),
          chunks.map((c) => c.part),
          chunks.map((c) => c.points.length),
          timestamps.map((ts) => Math.min(...ts)),
          timestamps.map((ts) => Math.max(...ts)),
          literals((p) => p.step),
          literals((p) => p.timestamp),
          literals((p) => p.value),
        ],
      );
    }
  },
};

// Identifies a point across batches; `${-0}` is "0", as Postgres holds -0 equal to 0.
const pointId = (key: string, { step, timestamp, value }: SeriesPoint) => `${key}\u0000${step}\u0000${timestamp}\u0000${value}`;

/**
 * The points already stored in chunks whose step and timestamp ranges overlap the batch's, per
 * key: what the batch must not store again. Live logging moves forward in time, so this is usually
 * one index probe per key that finds nothing.
 */
async function storedOverlapping(tx: Queryable, table: string, workspaceId: string, runId: string, metrics: readonly MetricPoint[]): Promise<Set<string>> {
  const spans = new Map<string, { minStep: number; maxStep: number; minTimestamp: number; maxTimestamp: number }>();
  for (const { key, step, timestamp } of metrics) {
    const span = spans.get(key);
    if (!span) spans.set(key, { minStep: step, maxStep: step, minTimestamp: timestamp, maxTimestamp: timestamp });
    else {
      span.minStep = Math.min(span.minStep, step);
      span.maxStep = Math.max(span.maxStep, step);
      span.minTimestamp = Math.min(span.minTimestamp, timestamp);
      span.maxTimestamp = Math.max(span.maxTimestamp, timestamp);
    }
  }
  const keys = [...spans.keys()];
  const of = (field: 'minStep' | 'maxStep' | 'minTimestamp' | 'maxTimestamp') => keys.map((key) => spans.get(key)![field]);
  const rows = await tx.query<{ key: string; step: string; timestamp: string; value: number }>(
    prepared(`SELECT s.key, p.step, p.timestamp, p.value
     FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[]) AS s(key, min_step, max_step, min_timestamp, max_timestamp)
     CROSS JOIN LATERAL (
       SELECT c.steps, c.timestamps, c.metric_values FROM ${table} c
       WHERE c.workspace_id = $1 AND c.run_id = $2 AND c.key = s.key
         AND c.max_timestamp >= s.min_timestamp AND c.min_timestamp <= s.max_timestamp
         AND c.max_step >= s.min_step AND c.min_step <= s.max_step
       OFFSET 0 -- an index range per key; joined as a whole, Postgres read every chunk of the run
     ) c
     CROSS JOIN LATERAL unnest(c.steps, c.timestamps, c.metric_values) AS p(step, timestamp, value)`),
    [workspaceId, runId, keys, of('minStep'), of('maxStep'), of('minTimestamp'), of('maxTimestamp')],
  );
  return new Set(rows.map((r) => pointId(r.key, { step: Number(r.step), timestamp: Number(r.timestamp), value: r.value })));
}

import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { trackingSchema as s } from '../tracking.schema';
import type { HistoryCursor } from '../search/history-page-token';
import type { MetricView } from './read-models';

type PointRow = { run_id: string; key: string; value: number; timestamp: string; step: string };
type BucketRow = { run_id: string; key: string; first_step: string; last_step: string; min: number; max: number; mean: number; count: number };

/** One bucket of a downsampled series: the extremes survive, so a one-step spike still shows. */
export interface MetricBucketView {
  runId: string;
  key: string;
  firstStep: number;
  lastStep: number;
  min: number;
  max: number;
  mean: number;
  count: number;
}
/** Inclusive bounds on the steps a read covers; null for the whole series. */
export type StepRange = { start: number; end: number } | null;

const toView = (r: PointRow): MetricView => ({ key: r.key, value: r.value, timestamp: Number(r.timestamp), step: Number(r.step), runId: r.run_id });

@Injectable()
export class MetricsRepository {
  constructor(private readonly db: Database) {}

  /**
   * One page of a metric's history in MLflow's order (timestamp, step, value); `limit + 1` rows
   * tell whether more follow. A page that continues another starts after its last point when the
   * cursor has it, else skips `offset` points. Only the chunks that can hold the page are
   * unpacked: taken in timestamp order, chunks lying wholly past the cursor are counted until they
   * hold a page; no point of the page is later than the latest of them, so chunks starting after
   * that are left packed.
   */
  async history(workspaceId: string, runId: string, key: string, cursor: HistoryCursor, limit: number): Promise<MetricView[]> {
    const after = cursor.after;
    const skip = after ? 0 : cursor.offset;
    const reachable = after ? 'c.max_timestamp >= $6' : 'true';
    const whollyAfter = after ? 'c.min_timestamp > $6' : 'true';
    const afterCursor = after ? '(p.timestamp, p.step, p.value) > ($6::bigint, $7::bigint, $8::float8)' : 'true';
    const series = `c.workspace_id = $1 AND c.run_id = $2 AND c.key = $3 AND ${reachable}`;
    const rows = await this.db.query<PointRow>(
      `WITH reach AS (
         SELECT max(max_timestamp) AS max_timestamp FROM (
           SELECT c.max_timestamp,
             coalesce(sum(c.count) FILTER (WHERE ${whollyAfter}) OVER (ORDER BY c.min_timestamp ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
           FROM ${s}.metrics c WHERE ${series}
         ) c WHERE before < $4::bigint + $5
       )
       SELECT $2::text AS run_id, $3::text AS key, p.value, p.timestamp, p.step
       FROM ${s}.metrics c
       CROSS JOIN LATERAL unnest(c.steps, c.timestamps, c.metric_values) AS p(step, timestamp, value)
       WHERE ${series} AND c.min_timestamp <= (SELECT max_timestamp FROM reach) AND ${afterCursor}
       ORDER BY p.timestamp, p.step, p.value LIMIT $4 OFFSET $5`,
      [workspaceId, runId, key, limit, skip, ...(after ? [after.timestamp, after.step, String(after.value)] : [])],
    );
    return rows.map(toView);
  }

  /** How many points a metric's history holds. */
  async historyCount(workspaceId: string, runId: string, key: string): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      `SELECT coalesce(sum(count), 0)::int AS count FROM ${s}.metrics WHERE workspace_id = $1 AND run_id = $2 AND key = $3`,
      [workspaceId, runId, key],
    );
    return row.count;
  }

  /**
   * Every (run, key) series cut into at most `buckets` equal step ranges, with min, max, mean and
   * count per bucket, in one statement. A series with fewer steps than buckets keeps one bucket
   * per step. The aggregation runs in Postgres over the series' chunks, so only the buckets
   * travel, never the points.
   */
  async downsampled(
    workspaceId: string,
    runIds: readonly string[],
    keys: readonly string[],
    buckets: number,
    range: StepRange,
  ): Promise<MetricBucketView[]> {
    const rows = await this.db.query<BucketRow>(
      `WITH series AS (
         -- A chunk crossing a range end is searched for its first (last) step in range; one inside it gives its own.
         SELECT run_id, key, min(lo) FILTER (WHERE $6::bigint IS NULL OR lo <= $6) AS lo, max(hi) FILTER (WHERE $5::bigint IS NULL OR hi >= $5) AS hi
         FROM (
           SELECT c.run_id, c.key,
             CASE WHEN $5::bigint IS NULL OR c.min_step >= $5 THEN c.min_step ELSE ${firstStepAtOrAfter('c', '$5')} END AS lo,
             CASE WHEN $6::bigint IS NULL OR c.max_step <= $6 THEN c.max_step ELSE ${lastStepAtOrBefore('c', '$6')} END AS hi
           FROM ${s}.metrics c
           WHERE c.workspace_id = $1 AND c.run_id = ANY($2::text[]) AND c.key = ANY($3::text[])
             AND ($5::bigint IS NULL OR (c.max_step >= $5 AND c.min_step <= $6))
         ) c
         GROUP BY run_id, key
       )
       -- Aggregated per series: each one's buckets fit in a small in-memory hash, where one GROUP BY
       -- over every series sorted all the points (to disk, for a 100 × 10 dashboard).
       SELECT s.run_id, s.key, b.first_step, b.last_step, b.min, b.max, b.mean, b.count
       FROM series s
       CROSS JOIN LATERAL (
         SELECT min(p.step) AS first_step, max(p.step) AS last_step, min(p.value) AS min, max(p.value) AS max, avg(p.value) AS mean, count(*)::int AS count
         FROM ${s}.metrics c
         CROSS JOIN LATERAL unnest(c.steps, c.metric_values) AS p(step, value)
         WHERE c.workspace_id = $1 AND c.run_id = s.run_id AND c.key = s.key AND c.max_step >= s.lo AND c.min_step <= s.hi
           AND p.step BETWEEN s.lo AND s.hi
         GROUP BY least(floor((p.step - s.lo)::float8 * $4 / (s.hi - s.lo + 1)), $4 - 1)
       ) b
       WHERE s.lo IS NOT NULL`,
      [workspaceId, runIds, keys, buckets, range?.start ?? null, range?.end ?? null],
    );
    // Buckets come out of the hash unordered; order them by series, then step.
    rows.sort((a, b) => (a.run_id === b.run_id ? (a.key === b.key ? Number(a.first_step) - Number(b.first_step) : a.key < b.key ? -1 : 1) : a.run_id < b.run_id ? -1 : 1));
    return rows.map((r) => ({
      runId: r.run_id,
      key: r.key,
      firstStep: Number(r.first_step),
      lastStep: Number(r.last_step),
      min: r.min,
      max: r.max,
      mean: r.mean,
      count: r.count,
    }));
  }

  /**
   * Sampled history for charts (MLflow's bulk-interval read). A run with at most `maxResults`
   * steps in range returns them all. A longer one returns the points at up to `maxResults` steps
   * spread evenly over its step range, first and last included: each is the first step at or
   * after an evenly spaced target, found by a binary search in the one or few chunks whose step
   * range can hold it, so a million-step series is never unpacked whole.
   *
   * Planning reads the series' summary and chunk ranges kept in the key's index. Each chunk starts
   * at a step of its own, so a run whose chunks start at more than `maxResults` distinct steps has
   * too many steps to return them all; only other runs are unpacked to count their steps.
   */
  async sampledHistory(
    workspaceId: string,
    runIds: string[],
    key: string,
    maxResults: number,
    range: StepRange,
  ): Promise<MetricView[]> {
    const series = (run: string) => `m.workspace_id = $1 AND m.run_id = ${run} AND m.key = $3`;
    // A chunk holding step t starts at most `span` (the series' widest chunk) before it.
    const startsNear = (t: string, span: string) => `m.min_step >= greatest(${t}::numeric - ${span}, ${minBigint})::bigint`;
    const overlapsRange = (span: string) => `($5::bigint IS NULL OR (${startsNear('$5', span)} AND m.min_step <= $6 AND m.max_step >= $5))`;
    const insideRange = '($5::bigint IS NULL OR (m.min_step BETWEEN $5 AND $6 AND m.max_step <= $6))';
    const stepInRange = '($5::bigint IS NULL OR p.step BETWEEN $5 AND $6)';
    const holding = (t: string) => `${startsNear(t, 'b.span')} AND m.min_step <= ${t} AND m.max_step >= ${t}`;
    // A probe for the chunks holding a step reads the primary key's step range. Postgres estimates
    // one chunk per run and key whatever the index, and the narrower timestamp index then looked
    // cheaper: a million-step run's 17,000 chunks were read once per target, minutes per request.
    // Ordered by the key's start, the probe is the primary key's range scan, and (as OFFSET 0 did)
    // a subquery Postgres does not flatten, so it stays a probe per step.
    const byStart = 'ORDER BY m.min_step';
    const rows = await this.db.query<PointRow>(
      `WITH per_run AS (
         SELECT r.run_id, s.widest_chunk AS span,
           CASE WHEN $5::bigint IS NULL THEN s.min_step ELSE (SELECT min(m.min_step) FROM ${s}.metrics m WHERE ${series('r.run_id')} AND ${insideRange}) END AS inside_lo,
           CASE WHEN $5::bigint IS NULL THEN s.max_step ELSE (SELECT max(m.max_step) FROM ${s}.metrics m WHERE ${series('r.run_id')} AND ${insideRange}) END AS inside_hi,
           (SELECT count(*) FROM (
             SELECT DISTINCT m.min_step FROM ${s}.metrics m WHERE ${series('r.run_id')} AND ${insideRange} ORDER BY m.min_step LIMIT $4 + 1
           ) d) AS inside_starts
         FROM unnest($2::text[]) AS r(run_id)
         JOIN ${s}.metric_series s ON s.workspace_id = $1 AND s.run_id = r.run_id AND s.key = $3
       ), edges AS (
         -- the steps in range of chunks that cross a range end
         SELECT r.run_id, min(p.step) AS lo, max(p.step) AS hi
         FROM per_run r
         CROSS JOIN LATERAL (
           SELECT m.steps FROM ${s}.metrics m WHERE ${series('r.run_id')} AND ${overlapsRange('r.span')} AND NOT ${insideRange} OFFSET 0
         ) m
         CROSS JOIN LATERAL unnest(m.steps) AS p(step)
         WHERE ${stepInRange}
         GROUP BY r.run_id
       ), bounds AS (
         SELECT r.run_id, r.span, least(r.inside_lo, e.lo) AS lo, greatest(r.inside_hi, e.hi) AS hi,
           CASE WHEN r.inside_starts > $4 THEN false ELSE (
             SELECT count(*) <= $4 FROM (
               SELECT DISTINCT p.step FROM ${s}.metrics m CROSS JOIN LATERAL unnest(m.steps) AS p(step)
               WHERE ${series('r.run_id')} AND ${overlapsRange('r.span')} AND ${stepInRange} LIMIT $4 + 1
             ) d
           ) END AS few
         FROM per_run r LEFT JOIN edges e ON e.run_id = r.run_id
       ), chosen AS MATERIALIZED (
         SELECT DISTINCT b.run_id, b.span, probe.step
         FROM bounds b
         CROSS JOIN generate_series(0, $4 - 1) AS g(i)
         CROSS JOIN LATERAL (SELECT (b.lo + floor((b.hi - b.lo)::numeric * g.i / greatest($4 - 1, 1)))::bigint AS target) t
         -- the first step at or after the target inside a chunk that starts before it, else the next chunk's start
         CROSS JOIN LATERAL (
           SELECT min(${firstStepAtOrAfter('m', 't.target')}) AS step
           FROM (SELECT m.steps FROM ${s}.metrics m WHERE ${series('b.run_id')} AND ${holding('t.target')} AND m.min_step < t.target ${byStart}) m
         ) inside
         CROSS JOIN LATERAL (
           SELECT CASE WHEN inside.step = t.target THEN inside.step ELSE least(
             inside.step,
             (SELECT m.min_step FROM ${s}.metrics m WHERE ${series('b.run_id')} AND m.min_step >= t.target ORDER BY m.min_step LIMIT 1)
           ) END AS step
         ) probe
         WHERE NOT b.few AND b.lo IS NOT NULL
       )
       SELECT b.run_id, $3 AS key, p.value, p.timestamp, p.step
       FROM bounds b
       JOIN ${s}.metrics m ON ${series('b.run_id')} AND ${overlapsRange('b.span')}
       CROSS JOIN LATERAL unnest(m.steps, m.timestamps, m.metric_values) AS p(step, timestamp, value)
       WHERE b.few AND ${stepInRange}
       UNION ALL
       SELECT b.run_id, $3 AS key, p.value, p.timestamp, p.step
       FROM chosen b
       CROSS JOIN LATERAL (
         SELECT m.steps, m.timestamps, m.metric_values FROM ${s}.metrics m WHERE ${series('b.run_id')} AND ${holding('b.step')} ${byStart}
       ) m
       -- the points at the step: a slice of the chunk's step-sorted arrays, found by two binary searches
       CROSS JOIN LATERAL (
         SELECT CASE WHEN b.step = ${minBigint} THEN 1 ELSE width_bucket(b.step - 1, m.steps) + 1 END AS first, width_bucket(b.step, m.steps) AS last
       ) i
       CROSS JOIN LATERAL unnest(m.steps[i.first:i.last], m.timestamps[i.first:i.last], m.metric_values[i.first:i.last]) AS p(step, timestamp, value)
       ORDER BY run_id, step, timestamp, value`,
      [workspaceId, runIds, key, maxResults, range?.start ?? null, range?.end ?? null],
    );
    return rows.map(toView);
  }
}

const minBigint = '-9223372036854775808';

// width_bucket(t, sorted array) is a binary search: it returns how many elements are <= t.
function firstStepAtOrAfter(chunk: string, t: string): string {
  return `(SELECT CASE WHEN ${chunk}.steps[i] = ${t} THEN ${t} ELSE ${chunk}.steps[i + 1] END FROM (SELECT width_bucket(${t}, ${chunk}.steps) AS i) w)`;
}

function lastStepAtOrBefore(chunk: string, t: string): string {
  return `${chunk}.steps[width_bucket(${t}, ${chunk}.steps)]`;
}

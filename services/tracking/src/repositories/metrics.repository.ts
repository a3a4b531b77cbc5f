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
const toView = (r: PointRow): MetricView => ({ key: r.key, value: r.value, timestamp: Number(r.timestamp), step: Number(r.step), runId: r.run_id });

@Injectable()
export class MetricsRepository {
  constructor(private readonly db: Database) {}

  /**
   * One page of a metric's history in MLflow's order (timestamp, step, value); `limit + 1` rows
   * tell whether more follow. A page that continues another starts after its last point (an index
   * seek) when the cursor has it, else skips `offset` points.
   */
  async history(workspaceId: string, runId: string, key: string, cursor: HistoryCursor, limit: number): Promise<MetricView[]> {
    const after = cursor.after;
    const rows = await this.db.query<PointRow>(
      after
        ? `SELECT run_id, key, value, timestamp, step FROM ${s}.metrics
           WHERE workspace_id = $1 AND run_id = $2 AND key = $3 AND (timestamp, step, value) > ($5::bigint, $6::bigint, $7::float8)
           ORDER BY timestamp, step, value LIMIT $4`
        : `SELECT run_id, key, value, timestamp, step FROM ${s}.metrics
           WHERE workspace_id = $1 AND run_id = $2 AND key = $3 ORDER BY timestamp, step, value LIMIT $4 OFFSET $5`,
      after
        ? [workspaceId, runId, key, limit, after.timestamp, after.step, String(after.value)]
        : [workspaceId, runId, key, limit, cursor.offset],
    );
    return rows.map(toView);
  }

  /** How many points a metric's history holds. */
  async historyCount(workspaceId: string, runId: string, key: string): Promise<number> {
    const [row] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM ${s}.metrics WHERE workspace_id = $1 AND run_id = $2 AND key = $3`,
      [workspaceId, runId, key],
    );
    return row.count;
  }

  /**
   * Every (run, key) series cut into at most `buckets` equal step ranges, with min, max, mean and
   * count per bucket, in one statement. A series with fewer steps than buckets keeps one bucket
   * per step. The aggregation runs in Postgres over the primary key's (run, key, step) range, so
   * only the buckets travel, never the points.
   */
  async downsampled(
    workspaceId: string,
    runIds: readonly string[],
    keys: readonly string[],
    buckets: number,
    range: { start: number; end: number } | null,
  ): Promise<MetricBucketView[]> {
    const inRange = '($5::bigint IS NULL OR step BETWEEN $5 AND $6)';
    const series = `FROM ${s}.metrics WHERE workspace_id = $1 AND run_id = r.run_id AND key = k.key AND ${inRange}`;
    const rows = await this.db.query<BucketRow>(
      `WITH series AS (
         SELECT r.run_id, k.key, lo.step AS lo, hi.step AS hi
         FROM unnest($2::text[]) AS r(run_id)
         CROSS JOIN unnest($3::text[]) AS k(key)
         CROSS JOIN LATERAL (SELECT step ${series} ORDER BY step LIMIT 1) lo
         CROSS JOIN LATERAL (SELECT step ${series} ORDER BY step DESC LIMIT 1) hi
       )
       -- Aggregated per series: each one's buckets fit in a small in-memory hash, where one GROUP BY
       -- over every series sorted all the points (to disk, for a 100 × 10 dashboard).
       SELECT s.run_id, s.key, b.first_step, b.last_step, b.min, b.max, b.mean, b.count
       FROM series s
       CROSS JOIN LATERAL (
         SELECT min(m.step) AS first_step, max(m.step) AS last_step, min(m.value) AS min, max(m.value) AS max, avg(m.value) AS mean, count(*)::int AS count
         FROM ${s}.metrics m
         WHERE m.workspace_id = $1 AND m.run_id = s.run_id AND m.key = s.key AND m.step BETWEEN s.lo AND s.hi
         GROUP BY least(floor((m.step - s.lo)::float8 * $4 / (s.hi - s.lo + 1)), $4 - 1)
       ) b`,
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
   * spread evenly over its step range, first and last included: each is one index probe for the
   * first step at or after an evenly spaced target, so a million-step series is never scanned,
   * here or in the database.
   */
  async sampledHistory(
    workspaceId: string,
    runIds: string[],
    key: string,
    maxResults: number,
    range: { start: number; end: number } | null,
  ): Promise<MetricView[]> {
    const inRange = '($5::bigint IS NULL OR step BETWEEN $5 AND $6)';
    const series = `FROM ${s}.metrics WHERE workspace_id = $1 AND run_id = r.run_id AND key = $3 AND ${inRange}`;
    const rows = await this.db.query<PointRow>(
      `WITH bounds AS (
         SELECT r.run_id, b.lo, b.hi, c.few
         FROM unnest($2::text[]) AS r(run_id)
         CROSS JOIN LATERAL (SELECT min(step) AS lo, max(step) AS hi ${series}) b
         CROSS JOIN LATERAL (SELECT count(*) <= $4 AS few FROM (SELECT DISTINCT step ${series} LIMIT $4 + 1) d) c
         WHERE b.lo IS NOT NULL
       ), chosen AS (
         SELECT r.run_id, all_steps.step FROM bounds r
         CROSS JOIN LATERAL (SELECT DISTINCT step ${series} AND r.few) all_steps
         UNION
         SELECT r.run_id, probe.step FROM bounds r
         CROSS JOIN generate_series(0, $4 - 1) AS g(i)
         CROSS JOIN LATERAL (
           SELECT step ${series} AND NOT r.few
             AND step >= (r.lo + floor((r.hi - r.lo)::numeric * g.i / greatest($4 - 1, 1)))::bigint
           ORDER BY step LIMIT 1
         ) probe
       )
       SELECT c.run_id, $3 AS key, m.value, m.timestamp, m.step FROM chosen c
       CROSS JOIN LATERAL (
         SELECT value, timestamp, step FROM ${s}.metrics
         WHERE workspace_id = $1 AND run_id = c.run_id AND key = $3 AND step = c.step
         OFFSET 0 -- keeps this a per-step index probe; flattened, Postgres merges the whole series
       ) m
       ORDER BY c.run_id, m.step, m.timestamp, m.value`,
      [workspaceId, runIds, key, maxResults, range?.start ?? null, range?.end ?? null],
    );
    return rows.map(toView);
  }
}

import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { trackingSchema as s } from '../tracking.schema';
import type { HistoryCursor } from '../search/history-page-token';
import type { MetricView } from './read-models';

type PointRow = { run_id: string; key: string; value: number; timestamp: string; step: string };
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

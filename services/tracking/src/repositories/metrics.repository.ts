import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { trackingSchema as s } from '../tracking.schema';
import type { MetricView } from './read-models';

type PointRow = { run_id: string; key: string; value: number; timestamp: string; step: string };
const toView = (r: PointRow): MetricView => ({ key: r.key, value: r.value, timestamp: Number(r.timestamp), step: Number(r.step), runId: r.run_id });

@Injectable()
export class MetricsRepository {
  constructor(private readonly db: Database) {}

  /** One page of a metric's history in MLflow's order (timestamp, step, value); `limit + 1` rows tell whether more follow. */
  async history(workspaceId: string, runId: string, key: string, offset: number, limit: number): Promise<MetricView[]> {
    const rows = await this.db.query<PointRow>(
      `SELECT run_id, key, value, timestamp, step FROM ${s}.metrics
       WHERE workspace_id = $1 AND run_id = $2 AND key = $3 ORDER BY timestamp, step, value LIMIT $4 OFFSET $5`,
      [workspaceId, runId, key, limit, offset],
    );
    return rows.map(toView);
  }

  /**
   * MLflow's bulk-interval sampling: per run, up to `maxResults` steps spread evenly over the
   * steps in range (always keeping the first and last), and every point at those steps. The
   * database picks the steps, so a long series is never loaded into memory.
   */
  async sampledHistory(
    workspaceId: string,
    runIds: string[],
    key: string,
    maxResults: number,
    range: { start: number; end: number } | null,
  ): Promise<MetricView[]> {
    const rows = await this.db.query<PointRow>(
      `WITH steps AS (
         SELECT DISTINCT run_id, step FROM ${s}.metrics
         WHERE workspace_id = $1 AND run_id = ANY($2) AND key = $3 AND ($5::bigint IS NULL OR step BETWEEN $5 AND $6)
       ), ranked AS (
         SELECT run_id, step, row_number() OVER w - 1 AS i, count(*) OVER (PARTITION BY run_id) AS n
         FROM steps WINDOW w AS (PARTITION BY run_id ORDER BY step)
       ), chosen AS (
         SELECT run_id, step FROM ranked
         WHERE n <= $4 OR i = n - 1 OR floor(i * ($4 - 1)::numeric / (n - 1)) <> floor((i - 1) * ($4 - 1)::numeric / (n - 1))
       )
       SELECT m.run_id, m.key, m.value, m.timestamp, m.step FROM ${s}.metrics m
       JOIN chosen c ON c.run_id = m.run_id AND c.step = m.step
       WHERE m.workspace_id = $1 AND m.key = $3
       ORDER BY m.run_id, m.step, m.timestamp, m.value`,
      [workspaceId, runIds, key, maxResults, range?.start ?? null, range?.end ?? null],
    );
    return rows.map(toView);
  }
}

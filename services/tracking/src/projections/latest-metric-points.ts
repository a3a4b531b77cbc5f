import type { MetricPoint } from '../domain/tracking-event';

/**
 * Each key's latest point in a batch: the greatest by (step, timestamp, value), as MLflow's SQL
 * store decides it. Picked here so the latest-metrics upsert sends one point per key instead of
 * the whole batch.
 */
export function latestMetricPoints(metrics: readonly MetricPoint[]): MetricPoint[] {
  const latest = new Map<string, MetricPoint>();
  for (const point of metrics) {
    const current = latest.get(point.key);
    if (!current || compareMetricPoints(point, current) > 0) latest.set(point.key, point);
  }
  return [...latest.values()];
}

function compareMetricPoints(a: MetricPoint, b: MetricPoint): number {
  return a.step - b.step || a.timestamp - b.timestamp || compareFloat8(a.value, b.value);
}

// Postgres orders float8 with NaN above every number (and equal to itself); the upsert that
// follows compares in Postgres, so the pick here must agree with it.
function compareFloat8(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

import type { MetricPoint } from '../domain/tracking-event';

/** A MetricsLogged batch as Postgres array literals, one per column, for `unnest($n::type[])`. */
export interface MetricColumns {
  keys: string;
  values: string;
  timestamps: string;
  steps: string;
}

/**
 * Numbers join as they are (NaN and ±Infinity print as Postgres reads them), so a 1000-point batch
 * is four string joins instead of 4000 values quoted and escaped one by one by the driver.
 */
export function metricColumns(batch: { metrics: readonly MetricPoint[] }): MetricColumns {
  const { metrics } = batch;
  return {
    keys: arrayLiteral(metrics.map((m) => quoted(m.key))),
    values: arrayLiteral(metrics.map((m) => m.value)),
    timestamps: arrayLiteral(metrics.map((m) => m.timestamp)),
    steps: arrayLiteral(metrics.map((m) => m.step)),
  };
}

function arrayLiteral(elements: (string | number)[]): string {
  return `{${elements.join(',')}}`;
}

// Array-literal quoting: inside double quotes only backslash and double quote need escaping.
function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

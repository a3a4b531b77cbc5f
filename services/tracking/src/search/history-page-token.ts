import { decodePageToken } from './page-token';

/** The last point of a history page, in the history's order (timestamp, step, value). */
export interface HistoryPosition {
  timestamp: number;
  step: number;
  value: number;
}

export interface HistoryCursor {
  offset: number;
  /** Where the previous page ended; absent in tokens issued elsewhere (MLflow's carry only the offset). */
  after?: HistoryPosition;
}

// A metric history page token is MLflow's {"offset": N} plus the position the page ended at, so
// the next page starts with an index seek instead of skipping N points (a 1,000,000-step history
// read in 25,000-point pages would otherwise skip 20 million rows). The value travels as text:
// JSON has no NaN or Infinity.

export function encodeHistoryPageToken(offset: number, after: HistoryPosition): string {
  const position = [after.timestamp, after.step, String(after.value)];
  return Buffer.from(`{"offset": ${offset}, "after": ${JSON.stringify(position)}}`, 'utf8').toString('base64');
}

/** Decodes a history page token; the offset is validated as for every MLflow page token. */
export function decodeHistoryPageToken(token: string | null | undefined): HistoryCursor {
  const offset = decodePageToken(token);
  if (!token) return { offset };
  const { after } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
  return isPosition(after) ? { offset, after: { timestamp: after[0], step: after[1], value: Number(after[2]) } } : { offset };
}

// Postgres' float8 text: what String(number) prints for every double, NaN and ±Infinity included.
const float8Text = /^(NaN|-?Infinity|-?\d+(\.\d+)?(e[+-]\d+)?)$/;

function isPosition(value: unknown): value is [number, number, string] {
  if (!Array.isArray(value) || value.length !== 3) return false;
  const [timestamp, step, metricValue] = value as unknown[];
  return Number.isSafeInteger(timestamp) && Number.isSafeInteger(step) && typeof metricValue === 'string' && float8Text.test(metricValue);
}

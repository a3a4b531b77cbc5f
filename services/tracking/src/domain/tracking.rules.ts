import { InvalidArgument } from '@chronicle/errors';
import type { MetricPoint, Param, Tag } from './tracking-event';

// MLflow's limits (mlflow/utils/validation.py, 3.x values).
export const limits = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentNameLength: 500,
  experimentTagValueLength: 5000,
} as const;

const namePattern = /^[/\w.\- :]*$/;

/** Metric, param and tag keys: MLflow's character set, and a normalised relative path. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  if (key === undefined || key === null || key === '') {
    throw new InvalidArgument(`Missing value for required parameter '${kind === 'metric' ? 'key' : 'key'}'.`);
  }
  if (!namePattern.test(key)) {
    throw new InvalidArgument(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  if (key === '.' || key.startsWith('/') || key.startsWith('..') || normalisePath(key) !== key) {
    throw new InvalidArgument(`Invalid ${kind} name: '${key}'. Names cannot be a path that does not normalise to itself.`);
  }
  if (key.length > limits.keyLength) {
    throw new InvalidArgument(`'${kind === 'param' ? 'key' : 'key'}' exceeds the maximum length of ${limits.keyLength} characters`);
  }
}

function normalisePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/') || '.';
}

/** Each point in order, as MLflow does; a key repeated over a batch's steps is checked once. */
export function validateMetrics(points: readonly MetricPoint[]): void {
  const validKeys = new Set<string>();
  for (const point of points) {
    if (!validKeys.has(point.key)) {
      validateKey('metric', point.key);
      validKeys.add(point.key);
    }
    validateMetricNumbers(point);
  }
}

function validateMetricNumbers(point: MetricPoint): void {
  if (typeof point.value !== 'number') {
    throw new InvalidArgument(`Got invalid value ${point.value} for metric '${point.key}'. Please specify value as a valid double.`);
  }
  if (!Number.isFinite(point.timestamp) || point.timestamp < 0) {
    throw new InvalidArgument(`Got invalid timestamp ${point.timestamp} for metric '${point.key}'. Timestamp must be a non-negative long.`);
  }
  if (!Number.isFinite(point.step)) {
    throw new InvalidArgument(`Got invalid step ${point.step} for metric '${point.key}'. Step must be a valid long value.`);
  }
}

// MLflow truncates over-long param and run-tag values instead of rejecting them
// (MLFLOW_TRUNCATE_LONG_VALUES defaults to true).
export function normaliseParam(param: Param): Param {
  validateKey('param', param.key);
  return { key: param.key, value: (param.value ?? '').slice(0, limits.paramValueLength) };
}

export function normaliseRunTag(tag: Tag): Tag {
  validateKey('tag', tag.key);
  return { key: tag.key, value: (tag.value ?? '').slice(0, limits.tagValueLength) };
}

export function validateBatchSize(metrics: number, params: number, tags: number): void {
  if (metrics > limits.metricsPerBatch) {
    throw new InvalidArgument(
      `A batch logging request can contain at most ${limits.metricsPerBatch} metrics. Got ${metrics} metrics. Please split up metrics across multiple requests and try again.`,
    );
  }
  if (params > limits.paramsPerBatch) {
    throw new InvalidArgument(
      `A batch logging request can contain at most ${limits.paramsPerBatch} params. Got ${params} params. Please split up params across multiple requests and try again.`,
    );
  }
  if (tags > limits.tagsPerBatch) {
    throw new InvalidArgument(
      `A batch logging request can contain at most ${limits.tagsPerBatch} tags. Got ${tags} tags. Please split up tags across multiple requests and try again.`,
    );
  }
  const total = metrics + params + tags;
  if (total > limits.entitiesPerBatch) {
    throw new InvalidArgument(
      `A batch logging request can contain at most ${limits.entitiesPerBatch} metrics, params, and tags in total. Got ${total} total entities.`,
    );
  }
}

export function validateExperimentName(name: string): void {
  if (!name) throw new InvalidArgument('Invalid experiment name: \'\'. Experiment name must be a non-empty string.');
  if (name.length > limits.experimentNameLength) {
    throw new InvalidArgument(`Experiment name exceeds the maximum length of ${limits.experimentNameLength} characters`);
  }
}

export function validateExperimentTag(tag: Tag): void {
  validateKey('tag', tag.key);
  if ((tag.value ?? '').length > limits.experimentTagValueLength) {
    throw new InvalidArgument(`'value' exceeds the maximum length of ${limits.experimentTagValueLength} characters`);
  }
}

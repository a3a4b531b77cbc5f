import { InvalidArgument } from '@chronicle/errors';
import {
  limits,
  normaliseParam,
  normaliseRunTag,
  validateBatchSize,
  validateExperimentName,
  validateExperimentTag,
  validateKey,
  validateMetrics,
} from './tracking.rules';

const point = (over: Partial<{ key: string; value: number; timestamp: number; step: number }> = {}) =>
  ({ key: 'loss', value: 0.5, timestamp: 1, step: 0, ...over }) as Parameters<typeof validateMetrics>[0][number];

function rejects(fn: () => unknown, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidArgument);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

describe('tracking rules', () => {
  describe('batch size', () => {
    it('accepts exactly 1000 metrics, 100 params, 100 tags', () => {
      expect(() => validateBatchSize(1000, 0, 0)).not.toThrow();
      expect(() => validateBatchSize(0, 100, 0)).not.toThrow();
      expect(() => validateBatchSize(0, 0, 100)).not.toThrow();
    });
    it('rejects 1001 metrics', () => {
      rejects(
        () => validateBatchSize(1001, 0, 0),
        'A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.',
      );
    });
    it('rejects 101 params', () => {
      rejects(
        () => validateBatchSize(0, 101, 0),
        'A batch logging request can contain at most 100 params. Got 101 params. Please split up params across multiple requests and try again.',
      );
    });
    it('rejects 101 tags', () => {
      rejects(
        () => validateBatchSize(0, 0, 101),
        'A batch logging request can contain at most 100 tags. Got 101 tags. Please split up tags across multiple requests and try again.',
      );
    });
    it('accepts exactly 1000 entities in total and rejects 1001', () => {
      expect(() => validateBatchSize(800, 100, 100)).not.toThrow();
      rejects(
        () => validateBatchSize(1000, 1, 0),
        'A batch logging request can contain at most 1000 metrics, params, and tags in total. Got 1001 total entities.',
      );
      rejects(() => validateBatchSize(801, 100, 100), /at most 1000 metrics, params, and tags in total\. Got 1001 total entities/);
    });
    it('uses MLflow limits', () => {
      expect(limits).toMatchObject({ metricsPerBatch: 1000, paramsPerBatch: 100, tagsPerBatch: 100, entitiesPerBatch: 1000, keyLength: 250 });
    });
  });

  describe('keys', () => {
    it('accepts a 250-character key and rejects 251', () => {
      expect(() => validateKey('param', 'k'.repeat(250))).not.toThrow();
      rejects(() => validateKey('param', 'k'.repeat(251)), "'key' exceeds the maximum length of 250 characters");
      rejects(() => validateKey('metric', 'm'.repeat(251)), "'key' exceeds the maximum length of 250 characters");
    });
    it('rejects an empty key as missing', () => {
      rejects(() => validateKey('tag', ''), /^Missing value for required parameter 'key'/);
    });
    it.each(['loss', 'a/b', 'train loss', 'a:b', 'a-b_c.d', 'x..y', 'z...', 'a/b/c'])('accepts %j', (key) => {
      expect(() => validateKey('metric', key)).not.toThrow();
    });
    it.each(['a!b', 'a*b', 'é', 'a\tb', 'a\\b', 'a?b'])('rejects the character set of %j', (key) => {
      rejects(
        () => validateKey('metric', key),
        `Invalid metric name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
      );
    });
    it.each(['a/../b', '/x', '.', '..x', '..', 'a/', 'a//b', 'a/./b', 'a/..'])('rejects the non-normalised path %j', (key) => {
      rejects(() => validateKey('param', key), `Invalid param name: '${key}'. Names cannot be a path that does not normalise to itself.`);
    });
  });

  describe('param and run tag values', () => {
    it('keeps a 6000-character param value and truncates a longer one to 6000', () => {
      expect(normaliseParam({ key: 'p', value: 'v'.repeat(6000) }).value).toHaveLength(6000);
      const long = 'a'.repeat(5999) + 'bc';
      expect(normaliseParam({ key: 'p', value: long })).toEqual({ key: 'p', value: 'a'.repeat(5999) + 'b' });
    });
    it('truncates a run tag value at 8000 without rejecting it', () => {
      expect(normaliseRunTag({ key: 't', value: 'v'.repeat(8000) }).value).toHaveLength(8000);
      expect(normaliseRunTag({ key: 't', value: 'v'.repeat(8001) }).value).toHaveLength(8000);
    });
    it('turns a missing value into an empty string', () => {
      expect(normaliseParam({ key: 'p', value: undefined as unknown as string })).toEqual({ key: 'p', value: '' });
      expect(normaliseRunTag({ key: 't', value: null as unknown as string })).toEqual({ key: 't', value: '' });
    });
    it('still validates the key', () => {
      rejects(() => normaliseParam({ key: 'a/../b', value: 'x' }), /^Invalid param name: 'a\/..\/b'/);
      rejects(() => normaliseRunTag({ key: 'k'.repeat(251), value: 'x' }), /exceeds the maximum length of 250/);
    });
  });

  describe('experiment name', () => {
    it('rejects an empty name', () => {
      rejects(() => validateExperimentName(''), "Invalid experiment name: ''. Experiment name must be a non-empty string.");
    });
    it('accepts 500 characters and rejects 501', () => {
      expect(() => validateExperimentName('n'.repeat(500))).not.toThrow();
      rejects(() => validateExperimentName('n'.repeat(501)), 'Experiment name exceeds the maximum length of 500 characters');
    });
  });

  describe('experiment tag', () => {
    it('accepts a 5000-character value and rejects 5001 (no truncation)', () => {
      expect(() => validateExperimentTag({ key: 'k', value: 'v'.repeat(5000) })).not.toThrow();
      rejects(() => validateExperimentTag({ key: 'k', value: 'v'.repeat(5001) }), "'value' exceeds the maximum length of 5000 characters");
    });
    it('validates the key', () => {
      rejects(() => validateExperimentTag({ key: '/x', value: '' }), /^Invalid tag name: '\/x'/);
    });
  });

  describe('metric', () => {
    it('accepts a valid point, including NaN and infinite values and timestamp 0', () => {
      expect(() => validateMetrics([point()])).not.toThrow();
      expect(() => validateMetrics([point({ value: Number.NaN, timestamp: 0 })])).not.toThrow();
      expect(() => validateMetrics([point({ value: Number.POSITIVE_INFINITY })])).not.toThrow();
    });
    it('rejects a negative timestamp', () => {
      rejects(
        () => validateMetrics([point({ timestamp: -1 })]),
        "Got invalid timestamp -1 for metric 'loss'. Timestamp must be a non-negative long.",
      );
    });
    it('rejects a non-finite timestamp', () => {
      rejects(() => validateMetrics([point({ timestamp: Number.NaN })]), /^Got invalid timestamp NaN for metric 'loss'/);
    });
    it.each([['abc'], [true], [null]])('rejects the non-numeric value %j', (value) => {
      rejects(
        () => validateMetrics([point({ value: value as unknown as number })]),
        `Got invalid value ${value} for metric 'loss'. Please specify value as a valid double.`,
      );
    });
    it('rejects a non-finite step', () => {
      rejects(() => validateMetrics([point({ step: Number.NaN })]), "Got invalid step NaN for metric 'loss'. Step must be a valid long value.");
    });
    it('validates the metric key', () => {
      rejects(() => validateMetrics([point({ key: '..x' })]), /^Invalid metric name: '..x'/);
    });
    it('reports the first bad point of a batch, in order, whether its key or its numbers are wrong', () => {
      rejects(() => validateMetrics([point(), point({ step: 1, value: 'x' as unknown as number }), point({ key: '..x' })]), /^Got invalid value x/);
      rejects(() => validateMetrics([point(), point({ key: '..x' }), point({ step: Number.NaN })]), /^Invalid metric name: '..x'/);
      rejects(() => validateMetrics([point(), point({ step: 1, timestamp: -1 })]), /^Got invalid timestamp -1/);
    });
  });
});

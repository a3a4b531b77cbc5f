import type { Database } from '@chronicle/database';
import { freshDatabase, randomId, testMetadata, type FreshDatabase } from '@chronicle/testing';
import type { MetricPoint } from '../domain/tracking-event';
import type { HistoryCursor } from '../search/history-page-token';
import { openTrackingDatabase } from '../tracking.runtime';
import type { TrackingEventStore } from '../tracking.event-store';
import { MetricsRepository, type MetricBucketView } from './metrics.repository';

// The chunked metric storage against a plain model of MLflow's semantics: every read is compared
// with the answer computed from the logged points in memory, over series shaped to hit the
// storage's cases (chunks apart or overlapping in steps, out-of-order batches, repeated points).

let database: FreshDatabase;
let db: Database;
let store: TrackingEventStore;
let metrics: MetricsRepository;
let ws: string;

beforeAll(async () => {
  database = await freshDatabase('metrics_repo_it');
  ({ db, store } = await openTrackingDatabase(database.url, 4));
  metrics = new MetricsRepository(db);
});

afterAll(async () => {
  await db.close();
  await database.drop();
});

beforeEach(() => {
  ws = randomId('ws');
});

type Point = Pick<MetricPoint, 'key' | 'value' | 'timestamp' | 'step'>;

/** Logs each batch as one MetricsLogged event, as log-batch does; returns the distinct points per run. */
async function log(runId: string, batches: Point[][]): Promise<void> {
  for (const batch of batches) {
    await db.transaction(async (tx) => {
      const metricsLogged = batch.map((p) => ({ ...p, modelId: '', datasetName: '', datasetDigest: '' }));
      const stored = await store.append(tx, {
        workspaceId: ws,
        streamId: `run-${runId}`,
        expectedVersion: 'any',
        events: [{ type: 'MetricsLogged', data: { runId, metrics: metricsLogged } }],
        metadata: testMetadata(),
      });
      await store.project(tx, stored);
    });
  }
}

const pointKey = (p: Point) => `${p.step}|${p.timestamp}|${p.value}`;
const byHistoryOrder = (a: Point, b: Point) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value;
const byStepOrder = (a: Point, b: Point) => a.step - b.step || a.timestamp - b.timestamp || a.value - b.value;

/** The distinct points of one series: MLflow keeps identical points once. */
function distinct(batches: Point[][], key: string): Point[] {
  const seen = new Map<string, Point>();
  for (const p of batches.flat()) if (p.key === key) seen.set(pointKey(p), p);
  return [...seen.values()];
}

function expectedSample(points: Point[], maxResults: number, range: { start: number; end: number } | null): Point[] {
  const inRange = points.filter((p) => !range || (p.step >= range.start && p.step <= range.end));
  const steps = [...new Set(inRange.map((p) => p.step))].sort((a, b) => a - b);
  if (steps.length === 0) return [];
  let chosen = new Set(steps);
  if (steps.length > maxResults) {
    const [lo, hi] = [steps[0], steps.at(-1)!];
    chosen = new Set(
      Array.from({ length: maxResults }, (_, i) => {
        const target = lo + Math.floor(((hi - lo) * i) / Math.max(maxResults - 1, 1));
        return steps.find((s) => s >= target)!;
      }),
    );
  }
  return inRange.filter((p) => chosen.has(p.step)).sort(byStepOrder);
}

function expectedBuckets(runId: string, key: string, points: Point[], buckets: number, range: { start: number; end: number } | null): MetricBucketView[] {
  const inRange = points.filter((p) => !range || (p.step >= range.start && p.step <= range.end));
  if (inRange.length === 0) return [];
  const lo = Math.min(...inRange.map((p) => p.step));
  const hi = Math.max(...inRange.map((p) => p.step));
  const grouped = new Map<number, Point[]>();
  for (const p of inRange) {
    const bucket = Math.min(Math.floor(((p.step - lo) * buckets) / (hi - lo + 1)), buckets - 1);
    grouped.set(bucket, [...(grouped.get(bucket) ?? []), p]);
  }
  return [...grouped.values()]
    .map((ps) => ({
      runId,
      key,
      firstStep: Math.min(...ps.map((p) => p.step)),
      lastStep: Math.max(...ps.map((p) => p.step)),
      min: Math.min(...ps.map((p) => p.value)),
      max: Math.max(...ps.map((p) => p.value)),
      mean: ps.reduce((sum, p) => sum + p.value, 0) / ps.length,
      count: ps.length,
    }))
    .sort((a, b) => a.firstStep - b.firstStep);
}

/** Reads a whole history page by page, continuing from each page's last point as the REST edge does. */
async function readAllPages(runId: string, key: string, pageSize: number, useOffsets: boolean): Promise<Point[]> {
  const all: Point[] = [];
  let cursor: HistoryCursor = { offset: 0 };
  for (;;) {
    const rows = await metrics.history(ws, runId, key, cursor, pageSize + 1);
    const page = rows.slice(0, pageSize);
    all.push(...page.map(({ key: k, value, timestamp, step }) => ({ key: k, value, timestamp, step })));
    if (rows.length <= pageSize) return all;
    const last = page.at(-1)!;
    cursor = useOffsets ? { offset: cursor.offset + pageSize } : { offset: cursor.offset + pageSize, after: last };
  }
}

const p = (key: string, step: number, timestamp: number, value: number): Point => ({ key, step, timestamp, value });

// Steps forward, one batch per 20 steps of two keys (chunks apart in steps and time).
const forward = (): Point[][] =>
  Array.from({ length: 10 }, (_, b) => Array.from({ length: 20 }, (_, i) => [p('loss', b * 20 + i, 1000 + b, (b * 20 + i) % 7), p('acc', b * 20 + i, 1000 + b, i / 10)]).flat());

// Batches out of order, overlapping step ranges, repeated points across and within batches,
// every point of one key at step 0 (log_metric without a step).
const tangled = (): Point[][] => [
  [p('loss', 50, 10, 1), p('loss', 10, 10, 2), p('loss', 30, 12, 3), p('loss', 30, 12, 3), p('flat', 0, 1, 1)],
  [p('loss', 5, 20, 4), p('loss', 40, 5, 5), p('loss', 30, 12, 3), p('loss', 30, 12, 2.5), p('flat', 0, 2, 2), p('flat', 0, 1, 1)],
  [p('loss', 0, 30, 6), p('loss', 60, 30, 7), p('loss', 10, 10, 2), p('flat', 0, 3, 1)],
  [p('loss', 20, 10, 8), p('loss', 21, 10, 9), p('loss', 22, 11, 9), p('loss', 23, 11, 9), p('loss', 24, 11, 9), p('flat', 0, 4, 0)],
];

// Batches longer than a chunk: split into several chunks per key, one step holding 130 points.
const wide = (): Point[][] => [
  Array.from({ length: 150 }, (_, i) => p('loss', i * 3, 100 + i, i % 11)),
  Array.from({ length: 130 }, (_, i) => p('loss', 7, 500 - i, i)),
  Array.from({ length: 150 }, (_, i) => p('loss', 450 + i, 700, -1 - i)),
];

describe('metric history over chunks', () => {
  it.each([
    ['forward', 'loss', forward],
    ['forward', 'acc', forward],
    ['tangled', 'loss', tangled],
    ['tangled', 'flat', tangled],
    ['wide', 'loss', wide],
  ])('%s %s: pages by cursor and by offset, count, in MLflow order with repeated points kept once', async (_shape, key, shape) => {
    const batches = shape();
    await log('r1', batches);
    const expected = distinct(batches, key).sort(byHistoryOrder);
    for (const pageSize of [1, 3, 7, 1000]) {
      expect(await readAllPages('r1', key, pageSize, false)).toEqual(expected);
      expect(await readAllPages('r1', key, pageSize, true)).toEqual(expected);
    }
    expect(await metrics.historyCount(ws, 'r1', key)).toBe(expected.length);
  });

  it('a replayed batch adds nothing', async () => {
    const batches = forward();
    await log('r1', [...batches, batches[3], batches[0]]);
    expect(await metrics.historyCount(ws, 'r1', 'loss')).toBe(200);
  });

  it('keeps workspaces apart', async () => {
    await log('r1', forward());
    const other = ws;
    ws = randomId('ws');
    expect(await metrics.historyCount(ws, 'r1', 'loss')).toBe(0);
    expect(await metrics.history(ws, 'r1', 'loss', { offset: 0 }, 10)).toEqual([]);
    ws = other;
    expect(await metrics.historyCount(ws, 'r1', 'loss')).toBe(200);
  });
});

describe('sampled history over chunks', () => {
  const cases: [string, () => Point[][], string, number, { start: number; end: number } | null][] = [
    ['forward, all steps', forward, 'loss', 2500, null],
    ['forward, sampled', forward, 'loss', 10, null],
    ['forward, sampled in a range cutting chunks', forward, 'loss', 7, { start: 13, end: 171 }],
    ['forward, all steps of a range', forward, 'loss', 50, { start: 13, end: 41 }],
    ['forward, a range between steps', forward, 'loss', 5, { start: 1000, end: 2000 }],
    ['tangled, sampled', tangled, 'loss', 4, null],
    ['tangled, all steps', tangled, 'loss', 20, null],
    ['tangled, sampled in a range', tangled, 'loss', 3, { start: 6, end: 45 }],
    ['tangled, one step', tangled, 'flat', 1, null],
    ['wide, sampled', wide, 'loss', 40, null],
    ['wide, all steps of a range', wide, 'loss', 40, { start: 5, end: 60 }],
    ['wide, sampled in a range', wide, 'loss', 9, { start: 5, end: 500 }],
  ];
  it.each(cases)('%s', async (_name, shape, key, maxResults, range) => {
    const batches = shape();
    await log('r1', batches);
    await log('r2', batches.slice(1));
    const expected = [...expectedSample(distinct(batches, key), maxResults, range).map((pt) => ({ ...pt, runId: 'r1' }))];
    expected.push(...expectedSample(distinct(batches.slice(1), key), maxResults, range).map((pt) => ({ ...pt, runId: 'r2' })));
    const sampled = await metrics.sampledHistory(ws, ['r1', 'r2', 'missing'], key, maxResults, range);
    expect(sampled).toEqual(expected.map((pt) => ({ key, value: pt.value, timestamp: pt.timestamp, step: pt.step, runId: pt.runId })));
  });
});

describe('sampled history of a long run among short ones', () => {
  // Postgres estimates one chunk per run and key, as the short runs have; the long run's probes
  // must still read only the chunks near each target, not all of its chunks per target.
  it('reads the chunks around each target', async () => {
    // The short runs' points as one append: a stream per run would take seconds here.
    const shortRuns = Array.from({ length: 3000 }, (_, i) => ({
      type: 'MetricsLogged' as const,
      data: { runId: `short-${i}`, metrics: [{ ...p('loss', 0, 1, i), modelId: '', datasetName: '', datasetDigest: '' }] },
    }));
    await db.transaction(async (tx) => {
      await store.project(tx, await store.append(tx, { workspaceId: ws, streamId: 'short-runs', expectedVersion: 'any', events: shortRuns, metadata: testMetadata() }));
    });
    const batches = Array.from({ length: 60 }, (_, b) => Array.from({ length: 1000 }, (_, i) => p('loss', b * 1000 + i, 1000 + b, i % 13)));
    await log('long', batches);
    await db.query('ANALYZE tracking.metrics');
    let plan: PlanNode | undefined;
    const explaining = new MetricsRepository({
      query: async (text: string, values: unknown[]) => {
        const [row] = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
        plan = row['QUERY PLAN'][0].Plan;
        return [];
      },
    } as unknown as Database);
    await explaining.sampledHistory(ws, ['long'], 'loss', 1000, null);
    // 1000 targets, each in one chunk (a few near chunk edges): thousands of chunk rows, not 1000 × 1020.
    expect(chunkRowsRead(plan!)).toBeLessThan(10_000);
    expect(await metrics.sampledHistory(ws, ['long'], 'loss', 1000, null)).toEqual(
      expectedSample(distinct(batches, 'loss'), 1000, null).map((pt) => ({ ...pt, runId: 'long' })),
    );
  });
});

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** The metric chunk rows a plan's scans read, including those its filters then dropped. */
function chunkRowsRead(node: PlanNode): number {
  const own = node['Relation Name'] === 'metrics' ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'] : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + chunkRowsRead(child), 0);
}

describe('downsampled series over chunks', () => {
  it.each([
    ['forward', forward, 8, null],
    ['forward in a range cutting chunks', forward, 6, { start: 13, end: 171 }],
    ['forward, more buckets than steps', forward, 500, { start: 13, end: 41 }],
    ['tangled', tangled, 3, null],
    ['tangled in a range', tangled, 4, { start: 6, end: 45 }],
    ['wide', wide, 9, null],
    ['wide in a range', wide, 7, { start: 5, end: 500 }],
  ] as const)('%s', async (_name, shape, buckets, range) => {
    const batches = shape();
    await log('r1', batches);
    const series = await metrics.downsampled(ws, ['r1'], ['acc', 'flat', 'loss'], buckets, range);
    const expected = ['acc', 'flat', 'loss'].flatMap((key) => expectedBuckets('r1', key, distinct(batches, key), buckets, range));
    expect(series.map((b) => ({ ...b, mean: Number(b.mean.toFixed(9)) }))).toEqual(expected.map((b) => ({ ...b, mean: Number(b.mean.toFixed(9)) })));
  });
});

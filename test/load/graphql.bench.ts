// The dashboard query of issue 5 over GraphQL: on an experiment of 100,000 runs, the 100 runs a
// dashboard shows (picked by a tag, with the total count) with params and latest metrics, and their
// 10 metrics × 2000 steps each downsampled to 500 buckets (first step, min, max, mean; by default
// packed in 32 bits, 10.9 MB of base64, against 21.5 MB as float64), against Chronicle on its own
// Postgres database. The timing includes the client's JSON.parse, as a dashboard's would.
//
// The tracking process caches downsampled series (keyed by each run's stream version), so the
// first query after the server starts is the cold one: it aggregates every raw point. The bench
// reports it apart from the warm p50/p95 of the queries after it.
import { round } from './eventstore-bench-support';
import { call, createDatabase, databaseExists, dropDatabase, keptDatabaseStartupMs, pgUrl, startChronicle, stopServer, withPg, type Server } from './tracking-servers';
import { seedRunsInProcess, type SeedRun } from './tracking-seed';

const RUNS = 100;
const OTHER_RUNS = Number(process.env.GRAPHQL_BENCH_OTHER_RUNS ?? 100_000);
const KEYS = Array.from({ length: 10 }, (_, i) => `metric_${i}`);
const BUCKETS = 500;
const STEPS = Number(process.env.GRAPHQL_BENCH_STEPS ?? 2000);
const REPS = Number(process.env.GRAPHQL_BENCH_REPS ?? 30);
const SPIKE_EVERY = 97;
// 'packed32' (base64 columns in 32 bits, float32 values and int32 steps: what a dashboard should
// ask for, the four columns a chart of a min/max band and a mean line draws), 'packed' (the same
// four as float64), 'arrays' (JSON number columns, all six) or 'buckets' (one object per bucket,
// the small-chart form).
const FORM = (process.env.GRAPHQL_BENCH_FORM ?? 'packed32') as SeriesForm;
// Seeding takes minutes. A named database is kept: seeded on first use, reused after that.
const REUSE_DATABASE = process.env.GRAPHQL_BENCH_DATABASE;
const DASHBOARD_TAG = { key: 'dashboard', value: 'main' };
const T0 = 1_700_000_000_000;

type SeriesForm = 'packed32' | 'packed' | 'arrays' | 'buckets';

const seriesSelection: Record<SeriesForm, string> = {
  packed32: 'columns(encoding: PACKED32, only: [FIRST_STEP, MIN, MAX, MEAN])',
  packed: 'columns(encoding: PACKED, only: [FIRST_STEP, MIN, MAX, MEAN])',
  arrays: 'columns(encoding: ARRAYS)',
  buckets: 'buckets { firstStep lastStep min max mean count }',
};

const dashboardOfSeries = (selection: string) => `query Dashboard($e: ID!, $keys: [String!]!, $ids: [ID!]!) {
  runs(experimentIds: [$e], filter: "tags.${DASHBOARD_TAG.key} = '${DASHBOARD_TAG.value}'", first: ${RUNS}) { totalCount edges { node { id name status params { key value } latestMetrics(keys: $keys) { key value step } } } }
  metricSeries(runIds: $ids, keys: $keys, buckets: ${BUCKETS}) { runId key ${selection} }
}`;
const dashboardQuery = dashboardOfSeries(seriesSelection[FORM]);
// Asked once each, untimed: the timed packed forms leave the counts out, these prove every point is in a bucket.
const countsQueries = [dashboardOfSeries('columns(only: [FIRST_STEP, MAX, COUNT])'), dashboardOfSeries('columns(encoding: PACKED32, only: [FIRST_STEP, MAX, COUNT])')];

type Bucket = { firstStep: number; lastStep: number; min: number; max: number; mean: number; count: number };
type ColumnName = 'firstStep' | 'lastStep' | 'min' | 'max' | 'mean' | 'count';
type Columns = Partial<Record<ColumnName, string | (number | string)[]>> & { encoding: string; length: number; types?: Partial<Record<ColumnName, 'float64' | 'float32' | 'int32'>> };
type Series = { runId: string; key: string; buckets?: Bucket[]; columns?: Columns };
type Dashboard = { data?: { runs: { totalCount: number; edges: unknown[] }; metricSeries: Series[] }; errors?: unknown[] };

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const typedArrays = { float64: Float64Array, float32: Float32Array, int32: Int32Array } as const;

/** Decodes one column as a client would: base64 little-endian values of the column's type (float64 unless `types` says), or plain JSON numbers. */
function decoded(columns: Columns, name: ColumnName): Float64Array | Float32Array | Int32Array {
  const column = columns[name]!;
  if (typeof column !== 'string') return Float64Array.from(column, Number);
  const bytes = Buffer.from(column, 'base64');
  const copy = new ArrayBuffer(bytes.length); // a Buffer may sit at an unaligned offset of a shared pool
  new Uint8Array(copy).set(bytes);
  return new typedArrays[columns.types?.[name] ?? 'float64'](copy);
}

/** Each series' max and bucket count (and points per bucket when asked for): what a chart draws, and what proves the spikes survived. */
function chartOf(series: Series): { buckets: number; maxima: number[]; counts?: number[] } {
  if (series.buckets) return { buckets: series.buckets.length, maxima: series.buckets.map((b) => b.max), counts: series.buckets.map((b) => b.count) };
  const columns = series.columns!;
  const maxima = Array.from(decoded(columns, 'max'));
  if (maxima.length !== columns.length || decoded(columns, 'firstStep').length !== columns.length) throw new Error(`series ${series.runId}/${series.key}: columns disagree on length`);
  return { buckets: columns.length, maxima, counts: columns.count === undefined ? undefined : Array.from(decoded(columns, 'count')) };
}

const spikesPerSeries = Math.ceil(STEPS / SPIKE_EVERY);

function verified(response: Dashboard): number {
  if (response.errors || !response.data) throw new Error(`dashboard query failed: ${JSON.stringify(response.errors)}`);
  const { runs, metricSeries } = response.data;
  if (runs.totalCount !== RUNS || runs.edges.length !== RUNS) throw new Error(`runs: expected the ${RUNS} dashboard runs, got ${runs.totalCount}`);
  if (metricSeries.length !== RUNS * KEYS.length) throw new Error(`expected ${RUNS * KEYS.length} series, got ${metricSeries.length}`);
  let buckets = 0;
  for (const series of metricSeries) {
    const chart = chartOf(series);
    const spikes = chart.maxima.filter((max) => max === 10).length;
    const points = chart.counts ? chart.counts.reduce((sum, n) => sum + n, 0) : STEPS;
    if (chart.buckets !== Math.min(BUCKETS, STEPS) || spikes !== spikesPerSeries || points !== STEPS) {
      throw new Error(`series ${series.runId}/${series.key}: ${chart.buckets} buckets, ${spikes} spikes, ${points} points; expected ${BUCKETS}, ${spikesPerSeries}, ${STEPS}`);
    }
    buckets += chart.buckets;
  }
  return buckets;
}

const dashboardRun = (i: number): SeedRun => ({
  runName: `dashboard-${i}`,
  startTime: T0 + OTHER_RUNS + i,
  params: [{ key: 'lr', value: String(i / 1000) }],
  tags: [DASHBOARD_TAG],
  metrics: [],
});

// A spike every 97 steps: with 4 steps per bucket only min/max downsampling keeps them. Logged
// through runs/log-batch, 1000 points (MLflow's limit) per request, eight clients at a time.
async function logHistories(server: Server, runIds: string[]): Promise<void> {
  const batches = runIds.flatMap((runId, r) =>
    KEYS.flatMap((key) =>
      Array.from({ length: Math.ceil(STEPS / 1000) }, (_, b) => ({
        run_id: runId,
        metrics: Array.from({ length: Math.min(1000, STEPS - b * 1000) }, (_, j) => {
          const step = b * 1000 + j;
          return { key, value: step % SPIKE_EVERY === 0 ? 10 : Math.sin(step / 50) + r / 100, timestamp: T0 + step, step };
        }),
      })),
    ),
  );
  const workers = Array.from({ length: 8 }, async () => {
    for (let batch = batches.pop(); batch; batch = batches.pop()) await call(server.baseUrl, 'POST', '/api/2.0/mlflow/runs/log-batch', batch);
  });
  await Promise.all(workers);
}

const otherRun = (i: number): SeedRun => ({
  runName: `run-${i}`,
  startTime: T0 + i,
  params: [{ key: 'lr', value: String((i % 100) / 1000) }],
  tags: [{ key: 'dashboard', value: `other-${i % 10}` }],
  metrics: [{ key: KEYS[0], value: i % 7, timestamp: T0 + i, step: 0, modelId: '', datasetName: '', datasetDigest: '' }],
});

async function seed(server: Server): Promise<void> {
  const { experiment_id: experimentId } = await call<{ experiment_id: string }>(server.baseUrl, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'dashboard' });
  const seedRuns = async (what: string, count: number, runsPerTransaction: number, run: (i: number) => SeedRun) => {
    const started = performance.now();
    let reported = 0;
    const { done, errors, firstError } = await seedRunsInProcess({
      databaseUrl: pgUrl(server.database),
      experimentId,
      from: 0,
      count,
      concurrency: 2,
      runsPerTransaction,
      budgetMs: Infinity,
      run,
      onProgress: (n) => {
        if (n - reported < count / 10) return;
        reported = n;
        log(`  ${what}: ${n}/${count}`);
      },
    });
    if (errors) throw new Error(`seeding ${what}: ${errors} runs failed (first: ${firstError})`);
    log(`  seeded ${done} ${what} in ${round((performance.now() - started) / 1000)} s`);
  };
  await seedRuns('dashboard runs', RUNS, 10, dashboardRun);
  const started = performance.now();
  await logHistories(server, (await dashboardOf(server)).runIds);
  log(`  logged ${RUNS * KEYS.length * STEPS} points in ${round((performance.now() - started) / 1000)} s`);
  await seedRuns('other runs', OTHER_RUNS, 200, otherRun);
  // What autovacuum would have done by the time anyone looks: statistics and the visibility map.
  await withPg(server.database, (c) => c.query('VACUUM ANALYZE'));
}

async function dashboardOf(server: Server): Promise<{ experimentId: string; runIds: string[] }> {
  const { experiment } = await call<{ experiment: { experiment_id: string } }>(server.baseUrl, 'GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=dashboard');
  const { runs } = await call<{ runs: { info: { run_id: string } }[] }>(server.baseUrl, 'POST', '/api/2.0/mlflow/runs/search', {
    experiment_ids: [experiment.experiment_id],
    filter: `tags.${DASHBOARD_TAG.key} = '${DASHBOARD_TAG.value}'`,
    max_results: RUNS,
  });
  return { experimentId: experiment.experiment_id, runIds: runs.map((r) => r.info.run_id) };
}

async function isSeeded(server: Server): Promise<boolean> {
  return call(server.baseUrl, 'GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=dashboard').then(
    () => true,
    () => false,
  );
}

export async function runGraphqlBench(): Promise<Record<string, unknown>> {
  const database = REUSE_DATABASE ?? `bench_graphql_${Date.now().toString(36)}${process.pid}`;
  let server: Server | undefined;
  try {
    if (!REUSE_DATABASE || !(await databaseExists(database))) await createDatabase(database);
    server = await startChronicle(database, REUSE_DATABASE ? keptDatabaseStartupMs : undefined);
    log(`GraphQL dashboard bench: ${RUNS} of ${RUNS + OTHER_RUNS} runs × ${KEYS.length} metrics × ${STEPS} steps, series as ${FORM}, on ${server.baseUrl} (database ${database})…`);
    if (!(await isSeeded(server))) await seed(server);
    const { experimentId, runIds } = await dashboardOf(server);
    const variables = { e: experimentId, keys: KEYS, ids: runIds };
    const once = async () => {
      const started = performance.now();
      const response = await call<Dashboard>(server!.baseUrl, 'POST', '/graphql', { query: dashboardQuery, variables });
      const elapsed = performance.now() - started;
      return { elapsed, buckets: verified(response) };
    };
    // The first query after start is cold: nothing cached, every raw point aggregated.
    const cold = await once();
    log(`  cold (first query, nothing cached): ${round(cold.elapsed)} ms`);
    for (let i = 0; i < 2; i += 1) await once(); // warm-up: JIT, plans
    const samples: number[] = [];
    for (let i = 0; i < REPS; i += 1) {
      const { elapsed } = await once();
      log(`  rep ${i + 1}: ${round(elapsed)} ms`);
      samples.push(elapsed);
    }
    for (const query of countsQueries) verified(await call<Dashboard>(server.baseUrl, 'POST', '/graphql', { query, variables }));
    samples.sort((a, b) => a - b);
    const result = {
      [`dashboard query (${RUNS} of ${RUNS + OTHER_RUNS} runs × ${KEYS.length} metrics × ${BUCKETS} buckets, series as ${FORM})`]: {
        cold_first_query_ms: round(cold.elapsed),
        warm_p50_ms: round(percentile(samples, 0.5)),
        warm_p95_ms: round(percentile(samples, 0.95)),
        warm_max_ms: round(samples[samples.length - 1]),
        buckets_returned: cold.buckets,
        steps_per_series: STEPS,
        reps: REPS,
        target: 'p95 ≤ 150 ms',
      },
    };
    log(JSON.stringify(result));
    return result;
  } finally {
    if (server) await stopServer(server).catch(() => undefined);
    if (!REUSE_DATABASE) await dropDatabase(database).catch(() => undefined);
  }
}

if (require.main === module) {
  runGraphqlBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

// The dashboard query of issue 5 over GraphQL: 100 runs × 10 metrics, each downsampled to 500
// buckets (min/max/mean), with params and latest metrics, against Chronicle on a fresh Postgres.
import { round } from './eventstore-bench-support';
import { call, createDatabase, dropDatabase, startChronicle, stopServer, type Server } from './tracking-servers';

const RUNS = 100;
const KEYS = Array.from({ length: 10 }, (_, i) => `metric_${i}`);
const BUCKETS = 500;
const STEPS = Number(process.env.GRAPHQL_BENCH_STEPS ?? 2000);
const REPS = Number(process.env.GRAPHQL_BENCH_REPS ?? 30);
// Seeding 2M points takes minutes; a database seeded by an earlier run can be named to skip it.
const REUSE_DATABASE = process.env.GRAPHQL_BENCH_DATABASE;

const dashboardQuery = `query Dashboard($e: ID!, $keys: [String!]!, $ids: [ID!]!) {
  runs(experimentIds: [$e], first: ${RUNS}) { totalCount edges { node { id name status params { key value } latestMetrics(keys: $keys) { key value step } } } }
  metricSeries(runIds: $ids, keys: $keys, buckets: ${BUCKETS}) { runId key buckets { firstStep lastStep min max mean } }
}`;

type Dashboard = { data?: { runs: { totalCount: number }; metricSeries: { buckets: unknown[] }[] }; errors?: unknown[] };

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function seeded(server: Server): Promise<{ experimentId: string; runIds: string[] }> {
  const { experiment } = await call<{ experiment: { experiment_id: string } }>(server.baseUrl, 'GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=dashboard');
  const { runs } = await call<{ runs: { info: { run_id: string } }[] }>(server.baseUrl, 'POST', '/api/2.0/mlflow/runs/search', {
    experiment_ids: [experiment.experiment_id],
    max_results: RUNS,
  });
  return { experimentId: experiment.experiment_id, runIds: runs.map((r) => r.info.run_id) };
}

async function seed(server: Server): Promise<{ experimentId: string; runIds: string[] }> {
  const { experiment_id: experimentId } = await call<{ experiment_id: string }>(server.baseUrl, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'dashboard' });
  const runIds: string[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const { run } = await call<{ run: { info: { run_id: string } } }>(server.baseUrl, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: experimentId });
    runIds.push(run.info.run_id);
    await call(server.baseUrl, 'POST', '/api/2.0/mlflow/runs/log-parameter', { run_id: run.info.run_id, key: 'lr', value: String(i / 1000) });
  }
  // 1000-point batches (MLflow's limit), eight clients at a time; a spike every 97 steps.
  const batches = runIds.flatMap((runId, r) =>
    KEYS.flatMap((key) =>
      Array.from({ length: Math.ceil(STEPS / 1000) }, (_, b) => ({
        run_id: runId,
        metrics: Array.from({ length: Math.min(1000, STEPS - b * 1000) }, (_, j) => {
          const step = b * 1000 + j;
          return { key, value: step % 97 === 0 ? 10 : Math.sin(step / 50) + r / 100, timestamp: 1_700_000_000_000 + step, step };
        }),
      })),
    ),
  );
  const workers = Array.from({ length: 8 }, async () => {
    for (let batch = batches.pop(); batch; batch = batches.pop()) await call(server.baseUrl, 'POST', '/api/2.0/mlflow/runs/log-batch', batch);
  });
  await Promise.all(workers);
  return { experimentId, runIds };
}

export async function runGraphqlBench(): Promise<Record<string, unknown>> {
  const database = REUSE_DATABASE ?? `bench_graphql_${Date.now().toString(36)}${process.pid}`;
  let server: Server | undefined;
  try {
    if (!REUSE_DATABASE) await createDatabase(database);
    server = await startChronicle(database);
    log(`GraphQL dashboard bench: ${RUNS} runs × ${KEYS.length} metrics × ${STEPS} steps on ${server.baseUrl} (database ${database})…`);
    const seedStarted = performance.now();
    const { experimentId, runIds } = REUSE_DATABASE ? await seeded(server) : await seed(server);
    log(`  ${REUSE_DATABASE ? 'found' : 'seeded'} ${RUNS * KEYS.length * STEPS} points in ${round((performance.now() - seedStarted) / 1000)} s`);
    const variables = { e: experimentId, keys: KEYS, ids: runIds };
    const once = async () => {
      const started = performance.now();
      const response = await call<Dashboard>(server!.baseUrl, 'POST', '/graphql', { query: dashboardQuery, variables });
      const elapsed = performance.now() - started;
      if (response.errors || response.data?.runs.totalCount !== RUNS) throw new Error(`dashboard query failed: ${JSON.stringify(response.errors)}`);
      const buckets = response.data.metricSeries.reduce((sum, s) => sum + s.buckets.length, 0);
      return { elapsed, buckets };
    };
    for (let i = 0; i < 3; i += 1) await once(); // warm-up: JIT, plans, caches
    const samples: number[] = [];
    let buckets = 0;
    for (let i = 0; i < REPS; i += 1) {
      const result = await once();
      log(`  rep ${i + 1}: ${round(result.elapsed)} ms`);
      samples.push(result.elapsed);
      buckets = result.buckets;
    }
    samples.sort((a, b) => a - b);
    const result = {
      'dashboard query (100 runs × 10 metrics × 500 buckets)': {
        p50_ms: round(percentile(samples, 0.5)),
        p95_ms: round(percentile(samples, 0.95)),
        max_ms: round(samples[samples.length - 1]),
        buckets_returned: buckets,
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

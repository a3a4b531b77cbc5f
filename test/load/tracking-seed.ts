// Seeds runs through Chronicle's own command path in the bench process: the same handlers,
// deciders, event appends and inline projections as POST runs/create + runs/log-batch, without
// the HTTP round trips (the server's relay still publishes every seeded event from the log).
import { Database } from '@chronicle/database';
import { trackingMigrations, TrackingEventStore } from '@chronicle/tracking';
import { ExperimentCommandsHandler } from '../../services/tracking/src/commands/experiment-commands.handler';
import { RunCommandsHandler } from '../../services/tracking/src/commands/run-commands.handler';
import type { MetricPoint, Param, Tag } from '../../services/tracking/src/domain/tracking-event';
import { ExperimentsRepository } from '../../services/tracking/src/repositories/experiments.repository';

export interface SeedRun {
  runName: string;
  startTime: number;
  params: Param[];
  metrics: MetricPoint[];
  tags: Tag[];
}

export interface SeedOptions {
  databaseUrl: string;
  experimentId: string;
  count: number;
  concurrency: number;
  budgetMs: number;
  run(i: number): SeedRun;
  onProgress(done: number): void;
}

/** Creates and logs `count` runs (or as many as fit the budget); returns how many were seeded. */
export async function seedRunsInProcess(options: SeedOptions): Promise<{ done: number; errors: number; firstError: string }> {
  const db = await Database.connect({
    url: options.databaseUrl,
    name: 'tracking',
    migrations: trackingMigrations,
    poolSize: options.concurrency,
  });
  const store = new TrackingEventStore(db);
  const runs = new RunCommandsHandler(store, new ExperimentCommandsHandler(store, db), new ExperimentsRepository(db));
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError = '';
  const worker = async (): Promise<void> => {
    while (next < options.count && performance.now() - t0 < options.budgetMs) {
      const i = next++;
      const seed = options.run(i);
      const ctx = { workspaceId: 'default', actor: 'bench', requestId: `seed-${i}`, now: Date.now() };
      try {
        const runId = await runs.create(ctx, { experimentId: options.experimentId, runName: seed.runName, startTime: seed.startTime, tags: [] });
        await runs.logBatch(ctx, runId, seed);
        done++;
      } catch (e) {
        errors++;
        if (!firstError) firstError = String(e);
      }
      if (done % 500 === 0) options.onProgress(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await db.close();
  }
  options.onProgress(done);
  return { done, errors, firstError };
}

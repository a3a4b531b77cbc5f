// Seeds runs through Chronicle's own write path in the bench process: the run decider decides
// CreateRun (with the run's tags, as runs/create takes them) then LogBatch, the event store appends
// those events to the run's stream and the inline projections apply them, exactly as for POST
// runs/create + runs/log-batch. What differs: one transaction per `runsPerTransaction` runs instead
// of two per run, the projections applied once per transaction to all its events, no stream
// snapshot (the events are the whole stream) and no HTTP. The server's relay still publishes every
// seeded event.
import { Database } from '@chronicle/database';
import { trackingMigrations, TrackingEventStore } from '@chronicle/tracking';
import { randomUUID } from 'node:crypto';
import { runDecider, runStream, type RunState } from '../../services/tracking/src/domain/run/run.decider';
import type { MetricPoint, Param, Tag, TrackingEvent } from '../../services/tracking/src/domain/tracking-event';
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
  /** Seeds runs `from` … `count - 1` (an earlier run may have seeded the ones before). */
  from: number;
  count: number;
  concurrency: number;
  runsPerTransaction: number;
  budgetMs: number;
  run(i: number): SeedRun;
  onProgress(done: number): void;
}

/** Creates and logs `count` runs (or as many as fit the budget); returns how many were seeded. */
export async function seedRunsInProcess(options: SeedOptions): Promise<{ done: number; errors: number; firstError: string }> {
  const db = await Database.connect({ url: options.databaseUrl, name: 'tracking', migrations: trackingMigrations, poolSize: options.concurrency });
  const store = new TrackingEventStore(db);
  const workspaceId = 'default';
  const experiment = await new ExperimentsRepository(db).get(workspaceId, options.experimentId);
  if (!experiment) throw new Error(`No experiment ${options.experimentId} to seed`);
  const t0 = performance.now();
  let next = options.from;
  let done = 0;
  let errors = 0;
  let firstError = '';

  const runEvents = (seed: SeedRun, runId: string): TrackingEvent[] => {
    const created = runDecider.decide(
      {
        type: 'CreateRun',
        runId,
        experimentActive: true,
        experimentId: options.experimentId,
        runName: seed.runName,
        userId: '',
        startTime: seed.startTime,
        artifactUri: `${experiment.artifactLocation}/${runId}/artifacts`,
        tags: seed.tags,
      },
      runDecider.initialState,
    );
    const state: RunState = created.reduce(runDecider.evolve, runDecider.initialState);
    const logged = runDecider.decide({ type: 'LogBatch', runId, experimentActive: true, params: seed.params, metrics: seed.metrics, tags: [] }, state);
    return [...created, ...logged];
  };

  const worker = async (): Promise<void> => {
    while (next < options.count && performance.now() - t0 < options.budgetMs) {
      const first = next;
      const last = Math.min(options.count, first + options.runsPerTransaction);
      next = last;
      try {
        await db.transaction(async (tx) => {
          const stored = [];
          for (let i = first; i < last; i++) {
            const runId = randomUUID().replaceAll('-', '');
            const metadata = { actor: 'bench', correlationId: `seed-${i}`, requestId: `seed-${i}`, occurredAt: Date.now() };
            const events = runEvents(options.run(i), runId);
            stored.push(...(await store.append(tx, { workspaceId, streamId: runStream(runId), expectedVersion: 0, events, metadata })));
          }
          await store.project(tx, stored);
        });
        done += last - first;
      } catch (e) {
        errors += last - first;
        if (!firstError) firstError = String(e);
      }
      options.onProgress(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await db.close();
  }
  return { done, errors, firstError };
}

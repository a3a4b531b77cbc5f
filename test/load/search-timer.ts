import { fork } from 'node:child_process';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { callBytes } from './tracking-servers';

/** What the timing process is asked to do. */
export interface SearchTimerInput {
  baseUrl: string;
  path: string;
  body: unknown;
  warmup: number;
  repetitions: number;
  /** Stop early once this much time has passed and five searches are timed (MLflow's take seconds). */
  budgetMs: number;
}

export interface TimedSearch {
  /** From sending the request to the response's last byte. */
  latencyMs: number;
  /** JSON.parse of the page, timed apart from the request. */
  parseMs: number;
  /** The timing process's garbage-collection pauses inside the request. */
  clientGcMs: number;
}

export interface SearchTimerResult {
  warmupMeanMs: number;
  searches: TimedSearch[];
  /** The first page, parsed. */
  firstPage: unknown;
}

type FromTimer = { type: 'warm' } | { type: 'progress'; done: number } | { type: 'timed' } | { type: 'done'; result: SearchTimerResult };
type ToTimer = { type: 'start'; input: SearchTimerInput } | { type: 'go' };

/** What the bench does around the timed searches (measuring what else ran meanwhile). */
export interface SearchTimerHooks {
  /** After the warm-up; the timed searches start when it resolves. */
  beforeTiming(): Promise<void>;
  /** Right after the last timed search. */
  afterTiming(): Promise<void>;
  progress(done: number): void;
}

/**
 * Times searches from a process of its own, as a load tool would, so that the bench process's
 * heap (100,000 runs seeded in process) is not collected inside the timed requests: there, the
 * client's garbage collection paused 77–79 of 100 timed searches, by up to 37 ms each. After each
 * search the page is parsed (timed apart) and the heap collected (untimed), so every request
 * starts on a clean heap.
 */
export async function timeSearches(input: SearchTimerInput, hooks: SearchTimerHooks): Promise<SearchTimerResult> {
  const child = fork(path.join(__dirname, 'search-timer.js'), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    let afterTiming = Promise.resolve();
    return await new Promise<SearchTimerResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`search timer exited with code ${code}`)));
      child.on('message', (message: FromTimer) => {
        if (message.type === 'warm') hooks.beforeTiming().then(() => child.send({ type: 'go' } satisfies ToTimer), reject);
        else if (message.type === 'progress') hooks.progress(message.done);
        else if (message.type === 'timed') afterTiming = hooks.afterTiming();
        else afterTiming.then(() => resolve(message.result), reject);
      });
      child.send({ type: 'start', input } satisfies ToTimer);
    });
  } finally {
    child.kill();
  }
}

async function run(input: SearchTimerInput, send: (message: FromTimer) => void, go: Promise<void>): Promise<void> {
  const collect = globalThis.gc!;
  const search = () => callBytes(input.baseUrl, 'POST', input.path, input.body, 300_000);
  const tw = performance.now();
  const first = await search();
  for (let i = 1; i < input.warmup; i++) await search();
  const warmupMeanMs = (performance.now() - tw) / input.warmup;
  const firstPage: unknown = JSON.parse(first.toString('utf8'));
  send({ type: 'warm' });
  await go;

  const pauses: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((list) => pauses.push(...list.getEntries().map((e) => ({ start: e.startTime, end: e.startTime + e.duration }))));
  observer.observe({ entryTypes: ['gc'] });
  const timed: { start: number; end: number; parseMs: number }[] = [];
  const t0 = performance.now();
  for (let i = 0; i < input.repetitions; i++) {
    if (performance.now() - t0 > input.budgetMs && timed.length >= 5) break;
    collect();
    const start = performance.now();
    const page = await search();
    const end = performance.now();
    JSON.parse(page.toString('utf8'));
    timed.push({ start, end, parseMs: performance.now() - end });
    send({ type: 'progress', done: timed.length });
  }
  send({ type: 'timed' });
  await new Promise((r) => setTimeout(r, 100)); // the observer reports a pause after it ends
  observer.disconnect();
  const searches = timed.map(({ start, end, parseMs }) => ({
    latencyMs: end - start,
    parseMs,
    clientGcMs: pauses.reduce((ms, p) => ms + Math.max(0, Math.min(end, p.end) - Math.max(start, p.start)), 0),
  }));
  send({ type: 'done', result: { warmupMeanMs, searches, firstPage } });
}

if (require.main === module) {
  let go: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (go = resolve));
  process.on('message', (message: ToTimer) => {
    if (message.type === 'go') go();
    else
      run(message.input, (m) => process.send!(m), started).catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  });
}

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, JobQueue } from './job-queue.port';

export interface JobQueueContractOptions {
  createQueue(): Promise<JobQueue>;
  /** How long a job may take to be picked up. */
  pickupTimeoutMs: number;
  /** Jest timeout of each test. */
  testTimeoutMs: number;
}

interface Payload {
  n: number;
}

/**
 * The behaviour every JobQueue adapter must show; run by each adapter's spec with its own factory.
 * Each test uses fresh queue names.
 */
export function jobQueueContract(adapter: string, options: JobQueueContractOptions): void {
  const { pickupTimeoutMs, testTimeoutMs } = options;

  describe(`JobQueue contract: ${adapter}`, () => {
    let jobs: JobQueue;

    beforeEach(async () => {
      jobs = await options.createQueue();
    });

    afterEach(async () => {
      await jobs.close();
    });

    async function waitFor(what: string, done: () => boolean, timeoutMs = pickupTimeoutMs): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await sleep(10);
      }
    }

    it('runs a job with its name and data', async () => {
      const queue = freshQueue();
      const seen: Job<Payload>[] = [];
      await jobs.process<Payload>(queue, async (job) => void seen.push(job));

      const id = await jobs.enqueue<Payload>(queue, 'export-audit', { n: 7 });
      await waitFor('the job', () => seen.length === 1);

      expect(seen).toEqual([{ id, name: 'export-audit', data: { n: 7 }, attempt: 1 }]);
    }, testTimeoutMs);

    it('retries a failing job with a growing attempt counter until it succeeds', async () => {
      const queue = freshQueue();
      const attempts: number[] = [];
      let succeeded = false;
      await jobs.process<Payload>(queue, async (job) => {
        attempts.push(job.attempt);
        if (job.attempt < 3) throw new Error(`attempt ${job.attempt} fails`);
        succeeded = true;
      });

      await jobs.enqueue<Payload>(queue, 'flaky', { n: 1 }, { attempts: 5, backoffMs: 20 });
      await waitFor('success', () => succeeded);
      await sleep(100);

      expect(attempts).toEqual([1, 2, 3]);
    }, testTimeoutMs);

    it('gives up after the given number of attempts', async () => {
      const queue = freshQueue();
      const attempts: number[] = [];
      await jobs.process<Payload>(queue, async (job) => {
        attempts.push(job.attempt);
        throw new Error('always fails');
      });

      await jobs.enqueue<Payload>(queue, 'broken', { n: 1 }, { attempts: 2, backoffMs: 20 });
      await waitFor('two attempts', () => attempts.length === 2);
      await sleep(300);

      expect(attempts).toEqual([1, 2]);
    }, testTimeoutMs);

    it('runs a job id once, however often it is enqueued', async () => {
      const queue = freshQueue();
      const first = await jobs.enqueue<Payload>(queue, 'dedupe', { n: 1 }, { jobId: 'workspace-1.rebuild' });
      const second = await jobs.enqueue<Payload>(queue, 'dedupe', { n: 2 }, { jobId: 'workspace-1.rebuild' });
      const seen: Job<Payload>[] = [];
      await jobs.process<Payload>(queue, async (job) => void seen.push(job));
      await waitFor('the job', () => seen.length === 1);

      await jobs.enqueue<Payload>(queue, 'dedupe', { n: 3 }, { jobId: 'workspace-1.rebuild' });
      await sleep(300);

      expect([first, second]).toEqual(['workspace-1.rebuild', 'workspace-1.rebuild']);
      expect(seen.map((job) => job.data)).toEqual([{ n: 1 }]);
    }, testTimeoutMs);

    it('rejects job ids and queue names that BullMQ cannot store', async () => {
      const queue = freshQueue();
      await expect(jobs.enqueue(queue, 'bad', {}, { jobId: '42' })).rejects.toThrow(/integer/);
      await expect(jobs.enqueue(queue, 'bad', {}, { jobId: 'a:b' })).rejects.toThrow(/:/);
      await expect(jobs.enqueue(`${queue}:x`, 'bad', {})).rejects.toThrow(/:/);
    }, testTimeoutMs);

    it('holds a delayed job back for its delay', async () => {
      const queue = freshQueue();
      let startedAt = 0;
      await jobs.process<Payload>(queue, async () => {
        startedAt = Date.now();
      });

      const enqueuedAt = Date.now();
      await jobs.enqueue<Payload>(queue, 'later', { n: 1 }, { delayMs: 500 });
      await waitFor('the delayed job', () => startedAt > 0, pickupTimeoutMs + 500);

      expect(startedAt - enqueuedAt).toBeGreaterThanOrEqual(480);
    }, testTimeoutMs);

    it('runs at most `concurrency` jobs at a time', async () => {
      const queue = freshQueue();
      let running = 0;
      let peak = 0;
      let done = 0;
      await jobs.process<Payload>(queue, async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(100);
        running -= 1;
        done += 1;
      }, { concurrency: 2 });

      for (let n = 0; n < 6; n += 1) await jobs.enqueue<Payload>(queue, 'work', { n });
      await waitFor('every job', () => done === 6, pickupTimeoutMs + 1000);

      expect(peak).toBe(2);
    }, testTimeoutMs);

    it('closes a worker after its running job, and then runs no more jobs', async () => {
      const queue = freshQueue();
      const started: number[] = [];
      const finished: number[] = [];
      const worker = await jobs.process<Payload>(queue, async (job) => {
        started.push(job.data.n);
        await sleep(150);
        finished.push(job.data.n);
      });

      await jobs.enqueue<Payload>(queue, 'slow', { n: 1 });
      await waitFor('the job to start', () => started.length === 1);
      await worker.close();
      expect(finished).toEqual([1]);

      await jobs.enqueue<Payload>(queue, 'slow', { n: 2 });
      await sleep(300);
      expect(started).toEqual([1]);
    }, testTimeoutMs);
  });
}

function freshQueue(): string {
  return `contract-${randomUUID()}`;
}

import { randomUUID } from 'node:crypto';
import type { EnqueueOptions, JobHandler, JobQueue, JobWorker, ProcessOptions } from './job-queue.port';

/** The subset of a pino logger the in-process adapters use. */
export interface WarnLogger {
  warn(details: object, message: string): void;
}

export interface InProcessJobQueueOptions {
  /** Finished job ids remembered per queue for jobId dedupe (BullMQ keeps the same number). */
  keepFinishedJobs?: number;
  logger?: WarnLogger;
}

interface QueuedJob {
  id: string;
  name: string;
  /** Stored as JSON, like BullMQ does, so each attempt gets a fresh copy and the same values. */
  payload: string;
  attemptsMade: number;
  attempts: number;
  backoffMs: number;
}

interface Worker {
  handler: JobHandler<unknown>;
  concurrency: number;
  running: Set<Promise<void>>;
}

interface Queue {
  waiting: QueuedJob[];
  /** Jobs waiting, delayed, running or between attempts. */
  pending: Set<string>;
  /** Insertion-ordered, so the oldest is dropped first. */
  finished: Set<string>;
  workers: Worker[];
}

export const DEFAULT_KEEP_FINISHED_JOBS = 1000;
export const DEFAULT_BACKOFF_MS = 1000;

/**
 * The embedded-mode job queue: jobs live in memory and run on timers in this process, with
 * the same retry, delay, dedupe and concurrency rules as the BullMQ adapter. Jobs not yet run
 * are lost when the process stops.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly keepFinishedJobs: number;
  private closed = false;

  constructor(private readonly options: InProcessJobQueueOptions = {}) {
    this.keepFinishedJobs = options.keepFinishedJobs ?? DEFAULT_KEEP_FINISHED_JOBS;
  }

  async enqueue<T>(queueName: string, name: string, data: T, options: EnqueueOptions = {}): Promise<string> {
    this.assertOpen();
    const queue = this.queue(queueName);
    if (options.jobId !== undefined) assertValidJobId(options.jobId);
    const id = options.jobId ?? randomUUID();
    if (queue.pending.has(id) || queue.finished.has(id)) return id;

    const attempts = options.attempts ?? 1;
    if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`Invalid attempts ${attempts}`);
    const payload = JSON.stringify(data === undefined ? {} : data);
    queue.pending.add(id);
    this.schedule(queue, { id, name, payload, attemptsMade: 0, attempts, backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS }, options.delayMs ?? 0);
    return id;
  }

  async process<T>(queueName: string, handler: JobHandler<T>, options: ProcessOptions = {}): Promise<JobWorker> {
    this.assertOpen();
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`Invalid concurrency ${concurrency}`);
    const queue = this.queue(queueName);
    const worker: Worker = { handler: handler as JobHandler<unknown>, concurrency, running: new Set() };
    queue.workers.push(worker);
    this.dispatch(queue);
    return { close: () => stopWorker(queue, worker) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    const workers = [...this.queues.values()].flatMap((queue) => queue.workers.map((worker) => stopWorker(queue, worker)));
    await Promise.all(workers);
  }

  private schedule(queue: Queue, job: QueuedJob, delayMs: number): void {
    if (delayMs <= 0) {
      queue.waiting.push(job);
      this.dispatch(queue);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      queue.waiting.push(job);
      this.dispatch(queue);
    }, delayMs);
    this.timers.add(timer);
  }

  private dispatch(queue: Queue): void {
    if (this.closed) return;
    for (const worker of queue.workers) {
      while (worker.running.size < worker.concurrency && queue.waiting.length > 0) {
        const job = queue.waiting.shift();
        if (job) this.run(queue, worker, job);
      }
    }
  }

  private run(queue: Queue, worker: Worker, job: QueuedJob): void {
    job.attemptsMade += 1;
    const attempt = job.attemptsMade;
    const execution: Promise<void> = Promise.resolve()
      .then(() => worker.handler({ id: job.id, name: job.name, data: JSON.parse(job.payload), attempt }))
      .then(
        () => this.finish(queue, job),
        (error: unknown) => this.failed(queue, job, error),
      )
      .finally(() => {
        worker.running.delete(execution);
        this.dispatch(queue);
      });
    worker.running.add(execution);
  }

  private failed(queue: Queue, job: QueuedJob, error: unknown): void {
    if (this.closed) return;
    if (job.attemptsMade < job.attempts) {
      this.schedule(queue, job, job.backoffMs * 2 ** (job.attemptsMade - 1));
      return;
    }
    const details = { err: error, jobId: job.id, name: job.name, attempts: job.attempts };
    this.options.logger?.warn(details, 'Job failed on its last attempt');
    this.finish(queue, job);
  }

  private finish(queue: Queue, job: QueuedJob): void {
    queue.pending.delete(job.id);
    queue.finished.add(job.id);
    if (queue.finished.size > this.keepFinishedJobs) {
      const oldest = queue.finished.values().next();
      if (!oldest.done) queue.finished.delete(oldest.value);
    }
  }

  private queue(name: string): Queue {
    if (name.includes(':')) throw new Error('Queue name cannot contain :');
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { waiting: [], pending: new Set(), finished: new Set(), workers: [] };
      this.queues.set(name, queue);
    }
    return queue;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The job queue is closed');
  }
}

async function stopWorker(queue: Queue, worker: Worker): Promise<void> {
  const index = queue.workers.indexOf(worker);
  if (index >= 0) queue.workers.splice(index, 1);
  await Promise.all(worker.running);
}

/** BullMQ's rules for custom ids, enforced here too so embedded mode fails the same way. */
function assertValidJobId(jobId: string): void {
  if (`${parseInt(jobId, 10)}` === jobId) throw new Error('Custom Id cannot be integers');
  if (jobId.includes(':')) throw new Error('Custom Id cannot contain :');
}

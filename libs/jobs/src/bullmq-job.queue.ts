import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { DEFAULT_BACKOFF_MS, DEFAULT_KEEP_FINISHED_JOBS, type WarnLogger } from './in-process-job.queue';
import type { EnqueueOptions, JobHandler, JobQueue, JobWorker, ProcessOptions } from './job-queue.port';

export interface BullMqJobQueueConfig {
  redisUrl: string;
  /** Prefix of every Redis key. Default `chronicle`. */
  prefix?: string;
  /** Finished jobs kept per queue (and so remembered for jobId dedupe). */
  keepFinishedJobs?: number;
  logger?: WarnLogger;
}

/** The distributed-mode job queue: BullMQ 6 on Redis. */
export class BullMqJobQueue implements JobQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Set<JobWorker>();
  private readonly prefix: string;
  private readonly keepFinishedJobs: number;

  private constructor(
    private readonly config: BullMqJobQueueConfig,
    /** Shared by the queues; enqueue fails after ioredis's retries rather than hanging. */
    private readonly connection: Redis,
  ) {
    this.prefix = config.prefix ?? 'chronicle';
    this.keepFinishedJobs = config.keepFinishedJobs ?? DEFAULT_KEEP_FINISHED_JOBS;
  }

  /** Connects to Redis first, so a wrong address fails at boot. */
  static async connect(config: BullMqJobQueueConfig): Promise<BullMqJobQueue> {
    const connection = new Redis(config.redisUrl, { lazyConnect: true });
    // ioredis reports each failed reconnect as an 'error' event; unheard, it prints to stderr.
    connection.on('error', (error: Error) => config.logger?.warn({ err: error }, 'Redis connection error'));
    try {
      await connection.connect();
    } catch (error) {
      connection.disconnect();
      throw error;
    }
    return new BullMqJobQueue(config, connection);
  }

  async enqueue<T>(queueName: string, name: string, data: T, options: EnqueueOptions = {}): Promise<string> {
    const job = await this.queue(queueName).add(name, data, {
      jobId: options.jobId,
      attempts: options.attempts ?? 1,
      backoff: { type: 'exponential', delay: options.backoffMs ?? DEFAULT_BACKOFF_MS },
      delay: options.delayMs,
      removeOnComplete: { count: this.keepFinishedJobs },
      removeOnFail: { count: this.keepFinishedJobs },
    });
    return String(job.id);
  }

  async process<T>(queueName: string, handler: JobHandler<T>, options: ProcessOptions = {}): Promise<JobWorker> {
    // Workers block on Redis, so their commands must wait out a reconnect instead of failing.
    const connection = new Redis(this.config.redisUrl, { maxRetriesPerRequest: null });
    const worker = new Worker<T, void, string>(
      queueName,
      (job) => handler({ id: String(job.id), name: job.name, data: job.data, attempt: job.attemptsMade + 1 }),
      { connection, prefix: this.prefix, concurrency: options.concurrency ?? 1 },
    );
    const logger = this.config.logger;
    worker.on('error', (error) => logger?.warn({ err: error, queue: queueName }, 'Job worker error'));
    worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        logger?.warn({ err: error, queue: queueName, jobId: job.id, name: job.name, attempts: job.attemptsMade }, 'Job failed on its last attempt');
      }
    });

    const handle: JobWorker = {
      close: async () => {
        this.workers.delete(handle);
        await worker.close();
        await connection.quit();
      },
    };
    this.workers.add(handle);
    try {
      await worker.waitUntilReady();
    } catch (error) {
      await handle.close();
      throw error;
    }
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
    await this.connection.quit();
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }
}

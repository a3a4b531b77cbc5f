export interface Job<T> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first try. */
  attempt: number;
}

export interface EnqueueOptions {
  /**
   * A second enqueue with the same job id is a no-op while the first is known to the queue
   * (waiting, delayed, running, or among the recently finished jobs the queue keeps).
   * Not an integer and without ':' (BullMQ's rules).
   */
  jobId?: string;
  /** Total tries, the first included. Default 1. */
  attempts?: number;
  /** Wait before the first retry; it doubles for each further retry. Default 1000. */
  backoffMs?: number;
  delayMs?: number;
}

export interface ProcessOptions {
  /** Jobs this worker runs at the same time. Default 1. */
  concurrency?: number;
}

export type JobHandler<T> = (job: Job<T>) => Promise<void>;

export interface JobWorker {
  /** Takes no new job; resolves once the jobs it is running have finished. */
  close(): Promise<void>;
}

/** The job queue port: BullMQ on Redis when distributed, in process when embedded. */
export interface JobQueue {
  /** Resolves to the job id (the given one, or a generated one). Queue names must not contain ':'. */
  enqueue<T>(queue: string, name: string, data: T, options?: EnqueueOptions): Promise<string>;
  process<T>(queue: string, handler: JobHandler<T>, options?: ProcessOptions): Promise<JobWorker>;
  close(): Promise<void>;
}

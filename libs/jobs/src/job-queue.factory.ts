import { BullMqJobQueue, type BullMqJobQueueConfig } from './bullmq-job.queue';
import { InProcessJobQueue, type InProcessJobQueueOptions } from './in-process-job.queue';
import type { JobQueue } from './job-queue.port';

/** Which adapter backs the queue: in process for the embedded mode, BullMQ on Redis when distributed. */
export type JobQueueConfig = ({ driver: 'in-process' } & InProcessJobQueueOptions) | ({ driver: 'bullmq' } & BullMqJobQueueConfig);

/** Builds the job queue from an already validated config; the BullMQ adapter connects first. */
export async function createJobQueue(config: JobQueueConfig): Promise<JobQueue> {
  switch (config.driver) {
    case 'in-process':
      return new InProcessJobQueue(config);
    case 'bullmq':
      return BullMqJobQueue.connect(config);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown job queue driver ${JSON.stringify(unknown)}`);
    }
  }
}

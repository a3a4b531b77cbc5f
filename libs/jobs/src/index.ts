export type { EnqueueOptions, Job, JobHandler, JobQueue, JobWorker, ProcessOptions } from './job-queue.port';
export { InProcessJobQueue, type InProcessJobQueueOptions, type WarnLogger } from './in-process-job.queue';
export { BullMqJobQueue, type BullMqJobQueueConfig } from './bullmq-job.queue';
export { createJobQueue, type JobQueueConfig } from './job-queue.factory';

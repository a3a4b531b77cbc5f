import { randomUUID } from 'node:crypto';
import { infraDefaults, loadConfig } from '@chronicle/config';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { BullMqJobQueue } from './bullmq-job.queue';
import { jobQueueContract } from './job-queue.contract';
import { createJobQueue } from './job-queue.factory';

const { CHRONICLE_REDIS_URL: redisUrl } = loadConfig(
  z.object({ CHRONICLE_REDIS_URL: z.string().default(infraDefaults.CHRONICLE_REDIS_URL) }),
);
// One prefix per run, so the keys the tests leave behind can be deleted at the end.
const prefix = `chronicle-test-${randomUUID()}`;

describe('createJobQueue with BullMQ', () => {
  it('connects to Redis', async () => {
    const jobs = await createJobQueue({ driver: 'bullmq', redisUrl, prefix });
    expect(jobs).toBeInstanceOf(BullMqJobQueue);
    await jobs.close();
  });

  // Kept here rather than in a unit spec: ioredis holds a 2 s disconnect timer after a failed connect.
  it('fails at once when Redis does not answer', async () => {
    const warn = jest.fn();
    await expect(createJobQueue({ driver: 'bullmq', redisUrl: 'redis://127.0.0.1:1', logger: { warn } })).rejects.toThrow();
    expect(warn).toHaveBeenCalledWith({ err: expect.objectContaining({ code: 'ECONNREFUSED' }) }, 'Redis connection error');
  });
});

jobQueueContract('bullmq', {
  createQueue: () => BullMqJobQueue.connect({ redisUrl, prefix }),
  pickupTimeoutMs: 5000,
  testTimeoutMs: 20000,
});

afterAll(async () => {
  const redis = new Redis(redisUrl);
  for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
    const keys: string[] = batch;
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

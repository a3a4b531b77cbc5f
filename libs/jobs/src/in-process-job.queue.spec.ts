import { setTimeout as sleep } from 'node:timers/promises';
import { jobQueueContract } from './job-queue.contract';
import { InProcessJobQueue } from './in-process-job.queue';

jobQueueContract('in-process', {
  createQueue: async () => new InProcessJobQueue(),
  pickupTimeoutMs: 1000,
  testTimeoutMs: 5000,
});

describe('InProcessJobQueue', () => {
  it('waits before each retry, doubling the backoff', async () => {
    const jobs = new InProcessJobQueue();
    const startedAt: number[] = [];
    await jobs.process('q', async () => {
      startedAt.push(Date.now());
      throw new Error('fails');
    });

    await jobs.enqueue('q', 'j', {}, { attempts: 3, backoffMs: 50 });
    await sleep(250);

    expect(startedAt).toHaveLength(3);
    expect(startedAt[1] - startedAt[0]).toBeGreaterThanOrEqual(45);
    expect(startedAt[2] - startedAt[1]).toBeGreaterThanOrEqual(95);
    await jobs.close();
  });

  it('forgets the oldest finished job ids beyond the ones it keeps', async () => {
    const jobs = new InProcessJobQueue({ keepFinishedJobs: 1 });
    const seen: string[] = [];
    await jobs.process('q', async (job) => void seen.push(job.id));
    await jobs.enqueue('q', 'j', {}, { jobId: 'first' });
    await jobs.enqueue('q', 'j', {}, { jobId: 'second' });
    await sleep(10);

    await jobs.enqueue('q', 'j', {}, { jobId: 'first' });
    await jobs.enqueue('q', 'j', {}, { jobId: 'second' });
    await sleep(10);

    expect(seen).toEqual(['first', 'second', 'first']);
    await jobs.close();
  });

  it('gives each attempt a fresh copy of the data', async () => {
    const jobs = new InProcessJobQueue();
    const seen: unknown[] = [];
    await jobs.process<{ list: number[] }>('q', async (job) => {
      seen.push(structuredClone(job.data));
      job.data.list.push(99);
      if (job.attempt === 1) throw new Error('fails');
    });
    await jobs.enqueue('q', 'j', { list: [1] }, { attempts: 2, backoffMs: 1 });
    await sleep(30);

    expect(seen).toEqual([{ list: [1] }, { list: [1] }]);
    await jobs.close();
  });

  it('logs a job that failed on its last attempt', async () => {
    const warn = jest.fn();
    const jobs = new InProcessJobQueue({ logger: { warn } });
    await jobs.process('q', async () => {
      throw new Error('fails');
    });
    await jobs.enqueue('q', 'j', {}, { jobId: 'doomed' });
    await sleep(10);

    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ jobId: 'doomed', attempts: 1 }), 'Job failed on its last attempt');
    await jobs.close();
  });
});

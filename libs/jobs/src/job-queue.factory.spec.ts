import { createJobQueue } from './job-queue.factory';
import { InProcessJobQueue } from './in-process-job.queue';

describe('createJobQueue', () => {
  it('builds the in-process queue for the embedded mode', async () => {
    const jobs = await createJobQueue({ driver: 'in-process' });
    expect(jobs).toBeInstanceOf(InProcessJobQueue);
    await jobs.close();
  });
});

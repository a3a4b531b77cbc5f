import { setTimeout as sleep } from 'node:timers/promises';
import { eventBusContract } from './event-bus.contract';
import type { DeliveredRecord } from './event-bus.port';
import { InProcessEventBus } from './in-process-event.bus';

eventBusContract('in-process', {
  createBus: async () => new InProcessEventBus({ retryBackoffMs: 10 }),
  deliveryTimeoutMs: 2000,
  testTimeoutMs: 5000,
});

describe('InProcessEventBus', () => {
  const value = new Uint8Array([1]);

  it('hands the partitions of a member that leaves to the other members', async () => {
    const bus = new InProcessEventBus();
    await bus.ensureTopics(['t'], 2);
    const first: DeliveredRecord[] = [];
    const second: DeliveredRecord[] = [];
    const leaving = await bus.subscribe({ groupId: 'g', topics: ['t'] }, async (record) => void first.push(record));
    await bus.subscribe({ groupId: 'g', topics: ['t'] }, async (record) => void second.push(record));

    await leaving.close();
    await bus.publish(Array.from({ length: 10 }, (_, index) => ({ topic: 't', key: `k${index}`, value })));
    await sleep(20);

    expect(first).toEqual([]);
    expect(new Set(second.map((record) => record.partition))).toEqual(new Set([0, 1]));
    await bus.close();
  });

  it('closes a subscription only after the handler in flight has finished', async () => {
    const bus = new InProcessEventBus();
    await bus.ensureTopics(['t'], 1);
    let finished = false;
    const subscription = await bus.subscribe({ groupId: 'g', topics: ['t'] }, async () => {
      await sleep(50);
      finished = true;
    });
    await bus.publish([{ topic: 't', key: 'k', value }]);
    await sleep(5);

    await subscription.close();
    expect(finished).toBe(true);
    await bus.close();
  });

  it('keeps what was published even if the caller reuses its buffer', async () => {
    const bus = new InProcessEventBus();
    await bus.ensureTopics(['t'], 1);
    const buffer = new Uint8Array([1, 2]);
    await bus.publish([{ topic: 't', key: 'k', value: buffer }]);
    buffer[0] = 9;
    const seen: DeliveredRecord[] = [];
    await bus.subscribe({ groupId: 'g', topics: ['t'], fromBeginning: true }, async (record) => void seen.push(record));
    await sleep(5);

    expect(Array.from(seen[0].value)).toEqual([1, 2]);
    await bus.close();
  });

  it('keeps only the newest records once every group has been handed them', async () => {
    const bus = new InProcessEventBus({ retainedRecords: 10 });
    await bus.ensureTopics(['t'], 1);
    let handed = 0;
    await bus.subscribe({ groupId: 'early', topics: ['t'] }, async () => void (handed += 1));
    for (let i = 0; i < 100; i++) await bus.publish([{ topic: 't', key: 'k', value }]);
    await waitUntil(() => handed === 100);

    const late: DeliveredRecord[] = [];
    await bus.subscribe({ groupId: 'late', topics: ['t'], fromBeginning: true }, async (record) => void late.push(record));
    await sleep(10);

    // Dropped ten at a time (retainedRecords): at the hundredth, the newest ten remain.
    expect(late.map((record) => Number(record.offset))).toEqual(Array.from({ length: 10 }, (_, i) => 90 + i));
    await bus.close();
  });

  it('keeps every record a group has not been handed yet', async () => {
    const bus = new InProcessEventBus({ retainedRecords: 10 });
    await bus.ensureTopics(['t'], 1);
    const fast: DeliveredRecord[] = [];
    const slow: DeliveredRecord[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe({ groupId: 'fast', topics: ['t'] }, async (record) => void fast.push(record));
    await bus.subscribe({ groupId: 'slow', topics: ['t'] }, async (record) => {
      await released;
      slow.push(record);
    });
    for (let i = 0; i < 100; i++) await bus.publish([{ topic: 't', key: 'k', value }]);
    await waitUntil(() => fast.length === 100);

    release();
    await waitUntil(() => slow.length === 100);
    expect(slow.map((record) => Number(record.offset))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await bus.close();
  });

  it('rejects a subscription to a topic that was not created, and use after close', async () => {
    const bus = new InProcessEventBus();
    await expect(bus.subscribe({ groupId: 'g', topics: ['nope'] }, async () => undefined)).rejects.toThrow(/ensureTopics/);
    await bus.close();
    await expect(bus.ensureTopics(['t'], 1)).rejects.toThrow(/closed/);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 2000) throw new Error('timed out');
    await sleep(5);
  }
}

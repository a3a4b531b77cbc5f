import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveredRecord, EventBus, RecordHandler, Subscription } from './event-bus.port';

export interface EventBusContractOptions {
  createBus(): Promise<EventBus>;
  /** How long a published record may take to reach a subscriber. */
  deliveryTimeoutMs: number;
  /** Jest timeout of each test. */
  testTimeoutMs: number;
}

interface Received {
  key: string;
  seq: number;
  partition: number;
  offset: string;
  headers: Record<string, string> | undefined;
}

/**
 * The behaviour every EventBus adapter must show; run by each adapter's spec with its own factory.
 * Each test uses fresh topic and group names, so tests never see each other's records.
 */
export function eventBusContract(adapter: string, options: EventBusContractOptions): void {
  const { deliveryTimeoutMs, testTimeoutMs } = options;

  describe(`EventBus contract: ${adapter}`, () => {
    let bus: EventBus;
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      bus = await options.createBus();
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.close()));
      await bus.close();
    });

    async function subscribe(topic: string, groupId: string, handler: RecordHandler, fromBeginning = true): Promise<Subscription> {
      const subscription = await bus.subscribe({ groupId, topics: [topic], fromBeginning }, handler);
      subscriptions.push(subscription);
      return subscription;
    }

    function collect(into: Received[]): RecordHandler {
      return async (record) => {
        into.push(received(record));
      };
    }

    async function waitFor(what: string, done: () => boolean): Promise<void> {
      const deadline = Date.now() + deliveryTimeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await sleep(20);
      }
    }

    it('keeps the order of each key across many records and several keys', async () => {
      const topic = freshName('order');
      await bus.ensureTopics([topic], 3);
      const seen: Received[] = [];
      await subscribe(topic, freshName('group'), collect(seen));

      const keys = ['run-a', 'run-b', 'run-c', 'run-d', 'run-e'];
      const perKey = 40;
      for (let batch = 0; batch < 4; batch += 1) {
        const records = [];
        for (let seq = batch * 10; seq < (batch + 1) * 10; seq += 1) {
          for (const key of keys) records.push(record(topic, key, seq));
        }
        await bus.publish(records);
      }
      await waitFor('every record', () => seen.length >= keys.length * perKey);

      const expected = Array.from({ length: perKey }, (_, seq) => seq);
      for (const key of keys) {
        const ofKey = seen.filter((entry) => entry.key === key);
        expect(ofKey.map((entry) => entry.seq)).toEqual(expected);
        expect(new Set(ofKey.map((entry) => entry.partition)).size).toBe(1);
        expect(ofKey.map((entry) => entry.headers)).toEqual(expected.map((seq) => ({ seq: String(seq) })));
      }
    }, testTimeoutMs);

    it('delivers every record to each of two groups', async () => {
      const topic = freshName('groups');
      await bus.ensureTopics([topic], 2);
      const first: Received[] = [];
      const second: Received[] = [];
      await Promise.all([subscribe(topic, freshName('group'), collect(first)), subscribe(topic, freshName('group'), collect(second))]);

      await bus.publish(Array.from({ length: 20 }, (_, seq) => record(topic, `key-${seq % 4}`, seq)));
      await waitFor('both groups', () => first.length >= 20 && second.length >= 20);

      expect(sortedSeqs(first)).toEqual(range(20));
      expect(sortedSeqs(second)).toEqual(range(20));
    }, testTimeoutMs);

    it('shares the partitions of a topic between the members of one group', async () => {
      const topic = freshName('shared');
      await bus.ensureTopics([topic], 4);
      const groupId = freshName('group');
      const first: Received[] = [];
      const second: Received[] = [];
      await subscribe(topic, groupId, collect(first));
      await subscribe(topic, groupId, collect(second));

      await bus.publish(Array.from({ length: 40 }, (_, seq) => record(topic, `key-${seq}`, seq)));
      await waitFor('every record', () => new Set([...first, ...second].map((entry) => entry.seq)).size >= 40);

      expect(first.length).toBeGreaterThan(0);
      expect(second.length).toBeGreaterThan(0);
      const partitionsOf = (entries: Received[]) => new Set(entries.map((entry) => entry.partition));
      const overlap = [...partitionsOf(first)].filter((partition) => partitionsOf(second).has(partition));
      expect(overlap).toEqual([]);
    }, testTimeoutMs);

    it('delivers the same record again after the handler throws, and keeps the order', async () => {
      const topic = freshName('retry');
      await bus.ensureTopics([topic], 2);
      const attempts: Received[] = [];
      let failed = false;
      await subscribe(topic, freshName('group'), async (delivered) => {
        const entry = received(delivered);
        attempts.push(entry);
        if (entry.key === 'flaky' && entry.seq === 3 && !failed) {
          failed = true;
          throw new Error('transient failure');
        }
      });

      await bus.publish(Array.from({ length: 8 }, (_, seq) => record(topic, 'flaky', seq)));
      await waitFor('the last record', () => attempts.some((entry) => entry.seq === 7));

      expect(attempts.map((entry) => entry.seq)).toEqual([0, 1, 2, 3, 3, 4, 5, 6, 7]);
      expect(attempts[4].offset).toBe(attempts[3].offset);
    }, testTimeoutMs);

    it('holds back only the partition of a record that keeps failing', async () => {
      const topic = freshName('stuck');
      await bus.ensureTopics([topic], 2);
      const attempts: Received[] = [];
      let release = false;
      await subscribe(topic, freshName('group'), async (delivered) => {
        const entry = received(delivered);
        attempts.push(entry);
        if (entry.key === 'stuck' && !release) throw new Error('not yet');
      });

      await bus.publish([record(topic, 'stuck', 0), ...Array.from({ length: 20 }, (_, index) => record(topic, `other-${index}`, index + 1))]);
      const stuckTries = () => attempts.filter((entry) => entry.key === 'stuck');
      await waitFor('three tries and another partition', () => stuckTries().length >= 3 && attempts.some((entry) => entry.key !== 'stuck'));
      const stuckPartition = stuckTries()[0].partition;
      expect(attempts.filter((entry) => entry.key !== 'stuck' && entry.partition === stuckPartition)).toEqual([]);
      expect(new Set(stuckTries().map((entry) => entry.offset)).size).toBe(1);

      release = true;
      await waitFor('every record', () => new Set(attempts.map((entry) => entry.seq)).size === 21);
      const onStuckPartition = attempts.filter((entry) => entry.partition === stuckPartition);
      expect(onStuckPartition.findIndex((entry) => entry.key !== 'stuck')).toBe(stuckTries().length);
    }, testTimeoutMs);

    it('starts a new group at the oldest record only when asked to', async () => {
      const topic = freshName('replay');
      await bus.ensureTopics([topic], 2);
      await bus.publish(Array.from({ length: 5 }, (_, seq) => record(topic, `key-${seq % 2}`, seq)));

      const fromBeginning: Received[] = [];
      const fromNow: Received[] = [];
      await Promise.all([
        subscribe(topic, freshName('group'), collect(fromBeginning), true),
        subscribe(topic, freshName('group'), collect(fromNow), false),
      ]);
      await bus.publish(Array.from({ length: 5 }, (_, index) => record(topic, `key-${index % 2}`, 5 + index)));

      await waitFor('both groups', () => fromBeginning.length >= 10 && fromNow.length >= 5);
      expect(sortedSeqs(fromBeginning)).toEqual(range(10));
      expect(sortedSeqs(fromNow)).toEqual([5, 6, 7, 8, 9]);
    }, testTimeoutMs);

    it('stops delivering after close, and the group resumes after its last handled record', async () => {
      const topic = freshName('close');
      await bus.ensureTopics([topic], 1);
      const groupId = freshName('group');
      const before: Received[] = [];
      const subscription = await subscribe(topic, groupId, collect(before));
      await bus.publish([record(topic, 'key', 0)]);
      await waitFor('the first record', () => before.length === 1);

      await subscription.close();
      await bus.publish([record(topic, 'key', 1)]);
      await sleep(Math.min(1000, deliveryTimeoutMs));
      expect(before.map((entry) => entry.seq)).toEqual([0]);

      const after: Received[] = [];
      await subscribe(topic, groupId, collect(after));
      await waitFor('the second record', () => after.length === 1);
      await sleep(200);
      expect(after.map((entry) => entry.seq)).toEqual([1]);
    }, testTimeoutMs);

    it('creates topics idempotently, keeping the partitions of an existing one', async () => {
      const topic = freshName('ensure');
      await bus.ensureTopics([topic], 1);
      await bus.ensureTopics([topic, topic], 3);
      const seen: Received[] = [];
      await subscribe(topic, freshName('group'), collect(seen));

      await bus.publish(Array.from({ length: 10 }, (_, seq) => record(topic, `key-${seq}`, seq)));
      await waitFor('every record', () => seen.length === 10);
      expect(new Set(seen.map((entry) => entry.partition))).toEqual(new Set([0]));
    }, testTimeoutMs);

    it('refuses to publish to a topic that was not created', async () => {
      await expect(bus.publish([record(freshName('missing'), 'key', 0)])).rejects.toThrow();
    }, testTimeoutMs);
  });
}

function freshName(prefix: string): string {
  return `contract-${prefix}-${randomUUID()}`;
}

function record(topic: string, key: string, seq: number) {
  return { topic, key, value: new TextEncoder().encode(JSON.stringify({ seq })), headers: { seq: String(seq) } };
}

function received(record: DeliveredRecord): Received {
  const { seq } = JSON.parse(new TextDecoder().decode(record.value)) as { seq: number };
  return { key: record.key, seq, partition: record.partition, offset: record.offset, headers: record.headers };
}

function sortedSeqs(entries: Received[]): number[] {
  return entries.map((entry) => entry.seq).sort((a, b) => a - b);
}

function range(length: number): number[] {
  return Array.from({ length }, (_, index) => index);
}

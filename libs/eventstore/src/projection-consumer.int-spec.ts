import { trackingEvents, type TrackingEvent } from '@chronicle/contracts';
import { InProcessEventBus, type DeliveredRecord } from '@chronicle/messaging';
import { freshSchema, randomId, streamCounts, tagsSet, testMetadata, type FreshSchema } from '@chronicle/testing';
import { toBusRecord, topicOf } from './event-relay';
import { EventStore } from './event-store';
import { ProjectionConsumer } from './projection-consumer';
import type { StoredEvent } from './stored-event';

jest.setTimeout(60_000);

describe('ProjectionConsumer (Postgres, in-process bus)', () => {
  let fresh: FreshSchema;
  let store: EventStore<TrackingEvent>;
  let bus: InProcessEventBus;
  const topic = topicOf(trackingEvents.context);

  beforeAll(async () => {
    fresh = await freshSchema([streamCounts]);
    store = new EventStore(fresh.db, fresh.schema, trackingEvents);
    bus = new InProcessEventBus();
    await bus.ensureTopics([topic], 4);
  });
  afterAll(async () => {
    await bus?.close();
    await fresh?.drop();
  });

  function consumer() {
    return new ProjectionConsumer(fresh.db, fresh.schema, streamCounts, trackingEvents, bus, [topic]);
  }

  async function appendEvents(workspaceId: string, streamId: string, values: string[]): Promise<StoredEvent<TrackingEvent>[]> {
    return fresh.db.transaction((tx) =>
      store.append(tx, { workspaceId, streamId, expectedVersion: 'any', events: values.map((v) => tagsSet(streamId, v)), metadata: testMetadata() }),
    );
  }

  function delivered(stored: StoredEvent<TrackingEvent>, offset: number): DeliveredRecord {
    return { ...toBusRecord(trackingEvents.context, stored), partition: 0, offset: String(offset) };
  }

  async function rows(workspaceId: string) {
    return fresh.db.query(
      `SELECT stream_id, count::int AS count, last_version::int AS last_version, last_value FROM ${fresh.schema}.stream_counts
       WHERE workspace_id = $1 ORDER BY stream_id`,
      [workspaceId],
    );
  }

  it('ends in the same state when fed the same record twice (apply twice)', async () => {
    const workspaceId = randomId('ws');
    const streamId = randomId('run');
    const stored = await appendEvents(workspaceId, streamId, ['one', 'two']);
    const c = consumer();

    await c.handle(delivered(stored[0], 0));
    await c.handle(delivered(stored[1], 1));
    const once = await rows(workspaceId);
    await c.handle(delivered(stored[0], 0));
    await c.handle(delivered(stored[1], 1));
    await c.handle(delivered(stored[1], 1));

    expect(once).toEqual([{ stream_id: streamId, count: 2, last_version: 2, last_value: 'two' }]);
    expect(await rows(workspaceId)).toEqual(once);
  });

  it('skips a record redelivered concurrently with its first delivery', async () => {
    const workspaceId = randomId('ws');
    const streamId = randomId('run');
    const [stored] = await appendEvents(workspaceId, streamId, ['only']);
    const c = consumer();
    // The first delivery creates the offset row; the concurrent ones must wait on it and skip.
    await Promise.all([c.handle(delivered(stored, 0)), c.handle(delivered(stored, 0))]);
    await Promise.all([c.handle(delivered(stored, 0)), c.handle(delivered(stored, 0))]);
    expect(await rows(workspaceId)).toEqual([{ stream_id: streamId, count: 1, last_version: 1, last_value: 'only' }]);
  });

  it('skips the event types its projection does not read, writing nothing for them', async () => {
    const workspaceId = randomId('ws');
    const streamId = randomId('run');
    const [tagged] = await appendEvents(workspaceId, streamId, ['ignored']);
    const reader = (reads: string[]) => new ProjectionConsumer(fresh.db, fresh.schema, { ...streamCounts, reads }, trackingEvents, bus, [topic]);
    const offsets = () =>
      fresh.db.query(`SELECT stream_version::int AS version FROM ${fresh.schema}.consumer_offsets WHERE workspace_id = $1`, [workspaceId]);

    await reader(['RunCreated']).handle(delivered(tagged, 0));
    expect(await rows(workspaceId)).toEqual([]);
    expect(await offsets()).toEqual([]);

    await reader(['RunCreated', 'RunTagsSet']).handle(delivered(tagged, 0));
    expect(await rows(workspaceId)).toEqual([{ stream_id: streamId, count: 1, last_version: 1, last_value: 'ignored' }]);
    expect(await offsets()).toEqual([{ version: 1 }]);
  });

  it('applies every record published twice on the bus exactly once', async () => {
    const workspaceId = randomId('ws');
    const streams = [randomId('run'), randomId('run'), randomId('run')];
    const stored = (await Promise.all(streams.map((s) => appendEvents(workspaceId, s, ['a', 'b', 'c'])))).flat();
    const c = consumer();
    await c.start();
    try {
      const records = stored.map((s) => toBusRecord(trackingEvents.context, s));
      await bus.publish(records);
      await bus.publish(records);
      const expected = streams.map((s) => ({ stream_id: s, count: 3, last_version: 3, last_value: 'c' })).sort((a, b) => a.stream_id.localeCompare(b.stream_id));
      const deadline = Date.now() + 10000;
      while (JSON.stringify(await rows(workspaceId)) !== JSON.stringify(expected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Let the duplicate deliveries finish too.
      await new Promise((r) => setTimeout(r, 200));
      expect(await rows(workspaceId)).toEqual(expected);
    } finally {
      await c.stop();
    }
  });
});

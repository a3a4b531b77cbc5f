import { exec } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Envelope, type TrackingEvent } from '@chronicle/contracts';
import { InProcessEventBus, KafkaEventBus, type BusRecord, type EventBus, type SubscribeOptions, type RecordHandler, type Subscription } from '@chronicle/messaging';
import { freshSchema, kafkaBrokers, randomId, tagsSet, testMetadata, trackingCodecAs, waitFor, type FreshSchema } from '@chronicle/testing';
import { pino } from 'pino';
import { EventRelay, topicOf } from './event-relay';
import { EventStore } from './event-store';
import { fromBusRecord } from './projection-consumer';
import type { StoredEvent } from './stored-event';

jest.setTimeout(180_000);

const kafkaScript = resolve(__dirname, '../../../infra/kafka.sh');

function connectKafka(): Promise<KafkaEventBus> {
  return KafkaEventBus.connect({
    brokers: kafkaBrokers,
    clientId: randomId('eventstore-relay-test'),
    requestRetry: { initialRetryTimeMs: 200, retries: 5 },
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 5000, maxWaitTimeMs: 100 },
    retryBackoffMs: 100,
    maxRetryBackoffMs: 400,
    joinTimeoutMs: 60000,
    logger: pino({ level: 'silent' }),
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Kafka restarts and leader takeovers can take a while on a busy machine.

function deferred<T = void>() {
  let resolvePromise!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolvePromise = r));
  return { promise, resolve: resolvePromise };
}

/** Everything published on a topic, in delivery order, decoded. */
async function collect(bus: EventBus, store: EventStore<TrackingEvent>, codec = trackingCodecAs(store.context)) {
  const received: StoredEvent<TrackingEvent>[] = [];
  const subscription = await bus.subscribe({ groupId: randomId('relay-test'), topics: [topicOf(store.context)], fromBeginning: true }, async (record) => {
    received.push(fromBusRecord(record, codec));
  });
  return { received, subscription };
}

/**
 * Every appended event arrived, and per stream the first arrivals are versions 1, 2, 3, … in
 * order (a re-published batch may repeat events, never reorder or skip them).
 */
function expectDelivered(received: StoredEvent<TrackingEvent>[], appended: StoredEvent<TrackingEvent>[], duplicates: 'none' | 'allowed') {
  const positions = new Set(received.map((e) => e.position));
  const missing = appended.filter((e) => !positions.has(e.position));
  expect(missing.map((e) => e.position)).toEqual([]);
  const byStream = new Map<string, number[]>();
  for (const e of received) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.streamVersion]);
  const expected = new Map<string, number>();
  for (const e of appended) expected.set(e.streamId, Math.max(expected.get(e.streamId) ?? 0, e.streamVersion));
  expect([...byStream.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [streamId, versions] of byStream) {
    const firsts = versions.filter((v, i) => versions.indexOf(v) === i);
    expect({ streamId, versions: firsts }).toEqual({ streamId, versions: Array.from({ length: expected.get(streamId)! }, (_, i) => i + 1) });
    if (duplicates === 'none') expect({ streamId, versions }).toEqual({ streamId, versions: firsts });
  }
  // Same payloads as stored.
  const byPosition = new Map(appended.map((e) => [e.position, e]));
  for (const e of received) expect(e.event).toEqual(byPosition.get(e.position)!.event);
}

/** Appends `perStream` small transactions to each stream, the streams concurrently. */
async function appendConcurrently(fresh: FreshSchema, store: EventStore<TrackingEvent>, workspaceId: string, streams: number, perStream: number) {
  const appended: StoredEvent<TrackingEvent>[] = [];
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const streamId = randomId(`run${s}`);
      let version = 0;
      for (let i = 0; i < perStream; i++) {
        const events = Array.from({ length: 1 + ((i + s) % 3) }, (_, k) => tagsSet(streamId, `${i}.${k}`));
        const stored = await fresh.db.transaction((tx) => store.append(tx, { workspaceId, streamId, expectedVersion: version, events, metadata: testMetadata() }));
        version += stored.length;
        appended.push(...stored);
      }
    }),
  );
  return appended;
}

/** Publishes, then fails: a relay that crashed after the bus acknowledged, before the checkpoint. */
class CrashAfterPublish implements EventBus {
  crash = false;
  /** Positions of every published batch. */
  readonly published: number[][] = [];
  constructor(private readonly inner: EventBus) {}
  ensureTopics(topics: string[], partitions: number) {
    return this.inner.ensureTopics(topics, partitions);
  }
  async publish(records: BusRecord[]) {
    await this.inner.publish(records);
    this.published.push(records.map((record) => Envelope.decode(record.value).position));
    if (this.crash) throw new Error('relay crashed after publish');
  }
  subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<Subscription> {
    return this.inner.subscribe(options, handler);
  }
  async close() {}
}

/** Remembers what it published, batch by batch: tells which relay of several published, and in what batches. */
class RecordingBus implements EventBus {
  readonly batches: number[][] = [];
  constructor(private readonly inner: EventBus) {}
  get published(): number[] {
    return this.batches.flat();
  }
  ensureTopics(topics: string[], partitions: number) {
    return this.inner.ensureTopics(topics, partitions);
  }
  async publish(records: BusRecord[]) {
    await this.inner.publish(records);
    this.batches.push(records.map((record) => Envelope.decode(record.value).position));
  }
  subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<Subscription> {
    return this.inner.subscribe(options, handler);
  }
  async close() {}
}

/** The backends holding a relay's leadership lock. */
async function leaderBackends(fresh: FreshSchema, relay: EventRelay): Promise<number[]> {
  // The relay's lock is named `<schema>/<checkpoint name>`; a bigint advisory key shows in
  // pg_locks as its high (classid) and low (objid) halves.
  const rows = await fresh.db.query<{ pid: number }>(
    `SELECT pid FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
    [`${fresh.schema}/${relay.checkpointName}`],
  );
  return rows.map((row) => row.pid);
}

/** Ends the connection that holds a relay's leadership, as a crash of its host or a network cut would. */
async function terminateLeaderConnection(fresh: FreshSchema, relay: EventRelay) {
  const [pid, ...others] = await leaderBackends(fresh, relay);
  expect(others).toEqual([]);
  const [{ terminated }] = await fresh.db.query<{ terminated: boolean }>('SELECT pg_terminate_backend($1) AS terminated', [pid]);
  expect(terminated).toBe(true);
}

const buses: { name: string; create: () => Promise<EventBus> }[] = [
  { name: 'in-process', create: async () => new InProcessEventBus() },
  { name: 'kafka', create: connectKafka },
];

describe.each(buses)('EventRelay with the $name bus', ({ name, create }) => {
  let fresh: FreshSchema;
  let bus: EventBus;
  const subscriptions: Subscription[] = [];
  const relays: EventRelay[] = [];

  beforeAll(async () => {
    bus = await create();
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    await fresh?.drop();
  });
  afterAll(async () => {
    await bus?.close();
  });

  /** A store in its own schema with its own context, hence its own log, topic and relay checkpoint. */
  async function newStore(subscribe = true) {
    fresh = await freshSchema([], 'es_relay');
    const store = new EventStore(fresh.db, fresh.schema, trackingCodecAs(randomId('estest')));
    await bus.ensureTopics([topicOf(store.context)], 3);
    if (!subscribe) return { store, received: [] };
    const collector = await collect(bus, store);
    subscriptions.push(collector.subscription);
    return { store, received: collector.received };
  }

  it('publishes every event, in order per stream, including one committed late with a smaller position', async () => {
    const { store, received } = await newStore();
    const workspaceId = randomId('ws');
    const relay = new EventRelay(fresh.db, store as EventStore<unknown>, bus, { batchSize: 25 });
    relays.push(relay);

    // A transaction that appends first and commits last.
    const heldStream = randomId('held');
    const appendedHeld = deferred<StoredEvent<TrackingEvent>[]>();
    const release = deferred();
    const held = fresh.db.transaction(async (tx) => {
      appendedHeld.resolve(await store.append(tx, { workspaceId, streamId: heldStream, expectedVersion: 0, events: [tagsSet(heldStream, 'late')], metadata: testMetadata() }));
      await release.promise;
    });
    const [late] = await appendedHeld.promise;

    const appended = await appendConcurrently(fresh, store, workspaceId, 6, 15);
    expect(appended.every((e) => e.position > late.position)).toBe(true);
    // Nothing that committed after the open transaction started may be relayed before it commits.
    while ((await relay.relayOnce()) > 0);
    expect(received.filter((e) => e.workspaceId === workspaceId)).toEqual([]);

    release.resolve();
    await held;
    const all = [late, ...appended];
    await waitFor('the relay to drain', async () => (await relay.relayOnce()) === 0 && received.length >= all.length);
    await sleep(name === 'kafka' ? 500 : 50);
    expectDelivered(received, all, 'none');
  });

  it('re-publishes, never loses, after a crash between publish and checkpoint', async () => {
    const { store, received } = await newStore();
    const workspaceId = randomId('ws');
    const appended = await appendConcurrently(fresh, store, workspaceId, 5, 12);
    const crashing = new CrashAfterPublish(bus);
    const first = new EventRelay(fresh.db, store as EventStore<unknown>, crashing, { batchSize: 7 });
    relays.push(first);

    // Part of the log goes out normally (waiting out any transaction elsewhere that holds the
    // visibility horizon back), then the relay dies between publish and checkpoint.
    let batches = 0;
    await waitFor('three relayed batches', async () => ((await first.relayOnce()) > 0 ? ++batches : batches) >= 3);
    crashing.crash = true;
    let crash: unknown;
    await waitFor('the crash', async () => {
      await first.relayOnce().catch((error) => (crash = error));
      return crash !== undefined;
    });
    expect(crash).toEqual(new Error('relay crashed after publish'));
    const crashedBatch = crashing.published.at(-1)!;
    expect(crashedBatch.length).toBeGreaterThan(0);

    const second = new EventRelay(fresh.db, store as EventStore<unknown>, bus, { batchSize: 7, idleMs: 10 });
    relays.push(second);
    await second.start();
    await waitFor('every event on the bus', () => new Set(received.map((e) => e.position)).size >= appended.length);
    await second.stop();
    await sleep(name === 'kafka' ? 500 : 50);

    expectDelivered(received, appended, 'allowed');
    // The crashed batch went out twice; the second relay resumed from the stored checkpoint, so
    // (apart from consumer-side redeliveries Kafka may add after a rebalance) nothing else did.
    const times = (position: number) => received.filter((e) => e.position === position).length;
    for (const position of crashedBatch) expect({ position, times: times(position) >= 2 }).toEqual({ position, times: true });
    if (name === 'in-process') expect(received.length).toBe(appended.length + crashedBatch.length);
    else expect(received.length).toBeGreaterThanOrEqual(appended.length + crashedBatch.length);
  });

  it('publishes through one leader among several relays; a standby takes over when the leader stops', async () => {
    const { store, received } = await newStore();
    const workspaceId = randomId('ws');
    const [busA, busB] = [new RecordingBus(bus), new RecordingBus(bus)];
    const [a, b] = [busA, busB].map((replicaBus) => new EventRelay(fresh.db, store as EventStore<unknown>, replicaBus, { batchSize: 10, idleMs: 10, standbyMs: 50 }));
    relays.push(a, b);
    await Promise.all([a.start(), b.start()]);

    const before = await appendConcurrently(fresh, store, workspaceId, 4, 10);
    await waitFor('the first events on the bus', () => new Set(received.map((e) => e.position)).size >= before.length);
    const [leader, standby, leaderBus, standbyBus] = a.isLeader ? [a, b, busA, busB] : [b, a, busB, busA];
    expect([leader.isLeader, standby.isLeader]).toEqual([true, false]);
    expect(standbyBus.published).toEqual([]);

    // The leader stops while appends go on; the standby picks up at the stored checkpoint.
    const during = appendConcurrently(fresh, store, workspaceId, 4, 25);
    await waitFor('the leader to publish under load', () => leaderBus.published.length > before.length);
    await leader.stop();
    const published = leaderBus.published.length;
    const all = [...before, ...(await during)];
    await waitFor('every event on the bus', () => new Set(received.map((e) => e.position)).size >= all.length);
    await sleep(name === 'kafka' ? 500 : 50);

    expect(standby.isLeader).toBe(true);
    expect(leaderBus.published).toHaveLength(published);
    expect(standbyBus.published.length).toBeGreaterThan(0);
    expectDelivered(received, all, 'none');
  });

  it('loses and reorders nothing when the leader\'s connection dies under load', async () => {
    const { store, received } = await newStore();
    const workspaceId = randomId('ws');
    const errors: unknown[] = [];
    const [a, b] = [0, 1].map(() => new EventRelay(fresh.db, store as EventStore<unknown>, bus, { batchSize: 10, idleMs: 10, standbyMs: 20, onError: (e) => errors.push(e) }));
    relays.push(a, b);
    await Promise.all([a.start(), b.start()]);

    const appending = appendConcurrently(fresh, store, workspaceId, 4, 30);
    await waitFor('a leader to publish', async () => received.length > 0);
    const leader = a.isLeader ? a : b;
    await terminateLeaderConnection(fresh, leader);
    const all = await appending;
    await waitFor('every event on the bus', () => new Set(received.map((e) => e.position)).size >= all.length);
    await sleep(name === 'kafka' ? 500 : 50);

    // The cut-off leader learnt it on its next query and stepped down; exactly one leads now.
    expect(errors.length).toBeGreaterThan(0);
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    expectDelivered(received, all, 'allowed');
  });

  it('relays through the pool, holding no lock, when the process is alone on its database (embedded mode)', async () => {
    const { store, received } = await newStore();
    const relay = new EventRelay(fresh.db, store as EventStore<unknown>, bus, { election: 'none', idleMs: 10 });
    relays.push(relay);
    await relay.start();
    const appended = await appendConcurrently(fresh, store, randomId('ws'), 3, 10);
    await waitFor('every event on the bus', () => new Set(received.map((e) => e.position)).size >= appended.length);
    await sleep(name === 'kafka' ? 500 : 50);

    expect(await leaderBackends(fresh, relay)).toEqual([]);
    expectDelivered(received, appended, 'none');
  });

  it('reads small batches while it keeps up and doubles them, up to batchSize, while they come back full', async () => {
    const { store, received } = await newStore();
    const workspaceId = randomId('ws');
    const sizes = new RecordingBus(bus);
    const relay = new EventRelay(fresh.db, store as EventStore<unknown>, sizes, { minBatchSize: 10, batchSize: 40 });
    relays.push(relay);
    const appendBacklog = async (streamId: string, count: number, after: number) =>
      fresh.db.transaction((tx) =>
        store.append(tx, { workspaceId, streamId, expectedVersion: after, events: Array.from({ length: count }, (_, i) => tagsSet(streamId, String(i))), metadata: testMetadata() }),
      );
    // Until all of it went out: a transaction elsewhere in the database may hold the horizon back for a while.
    let relayed = 0;
    const drain = (events: unknown[]) => waitFor('the backlog relayed', async () => (relayed += await relay.relayOnce()) >= events.length);

    const first = await appendBacklog(randomId('run'), 125, 0);
    await drain(first);
    // 10, 20, 40 came back full; 40 is the cap; 15 was not full, so the next read is small again.
    expect(sizes.batches.map((batch) => batch.length)).toEqual([10, 20, 40, 40, 15]);
    const second = await appendBacklog(first[0]!.streamId, 25, 125);
    relayed = 0;
    await drain(second);
    expect(sizes.batches.slice(5).map((batch) => batch.length)).toEqual([10, 15]);
    await waitFor('every event on the bus', () => received.length >= first.length + second.length);
    expectDelivered(received, [...first, ...second], 'none');
  });

  it('publishes the redacted copy of a payload and keeps the original in the log', async () => {
    const { store, received } = await newStore();
    const redact = () => trackingCodecAs(store.context).encode(tagsSet('redacted-run', 'redacted')).payload;
    const relay = new EventRelay(fresh.db, store as EventStore<unknown>, bus, { idleMs: 10, redact });
    relays.push(relay);
    await relay.start();
    const appended = await appendConcurrently(fresh, store, randomId('ws'), 1, 3);
    await waitFor('every event on the bus', () => received.length >= appended.length);
    expect(received.map((e) => e.event)).toEqual(appended.map(() => tagsSet('redacted-run', 'redacted')));
    const [stored] = await store.readStream(appended[0]!.workspaceId, appended[0]!.streamId, 0, fresh.db);
    expect(stored!.event).toEqual(appended[0]!.event);
  });

  if (name === 'kafka') {
    it('loses nothing when the broker restarts under load', async () => {
      // Read back only after the restart: this test is about the relay's publishing.
      const { store } = await newStore(false);
      const workspaceId = randomId('ws');
      const errors: unknown[] = [];
      const relay = new EventRelay(fresh.db, store as EventStore<unknown>, bus, { batchSize: 50, idleMs: 20, onError: (e) => errors.push(e) });
      relays.push(relay);
      await relay.start();

      const appended: StoredEvent<TrackingEvent>[] = [];
      const streams = Array.from({ length: 8 }, (_, s) => ({ id: randomId(`run${s}`), version: 0 }));
      let stop = false;
      const appendOne = async (i: number) => {
        const stream = streams[i % streams.length];
        const stored = await fresh.db.transaction((tx) =>
          store.append(tx, { workspaceId, streamId: stream.id, expectedVersion: stream.version, events: [tagsSet(stream.id, String(i))], metadata: testMetadata() }),
        );
        stream.version += stored.length;
        appended.push(...stored);
      };
      const appender = (async () => {
        for (let i = 0; !stop && i < 500; i++) {
          await appendOne(i);
          await sleep(60);
        }
      })();

      const relayedSoFar = async () => {
        const [row] = await fresh.db.query<{ position: string }>(`SELECT position FROM ${fresh.schema}.checkpoints WHERE name = $1`, [relay.checkpointName]);
        return row ? Number(row.position) : 0;
      };
      await waitFor('the relay to publish before the restart', async () => (await relayedSoFar()) > 0, 30_000);

      await promisify(exec)(`bash ${kafkaScript} restart`, { timeout: 120_000 });
      stop = true;
      await appender;
      for (let i = 0; i < 20; i++) await appendOne(1000 + i);

      const lastInCommitOrder = async () => {
        const [row] = await fresh.db.query<{ position: string }>(`SELECT position FROM ${fresh.schema}.events ORDER BY transaction_id DESC, position DESC LIMIT 1`);
        return Number(row.position);
      };
      await waitFor('the relay to catch up after the restart', async () => (await relayedSoFar()) === (await lastInCommitOrder()), 120_000).catch(
        async (error: Error) => {
          const state = `relayed ${await relayedSoFar()} of ${await lastInCommitOrder()}; last relay errors: ${errors.slice(-3).map(String).join(' | ')}`;
          throw new Error(`${error.message} (${state})`);
        },
      );
      await relay.stop();

      // Read the whole topic back with a fresh group after the broker is back.
      const { received, subscription } = await collect(bus, store);
      subscriptions.push(subscription);
      await waitFor('every event on the topic', () => new Set(received.map((e) => e.position)).size >= appended.length, 60_000);
      await sleep(500);
      expect(appended.length).toBeGreaterThan(50);
      expectDelivered(received, appended, 'allowed');
    });
  }
});

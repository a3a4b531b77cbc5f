import { Envelope, type TrackingEvent } from '@chronicle/contracts';
import { EventRelay, EventStore, topicOf, type RelayOptions } from '@chronicle/eventstore';
import { KafkaEventBus } from '@chronicle/messaging';
import { freshSchema, kafkaBrokers, randomId, tagsSet, testMetadata, trackingCodecAs, type FreshSchema } from '@chronicle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { printResults, progressBar, round, Samples, sleep, TimedEventBus } from './eventstore-bench-support';

// Every phase is bounded by time, so the whole bench stays well under five minutes.
const appendPhases = [
  { name: 'append 1 event/tx', eventsPerAppend: 1, appenders: 8, durationMs: 8_000 },
  { name: 'append 100 events/tx', eventsPerAppend: 100, appenders: 4, durationMs: 8_000 },
  { name: 'append 1000 events/tx', eventsPerAppend: 1000, appenders: 4, durationMs: 8_000 },
];

const lag = {
  ratePerSecond: 5_000,
  durationMs: 20_000,
  streams: 1_000,
  // 25 events per transaction (200 append transactions/s): at 5 per transaction this 2-core box
  // tops out near 2,500 events/s (≈500 tx/s) while the relay and Kafka share the CPU.
  eventsPerAppend: 25,
  maxInFlight: 16,
  partitions: 4,
  drainTimeoutMs: 30_000,
};

// The library defaults first (batch 1000, woken by local commits, else polling every 100 ms; the
// bench appends directly, so only the poll applies), then the knobs an operator would turn.
const relayConfigs: { name: string; options: RelayOptions }[] = [
  { name: 'defaults (batch 1000, idle 100 ms)', options: {} },
  { name: 'tuned (batch 2000, idle 5 ms)', options: { batchSize: 2_000, idleMs: 5 } },
];

type Row = Record<string, string | number | boolean>;

function events(n: number, prefix: string): TrackingEvent[] {
  return Array.from({ length: n }, (_, i) => tagsSet(`${prefix}-run`, `value-${i}`));
}

async function withSchema<T>(prefix: string, work: (fresh: FreshSchema) => Promise<T>): Promise<T> {
  const fresh = await freshSchema([], prefix);
  try {
    return await work(fresh);
  } finally {
    await fresh.drop();
  }
}

/** Concurrent appenders, each on its own stream, append transactions back to back until the deadline. */
async function appendThroughput(fresh: FreshSchema, phase: (typeof appendPhases)[number]): Promise<Row> {
  const store = new EventStore<TrackingEvent>(fresh.db, fresh.schema, trackingCodecAs(randomId('bench')));
  const workspaceId = randomId('ws');
  const latency = new Samples();
  let appended = 0;
  const bar = progressBar(phase.name, phase.durationMs / 1000, 's');
  const started = Date.now();
  const deadline = started + phase.durationMs;
  const ticker = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    bar.update(Math.min(Math.floor(elapsed), phase.durationMs / 1000), { detail: `${Math.round(appended / elapsed)} events/s` });
  }, 250);
  try {
    await Promise.all(
      Array.from({ length: phase.appenders }, async (_, worker) => {
        const streamId = randomId(`stream-${worker}`);
        const batch = events(phase.eventsPerAppend, streamId);
        let version = 0;
        while (Date.now() < deadline) {
          const t0 = performance.now();
          await fresh.db.transaction((tx) =>
            store.append(tx, { workspaceId, streamId, expectedVersion: version, events: batch, metadata: testMetadata({ actor: 'bench' }) }),
          );
          latency.add(performance.now() - t0);
          version += batch.length;
          appended += batch.length;
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  const seconds = (Date.now() - started) / 1000;
  bar.update(phase.durationMs / 1000, { detail: `${Math.round(appended / seconds)} events/s` });
  bar.stop();
  const { p50, p99, max } = latency.summary();
  return {
    phase: phase.name,
    appenders: phase.appenders,
    events: appended,
    'events/s': Math.round(appended / seconds),
    'tx/s': Math.round(latency.count / seconds),
    'tx p50 ms': round(p50),
    'tx p99 ms': round(p99),
    'tx max ms': round(max),
  };
}

function connectBus(): Promise<KafkaEventBus> {
  return KafkaEventBus.connect({
    brokers: kafkaBrokers,
    clientId: randomId('eventstore-bench'),
    consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 100 },
    logger: pino({ name: 'eventstore-bench', level: 'warn' }),
  });
}

/**
 * Appends at a steady rate over many streams while an EventRelay publishes to Kafka and a
 * KafkaEventBus consumer receives; lag is receive time − metadata.occurredAt (the append time).
 */
async function relayLag(fresh: FreshSchema, config: (typeof relayConfigs)[number]): Promise<Row> {
  const context = randomId('bench');
  const codec = trackingCodecAs(context);
  const store = new EventStore<TrackingEvent>(fresh.db, fresh.schema, codec);
  const workspaceId = randomId('ws');
  const kafka = await connectBus();
  const bus = new TimedEventBus(kafka);
  const topic = topicOf(context);
  const relayErrors: unknown[] = [];
  const relay = new EventRelay(fresh.db, store as EventStore<unknown>, bus, { ...config.options, onError: (error) => relayErrors.push(error) });
  const received = new Set<number>();
  const endToEnd = new Samples();
  const commitLag = new Samples();
  let duplicates = 0;
  try {
    await bus.ensureTopics([topic], lag.partitions);
    const subscription = await bus.subscribe({ groupId: randomId('bench-lag'), topics: [topic], fromBeginning: true }, async (record) => {
      const now = Date.now();
      const envelope = Envelope.decode(record.value);
      if (received.has(envelope.position)) {
        duplicates++;
        return;
      }
      received.add(envelope.position);
      endToEnd.add(now - (envelope.metadata?.occurredAt ?? now));
    });
    // Awaited: start() may also create the topic (idempotent after ensureTopics above).
    await relay.start();

    // Paced appender: every tick issues what is due by the clock; streams are taken from a free
    // list, so two appends never race on one stream.
    const free = Array.from({ length: lag.streams }, (_, i) => ({ streamId: `stream-${i}`, version: 0 }));
    const batch = events(lag.eventsPerAppend, 'lag');
    const total = Math.round((lag.ratePerSecond * lag.durationMs) / 1000);
    let issued = 0;
    let appended = 0;
    let inFlight = 0;
    let stalledTicks = 0;
    const appendErrors: unknown[] = [];
    const bar = progressBar(`lag @${lag.ratePerSecond}/s: ${config.name}`, total, 'events');
    // The relay reads only below pg_snapshot_xmin, the oldest transaction holding an xid anywhere
    // in the cluster (not just this schema): sample its age to see what holds the relay back.
    const horizonAll = new Samples();
    const horizonOther = new Samples();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await fresh.db.query<{ all: number | null; other: number | null }>(
          `SELECT max(extract(epoch FROM clock_timestamp() - xact_start)) * 1000 AS all,
                  max(extract(epoch FROM clock_timestamp() - xact_start)) FILTER (WHERE datname <> current_database()) * 1000 AS other
           FROM pg_stat_activity WHERE backend_xid IS NOT NULL`,
        );
        horizonAll.add(Number(row?.all ?? 0));
        horizonOther.add(Number(row?.other ?? 0));
        await sleep(50);
      }
    })();
    const started = Date.now();
    while (issued < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) * lag.ratePerSecond) / 1000));
      if (due - issued >= lag.eventsPerAppend && inFlight >= lag.maxInFlight) stalledTicks++;
      while (due - issued >= lag.eventsPerAppend && inFlight < lag.maxInFlight && free.length > 0) {
        const stream = free.shift()!;
        const occurredAt = Date.now();
        issued += lag.eventsPerAppend;
        inFlight++;
        void fresh.db
          .transaction((tx) =>
            store.append(tx, { workspaceId, streamId: stream.streamId, expectedVersion: stream.version, events: batch, metadata: testMetadata({ actor: 'bench', occurredAt }) }),
          )
          .then(
            () => {
              commitLag.add(Date.now() - occurredAt);
              stream.version += lag.eventsPerAppend;
              appended += lag.eventsPerAppend;
            },
            (error: unknown) => appendErrors.push(error),
          )
          .finally(() => {
            inFlight--;
            free.push(stream);
          });
      }
      bar.update(received.size, { detail: `appended ${appended}` });
      await sleep(2);
    }
    while (inFlight > 0) await sleep(5);
    sampling = false;
    await sampler;
    const appendSeconds = (Date.now() - started) / 1000;
    const drainDeadline = Date.now() + lag.drainTimeoutMs;
    while (received.size < appended && Date.now() < drainDeadline) {
      bar.update(received.size, { detail: `draining, appended ${appended}` });
      await sleep(20);
    }
    bar.update(received.size, { detail: `appended ${appended}` });
    bar.stop();
    await relay.stop();
    await subscription.close();

    // EventStore.readAfter orders xids as text, so a backlog across a decimal digit boundary
    // (99,999 → 100,000) can skip and repeat events; the range says whether this run crossed one.
    const [xids] = await fresh.db.query<{ first: string; last: string }>(
      `SELECT min(transaction_id)::text AS first, max(transaction_id)::text AS last FROM ${fresh.schema}.events`,
    );
    const e2e = endToEnd.summary();
    const toPublish = bus.toPublish.summary();
    const toAck = bus.toAck.summary();
    const commit = commitLag.summary();
    const publish = bus.publishMs.summary();
    return {
      phase: `lag ${lag.ratePerSecond}/s: ${config.name}`,
      'append events/s': Math.round(appended / appendSeconds),
      appended,
      received: received.size,
      'all arrived': received.size === appended && appendErrors.length === 0,
      duplicates,
      'e2e p50 ms': e2e.p50,
      'e2e p99 ms': e2e.p99,
      'e2e max ms': e2e.max,
      'commit p99 ms': commit.p99,
      'to relay read p50/p99 ms': `${toPublish.p50}/${toPublish.p99}`,
      'to broker ack p50/p99 ms': `${toAck.p50}/${toAck.p99}`,
      'publish p50/p99 ms': `${publish.p50}/${publish.p99}`,
      'relay batch p50/max': `${bus.batchSizes.summary().p50}/${bus.batchSizes.summary().max}`,
      'appender stalled ticks': stalledTicks,
      'oldest xid tx p99/max ms (other dbs max)': `${round(horizonAll.summary().p99, 0)}/${round(horizonAll.summary().max, 0)} (${round(horizonOther.summary().max, 0)})`,
      errors: appendErrors.length + relayErrors.length,
      'xid range': `${xids.first}..${xids.last}`,
    };
  } finally {
    await relay.stop();
    await bus.close();
    await deleteTopic(topic);
  }
}

/** The bus port has no topic deletion; the bench removes its own topic with kafkajs's admin. */
async function deleteTopic(topic: string): Promise<void> {
  const admin = new Kafka({ clientId: randomId('eventstore-bench-admin'), brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] });
  } catch {
    // Best effort: a leftover topic only costs disk.
  } finally {
    await admin.disconnect();
  }
}

/** Event store benchmarks on the real servers: append throughput, then relay lag to a Kafka consumer. */
export async function runEventStoreBench(): Promise<Record<string, unknown>> {
  const rows: Row[] = [];
  await withSchema('es_bench', async (fresh) => {
    for (const phase of appendPhases) rows.push(await appendThroughput(fresh, phase));
  });
  for (const config of relayConfigs) rows.push(await withSchema('es_bench_lag', (fresh) => relayLag(fresh, config)));
  return Object.fromEntries(rows.map(({ phase, ...row }) => [String(phase), row]));
}

if (require.main === module) {
  runEventStoreBench().then(
    (results) => printResults('Event store', results),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

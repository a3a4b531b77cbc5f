import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { TrackingEvent } from '@chronicle/contracts';
import { Database, DatabaseSession } from '@chronicle/database';
import { EventRelay, EventStore, eventStoreSchemaSql, topicOf, type RelayOptions } from '@chronicle/eventstore';
import { KafkaEventBus } from '@chronicle/messaging';
import { databaseUrl, freshSchema, kafkaBrokers, randomId, tagsSet, testMetadata, trackingCodecAs, type FreshSchema } from '@chronicle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import type { BenchConsumerInput, BenchConsumerReport } from './eventstore-bench-consumer';
import { printResults, progressBar, round, Samples, sleep, TimedEventBus } from './eventstore-bench-support';

// Knob (env): EVENTSTORE_BENCH_PARTS, a comma-separated subset of `append,lag` (default both).
const parts = new Set((process.env.EVENTSTORE_BENCH_PARTS ?? 'append,lag').split(','));

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

// The library defaults: batches of 100 doubling to 1000 while full; after an empty poll the leader
// sleeps 2 ms, doubling to 100 ms while the log stays quiet. The bench appends directly, so the
// wake-up on local commits never fires: this is the case of a leader relaying commits made by
// other replicas.
const relayConfigs: { name: string; options: RelayOptions }[] = [{ name: 'defaults', options: {} }];

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

/**
 * An event store in a database of its own. The relay waits for every running transaction of its
 * database that holds an xid; on this shared machine other test runs in the common database held
 * it back for seconds, which would measure their transactions, not the relay.
 */
async function withOwnDatabase<T>(work: (fresh: FreshSchema) => Promise<T>): Promise<T> {
  const name = randomId('es_bench_lag');
  const admin = await DatabaseSession.open(databaseUrl);
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    const db = await Database.connect({ url: url.toString(), name: 'eventstore_bench', migrations: [], poolSize: 20 });
    try {
      await db.query(eventStoreSchemaSql('bench'));
      return await work({ db, schema: 'bench', drop: async () => undefined });
    } finally {
      await db.close();
    }
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.close();
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
    logger: pino({ name: 'eventstore-bench', level: 'warn' }),
  });
}

/** Starts the consumer thread; resolves once it has joined its group. */
async function startConsumer(input: BenchConsumerInput) {
  const worker = new Worker(join(__dirname, 'eventstore-bench-consumer.js'), { workerData: input });
  let latest: BenchConsumerReport = { received: 0, duplicates: 0 };
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  await Promise.race([new Promise((resolve) => worker.once('message', resolve)), failed]);
  worker.on('message', (report: BenchConsumerReport) => (latest = report));
  return {
    get report() {
      return latest;
    },
    /** Stops consuming; resolves with everything received. */
    async stop(): Promise<Required<BenchConsumerReport>> {
      const done = new Promise<Required<BenchConsumerReport>>((resolve) =>
        worker.on('message', (report: BenchConsumerReport) => report.done && resolve(report as Required<BenchConsumerReport>)),
      );
      worker.postMessage('stop');
      const report = await Promise.race([done, failed]);
      await worker.terminate();
      return report;
    },
  };
}

const span = (samples: Samples) => {
  const { p50, p99 } = samples.summary();
  return `${round(p50, 0)}/${round(p99, 0)}`;
};

/**
 * Appends at a steady rate over many streams while an EventRelay publishes to Kafka and a
 * KafkaEventBus consumer (on its own thread) receives. Lag is measured from the commit of the
 * appending transaction (the relay's share) and from its start (metadata.occurredAt, end to end).
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
  /** Per position: when its transaction started and when it committed. */
  const appendTimes = new Map<number, { occurredAt: number; committedAt: number }>();
  try {
    await bus.ensureTopics([topic], lag.partitions);
    const consumer = await startConsumer({ topic, groupId: randomId('bench-lag') });
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
    // The relay reads only below the oldest running transaction of this database that holds an
    // xid: sample its age to see what holds the relay back.
    const horizon = new Samples();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await fresh.db.query<{ age: number | null }>(
          `SELECT max(extract(epoch FROM clock_timestamp() - xact_start)) * 1000 AS age
           FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname = current_database()`,
        );
        horizon.add(Number(row?.age ?? 0));
        await sleep(50);
      }
    })();
    // The appenders and the relay share this event loop, as commands and the relay share a service process.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
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
            (stored) => {
              const committedAt = Date.now();
              for (const { position } of stored) appendTimes.set(position, { occurredAt, committedAt });
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
      bar.update(consumer.report.received, { detail: `appended ${appended}` });
      await sleep(2);
    }
    while (inFlight > 0) await sleep(5);
    loopDelay.disable();
    sampling = false;
    await sampler;
    const appendSeconds = (Date.now() - started) / 1000;
    const drainDeadline = Date.now() + lag.drainTimeoutMs;
    while (consumer.report.received < appended && Date.now() < drainDeadline) {
      bar.update(consumer.report.received, { detail: `draining, appended ${appended}` });
      await sleep(20);
    }
    bar.update(consumer.report.received, { detail: `appended ${appended}` });
    bar.stop();
    await relay.stop();
    const { received, duplicates, done } = await consumer.stop();

    const [appendTx, endToEnd, relayToConsumer, toRead, toAck] = [new Samples(), new Samples(), new Samples(), new Samples(), new Samples()];
    const published = bus.published();
    for (const { occurredAt, committedAt } of appendTimes.values()) appendTx.add(committedAt - occurredAt);
    for (const [position, { started: readAt, acked }] of published) {
      const times = appendTimes.get(position);
      if (!times) continue;
      toRead.add(readAt - times.committedAt);
      toAck.add(acked - times.committedAt);
    }
    done.positions.forEach((position, i) => {
      const times = appendTimes.get(position);
      if (!times) return;
      endToEnd.add(done.receivedAt[i] - times.occurredAt);
      relayToConsumer.add(done.receivedAt[i] - times.committedAt);
    });
    const relayed = relayToConsumer.summary();
    return {
      phase: `lag ${lag.ratePerSecond}/s: ${config.name}`,
      'append events/s': Math.round(appended / appendSeconds),
      'received/appended': `${received}/${appended}`,
      'all arrived': received === appended && appendErrors.length === 0,
      duplicates,
      'commit→consumer p50/p99/max ms': `${round(relayed.p50, 0)}/${round(relayed.p99, 0)}/${round(relayed.max, 0)}`,
      'append start→consumer p50/p99 ms': span(endToEnd),
      'append tx p50/p99 ms': span(appendTx),
      'commit→relay read p50/p99 ms': span(toRead),
      'commit→broker ack p50/p99 ms': span(toAck),
      'publish p50/p99 ms': span(bus.publishMs),
      'relay batch p50/max': `${bus.batchSizes.summary().p50}/${bus.batchSizes.summary().max}`,
      'appender stalled ticks': stalledTicks,
      'event loop delay p99/max ms': `${round(loopDelay.percentile(99) / 1e6)}/${round(loopDelay.max / 1e6)}`,
      'oldest xid tx p99/max ms': `${round(horizon.summary().p99, 0)}/${round(horizon.summary().max, 0)}`,
      errors: appendErrors.length + relayErrors.length,
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
  if (parts.has('append')) {
    await withSchema('es_bench', async (fresh) => {
      for (const phase of appendPhases) rows.push(await appendThroughput(fresh, phase));
    });
  }
  if (parts.has('lag')) for (const config of relayConfigs) rows.push(await withOwnDatabase((fresh) => relayLag(fresh, config)));
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

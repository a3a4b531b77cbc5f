import { parentPort, workerData } from 'node:worker_threads';
import { Envelope } from '@chronicle/contracts';
import { KafkaEventBus } from '@chronicle/messaging';
import { kafkaBrokers, randomId } from '@chronicle/testing';
import { pino } from 'pino';

/** What the lag bench's consumer thread is given. */
export interface BenchConsumerInput {
  topic: string;
  groupId: string;
}

/** Sent every 100 ms while consuming, and once more (with `done`) after `stop`. */
export interface BenchConsumerReport {
  received: number;
  duplicates: number;
  /** On `done`: each position received first, and when (epoch ms). */
  done?: { positions: Float64Array; receivedAt: Float64Array };
}

/**
 * The lag bench's Kafka consumer, on a thread of its own: in a deployment the consumer is another
 * service, so it must not queue on the event loop of the appenders and the relay (nor they on its).
 */
async function consume({ topic, groupId }: BenchConsumerInput): Promise<void> {
  const port = parentPort!;
  const bus = await KafkaEventBus.connect({
    brokers: kafkaBrokers,
    clientId: randomId('eventstore-bench-consumer'),
    consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 10_000 },
    logger: pino({ name: 'eventstore-bench-consumer', level: 'warn' }),
  });
  const firstSeen = new Map<number, number>();
  let duplicates = 0;
  const subscription = await bus.subscribe({ groupId, topics: [topic], fromBeginning: true }, async (record) => {
    const now = Date.now();
    const { position } = Envelope.decode(record.value);
    if (firstSeen.has(position)) duplicates++;
    else firstSeen.set(position, now);
  });
  const progress = setInterval(() => port.postMessage({ received: firstSeen.size, duplicates } satisfies BenchConsumerReport), 100);
  port.postMessage({ received: 0, duplicates: 0 } satisfies BenchConsumerReport);
  port.once('message', async () => {
    clearInterval(progress);
    await subscription.close();
    await bus.close();
    const done = { positions: Float64Array.from(firstSeen.keys()), receivedAt: Float64Array.from(firstSeen.values()) };
    port.postMessage({ received: firstSeen.size, duplicates, done } satisfies BenchConsumerReport);
  });
}

if (parentPort) void consume(workerData as BenchConsumerInput);

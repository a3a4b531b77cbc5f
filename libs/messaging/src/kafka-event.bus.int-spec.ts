import { randomUUID } from 'node:crypto';
import { infraDefaults, loadConfig } from '@chronicle/config';
import { pino } from 'pino';
import { z } from 'zod';
import { eventBusContract } from './event-bus.contract';
import { KafkaEventBus } from './kafka-event.bus';

const { CHRONICLE_KAFKA_BROKERS: brokers } = loadConfig(
  z.object({ CHRONICLE_KAFKA_BROKERS: z.string().default(infraDefaults.CHRONICLE_KAFKA_BROKERS) }),
);

// Small timeouts keep group joins and retries quick on a small machine; the broker's minimum
// session timeout (group.min.session.timeout.ms) is 6 s.
const connect = () =>
  KafkaEventBus.connect({
    brokers: brokers.split(','),
    clientId: 'chronicle-contract',
    requestRetry: { initialRetryTimeMs: 100, retries: 3 },
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 5000, maxWaitTimeMs: 100 },
    retryBackoffMs: 100,
    maxRetryBackoffMs: 400,
    joinTimeoutMs: 20000,
    logger: pino({ level: 'error' }),
  });

eventBusContract('kafka', {
  createBus: connect,
  deliveryTimeoutMs: 15000,
  testTimeoutMs: 45000,
});

describe('KafkaEventBus', () => {
  it('lets a member that gets no partition join its group', async () => {
    const bus = await connect();
    const topic = `kafka-spare-${randomUUID()}`;
    const groupId = `kafka-spare-${randomUUID()}`;
    await bus.ensureTopics([topic], 1);
    const subscriptions = await Promise.all([1, 2].map(() => bus.subscribe({ groupId, topics: [topic] }, async () => undefined)));

    expect(subscriptions).toHaveLength(2);
    await bus.close();
  }, 30000);
});

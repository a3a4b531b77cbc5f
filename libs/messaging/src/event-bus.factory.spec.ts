import { pino } from 'pino';
import { createEventBus } from './event-bus.factory';
import { InProcessEventBus } from './in-process-event.bus';

describe('createEventBus', () => {
  it('builds the in-process bus for the embedded mode', async () => {
    const bus = await createEventBus({ driver: 'in-process' });
    expect(bus).toBeInstanceOf(InProcessEventBus);
    await bus.close();
  });

  it('fails at once when no Kafka broker answers', async () => {
    const connecting = createEventBus({
      driver: 'kafka',
      brokers: ['127.0.0.1:1'],
      clientId: 'factory-spec',
      requestRetry: { retries: 0 },
      logger: pino({ level: 'silent' }),
    });
    await expect(connecting).rejects.toThrow(/ECONNREFUSED/);
  });
});

import type { EventBus } from './event-bus.port';
import { InProcessEventBus, type InProcessEventBusOptions } from './in-process-event.bus';
import { KafkaEventBus, type KafkaEventBusConfig } from './kafka-event.bus';

/** Which adapter backs the bus: in process for the embedded mode, Kafka when distributed. */
export type EventBusConfig = ({ driver: 'in-process' } & InProcessEventBusOptions) | ({ driver: 'kafka' } & KafkaEventBusConfig);

/** Builds the event bus from an already validated config; the Kafka adapter connects first. */
export async function createEventBus(config: EventBusConfig): Promise<EventBus> {
  switch (config.driver) {
    case 'in-process':
      return new InProcessEventBus(config);
    case 'kafka':
      return KafkaEventBus.connect(config);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown event bus driver ${JSON.stringify(unknown)}`);
    }
  }
}

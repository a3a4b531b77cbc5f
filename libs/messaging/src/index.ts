export type { BusRecord, DeliveredRecord, EventBus, RecordHandler, SubscribeOptions, Subscription } from './event-bus.port';
export { InProcessEventBus, type InProcessEventBusOptions, type WarnLogger } from './in-process-event.bus';
export { KafkaEventBus, type KafkaEventBusConfig } from './kafka-event.bus';
export { createEventBus, type EventBusConfig } from './event-bus.factory';

import * as identity from './generated/chronicle/identity/v1/events';
import * as tracking from './generated/chronicle/tracking/v1/events';
import { EventCatalog, type EventOf } from './event-catalog';

export { Envelope, Metadata } from './generated/chronicle/eventstore/v1/envelope';
export { EventCatalog, type EventCodec, type EventOf, type MessageCodec } from './event-catalog';
export * as trackingV1 from './generated/chronicle/tracking/v1/events';
export * as identityV1 from './generated/chronicle/identity/v1/events';

const { Tag: _tag, Param: _param, MetricPoint: _point, Dataset: _dataset, DatasetInput: _input, ModelOutput: _output, ...trackingEventCodecs } =
  tracking;

export const trackingEvents = new EventCatalog('tracking', 'chronicle.tracking.v1', trackingEventCodecs);
export type TrackingEvent = EventOf<typeof trackingEventCodecs>;

export const identityEvents = new EventCatalog('identity', 'chronicle.identity.v1', identity);
export type IdentityEvent = EventOf<typeof identity>;

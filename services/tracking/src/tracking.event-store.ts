import { trackingEvents } from '@chronicle/contracts';
import type { Database } from '@chronicle/database';
import { EventStore } from '@chronicle/eventstore';
import type { TrackingEvent } from './domain/tracking-event';
import { trackingProjections } from './projections';
import { trackingSchema } from './tracking.schema';

export class TrackingEventStore extends EventStore<TrackingEvent> {
  constructor(db: Database) {
    super(db, trackingSchema, trackingEvents, trackingProjections);
  }
}

export { TrackingModule, type TrackingAdapters } from './tracking.module';
export { TrackingEventStore } from './tracking.event-store';
export { TrackingInit1763900000000 } from './migrations/1763900000000-tracking-init';
export { trackingProjections } from './projections';

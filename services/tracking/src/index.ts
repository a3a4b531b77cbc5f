export { openTrackingDatabase, startTracking, type TrackingRuntimeOptions } from './tracking.runtime';
export { TrackingEventStore } from './tracking.event-store';
export { trackingProjections } from './projections';
export { trackingMigrations } from './migrations';

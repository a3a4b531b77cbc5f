import { TrackingInit1763900000000 } from './1763900000000-tracking-init';

/** Every tracking migration, oldest first. */
export const trackingMigrations = [TrackingInit1763900000000];

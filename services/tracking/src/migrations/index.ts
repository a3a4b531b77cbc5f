import { TrackingInit1763900000000 } from './1763900000000-tracking-init';
import { TrackingRowLevelSecurity1764000000000 } from './1764000000000-tracking-row-level-security';

/** Every tracking migration, oldest first. */
export const trackingMigrations = [TrackingInit1763900000000, TrackingRowLevelSecurity1764000000000];

import { TrackingInit1763900000000 } from './1763900000000-tracking-init';
import { TrackingRowLevelSecurity1764000000000 } from './1764000000000-tracking-row-level-security';
import { TrackingDropKeyedSearchTables1764100000000 } from './1764100000000-tracking-drop-keyed-search-tables';

/** Every tracking migration, oldest first. */
export const trackingMigrations = [TrackingInit1763900000000, TrackingRowLevelSecurity1764000000000, TrackingDropKeyedSearchTables1764100000000];

import { experimentPermissionsProjection } from './experiment-permissions.projection';
import { experimentsProjection } from './experiments.projection';
import { loggedModelsProjection } from './logged-models.projection';
import { metricHistoryProjection } from './metric-history.projection';
import { runsProjection } from './runs.projection';

/** Tracking's read models, all updated inline (in the append transaction) for read-your-writes. */
export const trackingProjections = [experimentsProjection, experimentPermissionsProjection, runsProjection, metricHistoryProjection, loggedModelsProjection];

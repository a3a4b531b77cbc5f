import type { Projection } from '@chronicle/eventstore';
import type { TrackingEvent } from '../domain/tracking-event';
import { metricColumns } from './metric-columns';

type Table = 'metrics';

/**
 * Every metric point ever logged. MLflow keeps identical points once, so the primary key covers
 * the whole point and a replayed batch inserts nothing.
 */
export const metricHistoryProjection: Projection<TrackingEvent, Table> = {
  name: 'metric-history',
  version: 3,
  tables: {
    // Byte-order ("C") text: every logged point adds two index entries led by these columns;
    // comparing them as bytes instead of by locale rules made 1000-point inserts ~25% cheaper.
    metrics: (t) => `CREATE TABLE ${t} (
      workspace_id text COLLATE "C" NOT NULL,
      run_id text COLLATE "C" NOT NULL,
      key text COLLATE "C" NOT NULL,
      step bigint NOT NULL,
      timestamp bigint NOT NULL,
      value double precision NOT NULL,
      PRIMARY KEY (workspace_id, run_id, key, step, timestamp, value)
    );
    -- get-history's order, value included, so a page that starts after the last one is one seek
    CREATE INDEX ON ${t} (workspace_id, run_id, key, timestamp, step, value)`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId, event } of events) {
      if (event.type !== 'MetricsLogged') continue;
      const columns = metricColumns(event.data);
      await tx.query(
        `INSERT INTO ${t.metrics} (workspace_id, run_id, key, step, timestamp, value)
         SELECT $1, $2, * FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::float8[])
         ON CONFLICT DO NOTHING`,
        [workspaceId, event.data.runId, columns.keys, columns.steps, columns.timestamps, columns.values],
      );
    }
  },
};

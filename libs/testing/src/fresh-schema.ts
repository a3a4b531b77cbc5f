import { randomBytes } from 'node:crypto';
import { infraDefaults } from '@chronicle/config';
import { trackingEvents, type EventCodec, type TrackingEvent } from '@chronicle/contracts';
import { Database } from '@chronicle/database';
import { eventStoreSchemaSql, projectionTablesSql, type EventMetadata, type Projection } from '@chronicle/eventstore';

export const databaseUrl = process.env.CHRONICLE_DATABASE_URL ?? infraDefaults.CHRONICLE_DATABASE_URL;
export const kafkaBrokers = (process.env.CHRONICLE_KAFKA_BROKERS ?? infraDefaults.CHRONICLE_KAFKA_BROKERS).split(',');

export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export interface FreshSchema {
  db: Database;
  schema: string;
  /** Drops the schema and closes the connection. */
  drop(): Promise<void>;
}

/**
 * A random schema holding an event store (and the given projections' tables), on its own
 * connection. Every test file gets one, so tests never share rows.
 */
export async function freshSchema(projections: Projection<never>[] = [], prefix = 'es_test'): Promise<FreshSchema> {
  const db = await Database.connect({ url: databaseUrl, name: 'eventstore_tests', migrations: [], poolSize: 20 });
  const schema = randomId(prefix);
  await db.query(eventStoreSchemaSql(schema));
  for (const projection of projections) await db.query(projectionTablesSql(schema, projection as Projection<unknown>));
  return {
    db,
    schema,
    drop: async () => {
      try {
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await db.close();
      }
    },
  };
}

/** The tracking codec under another context name, so a test gets its own topic `chronicle.<context>.events`. */
export function trackingCodecAs(context: string): EventCodec<TrackingEvent> {
  return {
    context,
    encode: (event) => trackingEvents.encode(event),
    decode: (eventType, payload) => trackingEvents.decode(eventType, payload),
    typeOf: (eventType) => trackingEvents.typeOf(eventType),
  };
}

export function tagsSet(runId: string, value: string): TrackingEvent {
  return { type: 'RunTagsSet', data: { runId, tags: [{ key: 'k', value }] } } as TrackingEvent;
}

export function testMetadata(extra: Partial<EventMetadata> = {}): EventMetadata {
  return { actor: 'test', correlationId: randomId('corr'), occurredAt: Date.now(), ...extra };
}

/**
 * A tiny projection: events and last version per stream. `count` is a plain increment, so it is
 * NOT idempotent by itself: applying an event twice shows up, which lets the tests see whether
 * the machinery around it (consumer offsets, rebuild) applies each event exactly once.
 */
export const streamCounts: Projection<TrackingEvent, 'stream_counts'> = {
  name: 'stream_counts',
  version: 1,
  tables: {
    stream_counts: (table) => `
      CREATE TABLE ${table} (
        workspace_id text NOT NULL,
        stream_id text NOT NULL,
        count bigint NOT NULL,
        last_version bigint NOT NULL,
        last_value text NOT NULL,
        PRIMARY KEY (workspace_id, stream_id)
      );
      CREATE INDEX ${table.split('.').pop()}_count_idx ON ${table} (count)`,
  },
  async apply(events, tx, tables) {
    for (const stored of events) {
      const value = stored.event.type === 'RunTagsSet' ? (stored.event.data.tags[0]?.value ?? '') : '';
      await tx.query(
        `INSERT INTO ${tables.stream_counts} AS t (workspace_id, stream_id, count, last_version, last_value) VALUES ($1, $2, 1, $3, $4)
         ON CONFLICT (workspace_id, stream_id) DO UPDATE SET count = t.count + 1, last_version = EXCLUDED.last_version, last_value = EXCLUDED.last_value`,
        [stored.workspaceId, stored.streamId, stored.streamVersion, value],
      );
    }
  },
};

import { isolatesWorkspaces, isolateWorkspaces, statementText, type Database, type Queryable } from '@chronicle/database';
import type { EventStore } from './event-store';
import { liveTables, mapTables, type Projection } from './projection';
import { logStart, type LogCursor } from './stored-event';

export interface RebuildProgress {
  /** Events replayed so far. */
  replayed: number;
  /** Events in the log when the rebuild started (an estimate: appends go on meanwhile). */
  total: number;
}

const rebuildSuffix = '__rebuild';

/**
 * Replays the whole log into fresh copies of a projection's tables, then swaps them in. The
 * bulk replay runs beside live traffic; only the final catch-up and swap block appends.
 */
export async function rebuildProjection<E>(
  db: Database,
  store: EventStore<E>,
  projection: Projection<E>,
  onProgress: (progress: RebuildProgress) => void = () => {},
  batchSize = 2000,
): Promise<RebuildProgress> {
  const schema = store.schema;
  const fresh = mapTables(projection, (name) => `${schema}.${name}${rebuildSuffix}`);
  await db.transaction(async (tx) => {
    for (const [name, ddl] of Object.entries(projection.tables) as [string, (t: string) => string][]) {
      const table = fresh[name as keyof typeof fresh];
      await tx.query(`DROP TABLE IF EXISTS ${table}`);
      await tx.query(ddl(table));
      // A rebuilt table keeps the live one's row-level security (the policy follows the rename below).
      if (await isolatesWorkspaces(tx, schema, name)) await isolateWorkspaces(tx, schema, `${name}${rebuildSuffix}`);
    }
  });
  const [{ count }] = await db.query<{ count: string }>(`SELECT count(*) AS count FROM ${schema}.events`);
  const progress: RebuildProgress = { replayed: 0, total: Number(count) };

  const replay = async (q: Queryable, cursor: LogCursor, quiesced: boolean): Promise<LogCursor> => {
    for (;;) {
      const batch = await store.readAfter(cursor, batchSize, q, quiesced);
      if (batch.length === 0) return cursor;
      await projection.apply(batch, plannedEachTime(q), fresh);
      const last = batch[batch.length - 1];
      cursor = { transactionId: last.transactionId, position: last.position };
      progress.replayed += batch.length;
      progress.total = Math.max(progress.total, progress.replayed);
      onProgress({ ...progress });
    }
  };

  let cursor = logStart;
  for (;;) {
    const before = progress.replayed;
    cursor = await db.transaction((tx) => replay(tx, cursor, false));
    if (progress.replayed === before) break;
  }

  // Statistics and visibility before the tables go live: until autovacuum got to them the planner
  // saw empty tables (a search planned that way ran for minutes), and every index-only scan read
  // the table too, its pages not yet marked all-visible.
  for (const table of Object.values(fresh) as string[]) await db.query(`VACUUM (ANALYZE) ${table}`);

  await db.transaction(async (tx) => {
    // SHARE ROW EXCLUSIVE waits for running appends and blocks new ones, so after it nothing is
    // in flight and the tail read below is complete.
    await tx.query(`LOCK TABLE ${schema}.events IN SHARE ROW EXCLUSIVE MODE`);
    await replay(tx, cursor, true);
    const live = liveTables(schema, projection);
    for (const name of Object.keys(projection.tables) as (keyof typeof live)[]) {
      await tx.query(`DROP TABLE IF EXISTS ${live[name]}`);
      await tx.query(`ALTER TABLE ${fresh[name]} RENAME TO ${String(name)}`);
      await renameIndexes(tx, schema, String(name));
    }
    await tx.query(
      `INSERT INTO ${schema}.projections (name, version, rebuilt_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, rebuilt_at = EXCLUDED.rebuilt_at`,
      [projection.name, projection.version],
    );
  });
  onProgress({ ...progress, total: progress.replayed });
  return { ...progress, total: progress.replayed };
}

/**
 * Runs prepared statements as plain ones, planned on each run. The fresh tables grow inside one
 * transaction, unanalyzed: a prepared statement's generic plan, made while they were nearly empty,
 * kept scanning indexes whole as they grew (the 100,000-run bench rebuild took 21 minutes, not 7.8).
 */
function plannedEachTime(q: Queryable): Queryable {
  return { query: (statement, values) => q.query(statementText(statement), values) };
}

/** Gives the swapped-in table's constraints and indexes the names the live table would have had. */
async function renameIndexes(tx: Queryable, schema: string, table: string): Promise<void> {
  const indexes = await tx.query<{ name: string; constraint_name: string | null }>(
    `SELECT i.relname AS name, c.conname AS constraint_name
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = t.oid
     WHERE n.nspname = $1 AND t.relname = $2`,
    [schema, table],
  );
  for (const index of indexes) {
    const renamed = index.name.replace(`${table}${rebuildSuffix}`, table);
    if (renamed === index.name) continue;
    if (index.constraint_name) await tx.query(`ALTER TABLE ${schema}.${table} RENAME CONSTRAINT ${index.constraint_name} TO ${renamed}`);
    else await tx.query(`ALTER INDEX ${schema}.${index.name} RENAME TO ${renamed}`);
  }
}

import type { Database } from '@chronicle/database';
import type { EventStore } from './event-store';
import type { Projection } from './projection';
import { rebuildProjection, type RebuildProgress } from './projection-rebuild';

/**
 * Brings every projection to its declared version at start-up: a projection that is new, or
 * whose version changed, is rebuilt from the log (on an empty log that just creates its tables).
 * So changing a read model means bumping its version, never patching rows or tables by hand.
 */
export async function ensureProjections<E>(
  db: Database,
  store: EventStore<E>,
  projections: Projection<E>[],
  onProgress?: (projection: string, progress: RebuildProgress) => void,
): Promise<string[]> {
  const rows = await db.query<{ name: string; version: number }>(`SELECT name, version FROM ${store.schema}.projections`);
  const current = new Map(rows.map((row) => [row.name, row.version]));
  const rebuilt: string[] = [];
  for (const projection of projections) {
    if (current.get(projection.name) === projection.version) continue;
    await rebuildProjection(db, store, projection, (progress) => onProgress?.(projection.name, progress));
    rebuilt.push(projection.name);
  }
  return rebuilt;
}

import { Database } from '@chronicle/database';
import { rebuildProjection } from '@chronicle/eventstore';
import { TrackingEventStore, trackingMigrations, trackingProjections } from '@chronicle/tracking';
import { SingleBar, Presets } from 'cli-progress';
import { join, resolve } from 'node:path';
import { openEmbeddedPostgres } from './embedded-template';
import { loadServerConfig, type ServerFlags } from './server.command';

/**
 * Replays the tracking log into fresh copies of the named read models (all when none is named)
 * and swaps them in, with a progress bar per projection and a summary.
 */
export async function runRebuild(names: string[], flags: Pick<ServerFlags, 'dataDir'>): Promise<void> {
  const config = loadServerConfig(flags);
  const unknown = names.filter((name) => !trackingProjections.some((p) => p.name === name));
  if (unknown.length > 0) {
    throw new Error(`Unknown projection(s): ${unknown.join(', ')}. Known: ${trackingProjections.map((p) => p.name).join(', ')}`);
  }
  const chosen = names.length === 0 ? trackingProjections : trackingProjections.filter((p) => names.includes(p.name));
  const embedded = config.CHRONICLE_DATABASE_URL ? null : await openEmbeddedPostgres(join(resolve(config.CHRONICLE_DATA_DIR), 'postgres'));
  const db = await Database.connect({ url: config.CHRONICLE_DATABASE_URL ?? embedded!.url, name: 'tracking', migrations: trackingMigrations, poolSize: 2 });
  const store = new TrackingEventStore(db);
  try {
    for (const projection of chosen) {
      const bar = new SingleBar(
        { format: `${projection.name.padEnd(16)} {bar} {value}/{total} events | {duration}s`, noTTYOutput: true, notTTYSchedule: 2000 },
        Presets.shades_classic,
      );
      const startedAt = performance.now();
      bar.start(1, 0);
      const result = await rebuildProjection(db, store, projection, ({ replayed, total }) => {
        bar.setTotal(Math.max(total, 1));
        bar.update(replayed);
      });
      bar.stop();
      const seconds = (performance.now() - startedAt) / 1000;
      process.stdout.write(`rebuilt ${projection.name} v${projection.version}: ${result.replayed} events in ${seconds.toFixed(1)} s\n`);
    }
  } finally {
    await db.close();
    await embedded?.stop();
  }
}

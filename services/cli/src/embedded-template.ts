import { identityMigrations, identityProjections, openIdentityDatabase } from '@chronicle/gateway';
import { openTrackingDatabase, trackingMigrations, trackingProjections } from '@chronicle/tracking';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type EmbeddedPostgres, hasCluster, startEmbeddedPostgres } from './embedded-postgres';

// PGlite's initdb boots a second Postgres in WASM to run the bootstrap: seconds of CPU and
// ~500 MB. Copying a cluster made once is file I/O only. Kept beside the build output, never committed.
const templatesRoot = resolve(__dirname, '../../../.cache/embedded-postgres');

/**
 * Names the template after everything that shapes it: the PGlite release, the migrations and the
 * projections' versions. A change to any of them selects a new template, so none goes stale; and
 * a server on a seeded cluster still runs migrations and ensureProjections anyway.
 */
export function templateFingerprint(migrations: { name: string }[], projections: { name: string; version: number }[]): string {
  const pglitePackage = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const shape = {
    pglite: (JSON.parse(readFileSync(pglitePackage, 'utf8')) as { version: string }).version,
    migrations: migrations.map((migration) => migration.name),
    projections: projections.map((projection) => `${projection.name}@${projection.version}`),
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}

export function embeddedTemplateDir(): string {
  return join(templatesRoot, templateFingerprint([...trackingMigrations, ...identityMigrations], [...trackingProjections, ...identityProjections]));
}

/**
 * Creates the template cluster: PGlite's initdb, then tracking's and identity's migrations and read
 * models through the same code a server starts with (no users: the first administrator is made at start). Built aside and renamed into place, so a template
 * that exists is complete; concurrent builders each build, one rename wins.
 */
export async function prepareEmbeddedTemplate(target = embeddedTemplateDir()): Promise<void> {
  if (hasCluster(target)) return;
  const building = `${target}.building-${process.pid}`;
  const postgres = await startEmbeddedPostgres(building);
  try {
    const { db } = await openTrackingDatabase(postgres.url, 1);
    await db.close();
    await (await openIdentityDatabase(postgres.url, 1)).close();
  } finally {
    await postgres.stop();
  }
  try {
    renameSync(building, target);
  } catch (error) {
    if (!hasCluster(target)) throw error;
    rmSync(building, { recursive: true, force: true });
  }
}

/**
 * The template's path, preparing it first when missing. That runs in a child process: initdb's
 * second PGlite instance leaves ~500 MB resident that the server would otherwise keep.
 */
export async function ensureEmbeddedTemplate(): Promise<string> {
  const target = embeddedTemplateDir();
  if (hasCluster(target)) return target;
  const child = spawn(process.execPath, [join(__dirname, 'main.js'), 'prepare-embedded-template'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || !hasCluster(target)) throw new Error(`Preparing the embedded Postgres template in ${target} failed (exit ${code})`);
  return target;
}

/** Embedded Postgres in `dir`, which starts as a copy of the template when it holds no cluster yet. */
export async function openEmbeddedPostgres(dir: string): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres(dir, hasCluster(dir) ? undefined : await ensureEmbeddedTemplate());
}

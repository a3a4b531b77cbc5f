import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Settings for PGlite's one local session. initdb sizes a cluster for a server (128 MB of shared
 * buffers, 100 connections) and PGlite allocates all of it inside its WASM heap, where it stays
 * resident: ~130 MB of a ~300 MB process for nothing when one connection is served at a time.
 */
export const embeddedPostgresSettings = ['shared_buffers=16MB', 'max_connections=8'];

/**
 * Postgres inside this process (PGlite, persisted in `dir`), reachable over the wire protocol on
 * loopback so the same `pg`/TypeORM code path serves embedded and distributed modes. A `dir`
 * without a cluster starts as a copy of `template` when one is given (see embedded-template.ts).
 */
export async function startEmbeddedPostgres(dir: string, template?: string): Promise<EmbeddedPostgres> {
  if (template && !hasCluster(dir)) seedFromTemplate(dir, template);
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create({
    dataDir: dir,
    startParams: [...PGlite.defaultStartParams, ...embeddedPostgresSettings.flatMap((setting) => ['-c', setting])],
  });
  // Tracking and identity each hold a connection; the socket server queues their transactions.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres:postgres@${address}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

export function hasCluster(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/** Copies the template beside `dir` and renames it into place, so a crash never leaves half a cluster. */
function seedFromTemplate(dir: string, template: string): void {
  if (existsSync(dir)) {
    // Only an empty dir is replaced; anything else is left for PGlite to judge.
    if (readdirSync(dir).length > 0) return;
    rmdirSync(dir);
  }
  mkdirSync(dirname(dir), { recursive: true });
  const seeding = `${dir}.seeding-${process.pid}`;
  cpSync(template, seeding, { recursive: true });
  renameSync(seeding, dir);
}

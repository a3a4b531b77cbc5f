import { Client } from 'pg';
import { databaseUrl, randomId } from './fresh-schema';

export interface FreshDatabase {
  /** The connection URL of a new, empty database on the test Postgres server. */
  url: string;
  drop(): Promise<void>;
}

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A whole database of its own, for tests that start services (each runs its own migrations). */
export async function freshDatabase(prefix: string): Promise<FreshDatabase> {
  const name = randomId(prefix);
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

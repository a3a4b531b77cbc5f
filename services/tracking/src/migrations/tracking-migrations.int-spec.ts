import { Client } from 'pg';
import { freshDatabase, type FreshDatabase } from '@chronicle/testing';
import { openTrackingDatabase } from '../tracking.runtime';

jest.setTimeout(60_000);

describe('tracking migrations', () => {
  let database: FreshDatabase;

  beforeAll(async () => {
    database = await freshDatabase('tracking_migrations_it');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('drops the keyed search tables of runs projection v3 from a database that still has them', async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('CREATE SCHEMA tracking; CREATE TABLE tracking.run_params (run_id text); CREATE TABLE tracking.run_tags (run_id text)');
      const { db } = await openTrackingDatabase(database.url, 2);
      await db.close();
      const { rows } = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'tracking' AND table_name IN ('run_params', 'run_tags')`);
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

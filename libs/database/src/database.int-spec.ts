import { randomBytes } from 'node:crypto';
import { databaseUrl } from '@chronicle/testing';
import { Database } from './database';

const schema = `tx_${randomBytes(6).toString('hex')}`;
// One connection, so every test also shows what a transaction leaves behind on it.
let db: Database;

const bodies = async () => (await db.query<{ body: string }>(`SELECT body FROM ${schema}.notes ORDER BY body`)).map((r) => r.body);

beforeAll(async () => {
  db = await Database.connect({ url: databaseUrl, name: 'tx_tests', migrations: [], poolSize: 1 });
  await db.query(`CREATE SCHEMA ${schema}`);
  // Unique at commit: a violation surfaces from COMMIT, not from the INSERT.
  await db.query(`CREATE TABLE ${schema}.notes (workspace_id text NOT NULL, body text NOT NULL, UNIQUE (body) DEFERRABLE INITIALLY DEFERRED)`);
});

afterEach(async () => {
  await db.query(`DELETE FROM ${schema}.notes`);
});

afterAll(async () => {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
});

describe('Database.transaction', () => {
  it('commits what the work wrote when it resolves', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${schema}.notes VALUES ('ws-a', 'kept')`);
    });
    expect(await bodies()).toEqual(['kept']);
  });

  it('rolls back everything the work wrote when it throws, and rethrows its error', async () => {
    const work = db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${schema}.notes VALUES ('ws-a', 'lost')`);
      throw new Error('work failed');
    });
    await expect(work).rejects.toThrow('work failed');
    expect(await bodies()).toEqual([]);
  });

  it('rejects with the error of a failed COMMIT, writes nothing, and leaves the connection usable', async () => {
    const work = db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${schema}.notes VALUES ('ws-a', 'twice'), ('ws-a', 'twice')`);
    });
    await expect(work).rejects.toThrow(/duplicate key/);
    expect(await bodies()).toEqual([]);
    await db.transaction((tx) => tx.query(`INSERT INTO ${schema}.notes VALUES ('ws-a', 'after')`));
    expect(await bodies()).toEqual(['after']);
  });
});

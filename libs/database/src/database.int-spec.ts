import { randomBytes } from 'node:crypto';
import { databaseUrl } from '@chronicle/testing';
import { Database } from './database';
import { prepared } from './prepared-statement';

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

describe('prepared statements', () => {
  const insert = prepared(`INSERT INTO ${schema}.notes VALUES ($1, $2)`);
  const preparedOnConnection = (on: Database) =>
    on.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name = $1`, [insert.name]).then((rows) => rows.length);

  it('prepares a statement once on the connection when the database prepares statements, and runs it again by name', async () => {
    const preparing = await Database.connect({ url: databaseUrl, name: 'tx_tests', migrations: [], poolSize: 1, prepareStatements: true });
    try {
      await preparing.transaction((tx) => tx.query(insert, ['ws-a', 'first']));
      await preparing.query(insert, ['ws-a', 'second']);
      expect(await preparedOnConnection(preparing)).toBe(1);
      // A session of its (the relay's) prepares the same way, on its own connection.
      const session = await preparing.session();
      try {
        await session.query(insert, ['ws-a', 'third']);
        expect((await session.query(`SELECT name FROM pg_prepared_statements WHERE name = $1`, [insert.name])).length).toBe(1);
      } finally {
        await session.close();
      }
    } finally {
      await preparing.close();
    }
    expect(await bodies()).toEqual(['first', 'second', 'third']);
  });

  it('runs the same statement unprepared when the database does not prepare (embedded PGlite shares one session)', async () => {
    await db.query(insert, ['ws-a', 'plain']);
    expect(await preparedOnConnection(db)).toBe(0);
    expect(await bodies()).toEqual(['plain']);
  });
});

import { randomBytes } from 'node:crypto';
import { databaseUrl } from '@chronicle/testing';
import { Database } from './database';
import { isolateWorkspaces } from './row-level-security';
import { workspaceScope } from './workspace-scope';

const schema = `rls_${randomBytes(6).toString('hex')}`;
let db: Database;

const inWorkspace = <T>(workspaceId: string, work: () => Promise<T>) =>
  workspaceScope.run(() => {
    workspaceScope.enter(workspaceId);
    return work();
  });

beforeAll(async () => {
  db = await Database.connect({ url: databaseUrl, name: 'rls_tests', migrations: [] });
  await db.query(`CREATE SCHEMA ${schema}`);
  await db.query(`CREATE TABLE ${schema}.notes (workspace_id text NOT NULL, body text NOT NULL)`);
  await isolateWorkspaces(db, schema, 'notes');
  await isolateWorkspaces(db, schema, 'notes'); // idempotent
  await db.query(`INSERT INTO ${schema}.notes VALUES ('ws-a', 'a1'), ('ws-a', 'a2'), ('ws-b', 'b1')`);
});

afterAll(async () => {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
});

describe('row-level security on workspace_id', () => {
  it('shows a scoped query only its workspace, even without a WHERE on workspace_id', async () => {
    const rows = await inWorkspace('ws-a', () => db.query<{ body: string }>(`SELECT body FROM ${schema}.notes ORDER BY body`));
    expect(rows.map((r) => r.body)).toEqual(['a1', 'a2']);
  });

  it("refuses to write another workspace's rows from a scoped transaction", async () => {
    await expect(inWorkspace('ws-a', () => db.query(`INSERT INTO ${schema}.notes VALUES ('ws-b', 'forged')`))).rejects.toThrow(/row-level security/);
    const updated = await inWorkspace('ws-a', () => db.transaction((tx) => tx.query(`UPDATE ${schema}.notes SET body = 'x' WHERE workspace_id = 'ws-b' RETURNING body`)));
    expect(updated).toEqual([]);
  });

  it('lets unscoped system work (relay, rebuilds) see every workspace', async () => {
    const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.notes`);
    expect(Number(rows[0]!.n)).toBe(3);
  });

  it('scopes to a workspace id with quotes and backslashes in it, taken literally', async () => {
    const odd = `ws'; SELECT 1; --\\x`;
    await db.query(`INSERT INTO ${schema}.notes VALUES ($1, 'odd')`, [odd]);
    try {
      expect(await inWorkspace(odd, () => db.transaction((tx) => tx.query<{ body: string }>(`SELECT body FROM ${schema}.notes`)))).toEqual([{ body: 'odd' }]);
    } finally {
      await db.query(`DELETE FROM ${schema}.notes WHERE workspace_id = $1`, [odd]);
    }
  });

  it('reads the workspace setting once per query, not once per row', async () => {
    const plan = await inWorkspace('ws-a', () => db.transaction((tx) => tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) SELECT body FROM ${schema}.notes`)));
    const text = plan.map((line) => line['QUERY PLAN']).join('\n');
    expect(text).toMatch(/InitPlan/);
    expect(text).not.toMatch(/Filter: .*current_setting/);
  });

  it('replaces the older per-row policy of a table isolated by an earlier version', async () => {
    await db.query(`CREATE TABLE ${schema}.legacy (workspace_id text NOT NULL, body text NOT NULL)`);
    await db.query(`ALTER TABLE ${schema}.legacy ENABLE ROW LEVEL SECURITY`);
    await db.query(`ALTER TABLE ${schema}.legacy FORCE ROW LEVEL SECURITY`);
    await db.query(`CREATE POLICY workspace_isolation ON ${schema}.legacy USING (coalesce(current_setting('chronicle.workspace_id', true), '') IN ('', workspace_id))`);
    await db.query(`INSERT INTO ${schema}.legacy VALUES ('ws-a', 'a'), ('ws-b', 'b')`);

    await isolateWorkspaces(db, schema, 'legacy');

    const policies = await db.query<{ name: string }>(`SELECT policyname AS name FROM pg_policies WHERE schemaname = $1 AND tablename = 'legacy'`, [schema]);
    expect(policies.map((p) => p.name)).toEqual(['workspace_isolation_v2']);
    const rows = await inWorkspace('ws-b', () => db.transaction((tx) => tx.query<{ body: string }>(`SELECT body FROM ${schema}.legacy`)));
    expect(rows).toEqual([{ body: 'b' }]);
  });

  it('lets replicas starting together isolate the same table at once', async () => {
    await db.query(`CREATE TABLE ${schema}.raced (workspace_id text NOT NULL, body text NOT NULL)`);
    // Connections open first, so every contender reads "no policy yet" before any creates one.
    await Promise.all(Array.from({ length: 6 }, () => db.query('SELECT pg_sleep(0.05)')));
    await Promise.all(Array.from({ length: 6 }, () => isolateWorkspaces(db, schema, 'raced')));
    const policies = await db.query<{ name: string }>(`SELECT policyname AS name FROM pg_policies WHERE schemaname = $1 AND tablename = 'raced'`, [schema]);
    expect(policies.map((p) => p.name)).toEqual(['workspace_isolation_v2']);
  });

  it('applies to the table owner, so the service role cannot bypass it', async () => {
    const [table] = await db.query<{ forced: boolean }>(
      `SELECT relforcerowsecurity AS forced FROM pg_class WHERE oid = '${schema}.notes'::regclass`,
    );
    expect(table!.forced).toBe(true);
    const [role] = await db.query<{ superuser: boolean }>(`SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`);
    // Superusers bypass row-level security: the service must not connect as one.
    expect(role!.superuser).toBe(false);
  });
});

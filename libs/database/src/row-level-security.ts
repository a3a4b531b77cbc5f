import type { Queryable } from './queryable';
import { workspaceSetting } from './workspace-scope';
const policyName = 'workspace_isolation';

/**
 * Puts `schema.table` (which has a workspace_id column) behind row-level security: inside a
 * workspace-scoped transaction only that workspace's rows can be read or written, whatever the
 * query says. Work outside any request (the relay, projection rebuilds) sets no workspace and
 * sees every row. FORCE applies the policy to the table's owner too, which the service connects as.
 * Idempotent, and a no-op when the policy exists, so restarts issue no DDL.
 */
export async function isolateWorkspaces(q: Queryable, schema: string, table: string): Promise<void> {
  if (await isolatesWorkspaces(q, schema, table)) return;
  await q.query(`ALTER TABLE ${schema}.${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${schema}.${table} FORCE ROW LEVEL SECURITY`);
  await q.query(
    `CREATE POLICY ${policyName} ON ${schema}.${table} USING (coalesce(current_setting('${workspaceSetting}', true), '') IN ('', workspace_id))`,
  );
}

export async function isolatesWorkspaces(q: Queryable, schema: string, table: string): Promise<boolean> {
  const rows = await q.query(`SELECT 1 FROM pg_policies WHERE schemaname = $1 AND tablename = $2 AND policyname = $3`, [schema, table, policyName]);
  return rows.length > 0;
}

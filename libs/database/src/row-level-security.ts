import type { Queryable } from './queryable';
import { workspaceSetting } from './workspace-scope';

// A changed policy expression gets a new name, so a start can tell which tables still carry an
// older one (listed below, replaced on sight).
const policyName = 'workspace_isolation_v2';
const replacedPolicyNames = ['workspace_isolation'];

// The scalar subquery makes Postgres read the setting once per query (an InitPlan) instead of
// twice per row: a search scanning 50,000 index entries spent half its time in current_setting.
const policyCondition = `(SELECT coalesce(current_setting('${workspaceSetting}', true), '')) IN ('', workspace_id)`;

/**
 * Puts `schema.table` (which has a workspace_id column) behind row-level security: inside a
 * workspace-scoped transaction only that workspace's rows can be read or written, whatever the
 * query says. Work outside any request (the relay, projection rebuilds) sets no workspace and
 * sees every row. FORCE applies the policy to the table's owner too, which the service connects as.
 * Idempotent, and a no-op when the current policy exists, so restarts issue no DDL.
 */
export async function isolateWorkspaces(q: Queryable, schema: string, table: string): Promise<void> {
  const existing = await q.query<{ name: string }>(`SELECT policyname AS name FROM pg_policies WHERE schemaname = $1 AND tablename = $2`, [schema, table]);
  const names = new Set(existing.map((policy) => policy.name));
  if (names.has(policyName)) return;
  await q.query(`ALTER TABLE ${schema}.${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${schema}.${table} FORCE ROW LEVEL SECURITY`);
  // Replicas starting together may race through here; each step tolerates the others having done it.
  for (const old of replacedPolicyNames) if (names.has(old)) await q.query(`DROP POLICY IF EXISTS ${old} ON ${schema}.${table}`);
  await q.query(
    `DO $$ BEGIN CREATE POLICY ${policyName} ON ${schema}.${table} USING (${policyCondition}); EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
}

/** Takes `schema.table` out from behind row-level security (a migration's way down). */
export async function shareWorkspaces(q: Queryable, schema: string, table: string): Promise<void> {
  for (const name of [policyName, ...replacedPolicyNames]) await q.query(`DROP POLICY IF EXISTS ${name} ON ${schema}.${table}`);
  await q.query(`ALTER TABLE ${schema}.${table} NO FORCE ROW LEVEL SECURITY`);
  await q.query(`ALTER TABLE ${schema}.${table} DISABLE ROW LEVEL SECURITY`);
}

/** Whether `schema.table` is behind row-level security (by any version of the policy). */
export async function isolatesWorkspaces(q: Queryable, schema: string, table: string): Promise<boolean> {
  const rows = await q.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relrowsecurity`, [
    schema,
    table,
  ]);
  return rows.length > 0;
}

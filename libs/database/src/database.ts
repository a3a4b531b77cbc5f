import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { DatabaseSession } from './database-session';
import type { Queryable } from './queryable';
import { workspaceScope, workspaceSetting } from './workspace-scope';

export interface DatabaseOptions {
  url: string;
  /** Names the migrations table, so each service tracks its own migrations. */
  name: string;
  migrations: (new () => MigrationInterface)[];
  poolSize?: number;
}

/**
 * One service's connection to Postgres. TypeORM owns the pool and the migrations; hot paths run
 * parameterised SQL through it with explicit column lists.
 */
export class Database implements Queryable {
  private constructor(
    private readonly dataSource: DataSource,
    private readonly url: string,
    /** Whether row-level security can bind this connection's role: a superuser (embedded PGlite's only role) bypasses it. */
    private readonly rowLevelSecurity: boolean,
  ) {}

  static async connect(options: DatabaseOptions): Promise<Database> {
    const dataSource = new DataSource({
      type: 'postgres',
      url: options.url,
      migrations: options.migrations,
      migrationsTableName: `migrations_${options.name}`,
      migrationsTransactionMode: 'each',
      poolSize: options.poolSize ?? 10,
      // JIT compiles big-estimate queries (search, sampled history) for ~300 ms each: far more
      // than they take to run. Off for these short, interactive queries.
      extra: { options: '-c jit=off' },
      logging: false,
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
    const [role] = (await dataSource.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)) as { rolsuper: boolean }[];
    return new Database(dataSource, options.url, !role?.rolsuper);
  }

  /** Runs one statement; inside a request's workspace scope, in a transaction under that workspace's row-level security. */
  async query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]> {
    if (this.scopedWorkspace()) return this.transaction((tx) => tx.query<R>(text, values));
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runQuery<R>(runner, text, values);
    } finally {
      await runner.release();
    }
  }

  /**
   * Runs `work` in one READ COMMITTED transaction; commits when it resolves, rolls back when it
   * throws. Inside a request's workspace scope, row-level security limits it to that workspace.
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const workspaceId = this.scopedWorkspace();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      if (workspaceId) await runQuery(runner, `SELECT set_config('${workspaceSetting}', $1, true)`, [workspaceId]);
      const result = await work({ query: (text, values) => runQuery(runner, text, values) });
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** A dedicated connection outside the pool, for session-scoped locks and settings; the caller closes it. */
  session(): Promise<DatabaseSession> {
    return DatabaseSession.open(this.url);
  }

  private scopedWorkspace(): string | undefined {
    return this.rowLevelSecurity ? workspaceScope.current() : undefined;
  }

  async close(): Promise<void> {
    await this.dataSource.destroy();
  }
}

async function runQuery<R>(runner: QueryRunner, text: string, values?: unknown[]): Promise<R[]> {
  const result = await runner.query(text, values, true);
  return (result.records ?? []) as R[];
}

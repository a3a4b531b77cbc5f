import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { DatabaseSession } from './database-session';
import { pgQuery, prepared, type PreparedStatement } from './prepared-statement';
import type { Queryable } from './queryable';
import { workspaceScope, workspaceSetting } from './workspace-scope';

export interface DatabaseOptions {
  url: string;
  /** Names the migrations table, so each service tracks its own migrations. */
  name: string;
  migrations: (new () => MigrationInterface)[];
  poolSize?: number;
  /**
   * Whether `prepared` statements are prepared on each connection. Off when the pool's connections
   * share one backend session (embedded PGlite's socket server), where a statement one connection
   * prepared would clash with the same name from another.
   */
  prepareStatements?: boolean;
}

const scopeToWorkspace = prepared(`SELECT set_config('${workspaceSetting}', $1, true)`);

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
    private readonly prepareStatements: boolean,
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
    return new Database(dataSource, options.url, !role?.rolsuper, options.prepareStatements ?? false);
  }

  /** Runs one statement; inside a request's workspace scope, in a transaction under that workspace's row-level security. */
  async query<R = Record<string, unknown>>(statement: string | PreparedStatement, values?: unknown[]): Promise<R[]> {
    if (this.scopedWorkspace()) return this.transaction((tx) => tx.query<R>(statement, values));
    const runner = this.dataSource.createQueryRunner();
    try {
      return await this.run<R>(runner, statement, values);
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
      if (workspaceId) await this.run(runner, scopeToWorkspace, [workspaceId]);
      const result = await work({ query: (statement, values) => this.run(runner, statement, values) });
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
    return DatabaseSession.open(this.url, this.prepareStatements);
  }

  private scopedWorkspace(): string | undefined {
    return this.rowLevelSecurity ? workspaceScope.current() : undefined;
  }

  async close(): Promise<void> {
    await this.dataSource.destroy();
  }

  private async run<R>(runner: QueryRunner, statement: string | PreparedStatement, values?: unknown[]): Promise<R[]> {
    // TypeORM hands its query argument to pg's client.query as it is (its type says string).
    const result = await runner.query(pgQuery(statement, this.prepareStatements) as string, values, true);
    return (result.records ?? []) as R[];
  }
}

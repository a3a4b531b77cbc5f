import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { DatabaseSession } from './database-session';
import type { Queryable } from './queryable';

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
    return new Database(dataSource, options.url);
  }

  async query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runQuery<R>(runner, text, values);
    } finally {
      await runner.release();
    }
  }

  /** Runs `work` in one READ COMMITTED transaction; commits when it resolves, rolls back when it throws. */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
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

  async close(): Promise<void> {
    await this.dataSource.destroy();
  }
}

async function runQuery<R>(runner: QueryRunner, text: string, values?: unknown[]): Promise<R[]> {
  const result = await runner.query(text, values, true);
  return (result.records ?? []) as R[];
}

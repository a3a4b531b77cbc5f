import { Client } from 'pg';
import { pgQuery, type PreparedStatement } from './prepared-statement';
import type { Queryable } from './queryable';

// The server probes an idle session after 10 s and gives up after 3 missed probes, so a session
// whose client vanished (host gone, no FIN) ends, and its locks go, in about 25 s, not the
// kernel's default of two hours.
const serverKeepalives = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';

/**
 * One connection of its own, outside the pool, for state that must outlive a query: a session
 * advisory lock, session settings. Closing it ends the connection, so that state never leaks
 * into a pooled connection; when the connection is lost, every later query fails.
 */
export class DatabaseSession implements Queryable {
  private constructor(
    private readonly client: Client,
    private readonly prepareStatements: boolean,
  ) {}

  /** `prepareStatements`: as the `Database` that opens it (the relay reads the log through its session). */
  static async open(url: string, prepareStatements = false): Promise<DatabaseSession> {
    const client = new Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000, options: `-c jit=off ${serverKeepalives}` });
    // Without a listener a lost connection would be thrown as an uncaught error; the failed
    // query that follows reports it instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return new DatabaseSession(client, prepareStatements);
  }

  async query<R = Record<string, unknown>>(statement: string | PreparedStatement, values?: unknown[]): Promise<R[]> {
    const result = await this.client.query(pgQuery(statement, this.prepareStatements), values);
    return result.rows as R[];
  }

  /** Ends the connection; Postgres releases the session's locks with it. */
  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

import type { Database, DatabaseSession, Queryable } from '@chronicle/database';

/** How replicas agree that exactly one relay publishes a log. */
export interface RelayLeadership {
  /** The connection to relay through once this relay leads; null while another one does. */
  tryAcquire(): Promise<Queryable | null>;
  /** Gives leadership up; the next `tryAcquire` competes again. */
  release(): Promise<void>;
}

/**
 * Leadership is a Postgres session advisory lock held on a connection of the relay's own, and
 * the relay reads and checkpoints through that connection. When the leader's process dies its
 * connection ends and Postgres frees the lock for a standby; a leader whose connection was cut
 * fails on its next query, so it can no longer move the checkpoint a new leader relies on.
 */
export class AdvisoryLockLeadership implements RelayLeadership {
  private session: DatabaseSession | null = null;
  private leading = false;

  constructor(
    private readonly db: Database,
    /** Names the lock: one per log and relay. */
    private readonly lockName: string,
  ) {}

  async tryAcquire(): Promise<Queryable | null> {
    if (this.leading) return this.session;
    try {
      // A standby keeps its connection and asks again, rather than open one per attempt.
      this.session ??= await this.db.session();
      const [{ acquired }] = await this.session.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS acquired', [
        this.lockName,
      ]);
      if (!acquired) return null;
      // A checkpoint lost in a database crash only means re-publishing (at least once), so the
      // relay's commits need not wait for the WAL flush.
      await this.session.query('SET synchronous_commit = off');
      this.leading = true;
      return this.session;
    } catch (error) {
      await this.release();
      throw error;
    }
  }

  async release(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.leading = false;
    await session?.close();
  }
}

/**
 * For a process that is alone on its database by construction (the embedded mode, whose PGlite
 * serves one connection at a time): it always leads and relays through the pool.
 */
export class SoleLeadership implements RelayLeadership {
  constructor(private readonly db: Database) {}

  async tryAcquire(): Promise<Queryable> {
    return this.db;
  }

  async release(): Promise<void> {}
}

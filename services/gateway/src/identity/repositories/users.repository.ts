import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { IdentityTables } from '../identity.tables';
import type { UserView } from './read-models';

interface UserRow {
  username: string;
  password_hash: string;
  is_admin: boolean;
  source: string;
  creation_time: string;
}

const columns = 'username, password_hash, is_admin, source, creation_time';

/** Users are server-wide, as in MLflow: no workspace in their key. */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly db: Database,
    private readonly t: IdentityTables,
  ) {}

  async get(username: string): Promise<UserView | null> {
    const [row] = await this.db.query<UserRow>(`SELECT ${columns} FROM ${this.t.users} WHERE username = $1`, [username]);
    return row ? toView(row) : null;
  }

  async list(): Promise<UserView[]> {
    return (await this.db.query<UserRow>(`SELECT ${columns} FROM ${this.t.users} ORDER BY username`)).map(toView);
  }

  async any(): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM ${this.t.users} LIMIT 1`);
    return rows.length > 0;
  }
}

function toView(row: UserRow): UserView {
  return { username: row.username, passwordHash: row.password_hash, isAdmin: row.is_admin, source: row.source, creationTime: Number(row.creation_time) };
}

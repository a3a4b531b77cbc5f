import type { Projection } from '@chronicle/eventstore';
import type { IdentityEvent } from '../domain/identity-event';

/**
 * Users and their credentials. Users are server-wide (MLflow's users are), so this table is keyed
 * by username alone. `password_changed_at` lets the authenticator drop cached verifications.
 */
export const usersProjection: Projection<IdentityEvent, 'users'> = {
  name: 'users',
  version: 1,
  tables: {
    users: (t) => `CREATE TABLE ${t} (
      username text PRIMARY KEY,
      password_hash text NOT NULL,
      is_admin boolean NOT NULL,
      source text NOT NULL,
      creation_time bigint NOT NULL,
      password_changed_at bigint NOT NULL
    )`,
  },
  async apply(events, tx, t) {
    for (const { event } of events) {
      switch (event.type) {
        case 'UserCreated': {
          const e = event.data;
          await tx.query(
            `INSERT INTO ${t.users} (username, password_hash, is_admin, source, creation_time, password_changed_at)
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (username) DO NOTHING`,
            [e.username, e.passwordHash, e.isAdmin, e.source, e.time],
          );
          break;
        }
        case 'UserPasswordChanged':
          await tx.query(`UPDATE ${t.users} SET password_hash = $2, password_changed_at = $3 WHERE username = $1`, [
            event.data.username,
            event.data.passwordHash,
            event.data.time,
          ]);
          break;
        case 'UserAdminChanged':
          await tx.query(`UPDATE ${t.users} SET is_admin = $2 WHERE username = $1`, [event.data.username, event.data.isAdmin]);
          break;
        case 'UserDeleted':
          await tx.query(`DELETE FROM ${t.users} WHERE username = $1`, [event.data.username]);
          break;
        default:
          break;
      }
    }
  },
};

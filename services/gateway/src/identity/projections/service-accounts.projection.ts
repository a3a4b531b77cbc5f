import type { Projection } from '@chronicle/eventstore';
import type { IdentityEvent } from '../domain/identity-event';

/**
 * Service accounts, each owned by one workspace. Names are unique server-wide so that `sa:<name>`
 * is one actor in every log and audit entry: the unique key rejects a second one anywhere.
 */
export const serviceAccountsProjection: Projection<IdentityEvent, 'service_accounts'> = {
  name: 'service_accounts',
  version: 1,
  tables: {
    service_accounts: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      name text NOT NULL,
      description text NOT NULL,
      created_by text NOT NULL,
      creation_time bigint NOT NULL,
      PRIMARY KEY (workspace_id, name),
      CONSTRAINT ${t.split('.').pop()}_name_key UNIQUE (name)
    )`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId: ws, event } of events) {
      switch (event.type) {
        case 'ServiceAccountCreated': {
          const e = event.data;
          await tx.query(
            `INSERT INTO ${t.service_accounts} (workspace_id, name, description, created_by, creation_time) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (workspace_id, name) DO NOTHING`,
            [ws, e.name, e.description, e.createdBy, e.time],
          );
          break;
        }
        case 'ServiceAccountDeleted':
          await tx.query(`DELETE FROM ${t.service_accounts} WHERE workspace_id = $1 AND name = $2`, [ws, event.data.name]);
          break;
        case 'WorkspaceDeleted':
          await tx.query(`DELETE FROM ${t.service_accounts} WHERE workspace_id = $1`, [ws]);
          break;
        default:
          break;
      }
    }
  },
};

import { principalId } from '@chronicle/authz';
import type { Projection } from '@chronicle/eventstore';
import type { IdentityEvent } from '../domain/identity-event';

/**
 * API tokens by workspace, looked up by the hash of their secret. Tokens of a deleted user,
 * service account or workspace go with it, so a later namesake never inherits them.
 */
export const tokensProjection: Projection<IdentityEvent, 'tokens'> = {
  name: 'tokens',
  version: 1,
  tables: {
    tokens: (t) => `CREATE TABLE ${t} (
      workspace_id text NOT NULL,
      token_id text NOT NULL,
      name text NOT NULL,
      owner text NOT NULL,
      secret_hash text NOT NULL,
      expires_at bigint,
      created_by text NOT NULL,
      creation_time bigint NOT NULL,
      revoked_at bigint,
      PRIMARY KEY (workspace_id, token_id),
      CONSTRAINT ${t.split('.').pop()}_secret_hash_key UNIQUE (secret_hash)
    );
    CREATE INDEX ${t.split('.').pop()}_owner_idx ON ${t} (owner)`,
  },
  async apply(events, tx, t) {
    for (const { workspaceId: ws, event } of events) {
      switch (event.type) {
        case 'TokenIssued': {
          const e = event.data;
          await tx.query(
            `INSERT INTO ${t.tokens} (workspace_id, token_id, name, owner, secret_hash, expires_at, created_by, creation_time)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workspace_id, token_id) DO NOTHING`,
            [ws, e.tokenId, e.name, e.owner, e.secretHash, e.expiresAt === 0 ? null : e.expiresAt, e.createdBy, e.time],
          );
          break;
        }
        case 'TokenRevoked':
          await tx.query(`UPDATE ${t.tokens} SET revoked_at = coalesce(revoked_at, $3) WHERE workspace_id = $1 AND token_id = $2`, [
            ws,
            event.data.tokenId,
            event.data.time,
          ]);
          break;
        case 'UserDeleted':
          await tx.query(`DELETE FROM ${t.tokens} WHERE owner = $1`, [principalId('user', event.data.username)]);
          break;
        case 'ServiceAccountDeleted':
          await tx.query(`DELETE FROM ${t.tokens} WHERE owner = $1`, [principalId('service_account', event.data.name)]);
          break;
        case 'WorkspaceDeleted':
          await tx.query(`DELETE FROM ${t.tokens} WHERE workspace_id = $1`, [ws]);
          break;
        default:
          break;
      }
    }
  },
};

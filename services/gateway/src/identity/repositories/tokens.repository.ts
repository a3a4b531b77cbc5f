import { accessCondition, type AppAbility } from '@chronicle/authz';
import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { IdentityTables } from '../identity.tables';
import type { TokenView } from './read-models';

interface TokenRow {
  workspace_id: string;
  token_id: string;
  name: string;
  owner: string;
  expires_at: string | null;
  created_by: string;
  creation_time: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

// How stale a token's last-used time may be: at most one write per token per minute, not one per request.
export const lastUsedResolutionMs = 60_000;

@Injectable()
export class TokensRepository {
  constructor(
    private readonly db: Database,
    private readonly t: IdentityTables,
  ) {}

  private get select(): string {
    return `SELECT k.workspace_id, k.token_id, k.name, k.owner, k.expires_at, k.created_by, k.creation_time, k.revoked_at, u.last_used_at
      FROM ${this.t.tokens} k LEFT JOIN ${this.t.tokenUsage} u ON u.workspace_id = k.workspace_id AND u.token_id = k.token_id`;
  }

  /** The token whose secret hashes to `secretHash`, in any workspace: the caller checks which. */
  async bySecretHash(secretHash: string): Promise<TokenView | null> {
    const [row] = await this.db.query<TokenRow>(`${this.select} WHERE k.secret_hash = $1`, [secretHash]);
    return row ? toView(row) : null;
  }

  async get(workspaceId: string, tokenId: string): Promise<TokenView | null> {
    const [row] = await this.db.query<TokenRow>(`${this.select} WHERE k.workspace_id = $1 AND k.token_id = $2`, [workspaceId, tokenId]);
    return row ? toView(row) : null;
  }

  /** Token ids are random UUIDs: one is found without knowing its workspace, which is then checked. */
  async byId(tokenId: string): Promise<TokenView | null> {
    const [row] = await this.db.query<TokenRow>(`${this.select} WHERE k.token_id = $1`, [tokenId]);
    return row ? toView(row) : null;
  }

  /** The workspace's tokens that `ability` may read (its own, or all for those who manage the workspace), filtered in SQL. */
  async list(workspaceId: string, ability: AppAbility): Promise<TokenView[]> {
    const params: unknown[] = [workspaceId];
    const visible = accessCondition(ability, 'read', 'Token', { workspaceId: 'k.workspace_id', owner: 'k.owner' }, (value) => `$${params.push(value)}`);
    const rows = await this.db.query<TokenRow>(`${this.select} WHERE k.workspace_id = $1 AND ${visible} ORDER BY k.creation_time, k.token_id`, params);
    return rows.map(toView);
  }

  /** Records a use; a no-op while the stored time is less than a minute old (so replicas agree too). */
  async recordUse(workspaceId: string, tokenId: string, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.t.tokenUsage} AS u (workspace_id, token_id, last_used_at) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, token_id) DO UPDATE SET last_used_at = EXCLUDED.last_used_at
       WHERE u.last_used_at <= EXCLUDED.last_used_at - $4`,
      [workspaceId, tokenId, now, lastUsedResolutionMs],
    );
  }
}

function toView(row: TokenRow): TokenView {
  return {
    workspaceId: row.workspace_id,
    tokenId: row.token_id,
    name: row.name,
    owner: row.owner,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    createdBy: row.created_by,
    creationTime: Number(row.creation_time),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

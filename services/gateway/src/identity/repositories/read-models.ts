import type { Permission } from '@chronicle/authz';

export interface WorkspaceView {
  name: string;
  description: string;
  defaultArtifactRoot: string;
  createdBy: string;
  creationTime: number;
  lastUpdateTime: number;
}

export interface UserView {
  username: string;
  passwordHash: string;
  isAdmin: boolean;
  source: string;
  creationTime: number;
}

export interface MemberView {
  principal: string;
  role: string;
}

export interface RoleView {
  name: string;
  permissions: Permission[];
}

export interface ServiceAccountView {
  workspaceId: string;
  name: string;
  description: string;
  createdBy: string;
  creationTime: number;
}

export interface TokenView {
  workspaceId: string;
  tokenId: string;
  name: string;
  owner: string;
  expiresAt: number | null;
  createdBy: string;
  creationTime: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

/** Where a principal stands in one workspace: what authentication needs, in one query. */
export interface Membership {
  workspaceExists: boolean;
  role: string | null;
  /** The permissions of a custom role; null for a built-in role or no membership. */
  customPermissions: string[] | null;
}

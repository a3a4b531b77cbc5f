import { principalId } from '@chronicle/authz';
import type { ServiceAccountView, TokenView, UserView, WorkspaceView } from '../../repositories/read-models';

/** MLflow's Workspace message (§2.9). */
export function workspaceJson(workspace: WorkspaceView) {
  return { name: workspace.name, description: workspace.description, default_artifact_root: workspace.defaultArtifactRoot };
}

/**
 * MLflow's auth User message. MLflow's id is a database integer; ours is the principal id.
 * Per-resource permission lists stay empty until per-experiment grants exist.
 */
export function userJson(user: UserView) {
  return {
    id: principalId('user', user.username),
    username: user.username,
    is_admin: user.isAdmin,
    experiment_permissions: [],
    registered_model_permissions: [],
    scorer_permissions: [],
  };
}

export function tokenJson(token: TokenView) {
  return {
    id: token.tokenId,
    name: token.name,
    workspace: token.workspaceId,
    owner: token.owner,
    created_by: token.createdBy,
    creation_time: token.creationTime,
    expires_at: token.expiresAt,
    revoked_at: token.revokedAt,
    last_used_at: token.lastUsedAt,
  };
}

export function serviceAccountJson(account: ServiceAccountView) {
  return {
    id: principalId('service_account', account.name),
    name: account.name,
    workspace: account.workspaceId,
    description: account.description,
    created_by: account.createdBy,
    creation_time: account.creationTime,
  };
}

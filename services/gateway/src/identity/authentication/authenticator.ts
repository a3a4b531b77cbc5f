import { builtInRoles, isBuiltInRole, isPermission, localPrincipal, principalId, type Permission, type Principal, type PrincipalKind } from '@chronicle/authz';
import { Forbidden, InvalidArgument, NotFound, Unauthenticated } from '@chronicle/errors';
import type { IncomingHttpHeaders } from 'node:http';
import { defaultWorkspace, isWorkspaceName } from '../domain/identity.rules';
import type { AccessRepository } from '../repositories/access.repository';
import { lastUsedResolutionMs, type TokensRepository } from '../repositories/tokens.repository';
import type { UsersRepository } from '../repositories/users.repository';
import type { CredentialCache } from './credential-cache';
import type { OidcVerifier } from './oidc-verifier';
import type { PasswordHasher } from './password-hasher';
import { hashTokenSecret, isTokenSecret } from './token-secret';

/** What authentication reads from a request. */
export interface Credentials {
  /** The Authorization header, if any. */
  authorization?: string;
  /** X-MLFLOW-WORKSPACE, if any. */
  workspaceHeader?: string;
  /** The workspace a route names in its path (`/workspaces/<name>/…`), which wins over the header. */
  pathWorkspace?: string;
}

export interface Caller {
  kind: PrincipalKind;
  name: string;
  isAdmin: boolean;
  /** Set when the caller came with an API token: the one workspace it may act in. */
  tokenWorkspace?: string;
}

export interface AuthenticatorDeps {
  mode: 'on' | 'off';
  users: UsersRepository;
  tokens: TokensRepository;
  access: AccessRepository;
  passwords: PasswordHasher;
  cache: CredentialCache;
  /** Null when no identity provider is configured: bearer JWTs are then refused. */
  oidc: OidcVerifier | null;
  /** Creates a user seen for the first time in a valid identity-provider token. */
  provisionUser: (username: string) => Promise<void>;
  now?: () => number;
}

const notAuthenticated = 'You are not authenticated. Please provide valid credentials (HTTP Basic, or a Bearer token).';

/**
 * Turns a request's credentials into the Principal of the workspace it addresses: who is calling
 * (HTTP Basic user, Chronicle API token, identity-provider JWT) and which role they hold there.
 */
export class Authenticator {
  private readonly now: () => number;
  private readonly lastUseRecorded = new Map<string, number>();

  constructor(private readonly deps: AuthenticatorDeps) {
    this.now = deps.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.deps.mode === 'on';
  }

  /**
   * Who is calling and their principal in the workspace the request addresses; a null principal
   * for a request without credentials (only public routes answer it).
   */
  async authenticate(credentials: Credentials): Promise<{ caller: Caller | null; principal: Principal | null }> {
    const caller = this.enabled ? await this.identify(credentials.authorization) : null;
    const principal = await this.principalFor(caller, this.workspaceOf(credentials, caller?.tokenWorkspace));
    return { caller, principal };
  }

  /**
   * A WebSocket upgrade (GraphQL subscriptions), which no HTTP middleware sees: credentials and
   * workspace from its headers or, as browsers must send them, its graphql-ws connection parameters.
   */
  async authenticateUpgrade(headers: IncomingHttpHeaders, connectionParams: Record<string, unknown> = {}): Promise<Principal> {
    const value = (name: string): string | undefined => {
      const param = Object.entries(connectionParams).find(([key]) => key.toLowerCase() === name)?.[1];
      if (typeof param === 'string') return param;
      const header = headers[name];
      return Array.isArray(header) ? header[0] : header;
    };
    const { principal } = await this.authenticate({ authorization: value('authorization'), workspaceHeader: value('x-mlflow-workspace') });
    if (!principal) throw new Unauthenticated('You are not authenticated. Please provide valid credentials.');
    return principal;
  }

  /** The caller's principal in `workspace`: its role there, or a refusal for a token of another workspace. */
  async principalFor(caller: Caller | null, workspace: string): Promise<Principal | null> {
    if (!this.enabled) return localPrincipal(workspace);
    if (!caller) return null;
    if (caller.tokenWorkspace !== undefined && caller.tokenWorkspace !== workspace) {
      throw new Forbidden(`Permission denied: this token is scoped to workspace '${caller.tokenWorkspace}', not '${workspace}'.`);
    }
    const id = principalId(caller.kind, caller.name);
    const membership = await this.deps.access.membership(workspace, id);
    if (!membership.workspaceExists) throw new NotFound(`Workspace '${workspace}' does not exist.`);
    const role = membership.role;
    let permissions: readonly Permission[] = [];
    if (role !== null) permissions = isBuiltInRole(role) ? builtInRoles[role] : (membership.customPermissions ?? []).filter(isPermission);
    return { id, kind: caller.kind, name: caller.name, workspaceId: workspace, isAdmin: caller.isAdmin, role, permissions };
  }

  private workspaceOf(credentials: Credentials, tokenWorkspace: string | undefined): string {
    const workspace = credentials.pathWorkspace || credentials.workspaceHeader || tokenWorkspace || defaultWorkspace;
    if (!isWorkspaceName(workspace)) throw new InvalidArgument(`Invalid workspace name '${workspace}'`);
    return workspace;
  }

  /** Who the credentials belong to, whatever the workspace; null without an Authorization header. */
  async identify(authorization: string | undefined): Promise<Caller | null> {
    if (!authorization) return null;
    const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
    switch (scheme.toLowerCase()) {
      case 'basic':
        return this.basic(value);
      case 'bearer':
        return isTokenSecret(value) ? this.token(value) : this.jwt(value);
      default:
        throw new Unauthenticated(notAuthenticated);
    }
  }

  private async basic(encoded: string): Promise<Caller> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Unauthenticated(notAuthenticated);
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // One indexed read per request even on a cache hit: a deleted user or changed password counts at once.
    const user = await this.deps.users.get(username);
    if (!user || !user.passwordHash) throw new Unauthenticated('Invalid username or password.');
    if (!this.deps.cache.matches(username, password, user.passwordHash)) {
      if (!(await this.deps.passwords.verify(password, user.passwordHash))) throw new Unauthenticated('Invalid username or password.');
      this.deps.cache.remember(username, password, user.passwordHash);
    }
    return { kind: 'user', name: user.username, isAdmin: user.isAdmin };
  }

  private async token(secret: string): Promise<Caller> {
    const token = await this.deps.tokens.bySecretHash(hashTokenSecret(secret));
    const now = this.now();
    if (!token) throw new Unauthenticated('Invalid API token.');
    if (token.revokedAt !== null) throw new Unauthenticated('This API token has been revoked.');
    if (token.expiresAt !== null && token.expiresAt <= now) throw new Unauthenticated('This API token has expired.');
    await this.recordUse(token.workspaceId, token.tokenId, now);
    const separator = token.owner.indexOf(':');
    const name = token.owner.slice(separator + 1);
    if (token.owner.slice(0, separator) === 'sa') return { kind: 'service_account', name, isAdmin: false, tokenWorkspace: token.workspaceId };
    const user = await this.deps.users.get(name);
    if (!user) throw new Unauthenticated('Invalid API token.');
    return { kind: 'user', name, isAdmin: user.isAdmin, tokenWorkspace: token.workspaceId };
  }

  private async jwt(jwt: string): Promise<Caller> {
    if (!this.deps.oidc) throw new Unauthenticated('Invalid API token.');
    const username = await this.deps.oidc.username(jwt);
    let user = await this.deps.users.get(username);
    if (!user) {
      await this.deps.provisionUser(username);
      user = await this.deps.users.get(username);
      if (!user) throw new Unauthenticated(`Could not provision user '${username}'.`);
    }
    return { kind: 'user', name: user.username, isAdmin: user.isAdmin };
  }

  // Last-used time is for people reviewing tokens, not for security: one write a minute per token
  // (per replica; the repository's condition keeps replicas from writing more often than that).
  private async recordUse(workspaceId: string, tokenId: string, now: number): Promise<void> {
    const key = `${workspaceId}/${tokenId}`;
    if (now - (this.lastUseRecorded.get(key) ?? -Infinity) < lastUsedResolutionMs) return;
    this.lastUseRecorded.set(key, now);
    await this.deps.tokens.recordUse(workspaceId, tokenId, now);
  }
}

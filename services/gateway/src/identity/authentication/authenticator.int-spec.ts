import { builtInRoles, localPrincipal } from '@chronicle/authz';
import { Forbidden, NotFound, Unauthenticated } from '@chronicle/errors';
import type { FreshSchema } from '@chronicle/testing';
import { randomId } from '@chronicle/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };
import type { CommandContext } from '../commands/command-context';
import { ServiceAccountCommandsHandler } from '../commands/service-account-commands.handler';
import { TokenCommandsHandler } from '../commands/token-commands.handler';
import { UserCommandsHandler } from '../commands/user-commands.handler';
import { WorkspaceCommandsHandler } from '../commands/workspace-commands.handler';
import { IdentityEventStore } from '../identity.event-store';
import { IdentityTables } from '../identity.tables';
import { AccessRepository } from '../repositories/access.repository';
import { ServiceAccountsRepository } from '../repositories/service-accounts.repository';
import { TokensRepository } from '../repositories/tokens.repository';
import { UsersRepository } from '../repositories/users.repository';
import { identityTestSchema } from '../testing/identity-schema.fixture';
import { Authenticator } from './authenticator';
import { CredentialCache } from './credential-cache';
import { OidcVerifier } from './oidc-verifier';
import { PasswordHasher } from './password-hasher';

const jose = require('jose') as typeof Jose;

let fx: FreshSchema;
let tables: IdentityTables;
let users: UserCommandsHandler;
let workspaces: WorkspaceCommandsHandler;
let tokens: TokenCommandsHandler;
let serviceAccounts: ServiceAccountCommandsHandler;
let tokensRepository: TokensRepository;
let passwords: PasswordHasher;
let clock: number;
let jwks: Server;
let jwksUrl: string;
let signingKey: Jose.CryptoKey;
const issuer = 'https://idp.example.test';
const audience = 'chronicle';

const ctx = (actor = 'user:admin'): CommandContext => ({ actor, requestId: randomId('req'), now: clock });
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

function authenticator(overrides: { oidc?: OidcVerifier | null; mode?: 'on' | 'off' } = {}) {
  const usersRepository = new UsersRepository(fx.db, tables);
  return new Authenticator({
    mode: overrides.mode ?? 'on',
    users: usersRepository,
    tokens: tokensRepository,
    access: new AccessRepository(fx.db, tables),
    passwords,
    cache: new CredentialCache(),
    oidc: overrides.oidc ?? null,
    provisionUser: (username) => users.provision(ctx(`user:${username}`), username),
    now: () => clock,
  });
}

beforeAll(async () => {
  fx = await identityTestSchema();
  tables = new IdentityTables(fx.schema);
  const store = new IdentityEventStore(fx.db, fx.schema);
  const usersRepository = new UsersRepository(fx.db, tables);
  const serviceAccountsRepository = new ServiceAccountsRepository(fx.db, tables);
  passwords = new PasswordHasher();
  users = new UserCommandsHandler(store, passwords, tables);
  workspaces = new WorkspaceCommandsHandler(store, tables, usersRepository, serviceAccountsRepository);
  tokens = new TokenCommandsHandler(store);
  serviceAccounts = new ServiceAccountCommandsHandler(store, serviceAccountsRepository, workspaces, new AccessRepository(fx.db, tables));
  tokensRepository = new TokensRepository(fx.db, tables);
  clock = Date.now();
  await workspaces.ensureDefault(ctx('system'));

  const { publicKey, privateKey } = await jose.generateKeyPair('RS256');
  signingKey = privateKey;
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  jwks = createServer((_, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
});

afterAll(async () => {
  await new Promise((resolve) => jwks.close(resolve));
  await fx.drop();
});

async function newUser(password = 'pw-long-enough', isAdmin = false): Promise<string> {
  const username = randomId('user');
  await users.create(ctx(), { username, password, isAdmin });
  return username;
}

async function newWorkspace(): Promise<string> {
  const name = randomId('ws').replace('_', '-');
  await workspaces.create(ctx(), { name, description: '', defaultArtifactRoot: '' });
  return name;
}

describe('Authenticator: HTTP Basic', () => {
  it('accepts the right password and refuses a wrong one or an unknown user', async () => {
    const username = await newUser();
    const auth = authenticator();
    const { principal } = await auth.authenticate({ authorization: basic(username, 'pw-long-enough') });
    expect(principal).toMatchObject({ id: `user:${username}`, kind: 'user', workspaceId: 'default', isAdmin: false, role: null, permissions: [] });
    await expect(auth.authenticate({ authorization: basic(username, 'wrong-password') })).rejects.toThrow(Unauthenticated);
    await expect(auth.authenticate({ authorization: basic('nobody-here', 'pw-long-enough') })).rejects.toThrow(Unauthenticated);
    await expect(auth.authenticate({ authorization: 'Digest abc' })).rejects.toThrow(Unauthenticated);
  });

  it('gives no principal to a request without credentials', async () => {
    expect((await authenticator().authenticate({})).principal).toBeNull();
  });

  it('runs scrypt once per credentials, yet notices a changed password at once', async () => {
    const username = await newUser();
    const auth = authenticator();
    const verify = jest.spyOn(passwords, 'verify');
    try {
      await auth.authenticate({ authorization: basic(username, 'pw-long-enough') });
      await auth.authenticate({ authorization: basic(username, 'pw-long-enough') });
      expect(verify).toHaveBeenCalledTimes(1);
      await users.updatePassword(ctx(), username, 'a-new-password');
      await expect(auth.authenticate({ authorization: basic(username, 'pw-long-enough') })).rejects.toThrow(Unauthenticated);
      await expect(auth.authenticate({ authorization: basic(username, 'a-new-password') })).resolves.toMatchObject({ principal: { id: `user:${username}` } });
    } finally {
      verify.mockRestore();
    }
  });

  it('refuses a deleted user even with cached credentials', async () => {
    const username = await newUser();
    const auth = authenticator();
    await auth.authenticate({ authorization: basic(username, 'pw-long-enough') });
    await users.delete(ctx(), username);
    await expect(auth.authenticate({ authorization: basic(username, 'pw-long-enough') })).rejects.toThrow(Unauthenticated);
  });
});

describe('Authenticator: auth off', () => {
  it('gives every request the local principal of the addressed workspace, without reading credentials', async () => {
    const off = authenticator({ mode: 'off' });
    expect((await off.authenticate({ workspaceHeader: 'team-x', authorization: 'Basic bm9ib2R5Om5vcGU=' })).principal).toEqual(localPrincipal('team-x'));
    expect((await off.authenticate({})).principal).toEqual(localPrincipal('default'));
  });
});

describe('Authenticator: roles and workspaces', () => {
  it('resolves built-in roles, custom roles, non-members and administrators', async () => {
    const ws = await newWorkspace();
    const [viewer, runner, stranger, admin] = [await newUser(), await newUser(), await newUser(), await newUser('pw-long-enough', true)];
    await workspaces.assignRole(ctx(), ws, `user:${viewer}`, 'viewer');
    await workspaces.defineRole(ctx(), ws, 'runner', ['workspace.read', 'experiment.create']);
    await workspaces.assignRole(ctx(), ws, `user:${runner}`, 'runner');
    const auth = authenticator();
    const as = async (username: string) => (await auth.authenticate({ authorization: basic(username, 'pw-long-enough'), workspaceHeader: ws })).principal;

    expect(await as(viewer)).toMatchObject({ workspaceId: ws, role: 'viewer', permissions: builtInRoles.viewer });
    expect(await as(runner)).toMatchObject({ role: 'runner', permissions: ['workspace.read', 'experiment.create'] });
    expect(await as(stranger)).toMatchObject({ role: null, permissions: [], isAdmin: false });
    expect(await as(admin)).toMatchObject({ role: null, isAdmin: true });
  });

  it('makes the creator of a workspace its owner', async () => {
    const creator = await newUser('pw-long-enough', true);
    const ws = randomId('ws').replace('_', '-');
    await workspaces.create(ctx(`user:${creator}`), { name: ws, description: '', defaultArtifactRoot: '' });
    const { principal } = await authenticator().authenticate({ authorization: basic(creator, 'pw-long-enough'), workspaceHeader: ws });
    expect(principal).toMatchObject({ role: 'owner', permissions: builtInRoles.owner });
  });

  it('answers an unknown workspace with NotFound, and a path workspace wins over the header', async () => {
    const username = await newUser();
    const auth = authenticator();
    await expect(auth.authenticate({ authorization: basic(username, 'pw-long-enough'), workspaceHeader: 'no-such-ws' })).rejects.toThrow(NotFound);
    const ws = await newWorkspace();
    const { principal } = await auth.authenticate({ authorization: basic(username, 'pw-long-enough'), workspaceHeader: 'no-such-ws', pathWorkspace: ws });
    expect(principal?.workspaceId).toBe(ws);
  });
});

describe('Authenticator: API tokens', () => {
  it('authenticates in the token workspace and refuses another', async () => {
    const ws = await newWorkspace();
    const username = await newUser();
    await workspaces.assignRole(ctx(), ws, `user:${username}`, 'editor');
    const { secret } = await tokens.issue(ctx(`user:${username}`), ws, { name: 'laptop', owner: `user:${username}` });
    const auth = authenticator();
    const { principal } = await auth.authenticate({ authorization: `Bearer ${secret}` });
    expect(principal).toMatchObject({ id: `user:${username}`, workspaceId: ws, role: 'editor' });
    await expect(auth.authenticate({ authorization: `Bearer ${secret}`, workspaceHeader: 'default' })).rejects.toThrow(Forbidden);
    await expect(auth.authenticate({ authorization: `Bearer ${secret}x` })).rejects.toThrow(Unauthenticated);
  });

  it('refuses an expired or revoked token', async () => {
    const username = await newUser();
    const expiring = await tokens.issue(ctx(`user:${username}`), 'default', { name: 'short', owner: `user:${username}`, expiresInSeconds: 60 });
    const revoked = await tokens.issue(ctx(`user:${username}`), 'default', { name: 'gone', owner: `user:${username}` });
    await tokens.revoke(ctx(`user:${username}`), 'default', revoked.tokenId);
    const auth = authenticator();
    await expect(auth.authenticate({ authorization: `Bearer ${expiring.secret}` })).resolves.toMatchObject({ principal: { id: `user:${username}` } });
    const start = clock;
    clock += 60_000;
    try {
      await expect(auth.authenticate({ authorization: `Bearer ${expiring.secret}` })).rejects.toThrow('This API token has expired.');
    } finally {
      clock = start;
    }
    await expect(auth.authenticate({ authorization: `Bearer ${revoked.secret}` })).rejects.toThrow('This API token has been revoked.');
  });

  it('records last use at most once a minute', async () => {
    const username = await newUser();
    const { tokenId, secret } = await tokens.issue(ctx(`user:${username}`), 'default', { name: 'ci', owner: `user:${username}` });
    const lastUsed = async () => (await tokensRepository.get('default', tokenId))?.lastUsedAt;
    const start = clock;
    try {
      expect(await lastUsed()).toBeNull();
      await authenticator().authenticate({ authorization: `Bearer ${secret}` });
      expect(await lastUsed()).toBe(start);
      clock = start + 30_000;
      // A second replica (a new authenticator, without the in-memory throttle) is held back by the row's condition.
      await authenticator().authenticate({ authorization: `Bearer ${secret}` });
      expect(await lastUsed()).toBe(start);
      clock = start + 61_000;
      await authenticator().authenticate({ authorization: `Bearer ${secret}` });
      expect(await lastUsed()).toBe(start + 61_000);
    } finally {
      clock = start;
    }
  });

  it('authenticates a service account in its workspace, and stops when the account is deleted', async () => {
    const ws = await newWorkspace();
    const name = randomId('bot').replace('_', '-');
    await serviceAccounts.create(ctx(), ws, { name, description: 'CI', role: 'editor' });
    const { secret } = await tokens.issue(ctx(), ws, { name: 'ci', owner: `sa:${name}` });
    const auth = authenticator();
    expect((await auth.authenticate({ authorization: `Bearer ${secret}` })).principal).toMatchObject({
      id: `sa:${name}`,
      kind: 'service_account',
      isAdmin: false,
      role: 'editor',
    });
    await serviceAccounts.delete(ctx(), ws, name);
    await expect(auth.authenticate({ authorization: `Bearer ${secret}` })).rejects.toThrow(Unauthenticated);
  });
});

describe('Authenticator: OIDC bearer JWTs', () => {
  const sign = (claims: Record<string, unknown>, options: { audience?: string; key?: Jose.CryptoKey; expiresIn?: string } = {}) =>
    new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(issuer)
      .setAudience(options.audience ?? audience)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key ?? signingKey);

  it('accepts a token from the configured issuer and provisions its user at first login', async () => {
    const auth = authenticator({ oidc: new OidcVerifier({ issuer, jwksUrl, audience }) });
    const username = randomId('oidc');
    const jwt = await sign({ sub: 'subject-1', preferred_username: username });
    const { principal } = await auth.authenticate({ authorization: `Bearer ${jwt}` });
    expect(principal).toMatchObject({ id: `user:${username}`, isAdmin: false });
    expect(await new UsersRepository(fx.db, tables).get(username)).toMatchObject({ source: 'oidc', passwordHash: '' });
    // Provisioned once; the next login finds the user.
    await expect(auth.authenticate({ authorization: `Bearer ${jwt}` })).resolves.toMatchObject({ principal: { id: `user:${username}` } });
  });

  it('falls back to sub, or uses the configured claim', async () => {
    const subject = randomId('sub');
    const bySub = authenticator({ oidc: new OidcVerifier({ issuer, jwksUrl, audience }) });
    expect((await bySub.authenticate({ authorization: `Bearer ${await sign({ sub: subject })}` })).principal?.name).toBe(subject);
    const email = `${randomId('e')}@example.com`;
    const byEmail = authenticator({ oidc: new OidcVerifier({ issuer, jwksUrl, audience, usernameClaim: 'email' }) });
    expect((await byEmail.authenticate({ authorization: `Bearer ${await sign({ sub: 'x', email })}` })).principal?.name).toBe(email);
  });

  it('refuses another audience, a key outside the set, an expired token, and JWTs when OIDC is off', async () => {
    const auth = authenticator({ oidc: new OidcVerifier({ issuer, jwksUrl, audience }) });
    await expect(auth.authenticate({ authorization: `Bearer ${await sign({ sub: 'a' }, { audience: 'other' })}` })).rejects.toThrow(Unauthenticated);
    const { privateKey: stranger } = await jose.generateKeyPair('RS256');
    await expect(auth.authenticate({ authorization: `Bearer ${await sign({ sub: 'a' }, { key: stranger })}` })).rejects.toThrow(Unauthenticated);
    const expired = await new jose.SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 1800)
      .sign(signingKey);
    await expect(auth.authenticate({ authorization: `Bearer ${expired}` })).rejects.toThrow(Unauthenticated);
    await expect(authenticator().authenticate({ authorization: `Bearer ${await sign({ sub: 'a' })}` })).rejects.toThrow(Unauthenticated);
  });
});

import { abilityFor, authorizeKey, builtInRoles, type RoutePolicy } from '@chronicle/authz';
import { identityConfigSchema } from '@chronicle/gateway';
import { freshDatabase, randomId, type FreshDatabase } from '@chronicle/testing';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  isLeafType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleServer, type AssembledServer } from '../../services/cli/src/server.command';
import { serverConfigSchema } from '../../services/cli/src/server.config';

/**
 * The isolation wall, generated: every REST route and GraphQL operation the running app serves is
 * tried with no credentials, a revoked token, an expired token, another workspace's owner, and each
 * built-in role of the workspace that owns the data. Routes are enumerated from the app itself, so a
 * new endpoint is covered (and one without a policy fails here) without editing this file.
 */

interface Route {
  method: string;
  path: string;
  policy: RoutePolicy | undefined;
}

interface Caller {
  name: string;
  authorization?: string;
  workspace: string;
}

const adminPassword = 'isolation-admin-password';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const admin = basic('admin', adminPassword);
const roles = ['viewer', 'editor', 'admin', 'owner'] as const;

let server: AssembledServer;
let url: string;
let database: FreshDatabase;
const wsA = `iso-a-${randomId('x').slice(2)}`.replaceAll('_', '-');
const wsB = `iso-b-${randomId('x').slice(2)}`.replaceAll('_', '-');
/** Workspace A's resources: what nobody outside A may see or touch. */
const a = { experimentId: '', experimentName: `iso-exp-${randomId('e')}`, runId: '', modelId: '', revokedTokenId: '' };
const tokens: Record<string, string> = {};

async function http(method: string, path: string, caller: { authorization?: string; workspace?: string }, body?: unknown) {
  const headers: Record<string, string> = {};
  if (caller.authorization) headers.authorization = caller.authorization;
  if (caller.workspace) headers['x-mlflow-workspace'] = caller.workspace;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, text };
}

async function ok<T>(method: string, path: string, caller: { authorization?: string; workspace?: string }, body?: unknown): Promise<T> {
  const response = await http(method, path, caller, body);
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
  return (response.text ? JSON.parse(response.text) : {}) as T;
}

async function issueToken(user: string, password: string, workspace: string, expiresInSeconds = 3600) {
  return ok<{ token: { id: string }; secret: string }>('POST', '/api/chronicle/v1/tokens', { authorization: basic(user, password) }, {
    name: `t-${randomId('k')}`,
    workspace,
    expires_in_seconds: expiresInSeconds,
  });
}

beforeAll(async () => {
  database = await freshDatabase('isolation');
  server = await assembleServer(
    serverConfigSchema.parse({ CHRONICLE_DATABASE_URL: database.url, CHRONICLE_DATA_DIR: mkdtempSync(join(tmpdir(), 'isolation-')), CHRONICLE_LOG_LEVEL: 'silent' }),
    identityConfigSchema.parse({ CHRONICLE_ADMIN_USERNAME: 'admin', CHRONICLE_ADMIN_PASSWORD: adminPassword }),
  );
  await server.app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(server.app.getHttpServer().address() as { port: number }).port}`;

  for (const ws of [wsA, wsB]) await ok('POST', '/api/3.0/mlflow/workspaces', { authorization: admin }, { name: ws });
  const people: [string, string, string][] = [...roles.map((role) => [`${role}-a`, wsA, role] as [string, string, string]), ['owner-b', wsB, 'owner']];
  for (const [user, ws, role] of people) {
    await ok('POST', '/api/2.0/mlflow/users/create', { authorization: admin }, { username: user, password: `${user}-password-1` });
    await ok('PUT', `/api/chronicle/v1/workspaces/${ws}/members`, { authorization: admin }, { principal: `user:${user}`, role });
    tokens[user] = (await issueToken(user, `${user}-password-1`, ws)).secret;
  }
  const revoked = await issueToken('viewer-a', 'viewer-a-password-1', wsA);
  await ok('DELETE', `/api/chronicle/v1/tokens/${revoked.token.id}`, { authorization: basic('viewer-a', 'viewer-a-password-1') });
  tokens.revoked = revoked.secret;
  a.revokedTokenId = revoked.token.id;
  tokens.expired = (await issueToken('owner-a', 'owner-a-password-1', wsA, 1)).secret;

  const editor = { authorization: `Bearer ${tokens['editor-a']}`, workspace: wsA };
  a.experimentId = (await ok<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', editor, { name: a.experimentName })).experiment_id;
  a.runId = (await ok<{ run: { info: { run_id: string } } }>('POST', '/api/2.0/mlflow/runs/create', editor, { experiment_id: a.experimentId })).run.info.run_id;
  await ok('POST', '/api/2.0/mlflow/runs/log-batch', editor, { run_id: a.runId, metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }], params: [{ key: 'p', value: 'secret-param' }] });
  a.modelId = (await ok<{ model: { model_id: string } }>('POST', '/api/2.0/mlflow/logged-models', editor, { experiment_id: a.experimentId })).model.model_id;
  // B holds an experiment too, so its owner's probes below cannot delete workspace B (refused while it holds resources).
  await ok('POST', '/api/2.0/mlflow/experiments/create', { authorization: `Bearer ${tokens['owner-b']}`, workspace: wsB }, { name: `iso-b-${randomId('e')}` });
  await new Promise((resolve) => setTimeout(resolve, 1100)); // the 1-second token expires
}, 120_000);

afterAll(async () => {
  await server?.close();
  await database?.drop();
});

/** Every route of the running app, with the policy its handler declares. */
function routesOf(app: AssembledServer['app']): Route[] {
  const routes: Route[] = [];
  const paths = (value: unknown): string[] => (Array.isArray(value) ? value : [value ?? '']).map(String);
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler: unknown = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value;
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const policy = (Reflect.getMetadata(authorizeKey, handler) ?? Reflect.getMetadata(authorizeKey, controller)) as RoutePolicy | undefined;
        for (const prefix of paths(Reflect.getMetadata(PATH_METADATA, controller))) {
          for (const path of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
            routes.push({ method, path: `/${[prefix, path].filter(Boolean).join('/')}`.replace(/\/+/g, '/'), policy });
          }
        }
      }
    }
  }
  return routes;
}

/** A concrete request for a route pattern, aimed at workspace A's resources. */
function requestFor(route: Route): { path: string; body?: unknown } {
  const path = route.path
    .replace(':modelId', a.modelId)
    .replace(':workspace', wsA)
    .replace(/\/workspaces\/:name$/, `/workspaces/${wsA}`)
    .replace(':name', 'nobody')
    .replace(':id', a.revokedTokenId)
    .replace(':principal', 'user:nobody')
    .replace(':key', 'k')
    .replace('*path', `${a.experimentId}/${a.runId}/artifacts/f.txt`);
  const fields: Record<string, unknown> = {
    experiment_id: a.experimentId,
    experiment_ids: [a.experimentId],
    experiment_name: a.experimentName,
    run_id: a.runId,
    run_ids: [a.runId],
    model_id: a.modelId,
    metric_key: 'loss',
    key: 'k',
    value: 'v',
    name: `iso-${randomId('n')}`.replaceAll('_', '-'),
    new_name: `iso-${randomId('n')}`,
    username: 'nobody',
    password: 'nobody-password-1',
    permission: 'READ',
    resource_type: 'experiment',
    resource_id: a.experimentId,
    principal: 'user:nobody',
    role: 'viewer',
    permissions: [],
    workspace: wsA,
    max_results: 10,
  };
  if (route.method === 'GET' || route.method === 'DELETE') {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) for (const item of [value].flat()) query.append(key, String(item));
    return { path: `${path}?${query}`, body: route.method === 'DELETE' ? fields : undefined };
  }
  return { path, body: fields };
}

const graphqlRequest = (query: string) => ({ path: '/graphql', body: { query } });

/** A syntactically valid operation for a root field, its required arguments aimed at workspace A. */
function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const value = (type: GraphQLInputType, name: string): string => {
    if (type instanceof GraphQLNonNull) return value(type.ofType, name);
    if (type instanceof GraphQLList) return `[${value(type.ofType, name)}]`;
    if (type instanceof GraphQLEnumType) return type.getValues()[0]!.name;
    if (type instanceof GraphQLInputObjectType) {
      const required = Object.values(type.getFields()).filter((f) => f.type instanceof GraphQLNonNull && f.defaultValue === undefined);
      return `{ ${required.map((f) => `${f.name}: ${value(f.type, f.name)}`).join(', ')} }`;
    }
    const scalar = (type as GraphQLScalarType).name;
    if (scalar === 'Int' || scalar === 'Float' || scalar === 'MetricValue') return '1';
    if (scalar === 'Boolean') return 'false';
    const lower = name.toLowerCase();
    const id = lower.includes('model') ? a.modelId : lower.includes('experiment') ? a.experimentId : lower.includes('run') || lower === 'id' ? a.runId : 'k';
    return JSON.stringify(id);
  };
  const args = field.args.filter((arg) => arg.type instanceof GraphQLNonNull && arg.defaultValue === undefined);
  const argText = args.length > 0 ? `(${args.map((arg) => `${arg.name}: ${value(arg.type, arg.name)}`).join(', ')})` : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${kind} { ${field.name}${argText}${selection} }`;
}

/** Every root query and mutation with the policy its resolver method declares. */
function graphqlOperations(app: AssembledServer['app']): { name: string; request: { path: string; body: unknown }; policy: RoutePolicy | undefined }[] {
  const schema = app.get(GraphQLSchemaHost).schema;
  const policies = new Map<string, RoutePolicy>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.providers.values()) {
      const prototype = (wrapper.metatype as { prototype?: Record<string, unknown> } | undefined)?.prototype;
      if (!prototype) continue;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        // The descriptor, not the property: some framework prototypes compute getters on access.
        const method: unknown = Object.getOwnPropertyDescriptor(prototype, name)?.value;
        const policy = typeof method === 'function' ? (Reflect.getMetadata(authorizeKey, method) as RoutePolicy | undefined) : undefined;
        if (policy) policies.set(name, policy);
      }
    }
  }
  const roots: ['query' | 'mutation', GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ];
  return roots.flatMap(([kind, type]) =>
    Object.values(type?.getFields() ?? {}).map((field) => ({ name: `${kind} ${field.name}`, request: graphqlRequest(operationFor(kind, field)), policy: policies.get(field.name) })),
  );
}

type Outcome = 'unauthenticated' | 'forbidden' | 'allowed';

/**
 * Whether a response hands out workspace A's data. Errors may echo the id that was asked for
 * ("Run with id=… not found"); only data counts: a 2xx REST body, or a GraphQL `data` member.
 */
function leaksA(status: number, text: string, graphql: boolean): boolean {
  const data = graphql ? JSON.stringify((JSON.parse(text) as { data?: unknown }).data ?? null) : status < 300 ? text : '';
  return [a.runId, a.experimentName, a.modelId, 'secret-param'].some((marker) => data.includes(marker));
}

function outcomeOf(status: number, text: string, graphql: boolean): Outcome {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (graphql) {
    const codes = ((JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors ?? []).map((e) => e.extensions?.code);
    if (codes.includes('UNAUTHENTICATED')) return 'unauthenticated';
    if (codes.includes('FORBIDDEN') || codes.includes('PERMISSION_DENIED')) return 'forbidden';
  }
  return 'allowed';
}

/** What a built-in role of workspace A may do at the route, by the same CASL rules the guard uses. */
function expectedFor(role: (typeof roles)[number], policy: RoutePolicy): Outcome {
  if (policy.public || 'authenticated' in policy) return 'allowed';
  const ability = abilityFor({ id: `user:${role}-a`, kind: 'user', name: `${role}-a`, workspaceId: wsA, isAdmin: false, role, permissions: builtInRoles[role] });
  return ability.can(policy.action, policy.subject) ? 'allowed' : 'forbidden';
}

describe('isolation across every route and GraphQL operation', () => {
  it('every REST route declares a policy, and the app serves routes of every kind', () => {
    const routes = routesOf(server.app);
    expect(routes.length).toBeGreaterThan(60);
    expect(routes.filter((route) => !route.policy).map((route) => `${route.method} ${route.path}`)).toEqual([]);
    expect(graphqlOperations(server.app).filter((op) => !op.policy).map((op) => op.name)).toEqual([]);
  });

  it('refuses every protected route and operation without valid credentials, and leaks nothing of workspace A', async () => {
    const callers: Caller[] = [
      { name: 'no credentials', workspace: wsA },
      { name: 'a revoked token', authorization: `Bearer ${tokens.revoked}`, workspace: wsA },
      { name: 'an expired token', authorization: `Bearer ${tokens.expired}`, workspace: wsA },
      { name: 'wrong password', authorization: basic('owner-a', 'not-the-password'), workspace: wsA },
    ];
    const failures: string[] = [];
    const targets = [
      ...routesOf(server.app).map((route) => ({ name: `${route.method} ${route.path}`, method: route.method, request: requestFor(route), policy: route.policy, graphql: false })),
      ...graphqlOperations(server.app).map((op) => ({ ...op, method: 'POST', graphql: true })),
    ];
    for (const caller of callers) {
      for (const target of targets) {
        if (target.policy?.public) continue;
        const response = await http(target.method, target.request.path, caller, target.request.body);
        if (outcomeOf(response.status, response.text, target.graphql) !== 'unauthenticated') failures.push(`${caller.name}: ${target.name} → ${response.status}`);
        if (leaksA(response.status, response.text, target.graphql)) failures.push(`${caller.name}: ${target.name} leaked workspace A`);
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it("gives workspace B's owner nothing of workspace A: refused in A, and A's ids lead nowhere from B", async () => {
    const failures: string[] = [];
    const ownerB = `Bearer ${tokens['owner-b']}`;
    const targets = [
      ...routesOf(server.app).map((route) => ({ name: `${route.method} ${route.path}`, method: route.method, request: requestFor(route), policy: route.policy, graphql: false })),
      ...graphqlOperations(server.app).map((op) => ({ ...op, method: 'POST', graphql: true })),
    ];
    for (const target of targets) {
      if (target.policy?.public) continue;
      const inA = await http(target.method, target.request.path, { authorization: ownerB, workspace: wsA }, target.request.body);
      // Routes that name a workspace in their path act there; the token of B is refused in A either way.
      if (outcomeOf(inA.status, inA.text, target.graphql) !== 'forbidden') failures.push(`B's token in A: ${target.name} → ${inA.status}`);
      const fromB = await http(target.method, target.request.path.replaceAll(wsA, wsB), { authorization: ownerB, workspace: wsB }, target.request.body);
      if (leaksA(fromB.status, fromB.text, target.graphql)) {
        failures.push(`B reached A's data: ${target.name} → ${fromB.status} ${fromB.text.slice(0, 120)}`);
      }
      if (fromB.status >= 500) failures.push(`B: ${target.name} → ${fromB.status}`);
    }
    expect(failures).toEqual([]);
    const stillThere = await ok<{ run: { data: { params: { key: string; value: string }[] } } }>('GET', `/api/2.0/mlflow/runs/get?run_id=${a.runId}`, {
      authorization: `Bearer ${tokens['viewer-a']}`,
      workspace: wsA,
    });
    expect(stillThere.run.data.params).toEqual([{ key: 'p', value: 'secret-param' }]);
  }, 300_000);

  it("filters lists in SQL: a viewer denied one experiment finds it in no search, over REST or GraphQL", async () => {
    const editor = { authorization: `Bearer ${tokens['editor-a']}`, workspace: wsA };
    const hiddenName = `iso-hidden-${randomId('h')}`;
    const hidden = (await ok<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', editor, { name: hiddenName })).experiment_id;
    const hiddenRun = (await ok<{ run: { info: { run_id: string } } }>('POST', '/api/2.0/mlflow/runs/create', editor, { experiment_id: hidden })).run.info.run_id;
    await ok('POST', '/api/2.0/mlflow/experiments/permissions/create', editor, { experiment_id: hidden, username: 'viewer-a', permission: 'NO_PERMISSIONS' });

    const viewer = { authorization: `Bearer ${tokens['viewer-a']}`, workspace: wsA };
    const experiments = await http('POST', '/api/2.0/mlflow/experiments/search', viewer, { max_results: 1000 });
    expect(experiments.text).toContain(a.experimentName);
    expect(experiments.text).not.toContain(hiddenName);
    const runs = await http('POST', '/api/2.0/mlflow/runs/search', viewer, { experiment_ids: [hidden, a.experimentId] });
    expect(runs.text).toContain(a.runId);
    expect(runs.text).not.toContain(hiddenRun);
    expect((await http('GET', `/api/2.0/mlflow/runs/get?run_id=${hiddenRun}`, viewer)).status).toBe(403);
    const graph = await http('POST', '/graphql', viewer, { query: `{ experiments(first: 100) { totalCount edges { node { name } } } run(id: "${hiddenRun}") { id } }` });
    expect(graph.text).toContain(a.experimentName);
    expect(graph.text).not.toContain(hiddenName);
    expect(JSON.parse(graph.text).data.run).toBeNull();
  });

  it.each(roles)("lets A's %s do exactly what its role allows at every route and operation", async (role) => {
    const failures: string[] = [];
    const caller = { authorization: `Bearer ${tokens[`${role}-a`]}`, workspace: wsA };
    const targets = [
      ...routesOf(server.app).map((route) => ({ name: `${route.method} ${route.path}`, method: route.method, request: requestFor(route), policy: route.policy, graphql: false })),
      ...graphqlOperations(server.app).map((op) => ({ ...op, method: 'POST', graphql: true })),
    ];
    for (const target of targets) {
      if (!target.policy || target.policy.public) continue;
      const response = await http(target.method, target.request.path, caller, target.request.body);
      const outcome = outcomeOf(response.status, response.text, target.graphql);
      const expected = expectedFor(role, target.policy);
      // A route the role may use can still refuse one resource (a grant, another user's record): never 401, never 5xx.
      if (expected === 'forbidden' ? outcome !== 'forbidden' : outcome === 'unauthenticated') failures.push(`${role}: ${target.name} → ${response.status} (expected ${expected})`);
      if (response.status >= 500) failures.push(`${role}: ${target.name} → ${response.status} ${response.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);

});

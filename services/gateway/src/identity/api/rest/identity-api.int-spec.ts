import { createHttpApp, loggingModule } from '@chronicle/http';
import { InProcessEventBus } from '@chronicle/messaging';
import { randomId, type FreshSchema } from '@chronicle/testing';
import { type INestApplication, Module } from '@nestjs/common';
import request from 'supertest';
import { assembleIdentity, type IdentityRuntime } from '../../identity.runtime';
import { identityTestSchema } from '../../testing/identity-schema.fixture';

let fx: FreshSchema;
let bus: InProcessEventBus;
let identity: IdentityRuntime;
let app: INestApplication;

const admin = { user: 'admin', password: 'first-admin-password' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const asAdmin = basic(admin.user, admin.password);
const wsName = (prefix: string) => randomId(prefix).replace('_', '-');

beforeAll(async () => {
  fx = await identityTestSchema();
  bus = new InProcessEventBus();
  identity = await assembleIdentity(fx.db, fx.schema, {
    bus,
    config: { CHRONICLE_AUTH: 'on', CHRONICLE_ADMIN_USERNAME: admin.user, CHRONICLE_ADMIN_PASSWORD: admin.password },
  });
  @Module({ imports: [loggingModule('silent'), identity.module] })
  class TestModule {}
  app = await createHttpApp(TestModule);
  app.use(identity.middleware);
  await app.init();
});

afterAll(async () => {
  await app.close();
  await identity.close();
  await bus.close();
  await fx.drop();
});

const http = () => request(app.getHttpServer());

async function createUser(): Promise<{ name: string; auth: string }> {
  const name = randomId('u');
  const password = 'a-user-password';
  await http().post('/api/2.0/mlflow/users/create').set('Authorization', asAdmin).send({ username: name, password }).expect(200);
  return { name, auth: basic(name, password) };
}

async function createWorkspace(): Promise<string> {
  const name = wsName('team');
  await http().post('/api/3.0/mlflow/workspaces').set('Authorization', asAdmin).send({ name, description: 'a team' }).expect(201);
  return name;
}

describe('authentication at the HTTP edge', () => {
  it('answers a request without credentials with 401, WWW-Authenticate and MLflow JSON', async () => {
    const response = await http().get('/api/3.0/mlflow/workspaces').expect(401);
    expect(response.body).toEqual({ error_code: 'UNAUTHENTICATED', message: expect.any(String) });
    expect(response.headers['www-authenticate']).toContain('Basic realm="mlflow"');
    expect(response.headers['www-authenticate']).toContain('Bearer realm="mlflow"');
  });

  it('answers a wrong password with 401 and the challenge', async () => {
    const response = await http().get('/api/3.0/mlflow/workspaces').set('Authorization', basic('admin', 'nope')).expect(401);
    expect(response.body.error_code).toBe('UNAUTHENTICATED');
    expect(response.headers['www-authenticate']).toContain('Basic realm="mlflow"');
  });

  it('answers an unknown workspace with 404 RESOURCE_DOES_NOT_EXIST', async () => {
    const response = await http().get('/api/3.0/mlflow/workspaces/no-such-team').set('Authorization', asAdmin).expect(404);
    expect(response.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('workspaces', () => {
  it('lets an admin create, read, update, list and delete a workspace, in MLflow shapes', async () => {
    const name = wsName('ws');
    const created = await http()
      .post('/api/3.0/mlflow/workspaces')
      .set('Authorization', asAdmin)
      .send({ name, description: 'd', default_artifact_root: 's3://bucket/x' })
      .expect(201);
    expect(created.body).toEqual({ workspace: { name, description: 'd', default_artifact_root: 's3://bucket/x' } });
    const updated = await http().patch(`/api/3.0/mlflow/workspaces/${name}`).set('Authorization', asAdmin).send({ description: 'e' }).expect(200);
    expect(updated.body.workspace).toEqual({ name, description: 'e', default_artifact_root: 's3://bucket/x' });
    const list = await http().get('/api/3.0/mlflow/workspaces').set('Authorization', asAdmin).expect(200);
    expect(list.body.workspaces.map((w: { name: string }) => w.name)).toEqual(expect.arrayContaining(['default', name]));
    await http().delete(`/api/3.0/mlflow/workspaces/${name}`).set('Authorization', asAdmin).expect(204);
    await http().get(`/api/3.0/mlflow/workspaces/${name}`).set('Authorization', asAdmin).expect(404);
  });

  it('validates names and refuses duplicates and deleting default', async () => {
    const bad = await http().post('/api/3.0/mlflow/workspaces').set('Authorization', asAdmin).send({ name: 'Bad_Name' }).expect(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    const name = await createWorkspace();
    const duplicate = await http().post('/api/3.0/mlflow/workspaces').set('Authorization', asAdmin).send({ name }).expect(400);
    expect(duplicate.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await http().delete('/api/3.0/mlflow/workspaces/default').set('Authorization', asAdmin).expect(400)).body.error_code).toBe('INVALID_STATE');
  });

  it('lets only server admins create workspaces, owners delete, and viewers only read', async () => {
    const ws = await createWorkspace();
    const [viewer, owner, stranger] = [await createUser(), await createUser(), await createUser()];
    await http().post('/api/3.0/mlflow/workspaces').set('Authorization', owner.auth).send({ name: wsName('x') }).expect(403);
    for (const [member, role] of [
      [viewer, 'viewer'],
      [owner, 'owner'],
    ] as const) {
      await http().put(`/api/chronicle/v1/workspaces/${ws}/members`).set('Authorization', asAdmin).send({ principal: `user:${member.name}`, role }).expect(200);
    }
    await http().get(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', viewer.auth).expect(200);
    const denied = await http().patch(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', viewer.auth).send({ description: 'x' }).expect(403);
    expect(denied.body.error_code).toBe('PERMISSION_DENIED');
    await http().delete(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', viewer.auth).expect(403);
    // A non-member gets 403 on every route of the workspace.
    await http().get(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', stranger.auth).expect(403);
    await http().get(`/api/chronicle/v1/workspaces/${ws}/members`).set('Authorization', stranger.auth).expect(403);
    // Members see the workspaces they belong to.
    const listed = await http().get('/api/3.0/mlflow/workspaces').set('Authorization', viewer.auth).expect(200);
    expect(listed.body.workspaces.map((w: { name: string }) => w.name)).toEqual([ws]);
    await http().patch(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', owner.auth).send({ description: 'by owner' }).expect(200);
    await http().delete(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', owner.auth).expect(204);
  });
});

describe('users (MLflow basic-auth endpoints)', () => {
  it('returns MLflow user shapes, and lets a user read itself and change its own password only', async () => {
    const bob = await createUser();
    const carol = await createUser();
    const own = await http().get('/api/2.0/mlflow/users/get').query({ username: bob.name }).set('Authorization', bob.auth).expect(200);
    expect(own.body).toEqual({
      user: { id: `user:${bob.name}`, username: bob.name, is_admin: false, experiment_permissions: [], registered_model_permissions: [], scorer_permissions: [] },
    });
    await http().get('/api/2.0/mlflow/users/get').query({ username: carol.name }).set('Authorization', bob.auth).expect(403);
    await http().get('/api/2.0/mlflow/users/list').set('Authorization', bob.auth).expect(403);
    await http().patch('/api/2.0/mlflow/users/update-password').set('Authorization', bob.auth).send({ username: carol.name, password: 'hijacked-pw' }).expect(403);
    await http().patch('/api/2.0/mlflow/users/update-admin').set('Authorization', bob.auth).send({ username: bob.name, is_admin: true }).expect(403);
    await http().patch('/api/2.0/mlflow/users/update-password').set('Authorization', bob.auth).send({ username: bob.name, password: 'a-better-password' }).expect(200);
    await http().get('/api/2.0/mlflow/users/get').query({ username: bob.name }).set('Authorization', bob.auth).expect(401);
    await http().get('/api/2.0/mlflow/users/get').query({ username: bob.name }).set('Authorization', basic(bob.name, 'a-better-password')).expect(200);
  });

  it('lets an admin list, promote and delete users', async () => {
    const dave = await createUser();
    await http().patch('/api/2.0/mlflow/users/update-admin').set('Authorization', asAdmin).send({ username: dave.name, is_admin: 'true' }).expect(200);
    const listed = await http().get('/api/2.0/mlflow/users/list').set('Authorization', asAdmin).expect(200);
    expect(listed.body.users).toEqual(expect.arrayContaining([expect.objectContaining({ username: dave.name, is_admin: true })]));
    const duplicate = await http().post('/api/2.0/mlflow/users/create').set('Authorization', asAdmin).send({ username: dave.name, password: 'whatever-pw' }).expect(400);
    expect(duplicate.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    await http().delete('/api/2.0/mlflow/users/delete').set('Authorization', asAdmin).send({ username: dave.name }).expect(200);
    await http().get('/api/2.0/mlflow/users/get').query({ username: dave.name }).set('Authorization', asAdmin).expect(404);
    await http().get('/api/2.0/mlflow/users/get').query({ username: dave.name }).set('Authorization', dave.auth).expect(401);
    // The server keeps an administrator.
    const last = await http().delete('/api/2.0/mlflow/users/delete').set('Authorization', asAdmin).send({ username: admin.user }).expect(400);
    expect(last.body.error_code).toBe('INVALID_STATE');
  });
});

describe('API tokens', () => {
  it('shows the secret once, authenticates with it in its workspace only, and stops after revocation', async () => {
    const ws = await createWorkspace();
    const erin = await createUser();
    await http().put(`/api/chronicle/v1/workspaces/${ws}/members`).set('Authorization', asAdmin).send({ principal: `user:${erin.name}`, role: 'editor' }).expect(200);
    const created = await http().post('/api/chronicle/v1/tokens').set('Authorization', erin.auth).send({ name: 'laptop', workspace: ws, expires_in_seconds: 3600 }).expect(200);
    expect(created.body.token).toMatchObject({ name: 'laptop', workspace: ws, owner: `user:${erin.name}`, revoked_at: null, last_used_at: null });
    expect(created.body.token.expires_at).toBeGreaterThan(Date.now());
    const bearer = `Bearer ${created.body.secret}`;

    await http().get(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', bearer).expect(200);
    const otherWorkspace = await http().get('/api/3.0/mlflow/workspaces').set('Authorization', bearer).set('X-MLFLOW-WORKSPACE', 'default').expect(403);
    expect(otherWorkspace.body.error_code).toBe('PERMISSION_DENIED');

    const listed = await http().get('/api/chronicle/v1/tokens').query({ workspace: ws }).set('Authorization', erin.auth).expect(200);
    expect(listed.body.tokens).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);

    await http().delete(`/api/chronicle/v1/tokens/${created.body.token.id}`).set('Authorization', erin.auth).expect(200);
    const revoked = await http().get(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', bearer).expect(401);
    expect(revoked.headers['www-authenticate']).toContain('Bearer realm="mlflow"');
  });

  it("refuses a token for a workspace the caller is not in, and hides other members' tokens", async () => {
    const ws = await createWorkspace();
    const [frank, grace] = [await createUser(), await createUser()];
    await http().post('/api/chronicle/v1/tokens').set('Authorization', frank.auth).send({ name: 't', workspace: ws }).expect(403);
    for (const user of [frank, grace]) {
      await http().put(`/api/chronicle/v1/workspaces/${ws}/members`).set('Authorization', asAdmin).send({ principal: `user:${user.name}`, role: 'viewer' }).expect(200);
    }
    const franks = await http().post('/api/chronicle/v1/tokens').set('Authorization', frank.auth).send({ name: 't', workspace: ws }).expect(200);
    await http().post('/api/chronicle/v1/tokens').set('Authorization', grace.auth).send({ name: 't', workspace: ws }).expect(200);
    const seenByFrank = await http().get('/api/chronicle/v1/tokens').query({ workspace: ws }).set('Authorization', frank.auth).expect(200);
    expect(seenByFrank.body.tokens.map((t: { owner: string }) => t.owner)).toEqual([`user:${frank.name}`]);
    const seenByAdmin = await http().get('/api/chronicle/v1/tokens').query({ workspace: ws }).set('Authorization', asAdmin).expect(200);
    expect(seenByAdmin.body.tokens).toHaveLength(2);
    await http().delete(`/api/chronicle/v1/tokens/${franks.body.token.id}`).set('Authorization', grace.auth).expect(404);
  });

  it('lets workspace managers run service accounts and their tokens; a viewer cannot', async () => {
    const ws = await createWorkspace();
    const heidi = await createUser();
    await http().put(`/api/chronicle/v1/workspaces/${ws}/members`).set('Authorization', asAdmin).send({ principal: `user:${heidi.name}`, role: 'viewer' }).expect(200);
    const bot = wsName('bot');
    await http().post(`/api/chronicle/v1/workspaces/${ws}/service-accounts`).set('Authorization', heidi.auth).send({ name: bot }).expect(403);
    await http().post(`/api/chronicle/v1/workspaces/${ws}/service-accounts`).set('Authorization', asAdmin).send({ name: bot, role: 'editr' }).expect(404);
    const created = await http().post(`/api/chronicle/v1/workspaces/${ws}/service-accounts`).set('Authorization', asAdmin).send({ name: bot, role: 'editor' }).expect(200);
    expect(created.body.service_account).toMatchObject({ id: `sa:${bot}`, workspace: ws });
    const token = await http().post('/api/chronicle/v1/tokens').set('Authorization', asAdmin).send({ name: 'ci', workspace: ws, service_account: bot }).expect(200);
    expect(token.body.token.owner).toBe(`sa:${bot}`);
    await http().get(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', `Bearer ${token.body.secret}`).expect(200);
    const members = await http().get(`/api/chronicle/v1/workspaces/${ws}/members`).set('Authorization', asAdmin).expect(200);
    expect(members.body.members).toEqual(expect.arrayContaining([{ principal: `sa:${bot}`, role: 'editor' }]));
    // The account belongs to its workspace: it cannot be made a member elsewhere.
    await http().put('/api/chronicle/v1/workspaces/default/members').set('Authorization', asAdmin).send({ principal: `sa:${bot}`, role: 'viewer' }).expect(400);
    await http().delete(`/api/chronicle/v1/workspaces/${ws}/service-accounts/${bot}`).set('Authorization', asAdmin).expect(200);
    await http().get(`/api/3.0/mlflow/workspaces/${ws}`).set('Authorization', `Bearer ${token.body.secret}`).expect(401);
  });
});

describe('members and custom roles', () => {
  it('defines a role from the catalogue, assigns it, and refuses reserved names and unknown permissions', async () => {
    const ws = await createWorkspace();
    const ivan = await createUser();
    const defined = await http()
      .post(`/api/chronicle/v1/workspaces/${ws}/roles`)
      .set('Authorization', asAdmin)
      .send({ name: 'runner', permissions: ['workspace.read', 'experiment.create'] })
      .expect(200);
    expect(defined.body.role).toEqual({ name: 'runner', permissions: ['workspace.read', 'experiment.create'], built_in: false });
    await http().post(`/api/chronicle/v1/workspaces/${ws}/roles`).set('Authorization', asAdmin).send({ name: 'owner', permissions: [] }).expect(400);
    await http().post(`/api/chronicle/v1/workspaces/${ws}/roles`).set('Authorization', asAdmin).send({ name: 'x', permissions: ['root'] }).expect(400);
    await http().put(`/api/chronicle/v1/workspaces/${ws}/members`).set('Authorization', asAdmin).send({ principal: `user:${ivan.name}`, role: 'runner' }).expect(200);
    const roles = await http().get(`/api/chronicle/v1/workspaces/${ws}/roles`).set('Authorization', ivan.auth).expect(200);
    expect(roles.body.roles.map((r: { name: string }) => r.name)).toEqual(['viewer', 'editor', 'admin', 'owner', 'runner']);
    // Held roles cannot be deleted; a runner cannot manage members.
    await http().delete(`/api/chronicle/v1/workspaces/${ws}/roles/runner`).set('Authorization', asAdmin).expect(400);
    await http().put(`/api/chronicle/v1/workspaces/${ws}/members`).set('Authorization', ivan.auth).send({ principal: `user:${ivan.name}`, role: 'owner' }).expect(403);
    await http().delete(`/api/chronicle/v1/workspaces/${ws}/members/user:${ivan.name}`).set('Authorization', asAdmin).expect(200);
    await http().delete(`/api/chronicle/v1/workspaces/${ws}/roles/runner`).set('Authorization', asAdmin).expect(200);
    await http().get(`/api/chronicle/v1/workspaces/${ws}/roles`).set('Authorization', ivan.auth).expect(403);
  });
});

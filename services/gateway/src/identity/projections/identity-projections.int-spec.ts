import { identityEvents, trackingEvents, type IdentityEvent, type TrackingEvent } from '@chronicle/contracts';
import { InvalidState } from '@chronicle/errors';
import { EventStore, liveTables, toBusRecord, type Projection, type StoredEvent } from '@chronicle/eventstore';
import { InProcessEventBus } from '@chronicle/messaging';
import { randomId, testMetadata, waitFor, type FreshSchema } from '@chronicle/testing';
import type { CommandContext } from '../commands/command-context';
import { WorkspaceCommandsHandler } from '../commands/workspace-commands.handler';
import { assembleIdentity, type IdentityRuntime } from '../identity.runtime';
import { IdentityTables } from '../identity.tables';
import { ServiceAccountsRepository } from '../repositories/service-accounts.repository';
import { UsersRepository } from '../repositories/users.repository';
import { WorkspacesRepository } from '../repositories/workspaces.repository';
import { identityTestSchema } from '../testing/identity-schema.fixture';
import { identityProjections } from './index';
import { IdentityEventStore } from '../identity.event-store';

type Row = Record<string, unknown>;
class RolledBack extends Error {}

let fx: FreshSchema;
let store: EventStore<IdentityEvent>;
let history: StoredEvent<IdentityEvent>[] = [];

beforeAll(async () => {
  fx = await identityTestSchema();
  store = new EventStore(fx.db, fx.schema, identityEvents, identityProjections);
});

afterAll(async () => {
  await fx.drop();
});

async function append(ws: string, streamId: string, ...events: IdentityEvent[]) {
  const stored = await fx.db.transaction(async (tx) => {
    const s = await store.append(tx, { workspaceId: ws, streamId, expectedVersion: 'any', events, metadata: testMetadata() });
    await store.project(tx, s);
    return s;
  });
  history.push(...stored);
}

async function rows(projection: Projection<IdentityEvent>, q: { query: typeof fx.db.query } = fx.db): Promise<Record<string, Row[]>> {
  const result: Record<string, Row[]> = {};
  for (const [name, table] of Object.entries(liveTables(fx.schema, projection))) result[name] = await q.query<Row>(`SELECT * FROM ${table} ORDER BY 1, 2`);
  return result;
}

describe('identity projections', () => {
  it('give the same rows when every event is applied twice', async () => {
    const ws = randomId('ws').replace('_', '-');
    const time = 1;
    history = [];
    await append(ws, `workspace-${ws}`, { type: 'WorkspaceCreated', data: { name: ws, description: 'd', defaultArtifactRoot: '', createdBy: 'user:a', time } }, { type: 'MemberRoleAssigned', data: { principal: 'user:a', role: 'owner', time } });
    await append(ws, `workspace-${ws}`, { type: 'RoleDefined', data: { name: 'runner', permissions: ['experiment.create'], time } }, { type: 'MemberRoleAssigned', data: { principal: 'user:b', role: 'runner', time } }, { type: 'WorkspaceUpdated', data: { description: 'e', time: 2 } });
    await append('_server', 'user-b', { type: 'UserCreated', data: { username: 'b', passwordHash: 'h', isAdmin: false, source: 'password', time } }, { type: 'UserAdminChanged', data: { username: 'b', isAdmin: true, time } });
    await append(ws, 'service-account-bot', { type: 'ServiceAccountCreated', data: { name: `bot-${ws}`, description: '', createdBy: 'user:a', time } });
    await append(ws, 'token-t1', { type: 'TokenIssued', data: { tokenId: `t-${ws}`, name: 'n', owner: 'user:b', secretHash: `h-${ws}`, expiresAt: 0, createdBy: 'user:b', time } }, { type: 'TokenRevoked', data: { tokenId: `t-${ws}`, time: 3 } });

    for (const projection of identityProjections as Projection<IdentityEvent>[]) {
      const before = await rows(projection);
      expect(Object.values(before).some((table) => table.length > 0)).toBe(true);
      let after: Record<string, Row[]> = {};
      await fx.db
        .transaction(async (tx) => {
          await projection.apply(history, tx, liveTables(fx.schema, projection));
          after = await rows(projection, tx);
          throw new RolledBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RolledBack)) throw error;
        });
      expect(after).toEqual(before);
    }
  });

  it('drop a deleted user from every workspace and its tokens with it', async () => {
    const ws = randomId('ws').replace('_', '-');
    await append(ws, `workspace-${ws}`, { type: 'WorkspaceCreated', data: { name: ws, description: '', defaultArtifactRoot: '', createdBy: 'system', time: 1 } }, { type: 'MemberRoleAssigned', data: { principal: 'user:gone', role: 'viewer', time: 1 } });
    await append(ws, 'token-x', { type: 'TokenIssued', data: { tokenId: `x-${ws}`, name: 'n', owner: 'user:gone', secretHash: `g-${ws}`, expiresAt: 0, createdBy: 'user:gone', time: 1 } });
    await append('_server', 'user-gone', { type: 'UserDeleted', data: { username: 'gone', time: 2 } });
    const t = new IdentityTables(fx.schema);
    expect(await fx.db.query(`SELECT * FROM ${t.members} WHERE principal_id = 'user:gone'`)).toEqual([]);
    expect(await fx.db.query(`SELECT * FROM ${t.tokens} WHERE owner = 'user:gone'`)).toEqual([]);
  });
});

describe('workspace resources, fed from the tracking topic', () => {
  let identity: IdentityRuntime;
  let bus: InProcessEventBus;
  let resourcesFx: FreshSchema;
  const ctx = (): CommandContext => ({ actor: 'user:admin', requestId: randomId('req'), now: Date.now() });

  beforeAll(async () => {
    resourcesFx = await identityTestSchema();
    bus = new InProcessEventBus();
    identity = await assembleIdentity(resourcesFx.db, resourcesFx.schema, {
      bus,
      config: { CHRONICLE_AUTH: 'on', CHRONICLE_ADMIN_USERNAME: 'admin', CHRONICLE_ADMIN_PASSWORD: 'first-admin-password' },
    });
  });

  afterAll(async () => {
    await identity.close();
    await bus.close();
    await resourcesFx.drop();
  });

  let position = 0;
  async function publishTracking(workspaceId: string, streamId: string, event: TrackingEvent) {
    position += 1;
    const { eventType, payload } = trackingEvents.encode(event);
    const stored: StoredEvent<TrackingEvent> = {
      position,
      transactionId: '1',
      workspaceId,
      streamId,
      streamVersion: 1,
      schemaVersion: 1,
      eventType,
      event,
      payload,
      metadata: testMetadata(),
    };
    await bus.publish([toBusRecord('tracking', stored)]);
  }

  it('created the default workspace and the first administrator at start', async () => {
    const tables = new IdentityTables(resourcesFx.schema);
    expect(await new WorkspacesRepository(resourcesFx.db, tables).get('default')).toMatchObject({ name: 'default', createdBy: 'system' });
    expect(await new UsersRepository(resourcesFx.db, tables).get('admin')).toMatchObject({ isAdmin: true, source: 'password' });
  });

  it('refuses to delete a workspace while it holds an experiment; the default experiment does not count', async () => {
    const tables = new IdentityTables(resourcesFx.schema);
    const workspaces = new WorkspaceCommandsHandler(
      new IdentityEventStore(resourcesFx.db, resourcesFx.schema),
      tables,
      new UsersRepository(resourcesFx.db, tables),
      new ServiceAccountsRepository(resourcesFx.db, tables),
    );
    const repository = new WorkspacesRepository(resourcesFx.db, tables);
    const [busy, idle] = [randomId('busy').replace('_', '-'), randomId('idle').replace('_', '-')];
    for (const name of [busy, idle]) await workspaces.create(ctx(), { name, description: '', defaultArtifactRoot: '' });

    const experiment = (experimentId: string): TrackingEvent => ({
      type: 'ExperimentCreated',
      data: { experimentId, name: `e${experimentId}`, artifactLocation: '', creationTime: 1, tags: [] },
    });
    await publishTracking(idle, 'experiment-0', experiment('0'));
    await publishTracking(busy, 'experiment-0', experiment('0'));
    await publishTracking(busy, 'experiment-7', experiment('7'));
    // Redelivery of the same event changes nothing.
    await publishTracking(busy, 'experiment-7', experiment('7'));
    await waitFor('the experiment to reach the workspace', async () => (await repository.resourceCount(busy)) === 1);
    expect(await repository.resourceCount(idle)).toBe(0);

    await expect(workspaces.delete(ctx(), busy)).rejects.toThrow(InvalidState);
    await expect(workspaces.delete(ctx(), busy)).rejects.toThrow(/still holds 1 experiment/);
    await workspaces.delete(ctx(), idle);
    expect(await repository.get(idle)).toBeNull();
    expect(await repository.get(busy)).not.toBeNull();
  });

  it('publishes its own log on the identity topic', async () => {
    const seen: string[] = [];
    const subscription = await bus.subscribe({ groupId: randomId('audit'), topics: ['chronicle.identity.events'], fromBeginning: true }, async (record) => {
      seen.push(record.headers?.['event-type'] ?? '');
    });
    await waitFor('UserCreated on the bus', () => seen.includes('chronicle.identity.v1.UserCreated'));
    await subscription.close();
  });
});

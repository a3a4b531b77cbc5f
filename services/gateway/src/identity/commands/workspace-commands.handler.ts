import type { Queryable } from '@chronicle/database';
import { AlreadyExists, ConcurrencyError, InvalidArgument, NotFound } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import { defaultWorkspace, parsePrincipalRef } from '../domain/identity.rules';
import { systemActor, workspaceDecider, workspaceStream, type WorkspaceCommand } from '../domain/workspace/workspace.decider';
import { IdentityEventStore } from '../identity.event-store';
import { IdentityTables } from '../identity.tables';
import { ServiceAccountsRepository } from '../repositories/service-accounts.repository';
import { UsersRepository } from '../repositories/users.repository';
import { metadataOf, type CommandContext } from './command-context';

/** Workspaces, their members and their custom roles: all one aggregate per workspace. */
@Injectable()
export class WorkspaceCommandsHandler {
  constructor(
    private readonly store: IdentityEventStore,
    private readonly tables: IdentityTables,
    private readonly users: UsersRepository,
    private readonly serviceAccounts: ServiceAccountsRepository,
  ) {}

  create(ctx: CommandContext, input: { name: string; description: string; defaultArtifactRoot: string }) {
    return this.run(ctx, input.name, () => ({ type: 'CreateWorkspace', ...input, createdBy: ctx.actor, time: ctx.now }));
  }

  /** The `default` workspace always exists: MLflow clients that send no workspace header use it. */
  async ensureDefault(ctx: CommandContext): Promise<void> {
    const system = { ...ctx, actor: systemActor };
    try {
      await this.run(system, defaultWorkspace, () => ({
        type: 'CreateWorkspace',
        name: defaultWorkspace,
        description: 'The default workspace',
        defaultArtifactRoot: '',
        createdBy: systemActor,
        time: ctx.now,
      }));
    } catch (error) {
      if (!(error instanceof AlreadyExists) && !(error instanceof ConcurrencyError)) throw error;
    }
  }

  update(ctx: CommandContext, name: string, input: { description?: string; defaultArtifactRoot?: string }) {
    return this.run(ctx, name, () => ({ type: 'UpdateWorkspace', name, ...input, time: ctx.now }));
  }

  delete(ctx: CommandContext, name: string) {
    // Counted inside the command's transaction, so the decision and the count are one snapshot.
    return this.run(ctx, name, async (tx) => {
      const [row] = await tx.query<{ count: string }>(`SELECT count(*) AS count FROM ${this.tables.resources} WHERE workspace_id = $1`, [name]);
      return { type: 'DeleteWorkspace', name, resourceCount: Number(row.count), time: ctx.now };
    });
  }

  async assignRole(ctx: CommandContext, name: string, principal: string, role: string) {
    await this.assertPrincipalMayJoin(name, principal);
    return this.run(ctx, name, () => ({ type: 'AssignRole', name, principal, role, time: ctx.now }));
  }

  removeMember(ctx: CommandContext, name: string, principal: string) {
    return this.run(ctx, name, () => ({ type: 'RemoveMember', name, principal, time: ctx.now }));
  }

  defineRole(ctx: CommandContext, name: string, role: string, permissions: string[]) {
    return this.run(ctx, name, () => ({ type: 'DefineRole', name, role, permissions, time: ctx.now }));
  }

  deleteRole(ctx: CommandContext, name: string, role: string) {
    return this.run(ctx, name, () => ({ type: 'DeleteRole', name, role, time: ctx.now }));
  }

  // A user may join any workspace; a service account only the one that owns it, so one workspace's
  // administrators cannot mint identities that act in another.
  private async assertPrincipalMayJoin(workspace: string, principal: string): Promise<void> {
    const ref = parsePrincipalRef(principal);
    if (ref.kind === 'user') {
      if (!(await this.users.get(ref.name))) throw new NotFound(`User with username=${ref.name} not found`);
      return;
    }
    const account = await this.serviceAccounts.byName(ref.name);
    if (!account) throw new NotFound(`Service account '${ref.name}' does not exist.`);
    if (account.workspaceId !== workspace) throw new InvalidArgument(`Service account '${ref.name}' belongs to workspace '${account.workspaceId}'.`);
  }

  private async run(ctx: CommandContext, name: string, command: (tx: Queryable) => Promise<WorkspaceCommand> | WorkspaceCommand): Promise<void> {
    await this.store.execute({
      workspaceId: name,
      streamId: workspaceStream(name),
      metadata: metadataOf(ctx),
      decider: workspaceDecider,
      decide: async (state, tx) => workspaceDecider.decide(await command(tx), state),
      result: () => null,
    });
  }
}

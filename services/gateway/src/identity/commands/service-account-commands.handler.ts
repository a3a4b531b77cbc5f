import { isBuiltInRole, principalId } from '@chronicle/authz';
import { isUniqueViolation } from '@chronicle/database';
import { AlreadyExists, NotFound } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import { serviceAccountDecider, serviceAccountStream, type ServiceAccountCommand } from '../domain/service-account/service-account.decider';
import { IdentityEventStore } from '../identity.event-store';
import { AccessRepository } from '../repositories/access.repository';
import { ServiceAccountsRepository } from '../repositories/service-accounts.repository';
import { metadataOf, type CommandContext } from './command-context';
import { WorkspaceCommandsHandler } from './workspace-commands.handler';

/**
 * Service accounts belong to one workspace: its administrators create them, give them a role
 * there, and issue their tokens. Names are unique server-wide, so `sa:<name>` is one actor.
 */
@Injectable()
export class ServiceAccountCommandsHandler {
  constructor(
    private readonly store: IdentityEventStore,
    private readonly serviceAccounts: ServiceAccountsRepository,
    private readonly workspaces: WorkspaceCommandsHandler,
    private readonly access: AccessRepository,
  ) {}

  /** Creates the account, then makes it a member with `role` (two commands: a failed second leaves an account an admin can still assign). */
  async create(ctx: CommandContext, workspaceId: string, input: { name: string; description: string; role: string }): Promise<void> {
    // Checked first so that a mistyped role does not leave a member-less account behind.
    if (!isBuiltInRole(input.role) && !(await this.access.roles(workspaceId)).some((role) => role.name === input.role)) {
      throw new NotFound(`Role '${input.role}' does not exist in workspace '${workspaceId}'.`);
    }
    await this.run(ctx, workspaceId, { type: 'CreateServiceAccount', name: input.name, description: input.description, createdBy: ctx.actor, time: ctx.now });
    await this.workspaces.assignRole(ctx, workspaceId, principalId('service_account', input.name), input.role);
  }

  async delete(ctx: CommandContext, workspaceId: string, name: string): Promise<void> {
    const account = await this.serviceAccounts.byName(name);
    if (!account || account.workspaceId !== workspaceId) throw new NotFound(`Service account '${name}' does not exist in workspace '${workspaceId}'.`);
    await this.run(ctx, workspaceId, { type: 'DeleteServiceAccount', name, time: ctx.now });
  }

  private async run(ctx: CommandContext, workspaceId: string, command: ServiceAccountCommand): Promise<void> {
    try {
      await this.store.execute({
        workspaceId,
        streamId: serviceAccountStream(command.name),
        metadata: metadataOf(ctx),
        decider: serviceAccountDecider,
        decide: (state) => serviceAccountDecider.decide(command, state),
        result: () => null,
      });
    } catch (error) {
      // Another workspace holds the name: the projection's server-wide unique key rejects the append.
      if (isUniqueViolation(error, 'service_accounts_name_key')) throw new AlreadyExists(`Service account '${command.name}' already exists.`);
      throw error;
    }
  }
}

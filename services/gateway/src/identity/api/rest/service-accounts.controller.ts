import { subject } from '@casl/ability';
import { AuthorizationGuard, Authorize } from '@chronicle/authz';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ServiceAccountCommandsHandler } from '../../commands/service-account-commands.handler';
import { ServiceAccountsRepository } from '../../repositories/service-accounts.repository';
import { assertCan, Caller, type CallerContext } from './caller-context.decorator';
import { serviceAccountJson } from './identity-json';

const createSchema = z.object({ name: wire.id(), description: wire.text().default(''), role: wire.text().default('viewer') });

/** A workspace's service accounts: its managers create them (with a role there) and delete them. */
@Controller('api/chronicle/v1/workspaces/:workspace/service-accounts')
@UseGuards(AuthorizationGuard)
export class ServiceAccountsController {
  constructor(
    private readonly commands: ServiceAccountCommandsHandler,
    private readonly serviceAccounts: ServiceAccountsRepository,
  ) {}

  @Post()
  @HttpCode(200)
  @Authorize('create', 'ServiceAccount')
  async create(@Caller() { ctx, ability }: CallerContext, @Param('workspace') workspace: string, @Body() body: unknown) {
    assertCan(ability, 'create', subject('ServiceAccount', { workspaceId: workspace }));
    const input = parseMessage(createSchema, body);
    await this.commands.create(ctx, workspace, { name: input.name, description: input.description, role: input.role });
    const account = await this.serviceAccounts.byName(input.name);
    return { service_account: account && serviceAccountJson(account) };
  }

  @Get()
  @Authorize('read', 'ServiceAccount')
  async list(@Caller() { ability }: CallerContext, @Param('workspace') workspace: string) {
    assertCan(ability, 'read', subject('ServiceAccount', { workspaceId: workspace }));
    return { service_accounts: (await this.serviceAccounts.list(workspace)).map(serviceAccountJson) };
  }

  @Delete(':name')
  @Authorize('delete', 'ServiceAccount')
  async delete(@Caller() { ctx, ability }: CallerContext, @Param('workspace') workspace: string, @Param('name') name: string) {
    assertCan(ability, 'delete', subject('ServiceAccount', { workspaceId: workspace }));
    await this.commands.delete(ctx, workspace, name);
    return {};
  }
}

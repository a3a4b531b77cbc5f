import { subject } from '@casl/ability';
import { AuthorizationGuard, Authorize } from '@chronicle/authz';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, Param, Put, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { WorkspaceCommandsHandler } from '../../commands/workspace-commands.handler';
import { parsePrincipalRef } from '../../domain/identity.rules';
import { AccessRepository } from '../../repositories/access.repository';
import { assertCan, Caller, type CallerContext } from './caller-context.decorator';

const assignSchema = z.object({ principal: wire.id(), role: wire.id() });

/** Who belongs to a workspace and with which role: its admins and owners decide. */
@Controller('api/chronicle/v1/workspaces/:workspace/members')
@UseGuards(AuthorizationGuard)
export class MembersController {
  constructor(
    private readonly commands: WorkspaceCommandsHandler,
    private readonly access: AccessRepository,
  ) {}

  @Put()
  @Authorize('grant', 'Workspace')
  async assign(@Caller() { ctx, ability }: CallerContext, @Param('workspace') workspace: string, @Body() body: unknown) {
    assertCan(ability, 'grant', subject('Workspace', { name: workspace }));
    const { principal, role } = parseMessage(assignSchema, body);
    await this.commands.assignRole(ctx, workspace, parsePrincipalRef(principal).id, role);
    return { member: { principal, role } };
  }

  @Get()
  @Authorize('read', 'Workspace')
  async list(@Caller() { ability }: CallerContext, @Param('workspace') workspace: string) {
    assertCan(ability, 'read', subject('Workspace', { name: workspace }));
    return { members: await this.access.members(workspace) };
  }

  @Delete(':principal')
  @Authorize('grant', 'Workspace')
  async remove(@Caller() { ctx, ability }: CallerContext, @Param('workspace') workspace: string, @Param('principal') principal: string) {
    assertCan(ability, 'grant', subject('Workspace', { name: workspace }));
    await this.commands.removeMember(ctx, workspace, parsePrincipalRef(principal).id);
    return {};
  }
}

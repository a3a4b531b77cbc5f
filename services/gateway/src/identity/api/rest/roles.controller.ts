import { subject } from '@casl/ability';
import { AuthorizationGuard, Authorize, builtInRoles } from '@chronicle/authz';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { WorkspaceCommandsHandler } from '../../commands/workspace-commands.handler';
import { AccessRepository } from '../../repositories/access.repository';
import { assertCan, Caller, type CallerContext } from './caller-context.decorator';

const defineSchema = z.object({ name: wire.id(), permissions: wire.list(z.string()) });

/** A workspace's custom roles: named sets of catalogue permissions, next to the built-in ones. */
@Controller('api/chronicle/v1/workspaces/:workspace/roles')
@UseGuards(AuthorizationGuard)
export class RolesController {
  constructor(
    private readonly commands: WorkspaceCommandsHandler,
    private readonly access: AccessRepository,
  ) {}

  @Post()
  @HttpCode(200)
  @Authorize('grant', 'Workspace')
  async define(@Caller() { ctx, ability }: CallerContext, @Param('workspace') workspace: string, @Body() body: unknown) {
    assertCan(ability, 'grant', subject('Workspace', { name: workspace }));
    const { name, permissions } = parseMessage(defineSchema, body);
    await this.commands.defineRole(ctx, workspace, name, permissions);
    return { role: { name, permissions: [...new Set(permissions)], built_in: false } };
  }

  /** Built-in roles first, then the workspace's own. */
  @Get()
  @Authorize('read', 'Workspace')
  async list(@Caller() { ability }: CallerContext, @Param('workspace') workspace: string) {
    assertCan(ability, 'read', subject('Workspace', { name: workspace }));
    const builtIn = Object.entries(builtInRoles).map(([name, permissions]) => ({ name, permissions: [...permissions], built_in: true }));
    const custom = (await this.access.roles(workspace)).map((role) => ({ ...role, built_in: false }));
    return { roles: [...builtIn, ...custom] };
  }

  @Delete(':name')
  @Authorize('grant', 'Workspace')
  async delete(@Caller() { ctx, ability }: CallerContext, @Param('workspace') workspace: string, @Param('name') name: string) {
    assertCan(ability, 'grant', subject('Workspace', { name: workspace }));
    await this.commands.deleteRole(ctx, workspace, name);
    return {};
  }
}

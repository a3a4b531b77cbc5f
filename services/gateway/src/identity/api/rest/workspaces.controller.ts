import { Authenticated, AuthorizationGuard, Authorize } from '@chronicle/authz';
import { subject } from '@casl/ability';
import { InvalidArgument, NotFound } from '@chronicle/errors';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { WorkspaceCommandsHandler } from '../../commands/workspace-commands.handler';
import { WorkspacesRepository } from '../../repositories/workspaces.repository';
import { assertCan, Caller, type CallerContext } from './caller-context.decorator';
import { workspaceJson } from './identity-json';

const createSchema = z.object({ name: wire.id(), description: wire.text().default(''), default_artifact_root: wire.text().default('') });
const updateSchema = z.object({ description: wire.text().optional(), default_artifact_root: wire.text().optional() });

/** MLflow's workspace endpoints (§2.9). The middleware resolved the caller in the workspace of the path. */
@Controller(['api/3.0/mlflow/workspaces', 'ajax-api/3.0/mlflow/workspaces'])
@UseGuards(AuthorizationGuard)
export class WorkspacesController {
  constructor(
    private readonly commands: WorkspaceCommandsHandler,
    private readonly workspaces: WorkspacesRepository,
  ) {}

  /** Server admins see every workspace; anyone else the ones they are a member of. */
  @Get()
  @Authenticated()
  async list(@Caller() { principal }: CallerContext) {
    const workspaces = await this.workspaces.list(principal.isAdmin ? undefined : principal.id);
    return { workspaces: workspaces.map(workspaceJson) };
  }

  // The mlflow client expects 201 Created here and 204 No Content from delete (its workspace RestStore).
  @Post()
  @HttpCode(201)
  @Authorize('create', 'Workspace')
  async create(@Caller() { ctx }: CallerContext, @Body() body: unknown) {
    const input = parseMessage(createSchema, body);
    await this.commands.create(ctx, { name: input.name, description: input.description, defaultArtifactRoot: input.default_artifact_root });
    return { workspace: workspaceJson(await this.load(input.name)) };
  }

  @Get(':name')
  @Authorize('read', 'Workspace')
  async get(@Caller() { ability }: CallerContext, @Param('name') name: string) {
    assertCan(ability, 'read', subject('Workspace', { name }));
    return { workspace: workspaceJson(await this.load(name)) };
  }

  @Patch(':name')
  @Authorize('update', 'Workspace')
  async update(@Caller() { ctx, ability }: CallerContext, @Param('name') name: string, @Body() body: unknown) {
    assertCan(ability, 'update', subject('Workspace', { name }));
    const input = parseMessage(updateSchema, body);
    await this.commands.update(ctx, name, { description: input.description, defaultArtifactRoot: input.default_artifact_root });
    return { workspace: workspaceJson(await this.load(name)) };
  }

  @Delete(':name')
  @HttpCode(204)
  @Authorize('delete', 'Workspace')
  async delete(@Caller() { ctx, ability }: CallerContext, @Param('name') name: string, @Query() query: unknown) {
    assertCan(ability, 'delete', subject('Workspace', { name }));
    // MLflow's RESTRICT (the default) refuses a workspace that holds resources; cascading deletes are not offered.
    const { mode } = parseMessage(z.object({ mode: wire.text().default('RESTRICT') }), query);
    if (mode.toUpperCase() !== 'RESTRICT') throw new InvalidArgument(`Workspace deletion mode '${mode}' is not supported; only RESTRICT is.`);
    await this.commands.delete(ctx, name);
  }

  private async load(name: string) {
    const workspace = await this.workspaces.get(name);
    if (!workspace) throw new NotFound(`Workspace '${name}' does not exist.`);
    return workspace;
  }
}

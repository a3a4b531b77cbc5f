import { Authorize, principalId, type ResourceLevel } from '@chronicle/authz';
import { InvalidArgument, NotFound } from '@chronicle/errors';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import type { CommandContext } from '../../commands/command-context';
import { ExperimentCommandsHandler } from '../../commands/experiment-commands.handler';
import { ExperimentPolicy } from '../../policies/experiment.policy';
import { ExperimentPermissionsRepository } from '../../repositories/experiment-permissions.repository';
import { RequestContext } from './request-context.decorator';

const target = z.object({ experiment_id: wire.id(), username: wire.id() });
const withLevel = target.extend({ permission: wire.id() });
const grantTarget = z.object({ username: wire.id(), resource_type: wire.id(), resource_id: wire.id() });

/**
 * Per-user experiment permissions, in both of MLflow's shapes: the 3.x auth app's
 * experiments/permissions endpoints, and the newer users/permissions grant/revoke the current
 * client's AuthServiceClient calls. Every change is a command on the experiment's stream.
 */
@Controller()
export class ExperimentPermissionsController {
  constructor(
    private readonly commands: ExperimentCommandsHandler,
    private readonly permissions: ExperimentPermissionsRepository,
    private readonly policy: ExperimentPolicy,
  ) {}

  @Authorize('grant', 'Experiment')
  @Post(['api/2.0/mlflow/experiments/permissions/create', 'ajax-api/2.0/mlflow/experiments/permissions/create'])
  @HttpCode(200)
  async create(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(withLevel, body);
    await this.commands.createPermission(ctx, input.experiment_id, principalId('user', input.username), input.permission);
    return this.permissionJson(ctx, input.experiment_id, input.username);
  }

  @Authorize('grant', 'Experiment')
  @Get(['api/2.0/mlflow/experiments/permissions/get', 'ajax-api/2.0/mlflow/experiments/permissions/get'])
  async get(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    const input = parseMessage(target, query);
    await this.policy.require(ctx, 'grant', input.experiment_id);
    return this.permissionJson(ctx, input.experiment_id, input.username);
  }

  @Authorize('grant', 'Experiment')
  @Patch(['api/2.0/mlflow/experiments/permissions/update', 'ajax-api/2.0/mlflow/experiments/permissions/update'])
  async update(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(withLevel, body);
    await this.commands.updatePermission(ctx, input.experiment_id, principalId('user', input.username), input.permission);
    return {};
  }

  @Authorize('grant', 'Experiment')
  @Delete(['api/2.0/mlflow/experiments/permissions/delete', 'ajax-api/2.0/mlflow/experiments/permissions/delete'])
  async delete(@RequestContext() ctx: CommandContext, @Body() body: unknown, @Query() query: unknown) {
    // The client sends DELETE parameters as a JSON body; curl users put them in the query.
    const input = parseMessage(target, { ...(query as object), ...(body as object) });
    await this.commands.deletePermission(ctx, input.experiment_id, principalId('user', input.username));
    return {};
  }

  @Authorize('grant', 'Experiment')
  @Post(['api/3.0/mlflow/users/permissions/grant', 'ajax-api/3.0/mlflow/users/permissions/grant'])
  @HttpCode(200)
  async grant(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(grantTarget.extend({ permission: wire.id() }), body);
    const experimentId = experimentOf(input.resource_type, input.resource_id);
    const principal = principalId('user', input.username);
    const existing = await this.permissions.get(ctx.workspaceId, experimentId, principal);
    if (existing) await this.commands.updatePermission(ctx, experimentId, principal, input.permission);
    else await this.commands.createPermission(ctx, experimentId, principal, input.permission);
    return {};
  }

  @Authorize('grant', 'Experiment')
  @Post(['api/3.0/mlflow/users/permissions/revoke', 'ajax-api/3.0/mlflow/users/permissions/revoke'])
  @HttpCode(200)
  async revoke(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(grantTarget, body);
    await this.commands.deletePermission(ctx, experimentOf(input.resource_type, input.resource_id), principalId('user', input.username));
    return {};
  }

  private async permissionJson(ctx: CommandContext, experimentId: string, username: string) {
    const permission: ResourceLevel | null = await this.permissions.get(ctx.workspaceId, experimentId, principalId('user', username));
    if (!permission) throw new NotFound(`Experiment permission with experiment_id=${experimentId} and username=${username} not found`);
    return { experiment_permission: { experiment_id: experimentId, user_id: username, permission } };
  }
}

function experimentOf(resourceType: string, resourceId: string): string {
  if (resourceType !== 'experiment') {
    throw new InvalidArgument(`Unsupported resource_type '${resourceType}': this server grants per-user permissions on experiments`);
  }
  return resourceId;
}

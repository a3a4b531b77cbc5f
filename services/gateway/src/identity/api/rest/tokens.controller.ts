import { subject } from '@casl/ability';
import { Authenticated, AuthorizationGuard, principalId } from '@chronicle/authz';
import { InvalidArgument, NotFound } from '@chronicle/errors';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { WorkspaceAccess } from '../../authentication/workspace-access';
import { TokenCommandsHandler } from '../../commands/token-commands.handler';
import { validateServiceAccountName } from '../../domain/identity.rules';
import { ServiceAccountsRepository } from '../../repositories/service-accounts.repository';
import { TokensRepository } from '../../repositories/tokens.repository';
import { assertCan, Caller, type CallerContext } from './caller-context.decorator';
import { tokenJson } from './identity-json';

// Ten years: long enough for anything a person means, short enough to stay an integer of ms.
const maxLifetimeSeconds = 10 * 365 * 24 * 3600;
const createSchema = z.object({
  name: wire.id(),
  workspace: wire.text().optional(),
  expires_in_seconds: wire.int().pipe(z.number().int().min(1).max(maxLifetimeSeconds)).optional(),
  service_account: wire.text().optional(),
});
const listSchema = z.object({ workspace: wire.text().optional() });

/**
 * API tokens. Each acts in one workspace, named in the body (default: the request's workspace),
 * so the caller's rights are resolved in that workspace here rather than at the route.
 */
@Controller('api/chronicle/v1/tokens')
@UseGuards(AuthorizationGuard)
export class TokensController {
  constructor(
    private readonly commands: TokenCommandsHandler,
    private readonly tokens: TokensRepository,
    private readonly serviceAccounts: ServiceAccountsRepository,
    private readonly access: WorkspaceAccess,
  ) {}

  /** Issues a token for the caller, or (for a workspace's managers) for one of its service accounts. The secret is in this response only. */
  @Post()
  @HttpCode(200)
  @Authenticated()
  async create(@Caller() caller: CallerContext, @Body() body: unknown) {
    const input = parseMessage(createSchema, body);
    const workspace = input.workspace || caller.principal.workspaceId;
    const { principal, ability } = await this.access.in(caller.request, workspace);
    const owner = input.service_account ? await this.serviceAccountOwner(workspace, input.service_account) : principal.id;
    assertCan(ability, 'create', subject('Token', { workspaceId: workspace, owner }));
    const issued = await this.commands.issue(caller.ctx, workspace, { name: input.name, owner, expiresInSeconds: input.expires_in_seconds });
    const token = await this.tokens.get(workspace, issued.tokenId);
    if (!token) throw new NotFound(`Token ${issued.tokenId} does not exist.`);
    return { token: tokenJson(token), secret: issued.secret };
  }

  @Get()
  @Authenticated()
  async list(@Caller() caller: CallerContext, @Query() query: unknown) {
    const { workspace } = parseMessage(listSchema, query);
    const { ability } = await this.access.in(caller.request, workspace || caller.principal.workspaceId);
    return { tokens: (await this.tokens.list(workspace || caller.principal.workspaceId, ability)).map(tokenJson) };
  }

  @Delete(':id')
  @Authenticated()
  async revoke(@Caller() caller: CallerContext, @Param('id') tokenId: string) {
    const token = await this.tokens.byId(tokenId);
    // Someone who may not see a token learns nothing about it: the same answer as for a missing one.
    const visible = token && (await this.access.in(caller.request, token.workspaceId).catch(() => null));
    if (!token || !visible?.ability.can('delete', subject('Token', { workspaceId: token.workspaceId, owner: token.owner }))) {
      throw new NotFound(`Token ${tokenId} does not exist.`);
    }
    await this.commands.revoke(caller.ctx, token.workspaceId, tokenId);
    return {};
  }

  private async serviceAccountOwner(workspace: string, name: string): Promise<string> {
    validateServiceAccountName(name);
    const account = await this.serviceAccounts.byName(name);
    if (!account || account.workspaceId !== workspace) throw new InvalidArgument(`Service account '${name}' does not exist in workspace '${workspace}'.`);
    return principalId('service_account', name);
  }
}

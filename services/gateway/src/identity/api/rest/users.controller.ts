import { subject } from '@casl/ability';
import { Authenticated, AuthorizationGuard, Authorize } from '@chronicle/authz';
import { NotFound } from '@chronicle/errors';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { UserCommandsHandler } from '../../commands/user-commands.handler';
import { UsersRepository } from '../../repositories/users.repository';
import { assertCan, Caller, type CallerContext } from './caller-context.decorator';
import { userJson } from './identity-json';

const credentialsSchema = z.object({ username: wire.id(), password: wire.id() });
const usernameSchema = z.object({ username: wire.id() });
const adminSchema = z.object({ username: wire.id(), is_admin: wire.bool() });

/** MLflow's basic-auth user endpoints (§7): administrators manage users; a user reads and re-passwords itself. */
@Controller(['api/2.0/mlflow/users', 'ajax-api/2.0/mlflow/users'])
@UseGuards(AuthorizationGuard)
export class UsersController {
  constructor(
    private readonly commands: UserCommandsHandler,
    private readonly users: UsersRepository,
  ) {}

  @Post('create')
  @HttpCode(200)
  @Authorize('create', 'User')
  async create(@Caller() { ctx }: CallerContext, @Body() body: unknown) {
    const { username, password } = parseMessage(credentialsSchema, body);
    await this.commands.create(ctx, { username, password, isAdmin: false });
    return { user: userJson(await this.load(username)) };
  }

  @Get('get')
  @Authenticated()
  async get(@Caller() { ability }: CallerContext, @Query() query: unknown) {
    const { username } = parseMessage(usernameSchema, query);
    assertCan(ability, 'read', subject('User', { name: username }));
    return { user: userJson(await this.load(username)) };
  }

  @Get('list')
  @Authorize('manage', 'User')
  async list() {
    return { users: (await this.users.list()).map(userJson) };
  }

  @Patch('update-password')
  @Authenticated()
  async updatePassword(@Caller() { ctx, ability }: CallerContext, @Body() body: unknown) {
    const { username, password } = parseMessage(credentialsSchema, body);
    assertCan(ability, 'update', subject('User', { name: username }));
    await this.commands.updatePassword(ctx, username, password);
    return {};
  }

  @Patch('update-admin')
  @Authorize('manage', 'User')
  async updateAdmin(@Caller() { ctx }: CallerContext, @Body() body: unknown) {
    const { username, is_admin } = parseMessage(adminSchema, body);
    await this.commands.updateAdmin(ctx, username, is_admin);
    return {};
  }

  // MLflow's client sends the username as a JSON body on DELETE; a query string works too.
  @Delete('delete')
  @Authorize('delete', 'User')
  async delete(@Caller() { ctx }: CallerContext, @Body() body: unknown, @Query() query: unknown) {
    const { username } = parseMessage(usernameSchema, { ...(query as object), ...(body as object) });
    await this.commands.delete(ctx, username);
    return {};
  }

  private async load(username: string) {
    const user = await this.users.get(username);
    if (!user) throw new NotFound(`User with username=${username} not found`);
    return user;
  }
}

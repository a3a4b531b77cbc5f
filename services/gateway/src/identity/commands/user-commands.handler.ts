import { AlreadyExists, ConcurrencyError, InvalidArgument } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import { serverScope } from '../domain/identity.rules';
import { userDecider, userStream, type UserCommand } from '../domain/user/user.decider';
import { PasswordHasher } from '../authentication/password-hasher';
import { IdentityEventStore } from '../identity.event-store';
import { metadataOf, type CommandContext } from './command-context';

export const minPasswordLength = 8;

/** Users: created by administrators (MLflow's users/create), by configuration, or at first OIDC login. */
@Injectable()
export class UserCommandsHandler {
  constructor(
    private readonly store: IdentityEventStore,
    private readonly passwords: PasswordHasher,
  ) {}

  async create(ctx: CommandContext, input: { username: string; password: string; isAdmin: boolean }): Promise<void> {
    const passwordHash = await this.hash(input.password);
    await this.run(ctx, { type: 'CreateUser', username: input.username, passwordHash, isAdmin: input.isAdmin, source: 'password', time: ctx.now });
  }

  /** Creates a user who signs in through the identity provider only (no password); a racing login is fine. */
  async provision(ctx: CommandContext, username: string): Promise<void> {
    try {
      await this.run(ctx, { type: 'CreateUser', username, passwordHash: '', isAdmin: false, source: 'oidc', time: ctx.now });
    } catch (error) {
      if (!(error instanceof AlreadyExists) && !(error instanceof ConcurrencyError)) throw error;
    }
  }

  async updatePassword(ctx: CommandContext, username: string, password: string): Promise<void> {
    const passwordHash = await this.hash(password);
    await this.run(ctx, { type: 'ChangePassword', username, passwordHash, time: ctx.now });
  }

  updateAdmin(ctx: CommandContext, username: string, isAdmin: boolean): Promise<void> {
    return this.run(ctx, { type: 'ChangeAdmin', username, isAdmin, time: ctx.now });
  }

  delete(ctx: CommandContext, username: string): Promise<void> {
    return this.run(ctx, { type: 'DeleteUser', username, time: ctx.now });
  }

  private hash(password: string): Promise<string> {
    if (password.length < minPasswordLength) throw new InvalidArgument(`A password needs at least ${minPasswordLength} characters.`);
    return this.passwords.hash(password);
  }

  private async run(ctx: CommandContext, command: UserCommand): Promise<void> {
    await this.store.execute({
      workspaceId: serverScope,
      streamId: userStream(command.username),
      metadata: metadataOf(ctx),
      decider: userDecider,
      decide: (state) => userDecider.decide(command, state),
      result: () => null,
    });
  }
}

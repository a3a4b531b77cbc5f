import type { Queryable } from '@chronicle/database';
import { AlreadyExists, ConcurrencyError, InvalidArgument } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import { serverScope } from '../domain/identity.rules';
import { userDecider, userStream, type UserCommand } from '../domain/user/user.decider';
import { PasswordHasher } from '../authentication/password-hasher';
import { IdentityEventStore } from '../identity.event-store';
import { IdentityTables } from '../identity.tables';
import { metadataOf, type CommandContext } from './command-context';

const minPasswordLength = 8;

/** Users: created by administrators (MLflow's users/create), by configuration, or at first OIDC login. */
@Injectable()
export class UserCommandsHandler {
  constructor(
    private readonly store: IdentityEventStore,
    private readonly passwords: PasswordHasher,
    private readonly tables: IdentityTables,
  ) {}

  async create(ctx: CommandContext, input: { username: string; password: string; isAdmin: boolean }): Promise<void> {
    const passwordHash = await this.hash(input.password);
    const { username, isAdmin } = input;
    await this.run(ctx, username, () => ({ type: 'CreateUser', username, passwordHash, isAdmin, source: 'password', time: ctx.now }));
  }

  /** Creates a user who signs in through the identity provider only (no password); a racing login is fine. */
  async provision(ctx: CommandContext, username: string): Promise<void> {
    try {
      await this.run(ctx, username, () => ({ type: 'CreateUser', username, passwordHash: '', isAdmin: false, source: 'oidc', time: ctx.now }));
    } catch (error) {
      if (!(error instanceof AlreadyExists) && !(error instanceof ConcurrencyError)) throw error;
    }
  }

  async updatePassword(ctx: CommandContext, username: string, password: string): Promise<void> {
    const passwordHash = await this.hash(password);
    await this.run(ctx, username, () => ({ type: 'ChangePassword', username, passwordHash, time: ctx.now }));
  }

  updateAdmin(ctx: CommandContext, username: string, isAdmin: boolean): Promise<void> {
    return this.run(ctx, username, async (tx) => ({ type: 'ChangeAdmin', username, isAdmin, otherAdmins: await this.otherAdmins(tx, username), time: ctx.now }));
  }

  delete(ctx: CommandContext, username: string): Promise<void> {
    return this.run(ctx, username, async (tx) => ({ type: 'DeleteUser', username, otherAdmins: await this.otherAdmins(tx, username), time: ctx.now }));
  }

  // Two admins demoting each other at once could both see the other; a rare race accepted for now.
  private async otherAdmins(tx: Queryable, username: string): Promise<number> {
    const [row] = await tx.query<{ count: string }>(`SELECT count(*) AS count FROM ${this.tables.users} WHERE is_admin AND username <> $1`, [username]);
    return Number(row.count);
  }

  private hash(password: string): Promise<string> {
    if (password.length < minPasswordLength) throw new InvalidArgument(`A password needs at least ${minPasswordLength} characters.`);
    return this.passwords.hash(password);
  }

  private async run(ctx: CommandContext, username: string, command: (tx: Queryable) => Promise<UserCommand> | UserCommand): Promise<void> {
    await this.store.execute({
      workspaceId: serverScope,
      streamId: userStream(username),
      metadata: metadataOf(ctx),
      decider: userDecider,
      decide: async (state, tx) => userDecider.decide(await command(tx), state),
      result: () => null,
    });
  }
}

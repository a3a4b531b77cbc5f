import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hashTokenSecret, newTokenSecret } from '../authentication/token-secret';
import { tokenDecider, tokenStream, type TokenCommand } from '../domain/token/token.decider';
import { IdentityEventStore } from '../identity.event-store';
import { metadataOf, type CommandContext } from './command-context';

/** API tokens: one workspace each; the secret is returned once and only its hash is kept. */
@Injectable()
export class TokenCommandsHandler {
  constructor(private readonly store: IdentityEventStore) {}

  async issue(
    ctx: CommandContext,
    workspaceId: string,
    input: { name: string; owner: string; expiresInSeconds?: number },
  ): Promise<{ tokenId: string; secret: string; expiresAt: number | null }> {
    const tokenId = randomUUID();
    const secret = newTokenSecret();
    const expiresAt = input.expiresInSeconds === undefined ? null : ctx.now + input.expiresInSeconds * 1000;
    await this.run(ctx, workspaceId, {
      type: 'IssueToken',
      tokenId,
      name: input.name,
      owner: input.owner,
      secretHash: hashTokenSecret(secret),
      expiresAt,
      createdBy: ctx.actor,
      time: ctx.now,
    });
    return { tokenId, secret, expiresAt };
  }

  revoke(ctx: CommandContext, workspaceId: string, tokenId: string): Promise<void> {
    return this.run(ctx, workspaceId, { type: 'RevokeToken', tokenId, time: ctx.now });
  }

  private async run(ctx: CommandContext, workspaceId: string, command: TokenCommand): Promise<void> {
    await this.store.execute({
      workspaceId,
      streamId: tokenStream(command.tokenId),
      metadata: metadataOf(ctx),
      decider: tokenDecider,
      decide: (state) => tokenDecider.decide(command, state),
      result: () => null,
    });
  }
}

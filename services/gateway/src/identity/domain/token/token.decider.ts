import { AlreadyExists, InvalidArgument, NotFound } from '@chronicle/errors';
import type { Decider } from '@chronicle/eventstore';
import type { IdentityEvent } from '../identity-event';

export type TokenState = { exists: false } | { exists: true; tokenId: string; owner: string; revoked: boolean };

export type TokenCommand =
  | { type: 'IssueToken'; tokenId: string; name: string; owner: string; secretHash: string; expiresAt: number | null; createdBy: string; time: number }
  | { type: 'RevokeToken'; tokenId: string; time: number };

export const tokenStream = (tokenId: string) => `token-${tokenId}`;

function decide(command: TokenCommand, state: TokenState): IdentityEvent[] {
  const { tokenId, time } = command;
  switch (command.type) {
    case 'IssueToken': {
      if (state.exists) throw new AlreadyExists(`Token ${tokenId} already exists.`);
      const name = command.name.trim();
      if (name.length === 0 || name.length > 256) throw new InvalidArgument('A token needs a name of 1-256 characters.');
      if (command.expiresAt !== null && command.expiresAt <= time) throw new InvalidArgument('A token must expire in the future.');
      const { owner, secretHash, createdBy } = command;
      return [{ type: 'TokenIssued', data: { tokenId, name, owner, secretHash, expiresAt: command.expiresAt ?? 0, createdBy, time } }];
    }
    case 'RevokeToken':
      if (!state.exists) throw new NotFound(`Token ${tokenId} does not exist.`);
      // Revoking twice is harmless: a client retrying a revoke must not see an error.
      if (state.revoked) return [];
      return [{ type: 'TokenRevoked', data: { tokenId, time } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function evolve(state: TokenState, event: IdentityEvent): TokenState {
  switch (event.type) {
    case 'TokenIssued':
      return { exists: true, tokenId: event.data.tokenId, owner: event.data.owner, revoked: false };
    case 'TokenRevoked':
      return state.exists ? { ...state, revoked: true } : state;
    default:
      return state;
  }
}

export const tokenDecider: Decider<TokenCommand, IdentityEvent, TokenState> = {
  initialState: { exists: false },
  decide,
  evolve,
};

import { InvalidArgument, NotFound } from '@chronicle/errors';
import type { IdentityEvent } from '../identity-event';
import { tokenDecider, type TokenCommand } from './token.decider';

const given = (...events: IdentityEvent[]) => {
  const state = events.reduce(tokenDecider.evolve, tokenDecider.initialState);
  return (command: TokenCommand) => tokenDecider.decide(command, state);
};
const issue = (extra: Partial<Extract<TokenCommand, { type: 'IssueToken' }>> = {}): TokenCommand => ({
  type: 'IssueToken',
  tokenId: 't1',
  name: 'laptop',
  owner: 'user:bob',
  secretHash: 'abc',
  expiresAt: null,
  createdBy: 'user:bob',
  time: 100,
  ...extra,
});
const issued: IdentityEvent = {
  type: 'TokenIssued',
  data: { tokenId: 't1', name: 'laptop', owner: 'user:bob', secretHash: 'abc', expiresAt: 0, createdBy: 'user:bob', time: 100 },
};

describe('tokenDecider', () => {
  it('issues a token that never expires as expiresAt 0', () => {
    expect(given()(issue())).toEqual([issued]);
  });

  it('refuses an expiry in the past and an empty name', () => {
    expect(() => given()(issue({ expiresAt: 100 }))).toThrow(InvalidArgument);
    expect(() => given()(issue({ name: '  ' }))).toThrow(InvalidArgument);
  });

  it('revokes once; revoking again appends nothing', () => {
    expect(given(issued)({ type: 'RevokeToken', tokenId: 't1', time: 200 })).toEqual([{ type: 'TokenRevoked', data: { tokenId: 't1', time: 200 } }]);
    expect(given(issued, { type: 'TokenRevoked', data: { tokenId: 't1', time: 200 } })({ type: 'RevokeToken', tokenId: 't1', time: 300 })).toEqual([]);
    expect(() => given()({ type: 'RevokeToken', tokenId: 't1', time: 300 })).toThrow(NotFound);
  });
});

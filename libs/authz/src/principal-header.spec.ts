import { Unauthenticated } from '@chronicle/errors';
import { localPrincipal } from './principal';
import { signPrincipal, verifyPrincipal } from './principal-header';

describe('principal header', () => {
  const principal = localPrincipal('ws-a');

  it('round-trips a principal signed with the shared secret', () => {
    expect(verifyPrincipal(signPrincipal(principal, 's3cret'), 's3cret')).toEqual(principal);
  });

  it('rejects another secret, a tampered body and a stale header', () => {
    const header = signPrincipal(principal, 's3cret', 1_000);
    expect(() => verifyPrincipal(header, 'other', 1_000)).toThrow(Unauthenticated);
    const [, signature] = header.split('.');
    const forged = `${Buffer.from(JSON.stringify({ principal: { ...principal, workspaceId: 'ws-b' }, issuedAt: 1_000 })).toString('base64url')}.${signature}`;
    expect(() => verifyPrincipal(forged, 's3cret', 1_000)).toThrow(Unauthenticated);
    expect(() => verifyPrincipal(header, 's3cret', 1_000 + 10 * 60_000)).toThrow(Unauthenticated);
    expect(() => verifyPrincipal('garbage', 's3cret')).toThrow(Unauthenticated);
  });
});

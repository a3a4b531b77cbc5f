import { Unauthenticated } from '@chronicle/errors';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal';

/** The header the gateway forwards the authenticated principal in, signed so services can trust it. */
export const principalHeader = 'x-chronicle-principal';

// Long enough for a slow upload to reach the service, short enough that a captured header goes stale.
const maxAgeMs = 5 * 60_000;

export function signPrincipal(principal: Principal, secret: string, now = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ principal, issuedAt: now })).toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

export function verifyPrincipal(header: string, secret: string, now = Date.now()): Principal {
  const [body, signature] = header.split('.');
  const expected = mac(body ?? '', secret);
  if (!signature || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    throw new Unauthenticated('Invalid principal signature');
  }
  const { principal, issuedAt } = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as { principal: Principal; issuedAt: number };
  if (!(now - issuedAt <= maxAgeMs)) throw new Unauthenticated('Expired principal');
  return principal;
}

function mac(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

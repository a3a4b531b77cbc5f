import type { Request, Response } from 'express';
import { localPrincipal } from './principal';
import { signPrincipal } from './principal-header';
import type { AuthenticatedRequest } from './request-principal';
import { trustedPrincipalMiddleware } from './trusted-principal.middleware';

const secret = 'a-secret-of-at-least-thirty-two-characters';

function run(header: string | undefined) {
  const request = { header: (name: string) => (name === 'x-chronicle-principal' ? header : undefined) } as unknown as Request & AuthenticatedRequest;
  const json = jest.fn();
  const response = { status: jest.fn(() => ({ json })), setHeader: jest.fn() } as unknown as Response;
  const next = jest.fn();
  trustedPrincipalMiddleware(secret)(request, response, next);
  return { request, response, next, json };
}

describe('trustedPrincipalMiddleware', () => {
  it('puts the signed principal and its ability on the request', () => {
    const { request, next } = run(signPrincipal(localPrincipal('ws-a'), secret));
    expect(next).toHaveBeenCalled();
    expect(request.principal).toEqual(localPrincipal('ws-a'));
    expect(request.ability?.can('read', 'Workspace')).toBe(true);
  });

  it('lets a request without the header through without a principal', () => {
    const { request, next } = run(undefined);
    expect(next).toHaveBeenCalled();
    expect(request.principal).toBeUndefined();
  });

  it('answers a header signed with another secret with 401', () => {
    const { request, response, next, json } = run(signPrincipal(localPrincipal('ws-a'), 'another-secret-of-thirty-two-chars!!'));
    expect(next).not.toHaveBeenCalled();
    expect(request.principal).toBeUndefined();
    expect(response.status).toHaveBeenCalledWith(401);
    expect(json).toHaveBeenCalledWith(expect.objectContaining({ error_code: 'UNAUTHENTICATED' }));
  });
});

import { Forbidden, Unauthenticated } from '@chronicle/errors';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthorizationGuard } from './authorization.guard';
import { Authenticated, Authorize, Public } from './authorize.decorator';
import { builtInRoles } from './permissions';
import { setPrincipal, type AuthenticatedRequest } from './request-principal';

function contextFor(decorator: MethodDecorator | null, request: AuthenticatedRequest): ExecutionContext {
  class Controller {
    handler() {}
  }
  if (decorator) decorator(Controller.prototype, 'handler', Object.getOwnPropertyDescriptor(Controller.prototype, 'handler')!);
  return {
    getHandler: () => Controller.prototype.handler,
    getClass: () => Controller,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const viewer = (): AuthenticatedRequest => {
  const request: AuthenticatedRequest = {};
  setPrincipal(request, { id: 'user:v', kind: 'user', name: 'v', workspaceId: 'ws', isAdmin: false, role: 'viewer', permissions: builtInRoles.viewer });
  return request;
};
const guard = new AuthorizationGuard(new Reflector());

describe('AuthorizationGuard', () => {
  it('answers public routes without a principal', () => {
    expect(guard.canActivate(contextFor(Public(), {}))).toBe(true);
  });

  it('refuses a route without a policy, even to a principal', () => {
    expect(() => guard.canActivate(contextFor(null, viewer()))).toThrow(Forbidden);
  });

  it('lets any authenticated principal through an Authenticated route, and nobody else', () => {
    expect(guard.canActivate(contextFor(Authenticated(), viewer()))).toBe(true);
    expect(() => guard.canActivate(contextFor(Authenticated(), {}))).toThrow(Unauthenticated);
  });

  it('checks the action on the subject type', () => {
    expect(guard.canActivate(contextFor(Authorize('read', 'Workspace'), viewer()))).toBe(true);
    expect(() => guard.canActivate(contextFor(Authorize('update', 'Workspace'), viewer()))).toThrow(Forbidden);
  });

  it('finds the request of a GraphQL operation in its context', () => {
    const graphql = (decorator: MethodDecorator, request: AuthenticatedRequest) =>
      ({ ...contextFor(decorator, {}), getType: () => 'graphql', getArgs: () => [undefined, {}, { req: request }, undefined] }) as unknown as ExecutionContext;
    expect(guard.canActivate(graphql(Authorize('read', 'Workspace'), viewer()))).toBe(true);
    expect(() => guard.canActivate(graphql(Authorize('read', 'Workspace'), {}))).toThrow(Unauthenticated);
  });
});

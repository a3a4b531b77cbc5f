import { workspaceScope } from '@chronicle/database';
import { Forbidden } from '@chronicle/errors';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { authorizeKey, type RoutePolicy } from './authorize.decorator';
import type { PrincipalResolver } from './principal-resolver';
import { setPrincipal, type AuthenticatedRequest } from './request-principal';

export const PRINCIPAL_RESOLVER = Symbol('PrincipalResolver');

/**
 * The route-level wall: every route declares a policy (a route without one is refused, so a new
 * endpoint cannot slip through); the caller is authenticated and must hold some rule for it.
 * Handlers check the loaded resource again, and lists filter in SQL.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(PRINCIPAL_RESOLVER) private readonly resolver: PrincipalResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<RoutePolicy | undefined>(authorizeKey, [context.getHandler(), context.getClass()]);
    if (policy?.public) return true;
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const principal = await this.resolver.resolve(request);
    setPrincipal(request, principal);
    workspaceScope.enter(principal.workspaceId);
    if (!policy) throw new Forbidden('Permission denied: this route declares no policy');
    if (!request.ability!.can(policy.action, policy.subject)) throw new Forbidden(`Permission denied: cannot ${policy.action} ${policy.subject}`);
    return true;
  }
}

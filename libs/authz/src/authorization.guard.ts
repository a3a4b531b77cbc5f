import { Forbidden } from '@chronicle/errors';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { authorizeKey, type RoutePolicy } from './authorize.decorator';
import { requirePrincipal, type AuthenticatedRequest } from './request-principal';

/**
 * The route-level wall: every route declares a policy (a route without one is refused, so a new
 * endpoint cannot slip through), and the caller must hold some rule for it. Handlers check the
 * loaded resource again, and lists filter in SQL.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const policy = this.reflector.getAllAndOverride<RoutePolicy | undefined>(authorizeKey, [context.getHandler(), context.getClass()]);
    if (policy?.public) return true;
    const { ability } = requirePrincipal(requestOf(context));
    if (!policy) throw new Forbidden('Permission denied: this route declares no policy');
    if ('authenticated' in policy) return true;
    if (!ability.can(policy.action, policy.subject)) throw new Forbidden(`Permission denied: cannot ${policy.action} ${policy.subject}`);
    return true;
  }
}

/** The request of an HTTP route, or of a GraphQL operation (whose context carries it as `req`). */
function requestOf(context: ExecutionContext): AuthenticatedRequest {
  if (context.getType() === 'http') return context.switchToHttp().getRequest<AuthenticatedRequest>();
  const graphqlContext = context.getArgs()[2] as { req?: AuthenticatedRequest } | undefined;
  return graphqlContext?.req ?? {};
}

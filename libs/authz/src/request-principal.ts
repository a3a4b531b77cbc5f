import { workspaceScope } from '@chronicle/database';
import { Unauthenticated } from '@chronicle/errors';
import { abilityFor, type AppAbility } from './ability';
import type { Principal } from './principal';

/** The request fields authentication fills in; everything downstream reads them through here. */
export interface AuthenticatedRequest {
  principal?: Principal;
  ability?: AppAbility;
}

/** Records who is calling; from here on the request's queries run under its workspace's row-level security. */
export function setPrincipal(request: AuthenticatedRequest, principal: Principal): void {
  request.principal = principal;
  request.ability = abilityFor(principal);
  workspaceScope.enter(principal.workspaceId);
}

export function requirePrincipal(request: AuthenticatedRequest): { principal: Principal; ability: AppAbility } {
  if (!request.principal || !request.ability) throw new Unauthenticated('You are not authenticated. Please provide valid credentials.');
  return { principal: request.principal, ability: request.ability };
}

import { abilityFor, requirePrincipal, type AppAbility, type Principal } from '@chronicle/authz';
import { Unauthenticated } from '@chronicle/errors';
import { Injectable } from '@nestjs/common';
import type { IdentifiedRequest } from './authentication.middleware';
import { Authenticator } from './authenticator';

/**
 * The caller's principal and ability in a workspace a handler learns only from the body or a
 * loaded resource (a token's workspace): the same resolution authentication did for the request's.
 */
@Injectable()
export class WorkspaceAccess {
  constructor(private readonly authenticator: Authenticator) {}

  async in(request: IdentifiedRequest, workspaceId: string): Promise<{ principal: Principal; ability: AppAbility }> {
    const current = requirePrincipal(request);
    if (current.principal.workspaceId === workspaceId) return current;
    const principal = await this.authenticator.principalFor(request.caller ?? null, workspaceId);
    if (!principal) throw new Unauthenticated('You are not authenticated. Please provide valid credentials.');
    return { principal, ability: abilityFor(principal) };
  }
}

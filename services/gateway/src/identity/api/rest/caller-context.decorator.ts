import { requirePrincipal, type Action, type AppAbility, type AppSubject, type Principal } from '@chronicle/authz';
import { Forbidden } from '@chronicle/errors';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { IdentifiedRequest } from '../../authentication/authentication.middleware';
import type { CommandContext } from '../../commands/command-context';

/** The authenticated caller of an identity route, and the command context its changes carry. */
export interface CallerContext {
  ctx: CommandContext;
  principal: Principal;
  ability: AppAbility;
  request: IdentifiedRequest;
}

export const Caller = createParamDecorator((_: unknown, host: ExecutionContext): CallerContext => {
  const request = host.switchToHttp().getRequest<Request & IdentifiedRequest & { id?: string }>();
  const { principal, ability } = requirePrincipal(request);
  return {
    ctx: {
      actor: principal.id,
      requestId: String(request.id ?? request.header('x-request-id') ?? randomUUID()),
      idempotencyKey: request.header('idempotency-key') || undefined,
      now: Date.now(),
    },
    principal,
    ability,
    request,
  };
});

/** The handler's check on the loaded resource, after the route's check on the subject type. */
export function assertCan(ability: AppAbility, action: Action, subject: AppSubject): void {
  if (!ability.can(action, subject)) throw new Forbidden('Permission denied');
}

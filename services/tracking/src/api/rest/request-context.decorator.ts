import { requirePrincipal, type AuthenticatedRequest } from '@chronicle/authz';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../../commands/command-context';

/** Builds the command context of a request from its authenticated principal (workspace included). */
export const RequestContext = createParamDecorator((_: unknown, host: ExecutionContext): CommandContext => {
  const request = host.switchToHttp().getRequest<Request & AuthenticatedRequest & { id?: string }>();
  const { principal, ability } = requirePrincipal(request);
  return {
    workspaceId: principal.workspaceId,
    actor: principal.id,
    principal,
    ability,
    requestId: String(request.id ?? request.header('x-request-id') ?? randomUUID()),
    idempotencyKey: request.header('idempotency-key') || undefined,
    now: Date.now(),
  };
});

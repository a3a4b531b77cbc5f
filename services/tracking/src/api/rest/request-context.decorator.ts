import { InvalidArgument } from '@chronicle/errors';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../../commands/command-context';

const workspacePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Builds the command context of an MLflow REST request: workspace header, actor, request id. */
export const RequestContext = createParamDecorator((_: unknown, host: ExecutionContext): CommandContext => {
  const request = host.switchToHttp().getRequest<Request & { id?: string; actor?: string }>();
  const workspaceId = request.header('x-mlflow-workspace') || 'default';
  if (!workspacePattern.test(workspaceId)) throw new InvalidArgument(`Invalid workspace name '${workspaceId}'`);
  return {
    workspaceId,
    actor: request.actor ?? 'user:anonymous',
    requestId: String(request.id ?? request.header('x-request-id') ?? randomUUID()),
    idempotencyKey: request.header('idempotency-key') || undefined,
    now: Date.now(),
  };
});

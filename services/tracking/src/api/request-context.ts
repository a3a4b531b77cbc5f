import { InvalidArgument } from '@chronicle/errors';
import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../commands/command-context';

const workspacePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** What every edge (REST, GraphQL over HTTP, GraphQL over WebSocket) knows about a caller. */
export interface IncomingRequest {
  headers: IncomingHttpHeaders;
  /** Set by the request logger. */
  id?: unknown;
  /** Set by the auth middleware once there is one. */
  actor?: string;
}

/**
 * The command context of a request: workspace from `X-MLFLOW-WORKSPACE` (default `default`), actor,
 * request id, idempotency key. Every edge builds its context here, so they cannot drift apart.
 * `overrides` are headers sent another way (a WebSocket's connection parameters: browsers cannot
 * set headers on the upgrade request).
 */
export function commandContextOf(request: IncomingRequest, overrides: Record<string, unknown> = {}): CommandContext {
  const header = (name: string): string | undefined => {
    const override = Object.entries(overrides).find(([key]) => key.toLowerCase() === name)?.[1];
    const value = typeof override === 'string' ? override : request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const workspaceId = header('x-mlflow-workspace') || 'default';
  if (!workspacePattern.test(workspaceId)) throw new InvalidArgument(`Invalid workspace name '${workspaceId}'`);
  return {
    workspaceId,
    actor: request.actor ?? 'user:anonymous',
    requestId: String(request.id ?? header('x-request-id') ?? randomUUID()),
    idempotencyKey: header('idempotency-key') || undefined,
    now: Date.now(),
  };
}

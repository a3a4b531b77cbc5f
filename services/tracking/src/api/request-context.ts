import { requirePrincipal, type AuthenticatedRequest } from '@chronicle/authz';
import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../commands/command-context';

/** What every edge (REST, GraphQL over HTTP, GraphQL over WebSocket) knows about a caller. */
export interface IncomingRequest extends AuthenticatedRequest {
  headers: IncomingHttpHeaders;
  /** Set by the request logger. */
  id?: unknown;
}

/**
 * The command context of an authenticated request: the principal (and so the workspace) that
 * authentication resolved, its ability, request id and idempotency key. Every edge builds its
 * context here, so they cannot drift apart.
 */
export function commandContextOf(request: IncomingRequest): CommandContext {
  const { principal, ability } = requirePrincipal(request);
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    workspaceId: principal.workspaceId,
    actor: principal.id,
    principal,
    ability,
    requestId: String(request.id ?? header('x-request-id') ?? randomUUID()),
    idempotencyKey: header('idempotency-key') || undefined,
    now: Date.now(),
  };
}

import { InvalidArgument, Unauthenticated } from '@chronicle/errors';
import type { Request } from 'express';
import { localPrincipal, type Principal } from './principal';
import { principalHeader, verifyPrincipal } from './principal-header';

/**
 * Turns a request into the principal making it, or throws Unauthenticated / Forbidden. The
 * composition root picks one: the identity service's authenticator at the edge, the signed
 * header behind the gateway, or the local user when authentication is explicitly off.
 */
export interface PrincipalResolver {
  resolve(request: Request): Promise<Principal>;
}

const workspaceNamePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The workspace a request addresses: MLflow's `X-MLFLOW-WORKSPACE` header, else `fallback`. */
export function requestedWorkspace(request: Request, fallback = 'default'): string {
  const workspace = request.header('x-mlflow-workspace') || fallback;
  if (!workspaceNamePattern.test(workspace)) throw new InvalidArgument(`Invalid workspace name '${workspace}'`);
  return workspace;
}

/** Behind the gateway: trust only the principal it signed. */
export function signedPrincipalResolver(secret: string): PrincipalResolver {
  return {
    async resolve(request) {
      const header = request.header(principalHeader);
      if (!header) throw new Unauthenticated('You are not authenticated. Please provide valid credentials.');
      return verifyPrincipal(header, secret);
    },
  };
}

/** Authentication explicitly off (a single-user local run): everyone is the local user. */
export function localPrincipalResolver(): PrincipalResolver {
  return { resolve: async (request) => localPrincipal(requestedWorkspace(request)) };
}

import { setPrincipal, type AuthenticatedRequest } from '@chronicle/authz';
import { sendMlflowError } from '@chronicle/mlflow-wire';
import type { NextFunction, Request, Response } from 'express';
import type { Authenticator, Caller } from './authenticator';

/** What authentication leaves on the request besides principal and ability. */
export interface IdentifiedRequest extends AuthenticatedRequest {
  /** Who called, independent of workspace: handlers that act on another workspace resolve it again. */
  caller?: Caller | null;
}

// Routes that name their workspace in the path act on that workspace, whatever the header says.
const workspaceInPath = /^\/(?:ajax-)?api\/(?:3\.0\/mlflow|chronicle\/v1)\/workspaces\/([^/]+)/;

/**
 * Express middleware that authenticates every request before Nest routes it. Failures answer
 * at once in MLflow's error format (401 with WWW-Authenticate, 403, 404 for an unknown workspace);
 * a request without credentials goes on without a principal, and the route guard decides.
 */
export function authenticationMiddleware(authenticator: Authenticator) {
  return (request: Request & IdentifiedRequest, response: Response, next: NextFunction): void => {
    const pathWorkspace = workspaceInPath.exec(request.path)?.[1];
    authenticator
      .authenticate({
        authorization: request.header('authorization'),
        workspaceHeader: request.header('x-mlflow-workspace'),
        pathWorkspace: pathWorkspace === undefined ? undefined : decodeURIComponent(pathWorkspace),
      })
      .then(({ caller, principal }) => {
        request.caller = caller;
        if (principal) {
          setPrincipal(request, principal);
        }
        next();
      })
      .catch((error: unknown) => {
        sendMlflowError(response, error);
      });
  };
}

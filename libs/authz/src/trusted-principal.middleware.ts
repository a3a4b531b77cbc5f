import { sendMlflowError } from '@chronicle/mlflow-wire';
import type { NextFunction, Request, Response } from 'express';
import { principalHeader, verifyPrincipal } from './principal-header';
import { setPrincipal, type AuthenticatedRequest } from './request-principal';

/**
 * For a service behind the gateway: trusts the principal the gateway authenticated and signed into
 * `x-chronicle-principal`. A request without the header goes on without a principal (public routes
 * answer it, the guard refuses the rest); a bad or stale signature is a 401.
 */
export function trustedPrincipalMiddleware(secret: string) {
  return (request: Request & AuthenticatedRequest, response: Response, next: NextFunction): void => {
    const header = request.header(principalHeader);
    if (!header) return next();
    try {
      const principal = verifyPrincipal(header, secret);
      setPrincipal(request, principal);
      next();
    } catch (error) {
      sendMlflowError(response, error);
    }
  };
}

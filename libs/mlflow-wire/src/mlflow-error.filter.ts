import { DomainError, type DomainErrorCode } from '@chronicle/errors';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';

// MLflow's error codes and the HTTP status its server gives each (mlflow/exceptions.py).
const mlflowCodes: Record<DomainErrorCode, { errorCode: string; status: number }> = {
  NOT_FOUND: { errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  ALREADY_EXISTS: { errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 },
  INVALID_ARGUMENT: { errorCode: 'INVALID_PARAMETER_VALUE', status: 400 },
  // MLflow answers INVALID_STATE with 500; we answer 400 so clients do not retry for minutes.
  INVALID_STATE: { errorCode: 'INVALID_STATE', status: 400 },
  CONFLICT: { errorCode: 'RESOURCE_CONFLICT', status: 409 },
  FORBIDDEN: { errorCode: 'PERMISSION_DENIED', status: 403 },
  UNAUTHENTICATED: { errorCode: 'UNAUTHENTICATED', status: 401 },
  NOT_IMPLEMENTED: { errorCode: 'NOT_IMPLEMENTED', status: 501 },
};

export function toMlflowError(error: unknown): { status: number; body: { error_code: string; message: string } } {
  if (error instanceof DomainError) {
    const { errorCode, status } = mlflowCodes[error.code];
    return { status, body: { error_code: errorCode, message: error.message } };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return { status, body: { error_code: 'ENDPOINT_NOT_FOUND', message: error.message } };
    if (status === 413) return { status, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Request body too large' } };
    if (status < 500) return { status: 400, body: { error_code: 'MALFORMED_REQUEST', message: error.message } };
  }
  const parseFailure = error as { type?: string; status?: number; message?: string };
  if (parseFailure?.type === 'entity.parse.failed') {
    return { status: 400, body: { error_code: 'MALFORMED_REQUEST', message: `Malformed JSON body: ${parseFailure.message}` } };
  }
  // Other body-parser failures (http-errors with a `type`): too large, bad encoding or charset, aborted.
  if (typeof parseFailure?.type === 'string' && typeof parseFailure.status === 'number' && parseFailure.status >= 400 && parseFailure.status < 500) {
    if (parseFailure.type === 'entity.too.large') {
      return { status: 413, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Request body too large' } };
    }
    return { status: 400, body: { error_code: 'MALFORMED_REQUEST', message: parseFailure.message ?? 'Malformed request' } };
  }
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'Internal server error' } };
}

/** The challenges a 401 carries: MLflow's basic-auth app sends the first; API tokens and JWTs use the second. */
export const authenticationChallenges = ['Basic realm="mlflow"', 'Bearer realm="mlflow"'];

/** Writes an error as MLflow does; callers outside Nest (middleware) use it too. */
export function sendMlflowError(response: Response, error: unknown): { status: number } {
  const { status, body } = toMlflowError(error);
  if (status === 401) response.setHeader('WWW-Authenticate', authenticationChallenges);
  response.status(status).json(body);
  return { status };
}

/** Translates every error on the MLflow REST edge into MLflow's `{error_code, message}` envelope. */
@Catch()
export class MlflowErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('mlflow-rest');

  catch(error: unknown, host: ArgumentsHost): void {
    // GraphQL resolvers answer in GraphQL's error format (extensions.code), not MLflow's envelope.
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) {
      if (toMlflowError(error).status >= 500) this.logger.error({ err: error }, 'request failed');
      response.destroy();
      return;
    }
    const { status } = sendMlflowError(response, error);
    if (status >= 500) this.logger.error({ err: error }, 'request failed');
  }
}

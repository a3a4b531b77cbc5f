import {
  AlreadyExists,
  ConcurrencyError,
  Conflict,
  type DomainError,
  Forbidden,
  InvalidArgument,
  InvalidState,
  NotFound,
  NotImplemented,
  Unauthenticated,
} from '@chronicle/errors';
import { type ArgumentsHost, BadRequestException, Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { MlflowErrorFilter, toMlflowError } from './mlflow-error.filter';

describe('toMlflowError', () => {
  it.each<[string, DomainError, string, number]>([
    ['NotFound', new NotFound('no run'), 'RESOURCE_DOES_NOT_EXIST', 404],
    ['AlreadyExists', new AlreadyExists('dup'), 'RESOURCE_ALREADY_EXISTS', 400],
    ['InvalidArgument', new InvalidArgument('bad'), 'INVALID_PARAMETER_VALUE', 400],
    // Deliberately 400, not MLflow's 500: clients retry 5xx for minutes.
    ['InvalidState', new InvalidState('state'), 'INVALID_STATE', 400],
    ['Conflict', new Conflict('conflict'), 'RESOURCE_CONFLICT', 409],
    ['Forbidden', new Forbidden('no'), 'PERMISSION_DENIED', 403],
    ['Unauthenticated', new Unauthenticated('who'), 'UNAUTHENTICATED', 401],
    ['NotImplemented', new NotImplemented('later'), 'NOT_IMPLEMENTED', 501],
  ])('maps %s to %s with HTTP %d and keeps the message', (_name, error, errorCode, status) => {
    expect(toMlflowError(error)).toEqual({ status, body: { error_code: errorCode, message: error.message } });
  });

  it('maps a ConcurrencyError (a Conflict) to 409 RESOURCE_CONFLICT', () => {
    expect(toMlflowError(new ConcurrencyError('run-1', 3))).toEqual({
      status: 409,
      body: { error_code: 'RESOURCE_CONFLICT', message: 'Stream run-1 was modified concurrently (expected version 3)' },
    });
  });

  it('maps a body-parser parse failure to 400 MALFORMED_REQUEST', () => {
    const failure = Object.assign(new SyntaxError('Unexpected token } in JSON at position 1'), { type: 'entity.parse.failed', status: 400 });
    expect(toMlflowError(failure)).toEqual({
      status: 400,
      body: { error_code: 'MALFORMED_REQUEST', message: 'Malformed JSON body: Unexpected token } in JSON at position 1' },
    });
  });

  // body-parser raises http-errors (not Nest HttpExceptions); a 4xx must not become a retried 500.
  it('maps a body-parser size failure to 413 INVALID_PARAMETER_VALUE', () => {
    const failure = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, statusCode: 413, expose: true });
    expect(toMlflowError(failure)).toEqual({ status: 413, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Request body too large' } });
  });

  it('maps other body-parser client failures to 400 MALFORMED_REQUEST', () => {
    const failure = Object.assign(new Error('unsupported content encoding "br"'), { type: 'encoding.unsupported', status: 415, statusCode: 415, expose: true });
    expect(toMlflowError(failure)).toEqual({ status: 400, body: { error_code: 'MALFORMED_REQUEST', message: 'unsupported content encoding "br"' } });
  });

  it('maps an unknown error to 500 INTERNAL_ERROR without leaking its message', () => {
    const result = toMlflowError(new Error('password=hunter2 at db.internal:5432'));
    expect(result).toEqual({ status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'Internal server error' } });
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it.each([[undefined], [null], ['a string'], [42]])('maps the thrown non-error %j to 500 INTERNAL_ERROR', (thrown) => {
    expect(toMlflowError(thrown)).toEqual({ status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'Internal server error' } });
  });

  it('maps Nest HTTP exceptions: 404 to ENDPOINT_NOT_FOUND, 413 to INVALID_PARAMETER_VALUE, other 4xx to MALFORMED_REQUEST', () => {
    expect(toMlflowError(new NotFoundException('Cannot POST /x'))).toEqual({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: 'Cannot POST /x' } });
    expect(toMlflowError(new PayloadTooLargeException())).toEqual({ status: 413, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Request body too large' } });
    expect(toMlflowError(new BadRequestException('nope'))).toEqual({ status: 400, body: { error_code: 'MALFORMED_REQUEST', message: 'nope' } });
  });
});

describe('MlflowErrorFilter', () => {
  const hostFor = (response: object, type = 'http') => ({ getType: () => type, switchToHttp: () => ({ getResponse: () => response }) }) as unknown as ArgumentsHost;

  it('when the error comes from a GraphQL resolver, then it is handed back to GraphQL untouched', () => {
    const error = new NotFound('No run');
    expect(() => new MlflowErrorFilter().catch(error, hostFor({}, 'graphql'))).toThrow(error);
  });

  it('writes the envelope with the mapped status', () => {
    const json = jest.fn();
    const response = { headersSent: false, status: jest.fn(() => ({ json })), destroy: jest.fn() };
    new MlflowErrorFilter().catch(new NotFound('No run'), hostFor(response));
    expect(response.status).toHaveBeenCalledWith(404);
    expect(json).toHaveBeenCalledWith({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No run' });
  });

  it('challenges a 401 with WWW-Authenticate for Basic and Bearer', () => {
    const json = jest.fn();
    const response = { headersSent: false, status: jest.fn(() => ({ json })), setHeader: jest.fn(), destroy: jest.fn() };
    new MlflowErrorFilter().catch(new Unauthenticated('who'), hostFor(response));
    expect(response.status).toHaveBeenCalledWith(401);
    expect(response.setHeader).toHaveBeenCalledWith('WWW-Authenticate', ['Basic realm="mlflow"', 'Bearer realm="mlflow"']);
  });

  it('destroys the socket when headers were already sent', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const response = { headersSent: true, status: jest.fn(), destroy: jest.fn() };
    new MlflowErrorFilter().catch(new Error('mid-stream'), hostFor(response));
    expect(response.destroy).toHaveBeenCalled();
    expect(response.status).not.toHaveBeenCalled();
  });
});

import { InvalidArgument, NotFound } from '@chronicle/errors';
import { GraphQLError } from 'graphql';
import { formatGraphqlError } from './graphql-errors';

const thrownBy = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['run'] });

describe('formatGraphqlError', () => {
  it('when a resolver throws a domain error, then its code is extensions.code and its message is kept', () => {
    const error = thrownBy(new NotFound('Run with id=x not found'));
    expect(formatGraphqlError({ message: error.message, path: ['run'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error)).toEqual({
      message: 'Run with id=x not found',
      path: ['run'],
      locations: undefined,
      extensions: { code: 'NOT_FOUND' },
    });
    expect(formatGraphqlError({ message: 'bad' }, thrownBy(new InvalidArgument('bad'))).extensions).toEqual({ code: 'INVALID_ARGUMENT' });
  });

  it("when GraphQL itself rejects the request, then its code passes through", () => {
    const formatted = { message: 'Cannot query field "x"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['…'] } };
    expect(formatGraphqlError(formatted, new GraphQLError(formatted.message))).toEqual({
      message: formatted.message,
      locations: undefined,
      path: undefined,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('when anything else fails, then the client sees an internal error without details', () => {
    const error = thrownBy(new Error('connection to 10.0.0.3 refused'));
    expect(formatGraphqlError({ message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error)).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});

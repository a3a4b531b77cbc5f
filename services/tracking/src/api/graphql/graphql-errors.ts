import { DomainError } from '@chronicle/errors';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

// Client mistakes answer 4xx when they fail a whole HTTP request (e.g. in the context function).
const httpStatus: Readonly<Record<DomainError['code'], number>> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INVALID_ARGUMENT: 400,
  INVALID_STATE: 400,
  CONFLICT: 409,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  NOT_IMPLEMENTED: 501,
};

/** A domain error as a GraphQL error carrying its code, for places outside resolvers. */
export function graphqlErrorOf(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: error.code, http: { status: httpStatus[error.code] } } });
}

/**
 * The GraphQL edge's error translation: a domain error keeps its message and puts its code in
 * `extensions.code`; GraphQL's own client errors (validation, bad input, persisted query) pass
 * through; anything else is an internal error whose details stay in the log.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof DomainError) return { ...base, message: original.message, extensions: { code: original.code } };
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return { ...base, extensions: { code } };
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

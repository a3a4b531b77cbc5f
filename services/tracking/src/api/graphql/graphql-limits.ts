import type { ApolloServerPlugin } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';

export const maxQueryDepth = 10;
export const maxQueryComplexity = 100_000;

const lengthOf = (value: unknown) => (Array.isArray(value) ? Math.max(value.length, 1) : 1);

/**
 * A field costs 1 plus its children times how many it returns: `first` for pages, the lengths of
 * `runIds` and `keys` for batch reads, and a share of `buckets` for downsampled series.
 */
const listEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const first = typeof args.first === 'number' ? args.first : 1;
  const buckets = typeof args.buckets === 'number' ? Math.ceil(args.buckets / 100) : 1;
  return 1 + childComplexity * first * buckets * lengthOf(args.runIds) * lengthOf(args.keys);
};

export const depthRule: ValidationRule = depthLimit(maxQueryDepth);

/** The complexity error of an operation, or null when it is within the limit. */
export function complexityError(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined | null,
): GraphQLError | null {
  const complexity = getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: [listEstimator] });
  if (complexity <= maxQueryComplexity) return null;
  return new GraphQLError(`Query is too complex: ${complexity}. Maximum allowed complexity: ${maxQueryComplexity}`, {
    extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } },
  });
}

/** Rejects too complex operations over HTTP, once their variables are known. */
export const complexityPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, request }) {
        const error = complexityError(schema, document, request.variables, request.operationName);
        if (error) throw error;
      },
    };
  },
};

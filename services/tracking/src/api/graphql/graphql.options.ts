import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { setPrincipal, type Principal } from '@chronicle/authz';
import type { Context as WsContext, SubscribePayload } from 'graphql-ws';
import type { IncomingMessage } from 'node:http';
import type { IncomingRequest } from '../request-context';
import { graphqlContextOf } from './graphql-context';
import { formatGraphqlError } from './graphql-errors';
import { complexityError, complexityPlugin, depthRule } from './graphql-limits';
import { MetricValueScalar } from './metric-value.scalar';
import { resolveSeriesColumnsDirectly } from './metrics.resolver';
import { sendsRawJson, stringifyWithRawJson, type SendingResponse } from './raw-json';

type WsExtra = { request: IncomingMessage & IncomingRequest };

/**
 * Who opens a graphql-ws connection. The upgrade request never passes the HTTP middleware, so the
 * composition root says how to authenticate it: its headers, or the connection parameters a
 * browser sends instead (it cannot set headers on an upgrade).
 */
export type SubscriptionAuthenticator = (request: IncomingMessage, connectionParams: Record<string, unknown>) => Promise<Principal>;

const validationFailed = (error: GraphQLError) =>
  new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });

/**
 * Parses, validates (depth included), checks complexity and builds the context of an operation
 * sent over graphql-ws, so WebSocket operations pass the same limits as HTTP ones.
 */
function subscribeWith(schema: () => GraphQLSchema) {
  return (ctx: WsContext<Record<string, unknown> | undefined, unknown>, _id: string, payload: SubscribePayload) => {
    let document;
    try {
      document = parse(payload.query);
    } catch (error) {
      return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    }
    const errors = validate(schema(), document, [...specifiedRules, depthRule]);
    if (errors.length > 0) return errors.map(validationFailed);
    const tooComplex = complexityError(schema(), document, payload.variables ?? undefined, payload.operationName);
    if (tooComplex) return [tooComplex];
    return {
      schema: schema(),
      document,
      variableValues: payload.variables,
      operationName: payload.operationName,
      // graphql-ws/use/ws puts the HTTP upgrade request in `extra`.
      contextValue: graphqlContextOf((ctx.extra as WsExtra).request),
    };
  };
}

/**
 * The GraphQL endpoint of tracking: POST/GET /graphql and graphql-ws on the same port, code-first
 * schema, automatic persisted queries (Apollo's in-memory cache), depth and complexity limits,
 * domain errors as extensions.code.
 */
export function graphqlOptions(authenticateSubscription: SubscriptionAuthenticator): ApolloDriverConfig {
  let built: GraphQLSchema | undefined;
  const schema = () => {
    if (!built) throw new Error('GraphQL schema used before it was built');
    return built;
  };
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    resolvers: { MetricValue: MetricValueScalar },
    transformSchema: (s) => {
      resolveSeriesColumnsDirectly(s);
      built = s;
      return s;
    },
    playground: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    context: ({ req, res }: { req: IncomingRequest; res: SendingResponse }) => {
      sendsRawJson(res);
      return graphqlContextOf(req);
    },
    validationRules: [depthRule],
    // Apollo's default cache-control plugin wraps every field resolution; we set no cache hints,
    // and a dashboard page resolves millions of fields.
    plugins: [complexityPlugin, ApolloServerPluginCacheControlDisabled()],
    formatError: formatGraphqlError,
    // Packed series arrive as cached JSON bytes, written out unscanned and uncopied (raw-json.ts).
    stringifyResult: stringifyWithRawJson,
    subscriptions: {
      'graphql-ws': {
        path: '/graphql',
        // Once per connection: a refused caller's socket closes (4403) before any operation runs.
        onConnect: async (ctx: WsContext<Record<string, unknown> | undefined, unknown>) => {
          const request = (ctx.extra as WsExtra).request;
          try {
            setPrincipal(request, await authenticateSubscription(request, ctx.connectionParams ?? {}));
            return true;
          } catch {
            return false;
          }
        },
        onSubscribe: subscribeWith(schema),
        onNext: (_ctx, _id, _payload, _args, result) =>
          result.errors ? { ...result, errors: result.errors.map((e) => formatGraphqlError(e.toJSON(), e)) } : undefined,
      },
    },
  };
}

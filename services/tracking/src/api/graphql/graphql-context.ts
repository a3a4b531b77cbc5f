import { DomainError } from '@chronicle/errors';
import type { CommandContext } from '../../commands/command-context';
import { commandContextOf, type IncomingRequest } from '../request-context';
import { graphqlErrorOf } from './graphql-errors';

/**
 * What every resolver gets: the request (whose principal the route guard checks) and the caller's
 * command context, built as REST builds it. An unauthenticated request still gets a context, so
 * that the guard answers each field with UNAUTHENTICATED instead of failing the whole request.
 */
export interface GraphqlContext {
  req: IncomingRequest;
  readonly command: CommandContext;
}

/** The one place a GraphQL context is made, for HTTP requests and WebSocket subscriptions alike. */
export function graphqlContextOf(req: IncomingRequest): GraphqlContext {
  let command: CommandContext | undefined;
  return {
    req,
    get command() {
      try {
        command ??= commandContextOf(req);
        return command;
      } catch (error) {
        throw error instanceof DomainError ? graphqlErrorOf(error) : error;
      }
    },
  };
}

/** Whatever a live event carries about where it happened. */
export interface LiveEventScope {
  workspaceId: string;
  runId: string;
  experimentId: string;
}

/** Whether a subscriber may receive a live event: checked for every event, for every subscriber. */
export function mayReceive(context: GraphqlContext, event: LiveEventScope): boolean {
  return event.workspaceId === context.command.workspaceId;
}

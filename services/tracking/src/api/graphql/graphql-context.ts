import { DomainError } from '@chronicle/errors';
import type { CommandContext } from '../../commands/command-context';
import { commandContextOf, type IncomingRequest } from '../request-context';
import { graphqlErrorOf } from './graphql-errors';

/** What every resolver gets: the caller's command context, built like REST builds it. */
export interface GraphqlContext {
  command: CommandContext;
}

/**
 * The one place a GraphQL context is made, for HTTP requests and WebSocket subscriptions alike.
 * A subscription's headers come from the upgrade request, overridden by its connection parameters.
 */
export function graphqlContextOf(request: IncomingRequest, connectionParams?: Record<string, unknown>): GraphqlContext {
  try {
    return { command: commandContextOf(request, connectionParams) };
  } catch (error) {
    throw error instanceof DomainError ? graphqlErrorOf(error) : error;
  }
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

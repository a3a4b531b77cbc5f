import { createClient, type Client } from 'graphql-ws';
import { createHash } from 'node:crypto';

// ws has no bundled types and graphql-ws takes any WebSocket implementation (Node 20 has none built in).
const webSocketImpl: unknown = require('ws');

export interface GraphqlResponse<D = Record<string, unknown>> {
  status: number;
  data?: D;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs one operation to /graphql as a dashboard would, in a workspace (with credentials, when given). */
export async function gql<D = Record<string, unknown>>(
  url: string,
  workspace: string,
  query: string,
  variables: Record<string, unknown> = {},
  authorization?: string,
): Promise<GraphqlResponse<D>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-mlflow-workspace': workspace, ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<GraphqlResponse<D>, 'status'>) };
}

/** The data of a successful operation; fails the test with the errors otherwise. */
export async function gqlData<D = Record<string, unknown>>(
  url: string,
  workspace: string,
  query: string,
  variables: Record<string, unknown> = {},
  authorization?: string,
): Promise<D> {
  const response = await gql<D>(url, workspace, query, variables, authorization);
  if (response.errors || !response.data) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data;
}

/** An automatic-persisted-query GET: only the hash, unless `query` is sent to register it. */
export async function persistedGet(url: string, workspace: string, query: string, send: boolean): Promise<GraphqlResponse> {
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  const params = new URLSearchParams({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash } }) });
  if (send) params.set('query', query);
  const response = await fetch(`${url}/graphql?${params}`, { headers: { 'x-mlflow-workspace': workspace, 'apollo-require-preflight': 'true' } });
  return { status: response.status, ...((await response.json()) as Omit<GraphqlResponse, 'status'>) };
}

export interface LiveSubscription<T> {
  received: T[];
  errors: unknown[];
  /** Resolves once `predicate` holds for something received. */
  until(predicate: (items: T[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * Opens a graphql-ws connection in a workspace and subscribes. Workspace and credentials travel
 * both as connection parameters (what browsers can send) and as upgrade headers (what the gateway reads).
 */
export function subscribe<T>(url: string, workspace: string, query: string, variables: Record<string, unknown> = {}, authorization?: string): LiveSubscription<T> {
  const headers = { 'x-mlflow-workspace': workspace, ...(authorization ? { authorization } : {}) };
  const WebSocket = webSocketImpl as new (url: string, protocols: unknown, options: unknown) => unknown;
  const client: Client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: class extends (WebSocket as new (...args: unknown[]) => object) {
      constructor(address: string, protocols: unknown) {
        super(address, protocols, { headers });
      }
    },
    connectionParams: headers,
  });
  const received: T[] = [];
  const errors: unknown[] = [];
  client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) received.push(result.data as T);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    received,
    errors,
    async until(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        if (Date.now() > deadline) throw new Error(`subscription timed out with ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => void client.dispose(),
  };
}

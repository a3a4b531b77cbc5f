import { AsyncLocalStorage } from 'node:async_hooks';

/** The setting a scoped transaction sets; row-level security policies compare rows against it. */
export const workspaceSetting = 'chronicle.workspace_id';

const storage = new AsyncLocalStorage<{ workspaceId?: string }>();

/**
 * The workspace the current request acts in, carried across its async calls so that every query
 * it makes runs under Postgres row-level security for that workspace. HTTP middleware opens the
 * scope for each request; authentication fills in the workspace once it knows it.
 */
export const workspaceScope = {
  run<T>(work: () => T): T {
    return storage.run({}, work);
  },
  enter(workspaceId: string): void {
    const scope = storage.getStore();
    if (scope) scope.workspaceId = workspaceId;
  },
  current(): string | undefined {
    return storage.getStore()?.workspaceId;
  },
};

import { InvalidArgument } from '@chronicle/errors';

/** The workspace every server has, which MLflow clients use when they send no workspace header. */
export const defaultWorkspace = 'default';

/**
 * The envelope workspace id of server-wide streams (users). No workspace can be called this: the
 * underscore is outside the workspace name pattern.
 */
export const serverScope = '_server';

// A lower-case DNS label, as tracking accepts in X-MLFLOW-WORKSPACE: workspace names end up in
// artifact paths and Kubernetes namespaces.
const workspacePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// No ':' (HTTP Basic splits on the first one); room for e-mail addresses and OIDC subjects.
const usernamePattern = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
const serviceAccountPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const roleNamePattern = /^[a-z][a-z0-9-]{0,62}$/;

export function isWorkspaceName(name: string): boolean {
  return workspacePattern.test(name);
}

export function validateWorkspaceName(name: string): void {
  if (!isWorkspaceName(name)) {
    throw new InvalidArgument(`Invalid workspace name '${name}': use 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit`);
  }
}

export function validateUsername(username: string): void {
  if (!usernamePattern.test(username)) {
    throw new InvalidArgument(`Invalid username '${username}': use 1-128 letters, digits and '.', '_', '@', '+', '-', starting with a letter or digit`);
  }
}

export function validateServiceAccountName(name: string): void {
  if (!serviceAccountPattern.test(name)) {
    throw new InvalidArgument(`Invalid service account name '${name}': use 1-63 lower-case letters, digits and '-'`);
  }
}

export function validateRoleName(name: string): void {
  if (!roleNamePattern.test(name)) throw new InvalidArgument(`Invalid role name '${name}': use a lower-case letter, then letters, digits and '-'`);
}

/** A member reference as the API takes it: `user:<username>` or `sa:<service account>`. */
export type PrincipalRef = { kind: 'user'; name: string; id: string } | { kind: 'service_account'; name: string; id: string };

export function parsePrincipalRef(value: string): PrincipalRef {
  const [prefix, ...rest] = value.split(':');
  const name = rest.join(':');
  if (prefix === 'user') {
    validateUsername(name);
    return { kind: 'user', name, id: value };
  }
  if (prefix === 'sa') {
    validateServiceAccountName(name);
    return { kind: 'service_account', name, id: value };
  }
  throw new InvalidArgument(`Invalid principal '${value}': expected 'user:<username>' or 'sa:<service account>'`);
}

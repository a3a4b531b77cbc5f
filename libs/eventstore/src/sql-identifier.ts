/** Schema and table names are interpolated into SQL, so only plain identifiers pass. */
export function assertIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Not a safe SQL identifier: ${name}`);
  return name;
}

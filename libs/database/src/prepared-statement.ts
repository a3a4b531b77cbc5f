import { createHash } from 'node:crypto';

/**
 * A statement that a hot path runs thousands of times a second. A `Database` that prepares
 * statements has each connection parse and plan it once, under a name derived from its text; the
 * log-batch path spent about a third of Postgres' time per batch planning its statements again.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

// Hot paths build their statement text on every call (their table names are arguments); the
// name is hashed once per distinct text, not once per call.
const byText = new Map<string, PreparedStatement>();

export function prepared(text: string): PreparedStatement {
  let statement = byText.get(text);
  if (!statement) {
    statement = { name: `chronicle_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text };
    byText.set(text, statement);
  }
  return statement;
}

/**
 * What to hand pg's client.query: a {name, text}, which pg prepares once on the connection and runs
 * by name afterwards, or the plain text when the connection does not prepare statements.
 */
export function pgQuery(statement: string | PreparedStatement, prepare: boolean): string | PreparedStatement {
  return prepare ? statement : statementText(statement);
}

/** The SQL of a statement, prepared or not. */
export function statementText(statement: string | PreparedStatement): string {
  return typeof statement === 'string' ? statement : statement.text;
}

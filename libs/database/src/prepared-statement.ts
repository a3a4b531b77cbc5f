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

export function prepared(text: string): PreparedStatement {
  return { name: `chronicle_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text };
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

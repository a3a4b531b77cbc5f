import { InvalidArgument } from '@chronicle/errors';
import {
  LIST_COMPARATORS,
  NUMERIC_COMPARATORS,
  PATTERN_COMPARATORS,
  pythonSet,
  type Comparator,
  type FilterType,
  type ListComparator,
  type ScalarComparator,
  type SearchEntity,
} from './search-entities';
import {
  isKeyword,
  ownValue,
  readIdentifierParts,
  resolveIdentifier,
  startsIdentifier,
  tokenize,
  TokenStream,
  type Token,
} from './search-syntax';

export interface ScalarComparison {
  readonly type: FilterType;
  readonly key: string;
  readonly comparator: ScalarComparator;
  /** A number for metrics and numeric attributes, a string otherwise. */
  readonly value: string | number;
}

export interface ListComparison {
  readonly type: FilterType;
  readonly key: string;
  readonly comparator: ListComparator;
  readonly value: readonly string[];
}

/** One `<identifier> <comparator> <value>` clause; a filter is the conjunction of its comparisons. */
export type Comparison = ScalarComparison | ListComparison;

/** Alternatives joined by OR, each a conjunction. Only the dashboard grammar yields these: MLflow has no OR. */
export interface Disjunction {
  readonly type: 'or';
  readonly alternatives: readonly SearchFilter[];
}

/** A conjunction of terms. MLflow's grammar yields only comparisons, so `Comparison[]` is one. */
export type SearchFilter = readonly (Comparison | Disjunction)[];

/**
 * Parses an MLflow search filter (`metrics.acc > 0.9 AND params.lr = '0.1'`) for `entity`.
 * An empty filter matches everything. Invalid input throws `InvalidArgument` with MLflow's message.
 */
export function parseSearchFilter(filter: string | undefined, entity: SearchEntity): Comparison[] {
  if (!filter) return [];
  const unparsable = () => new InvalidArgument(`Invalid filter '${filter}'. Could not be parsed.`);
  const stream = new TokenStream(tokenize(filter, unparsable), filter);
  return readClauses(stream).map((clause) => toComparison(clause, entity));
}

/**
 * Parses the dashboard (GraphQL) filter grammar: MLflow's comparisons, joined by AND and OR, grouped
 * by parentheses; AND binds tighter than OR. Comparisons are checked exactly as MLflow's grammar
 * checks them, so one filter that both accept means the same thing in both.
 */
export function parseBooleanSearchFilter(filter: string | undefined, entity: SearchEntity): SearchFilter {
  if (!filter) return [];
  const unparsable = () => new InvalidArgument(`Invalid filter '${filter}'. Could not be parsed.`);
  const stream = new TokenStream(tokenize(filter, unparsable), filter);
  const raw = readDisjunction(stream, unparsable);
  if (!stream.atEnd()) throw unparsable();
  return toSearchFilter(raw, entity);
}

type RawTerm = RawClause | { readonly alternatives: readonly RawTerm[][] };

function readDisjunction(stream: TokenStream, unparsable: () => Error): RawTerm[] {
  const alternatives = [readConjunction(stream, unparsable)];
  while (isKeyword(stream.peek(), 'OR')) {
    stream.next();
    alternatives.push(readConjunction(stream, unparsable));
  }
  return alternatives.length === 1 ? alternatives[0] : [{ alternatives }];
}

function readConjunction(stream: TokenStream, unparsable: () => Error): RawTerm[] {
  const terms = readPrimary(stream, unparsable);
  while (isKeyword(stream.peek(), 'AND')) {
    stream.next();
    terms.push(...readPrimary(stream, unparsable));
  }
  return terms;
}

function readPrimary(stream: TokenStream, unparsable: () => Error): RawTerm[] {
  const token = stream.peek();
  if (token?.kind === 'lparen') {
    stream.next();
    const inner = readDisjunction(stream, unparsable);
    if (stream.peek()?.kind !== 'rparen') throw unparsable();
    stream.next();
    return inner;
  }
  const clause = startsIdentifier(token) ? readClause(stream) : undefined;
  if (!clause) throw unparsable();
  return [clause];
}

function toSearchFilter(terms: readonly RawTerm[], entity: SearchEntity): SearchFilter {
  return terms.map((term) =>
    'alternatives' in term
      ? { type: 'or', alternatives: term.alternatives.map((alternative) => toSearchFilter(alternative, entity)) }
      : toComparison(term, entity),
  );
}

interface RawClause {
  readonly identifier: readonly Token[];
  readonly comparator: string;
  /** One token for scalars; for lists, the tokens between the parentheses. */
  readonly value: { readonly list: false; readonly token: Token } | ListValue;
}

interface ListValue {
  readonly list: true;
  readonly items: readonly Token[];
  readonly text: string;
}

// First pass, like MLflow's statement check: only comparisons and AND may appear; everything else
// (OR, parentheses, stray words) is collected and reported together.
function readClauses(stream: TokenStream): RawClause[] {
  const clauses: RawClause[] = [];
  const invalid: string[] = [];
  while (!stream.atEnd()) {
    const start = stream.position;
    const token = stream.peek();
    if (isKeyword(token, 'AND')) {
      stream.next();
    } else if (startsIdentifier(token)) {
      const clause = readClause(stream);
      if (clause) clauses.push(clause);
      else invalid.push(stream.textSince(start));
    } else {
      if (token?.kind === 'lparen') skipGroup(stream);
      else stream.next();
      invalid.push(stream.textSince(start));
    }
  }
  if (invalid.length > 0) {
    const quoted = invalid.map((text) => `'${text}'`).join(', ');
    throw new InvalidArgument(`Invalid clause(s) in filter string: ${quoted}`);
  }
  return clauses;
}

function readClause(stream: TokenStream): RawClause | undefined {
  const identifier = readIdentifierParts(stream);
  const comparator = readComparator(stream);
  if (comparator === undefined) return undefined;
  const next = stream.peek();
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (next?.kind !== 'lparen') return undefined;
    const start = stream.position;
    const items = skipGroup(stream).slice(1, -1);
    return { identifier, comparator, value: { list: true, items, text: stream.textSince(start) } };
  }
  const scalar = next?.kind === 'squote' || next?.kind === 'dquote' || next?.kind === 'number';
  if (!scalar && !startsIdentifier(next)) return undefined;
  return { identifier, comparator, value: { list: false, token: stream.next() } };
}

function readComparator(stream: TokenStream): string | undefined {
  const token = stream.peek();
  if (token?.kind === 'operator') return stream.next().text;
  if (isKeyword(token, 'LIKE', 'ILIKE', 'RLIKE', 'IN')) return stream.next().text.toUpperCase();
  if (isKeyword(token, 'NOT') && isKeyword(stream.peek(1), 'IN')) {
    stream.next();
    stream.next();
    return 'NOT IN';
  }
  return undefined;
}

/** Consumes a parenthesised group (to the end of input if unbalanced) and returns its tokens. */
function skipGroup(stream: TokenStream): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  do {
    const token = stream.next();
    tokens.push(token);
    if (token.kind === 'lparen') depth += 1;
    if (token.kind === 'rparen') depth -= 1;
  } while (depth > 0 && !stream.atEnd());
  return tokens;
}

// Second pass, per comparison: key, then value, then comparator, in MLflow's order of checks.
function toComparison(clause: RawClause, entity: SearchEntity): Comparison {
  const attributeKeys = Object.keys(entity.attributes);
  const { type, key, writtenKey } = resolveIdentifier(clause.identifier, entity, attributeKeys);
  const value = readValue(type, key, writtenKey, clause, entity);
  const comparator = checkComparator(clause.comparator, allowedComparators(type, key, entity));
  if (Array.isArray(value)) {
    if (comparator !== 'IN' && comparator !== 'NOT IN') throw new Error('lists only follow IN / NOT IN');
    return { type, key, comparator, value };
  }
  if (comparator === 'IN' || comparator === 'NOT IN') throw new Error('IN / NOT IN only take lists');
  return { type, key, comparator, value };
}

function readValue(
  type: FilterType,
  key: string,
  writtenKey: string,
  clause: RawClause,
  entity: SearchEntity,
): string | number | string[] {
  const { value } = clause;
  const text = value.list ? value.text : rawText(value.token);
  const token = value.list ? undefined : value.token;
  switch (type) {
    case 'metric':
      if (token?.kind === 'number') return Number(token.text);
      throw new InvalidArgument(`Expected numeric value type for metric. Found ${text}`);
    case 'param':
    case 'tag':
      if (token !== undefined && token.kind !== 'number') return quotedString(token);
      throw new InvalidArgument(
        `Expected a quoted string value for ${type === 'param' ? 'parameter' : 'tag'} (e.g. 'my-value'). Got value ${text}`,
      );
    case 'attribute': {
      const spec = ownValue(entity.attributes, key);
      if (spec?.kind === 'numeric') {
        if (token?.kind === 'number') return Number(token.text);
        throw new InvalidArgument(`Expected numeric value type for numeric attribute: ${writtenKey}. Found ${text}`);
      }
      if (value.list) {
        if (!spec?.acceptsList) {
          throw new InvalidArgument(
            "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
          );
        }
        // MLflow drops ids with upper-case letters: run ids are lower-case hex and MySQL's IN
        // would otherwise match them case-insensitively.
        return readList(value).filter((id) => id === id.toLowerCase());
      }
      if (token !== undefined && token.kind !== 'number') return quotedString(token);
      throw new InvalidArgument(`Expected a quoted string value for attributes. Got value ${text}`);
    }
    case 'dataset':
      if (value.list) return readList(value);
      if (token !== undefined && token.kind !== 'number') return quotedString(token);
      throw new InvalidArgument(`Expected a quoted string value for dataset attributes. Got value ${text}`);
  }
}

function quotedString(token: Token): string {
  if (token.kind === 'squote' || token.kind === 'dquote') return token.text;
  throw new InvalidArgument(
    `Parameter value is either not quoted or unidentified quote types used for string value ${rawText(token)}. Use either single or double quotes.`,
  );
}

function rawText(token: Token): string {
  if (token.kind === 'squote') return `'${token.text}'`;
  if (token.kind === 'dquote') return `"${token.text}"`;
  if (token.kind === 'backtick') return `\`${token.text}\``;
  return token.text;
}

/** `('a', 'b')`: single-quoted strings separated by commas, at least one. */
function readList(list: ListValue): string[] {
  const prefix = 'While parsing a list in the query,';
  if (list.items.length === 0) {
    throw new InvalidArgument(`${prefix} expected a non-empty list of string values, but got empty list`);
  }
  if (list.items.some((item) => item.kind !== 'squote' && item.kind !== 'comma')) {
    throw new InvalidArgument(
      `${prefix} expected string value, punctuation, or whitespace, but got different type in list: ${list.text}`,
    );
  }
  const wellFormed = list.items.length % 2 === 1 && list.items.every((item, i) => (i % 2 === 0) === (item.kind === 'squote'));
  if (!wellFormed) {
    throw new InvalidArgument(`${prefix} expected a non-empty list of string values, but got ill-formed list.`);
  }
  return list.items.filter((item) => item.kind === 'squote').map((item) => item.text);
}

function allowedComparators(type: FilterType, key: string, entity: SearchEntity): readonly Comparator[] {
  switch (type) {
    case 'metric':
      return NUMERIC_COMPARATORS;
    case 'param':
    case 'tag':
      return PATTERN_COMPARATORS;
    case 'dataset':
      return LIST_COMPARATORS;
    case 'attribute':
      return ownValue(entity.attributes, key)?.comparators ?? [];
  }
}

function checkComparator(written: string, allowed: readonly Comparator[]): Comparator {
  const comparator = allowed.find((candidate) => candidate === written);
  if (comparator === undefined) {
    throw new InvalidArgument(`Invalid comparator '${written}' not one of '${pythonSet(allowed)}'`);
  }
  return comparator;
}

import { InvalidArgument } from '@chronicle/errors';
import { type FilterType, type SearchEntity } from './search-entities';

// Tokens shared by the filter and order_by parsers. The rules follow what sqlparse (which MLflow
// uses) produces for the small SQL subset MLflow accepts.
export type TokenKind =
  | 'word'
  | 'backtick'
  | 'dquote'
  | 'squote'
  | 'number'
  | 'operator'
  | 'dot'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'other';

export interface Token {
  readonly kind: TokenKind;
  /** Source text; for quoted kinds, the text between the quotes (escapes kept, as MLflow does). */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const RULES: readonly (readonly [TokenKind | 'space', RegExp])[] = [
  ['space', /\s+/uy],
  ['number', /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\p{L}\p{N}_])/uy],
  ['word', /[\p{L}_][\p{L}\p{N}_$]*/uy],
  ['squote', /'(?:''|\\.|[^'\\])*'/uy],
  ['dquote', /"(?:""|\\.|[^"\\])*"/uy],
  ['backtick', /`(?:``|[^`])*`/uy],
  ['operator', /==|!=|<>|<=|>=|<|>|=/uy],
  ['dot', /\./uy],
  ['lparen', /\(/uy],
  ['rparen', /\)/uy],
  ['comma', /,/uy],
];

const QUOTED: ReadonlySet<TokenKind> = new Set(['squote', 'dquote', 'backtick']);

/** Splits `source` into tokens; an unterminated quote throws `unparsable()`. */
export function tokenize(source: string, unparsable: () => Error): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const match = matchRule(source, pos);
    if (match === undefined) {
      if (`'"\``.includes(source.charAt(pos))) throw unparsable();
      tokens.push({ kind: 'other', text: source.charAt(pos), start: pos, end: pos + 1 });
      pos += 1;
      continue;
    }
    const [kind, raw] = match;
    if (kind !== 'space') {
      const text = QUOTED.has(kind) ? raw.slice(1, -1) : raw;
      tokens.push({ kind, text, start: pos, end: pos + raw.length });
    }
    pos += raw.length;
  }
  return tokens;
}

function matchRule(source: string, pos: number): readonly [TokenKind | 'space', string] | undefined {
  for (const [kind, pattern] of RULES) {
    pattern.lastIndex = pos;
    const match = pattern.exec(source);
    if (match) return [kind, match[0]];
  }
  return undefined;
}

/** A cursor over tokens that can quote the original text of any stretch it has read. */
export class TokenStream {
  private pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  get position(): number {
    return this.pos;
  }
  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }
  peek(ahead = 0): Token | undefined {
    return this.tokens[this.pos + ahead];
  }
  next(): Token {
    const token = this.tokens[this.pos];
    if (token === undefined) throw new Error('read past the end of the token stream');
    this.pos += 1;
    return token;
  }
  /** The source text from token `from` up to (not including) the current position. */
  textSince(from: number): string {
    const first = this.tokens[from];
    const last = this.tokens[this.pos - 1];
    return first && last ? this.source.slice(first.start, last.end) : '';
  }
}

export function isKeyword(token: Token | undefined, ...keywords: string[]): boolean {
  return token?.kind === 'word' && keywords.includes(token.text.toUpperCase());
}

const RESERVED = ['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'RLIKE', 'IS', 'NULL', 'ASC', 'DESC'];

function isIdentifierPart(token: Token | undefined): boolean {
  return token?.kind === 'backtick' || token?.kind === 'dquote' || token?.kind === 'word';
}

export function startsIdentifier(token: Token | undefined): boolean {
  return isIdentifierPart(token) && !isKeyword(token, ...RESERVED);
}

/** Reads `part(.part)*`, where a part is a bare word, a `backticked` or a "double-quoted" name. */
export function readIdentifierParts(stream: TokenStream): Token[] {
  const parts = [stream.next()];
  while (stream.peek()?.kind === 'dot' && isIdentifierPart(stream.peek(1))) {
    stream.next();
    parts.push(stream.next());
  }
  return parts;
}

export interface Identifier {
  readonly type: FilterType;
  readonly key: string;
  /** The key as written, before attribute aliases were resolved (MLflow names it in messages). */
  readonly writtenKey: string;
}

/**
 * Turns identifier parts into `{type, key}` for an entity: a bare key is an attribute, otherwise the
 * first part names the type (`metrics.acc`, ``tags.`mlflow.runName` ``, `params."a b"`).
 */
export function resolveIdentifier(
  parts: readonly Token[],
  entity: SearchEntity,
  validAttributes: readonly string[],
): Identifier {
  const [head, ...rest] = parts;
  if (head === undefined) throw new Error('an identifier has at least one part');
  let type: FilterType = 'attribute';
  if (rest.length > 0) {
    // MLflow trims backticks from the type but not double quotes, so "metrics".x is rejected.
    const written = head.kind === 'dquote' ? `"${head.text}"` : head.text;
    const resolved = ownValue(entity.identifiers, written);
    if (resolved === undefined) {
      const valid = Object.keys(entity.identifiers).map((name) => `'${name}'`);
      throw new InvalidArgument(`Invalid entity type '${written}'. Valid values are [${valid.join(', ')}]`);
    }
    type = resolved;
  }
  const writtenKey = (rest.length > 0 ? rest : [head]).map((part) => part.text).join('.');
  if (type === 'attribute') {
    const key = ownValue(entity.attributeAliases, writtenKey) ?? writtenKey;
    if (!validAttributes.includes(key)) {
      const valid = [...validAttributes, ...Object.keys(entity.attributeAliases)].map((name) => `'${name}'`);
      throw new InvalidArgument(
        `Invalid attribute key '${writtenKey}' specified. Valid keys are '{${valid.join(', ')}}'`,
      );
    }
    return { type, key, writtenKey };
  }
  if (type === 'dataset' && !entity.datasetKeys.includes(writtenKey)) {
    const valid = entity.datasetKeys.map((name) => `'${name}'`);
    throw new InvalidArgument(
      `Invalid dataset key '${writtenKey}' specified. Valid keys are '{${valid.join(', ')}}'`,
    );
  }
  return { type, key: writtenKey, writtenKey };
}

/** Record lookup that ignores inherited properties, so `constructor.x` is not an identifier. */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

import { InvalidArgument } from '@chronicle/errors';
import { type FilterType, type SearchEntity } from './search-entities';
import { isKeyword, readIdentifierParts, resolveIdentifier, startsIdentifier, tokenize, TokenStream } from './search-syntax';

export type OrderByType = Exclude<FilterType, 'dataset'>;

export interface OrderByClause {
  readonly type: OrderByType;
  readonly key: string;
  readonly ascending: boolean;
}

/**
 * Parses MLflow order_by clauses (`metrics.acc DESC`, ``tags.`x` ASC``, `start_time`) for `entity`.
 * The default direction is ascending; naming the same field twice is rejected, as MLflow does.
 */
export function parseOrderBy(orderBy: readonly string[] | undefined, entity: SearchEntity): OrderByClause[] {
  const clauses = (orderBy ?? []).map((clause) => parseOrderByClause(clause, entity));
  const seen = new Set<string>();
  for (const { type, key } of clauses) {
    const field = `${type}\u0000${key}`;
    if (seen.has(field)) {
      const list = (orderBy ?? []).map((clause) => `'${clause}'`).join(', ');
      throw new InvalidArgument(`\`order_by\` contains duplicate fields: [${list}]`);
    }
    seen.add(field);
  }
  return clauses;
}

export function parseOrderByClause(clause: string, entity: SearchEntity): OrderByClause {
  const unparsable = () => new InvalidArgument(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  const stream = new TokenStream(tokenize(clause, unparsable), clause);
  if (!startsIdentifier(stream.peek())) throw unparsable();
  const parts = readIdentifierParts(stream);
  let ascending = true;
  const direction = stream.peek();
  if (direction !== undefined) {
    if (direction.kind !== 'word') throw unparsable();
    if (!isKeyword(direction, 'ASC', 'DESC')) {
      throw new InvalidArgument(`Invalid ordering key in order_by clause '${clause}'.`);
    }
    ascending = isKeyword(stream.next(), 'ASC');
    if (!stream.atEnd()) throw unparsable();
  }
  const { type, key } = resolveIdentifier(parts, entity, entity.orderableAttributes);
  if (type === 'dataset' || !entity.orderableTypes.includes(type)) {
    throw new InvalidArgument(`Invalid order_by entity: ${type}`);
  }
  return { type, key, ascending };
}

import { InvalidArgument } from '@chronicle/errors';
import { decodePageToken, encodePageToken } from '../../search/page-token';
import type { ConnectionShape } from './common.model';

export const maxPageSize = 1000;

/** The row offset a page starts at: cursors are MLflow page tokens naming the offset after their edge. */
export function pageStart(first: number, after: string | undefined): number {
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize) {
    throw new InvalidArgument(`'first' must be between 1 and ${maxPageSize}, got ${first}`);
  }
  return decodePageToken(after);
}

export function connectionOf<T>(items: readonly T[], offset: number, totalCount: number): ConnectionShape<T> {
  const edges = items.map((node, index) => ({ cursor: encodePageToken(offset + index + 1), node }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: offset + items.length < totalCount,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

import { InvalidArgument } from '@chronicle/errors';
import { z } from 'zod';

/**
 * Parses an MLflow request message from a JSON body or a query string. Unknown fields are
 * ignored (MLflow parses with ignore_unknown_fields); a missing required field gives MLflow's message.
 */
export function parseMessage<S extends z.ZodObject>(schema: S, source: unknown): z.infer<S> {
  const result = schema.safeParse(source ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = String(issue.path[0] ?? 'request');
  const value = (source as Record<string, unknown> | undefined)?.[field];
  if (value === undefined || value === '' || value === null) {
    throw new InvalidArgument(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);
  }
  throw new InvalidArgument(
    `Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: ${issue.message}. See the API docs for more information about request parameters.`,
  );
}

/** Field builders that accept both JSON values and query-string text, as MLflow's server does. */
export const wire = {
  id: () => z.string().min(1),
  text: () => z.string(),
  /** int64: a JSON number, or its decimal text (query strings, some clients). */
  int: () => z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]),
  /** double: also "NaN", "Infinity" and "-Infinity", which proto JSON uses for non-finite values. */
  double: () => z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number), z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/).transform(Number)]),
  bool: () => z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
  /** Repeated fields: a list in JSON, a single or repeated key in a query string. */
  list: <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(item)),
  keyValues: () => z.array(z.object({ key: z.string(), value: z.string().nullish().transform((v) => v ?? '') })).default([]),
};

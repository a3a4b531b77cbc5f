import { randomUUID } from 'node:crypto';

/** What Apollo's Express integration sends a response with; the rest of the Express response is left alone. */
export interface SendingResponse {
  send(body: unknown): unknown;
}

// Objects whose JSON is already known, as UTF-8 chunks. JSON.stringify and every other serializer
// (graphql-ws, tests) still read the object itself; only stringifyWithRawJson uses the chunks.
const jsonChunks = new WeakMap<object, readonly Buffer[]>();

/** Marks `value` as serialized by `chunks` (which, joined, must be exactly its JSON), and returns it. */
export function withJsonChunks<T extends object>(value: T, chunks: readonly Buffer[]): T {
  jsonChunks.set(value, chunks);
  return value;
}

// Stands in for each marked object while the rest is stringified. Random per process, so no string
// a caller logs (a run name, a metric key) can be taken for it.
const placeholder = `raw-json-${randomUUID()}`;
const quotedPlaceholder = JSON.stringify(placeholder);

// Apollo hands the response from stringifyResult to res.send as a string. Joining a dashboard's
// ~10 MB of cached column bytes into a string would copy them twice (into the JavaScript heap, then
// out as UTF-8) and leave the garbage collector a large string per query; so a response with marked
// objects is returned as a token, and res.send (sendsRawJson) sends the chunks the token stands for.
// Apollo calls res.send right after stringifyResult, so a token is taken as soon as it is made.
const tokenPrefix = `raw-json-body-${randomUUID()}-`;
const pendingBodies = new Map<string, Buffer[]>();
let bodiesMade = 0;

/**
 * JSON.stringify (with Apollo's trailing newline), except that marked objects are spliced in as
 * their chunks: JSON.stringify would scan every character of the base64 for escapes. With marked
 * objects, the answer is a token for the response's chunks, which only sendsRawJson's res.send takes.
 */
export function stringifyWithRawJson(value: unknown): string {
  const marked: (readonly Buffer[])[] = [];
  const skeleton = JSON.stringify(value, (_key, v: unknown) => {
    const chunks = typeof v === 'object' && v !== null ? jsonChunks.get(v) : undefined;
    if (chunks === undefined) return v;
    marked.push(chunks);
    return placeholder;
  });
  if (marked.length === 0) return `${skeleton}\n`;
  const between = skeleton.split(quotedPlaceholder);
  const body: Buffer[] = [Buffer.from(between[0])];
  marked.forEach((chunks, i) => body.push(...chunks, Buffer.from(i === marked.length - 1 ? `${between[i + 1]}\n` : between[i + 1])));
  const token = `${tokenPrefix}${bodiesMade++}`;
  pendingBodies.set(token, body);
  return token;
}

/** Makes `response.send` write the chunks of a token from stringifyWithRawJson, and anything else as before. */
export function sendsRawJson(response: SendingResponse): void {
  const send = response.send.bind(response);
  response.send = (body: unknown) => {
    const chunks = typeof body === 'string' ? pendingBodies.get(body) : undefined;
    if (chunks === undefined) return send(body);
    pendingBodies.delete(body as string);
    // One copy, into a buffer outside the JavaScript heap: as fast as writing the ~10,000 chunks one
    // by one (measured), and simpler.
    return send(Buffer.concat(chunks));
  };
}

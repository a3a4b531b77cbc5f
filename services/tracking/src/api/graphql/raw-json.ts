import { randomUUID } from 'node:crypto';

// Objects whose JSON text is already known, and that text. JSON.stringify and every other
// serializer (graphql-ws, tests) still read the object itself; only stringifyWithRawJson uses it.
const jsonTexts = new WeakMap<object, string>();

/** Marks `value` as serialized by `text` (which must be exactly its JSON), and returns it. */
export function withJsonText<T extends object>(value: T, text: string): T {
  jsonTexts.set(value, text);
  return value;
}

// Stands in for each marked object while the rest is stringified. Random per process, so no string
// a caller logs (a run name, a metric key) can be taken for it.
const placeholder = `raw-json-${randomUUID()}`;
const quotedPlaceholder = JSON.stringify(placeholder);

/**
 * JSON.stringify (with Apollo's trailing newline), except that marked objects are spliced in as
 * their text. A dashboard's packed series are ~32 MB of base64: JSON.stringify scans every
 * character of every string for escapes, where splicing only joins text known to need none.
 */
export function stringifyWithRawJson(value: unknown): string {
  const texts: string[] = [];
  const skeleton = JSON.stringify(value, (_key, v: unknown) => {
    const text = typeof v === 'object' && v !== null ? jsonTexts.get(v) : undefined;
    if (text === undefined) return v;
    texts.push(text);
    return placeholder;
  });
  if (texts.length === 0) return `${skeleton}\n`;
  const parts = skeleton.split(quotedPlaceholder);
  let json = parts[0];
  for (let i = 0; i < texts.length; i += 1) json += texts[i] + parts[i + 1];
  return `${json}\n`;
}

import { InvalidArgument } from '@chronicle/errors';

// MLflow's page token is base64(json.dumps({"offset": N})). Clients treat it as opaque, but we
// produce the same bytes (Python's separator included) so tokens are interchangeable.

/** Encodes the offset of the next page. */
export function encodePageToken(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`Not a page offset: ${offset}`);
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

/** Decodes a page token into a row offset; a missing or empty token means the first page. */
export function decodePageToken(token: string | null | undefined): number {
  if (!token) return 0;
  const decoded = base64Decode(token);
  if (decoded === undefined) throw new InvalidArgument('Invalid page token, could not base64-decode');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw new InvalidArgument(`Invalid page token, decoded value=b'${decoded}'`);
  }
  const offset = isRecord(parsed) ? parsed['offset'] : undefined;
  // MLflow rejects a falsy offset, so {"offset": 0} is invalid too; it never issues one.
  if (!offset) throw new InvalidArgument(`Invalid page token, parsed value=${JSON.stringify(parsed)}`);
  const value = typeof offset === 'string' && /^\s*[-+]?\d+\s*$/.test(offset) ? Number(offset) : offset;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgument(`Invalid page token, not stringable ${JSON.stringify(offset)}`);
  }
  const start = Math.trunc(value);
  if (start < 0 || !Number.isSafeInteger(start)) {
    throw new InvalidArgument(`Invalid page token, parsed value=${JSON.stringify(parsed)}`);
  }
  return start;
}

// Like Python's non-validating b64decode: characters outside the alphabet are dropped, and what
// remains must be correctly padded.
function base64Decode(token: string): string | undefined {
  const data = token.replace(/[^A-Za-z0-9+/=]/g, '');
  if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return undefined;
  return Buffer.from(data, 'base64').toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

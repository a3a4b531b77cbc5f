import { createHash, randomBytes } from 'node:crypto';

// A prefix tells a Chronicle token from a JWT at a glance (and lets secret scanners find leaked ones).
export const tokenPrefix = 'chr_';

/** A new token secret: 256 random bits, shown to its holder once. */
export function newTokenSecret(): string {
  return `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 is enough for a random 256-bit secret (nothing to brute-force), and cheap per request. */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function isTokenSecret(value: string): boolean {
  return value.startsWith(tokenPrefix);
}

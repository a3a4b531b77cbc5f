import { createHash } from 'node:crypto';

// Enough for every active user of a large server; the oldest entry goes first beyond it.
const maxEntries = 10_000;

/**
 * Remembers which username/password pairs scrypt already accepted, keyed by a hash of the pair (the
 * password itself is never held), together with the stored hash they matched. A changed password
 * has a new stored hash, so the old entry stops matching without any invalidation message.
 */
export class CredentialCache {
  private readonly verified = new Map<string, string>();

  private key(username: string, password: string): string {
    return createHash('sha256').update(username).update('\0').update(password).digest('hex');
  }

  matches(username: string, password: string, storedHash: string): boolean {
    return this.verified.get(this.key(username, password)) === storedHash;
  }

  remember(username: string, password: string, storedHash: string): void {
    const key = this.key(username, password);
    this.verified.delete(key);
    this.verified.set(key, storedHash);
    if (this.verified.size > maxEntries) this.verified.delete(this.verified.keys().next().value as string);
  }
}

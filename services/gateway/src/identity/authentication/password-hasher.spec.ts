import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('stores scrypt with its parameters and a per-hash salt, never the password', async () => {
    const first = await hasher.hash('correct horse');
    const second = await hasher.hash('correct horse');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(first).not.toContain('correct horse');
    expect(first).not.toBe(second);
  });

  it('verifies the right password only', async () => {
    const hash = await hasher.hash('correct horse');
    expect(await hasher.verify('correct horse', hash)).toBe(true);
    expect(await hasher.verify('correct horsf', hash)).toBe(false);
    expect(await hasher.verify('', hash)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, so the cost can change later', async () => {
    const cheap = await new PasswordHasher({ N: 2 ** 10, r: 8, p: 1 }).hash('pw-12345');
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await hasher.verify('pw-12345', cheap)).toBe(true);
  });

  it('refuses a hash it cannot read, such as the empty one of an OIDC-only user', async () => {
    expect(await hasher.verify('anything', '')).toBe(false);
    expect(await hasher.verify('anything', 'bcrypt$xyz')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_COST, hashPassword, needsRehash, verifyPassword } from './password.js';

const CHEAP = { costLog2: 10, blockSize: 8, parallelism: 1 };

describe('password hashes', () => {
  it('stores the scrypt parameters with each hash and verifies by them', async () => {
    const stored = await hashPassword('a long enough password', CHEAP);
    expect(stored).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('a long enough password', stored)).toBe(true);
    expect(await verifyPassword('another password', stored)).toBe(false);
  });

  it('asks for a rehash when any parameter is below the current cost, not when it is at or above', async () => {
    const stored = await hashPassword('a long enough password', CHEAP);
    expect(needsRehash(stored, CHEAP)).toBe(false);
    expect(needsRehash(stored, { ...CHEAP, costLog2: 11 })).toBe(true);
    expect(needsRehash(stored, { ...CHEAP, blockSize: 16 })).toBe(true);
    expect(needsRehash(stored, { ...CHEAP, parallelism: 2 })).toBe(true);
    expect(needsRehash(stored, { ...CHEAP, costLog2: 9 })).toBe(false);
    expect(needsRehash(stored)).toBe(true);
    expect(DEFAULT_PASSWORD_COST).toEqual({ costLog2: 17, blockSize: 8, parallelism: 1 });
  });

  it('refuses a damaged hash, or one asking for an unreasonable cost, without trying it', async () => {
    const stored = await hashPassword('a long enough password', CHEAP);
    const [, , r, p, salt, key] = stored.split('$');
    for (const damaged of [
      `scrypt$40$${r}$${p}$${salt}$${key}`,
      `scrypt$10$${r}$${p}$${salt}`,
      `bcrypt$10$${r}$${p}$${salt}$${key}`,
      `scrypt$x$${r}$${p}$${salt}$${key}`,
      `${stored}$extra`,
    ]) {
      expect(await verifyPassword('a long enough password', damaged), damaged).toBe(false);
    }
  });
});

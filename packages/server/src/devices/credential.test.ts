import { describe, expect, it } from 'vitest';
import { generateSecret, hashSecret, SECRET_PREFIX, secretMatches } from './credential.js';

describe('device secrets', () => {
  it('start with scd_ followed by 32 random bytes in base64url', () => {
    expect(SECRET_PREFIX).toBe('scd_');
    const secret = generateSecret();
    expect(secret).toMatch(/^scd_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice(4), 'base64url')).toHaveLength(32);
  });

  it('are different every time', () => {
    const secrets = new Set(Array.from({ length: 1000 }, generateSecret));
    expect(secrets.size).toBe(1000);
  });

  it('are stored as their 32-byte SHA-256', () => {
    const hash = hashSecret('abc');
    expect(hash).toHaveLength(32);
    expect(Buffer.from(hash).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashSecret(generateSecret())).toHaveLength(32);
  });

  it('hash the UTF-8 text, so the same secret always gives the same hash', () => {
    expect(Buffer.from(hashSecret('scd_é')).equals(Buffer.from(hashSecret('scd_é')))).toBe(true);
    expect(Buffer.from(hashSecret('scd_é')).equals(Buffer.from(hashSecret('scd_e')))).toBe(false);
  });
});

describe('secretMatches', () => {
  it('accepts the secret whose hash is stored', () => {
    const secret = generateSecret();
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    // Database drivers hand back a Buffer; a plain Uint8Array works the same.
    expect(secretMatches(secret, new Uint8Array(hashSecret(secret)))).toBe(true);
  });

  it('rejects another secret, even one differing in a single character', () => {
    const secret = generateSecret();
    const hash = hashSecret(secret);
    expect(secretMatches(generateSecret(), hash)).toBe(false);
    const last = secret.at(-1) === 'A' ? 'B' : 'A';
    expect(secretMatches(secret.slice(0, -1) + last, hash)).toBe(false);
    expect(secretMatches('', hash)).toBe(false);
  });

  it('rejects every secret when no hash is stored or the stored hash is not 32 bytes', () => {
    const secret = generateSecret();
    expect(secretMatches(secret, null)).toBe(false);
    expect(secretMatches(secret, undefined)).toBe(false);
    expect(secretMatches(secret, new Uint8Array(0))).toBe(false);
    expect(secretMatches(secret, hashSecret(secret).subarray(0, 31))).toBe(false);
  });
});

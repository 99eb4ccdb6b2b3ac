/**
 * Device secrets: 32 random bytes, shown once, stored as SHA-256. A slow password hash is not
 * needed (the secret has 256 bits of entropy, nothing to guess) and would cost a hash per batch.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'scd_';

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): Uint8Array {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function secretMatches(secret: string, hash: Uint8Array | null | undefined): boolean {
  if (!hash || hash.length !== 32) return false;
  return timingSafeEqual(hashSecret(secret), hash);
}

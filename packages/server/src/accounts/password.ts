/**
 * Password hashing with Node's scrypt: slow and memory-hard, salted per password, parameters
 * stored with each hash ("scrypt$<log2 N>$<r>$<p>$<salt>$<hash>") so the cost can be raised
 * without breaking existing accounts: an older hash still verifies, and `needsRehash` says when
 * to hash the password again with the current cost (the account service does, on sign-in).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordCost {
  /** log2 of scrypt's N (CPU and memory cost). */
  readonly costLog2: number;
  /** scrypt's r (block size). */
  readonly blockSize: number;
  /** scrypt's p (parallelism). */
  readonly parallelism: number;
}

/**
 * OWASP's minimum for scrypt: N = 2^17, r = 8, p = 1 — 128 MiB and ~0.4 s per hash on the
 * two-core reference machine. Tests inject a lower cost (see the account service's settings).
 */
export const DEFAULT_PASSWORD_COST: PasswordCost = { costLog2: 17, blockSize: 8, parallelism: 1 };

/** Bounds on parameters read back from a stored hash: a damaged row must not ask for gigabytes. */
const MAX_COST_LOG2 = 20;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLELISM = 16;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

interface StoredHash {
  readonly cost: PasswordCost;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function derive(password: string, salt: Buffer, cost: PasswordCost): Promise<Buffer> {
  const n = 2 ** cost.costLog2;
  // What OpenSSL's scrypt allocates (128·r·(N + p + 2) bytes: 128 MiB at the default), with room to
  // spare; Node's own limit is 32 MiB, below the default cost.
  const maxmem = 128 * cost.blockSize * (n + cost.parallelism + 2) + 1024 * 1024;
  const options: ScryptOptions = { N: n, r: cost.blockSize, p: cost.parallelism, maxmem };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function inRange(raw: string | undefined, max: number): number | undefined {
  if (raw === undefined || !/^\d{1,2}$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= 1 && value <= max ? value : undefined;
}

function parseStoredHash(stored: string): StoredHash | undefined {
  const [scheme, costLog2, r, p, salt, key, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key || rest.length > 0) return undefined;
  const cost = {
    costLog2: inRange(costLog2, MAX_COST_LOG2),
    blockSize: inRange(r, MAX_BLOCK_SIZE),
    parallelism: inRange(p, MAX_PARALLELISM),
  };
  if (cost.costLog2 === undefined || cost.blockSize === undefined || cost.parallelism === undefined) return undefined;
  return { cost: cost as PasswordCost, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

export async function hashPassword(password: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return [
    'scrypt',
    cost.costLog2,
    cost.blockSize,
    cost.parallelism,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** Whether a stored hash was made with less than `cost` in any parameter (or cannot be read). */
export function needsRehash(stored: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): boolean {
  const parsed = parseStoredHash(stored);
  if (!parsed) return true;
  return (
    parsed.cost.costLog2 < cost.costLog2 ||
    parsed.cost.blockSize < cost.blockSize ||
    parsed.cost.parallelism < cost.parallelism
  );
}

/**
 * A hash of a random password at the given cost, verified against when the email is unknown, so
 * that a sign-in for an address with no account takes as long as one for an address with an account.
 */
const decoys = new Map<string, Promise<string>>();
export function decoyHash(cost: PasswordCost = DEFAULT_PASSWORD_COST): Promise<string> {
  const key = `${cost.costLog2}$${cost.blockSize}$${cost.parallelism}`;
  let decoy = decoys.get(key);
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('hex'), cost);
    decoys.set(key, decoy);
  }
  return decoy;
}

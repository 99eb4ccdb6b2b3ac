/**
 * Sign-in throttling over HTTP, on PGlite and on PostgreSQL, behind a proxy the server trusts
 * (TRUST_PROXY=127.0.0.1, the client's address in X-Forwarded-For): an attacker's failures from one
 * address throttle that address with a 429 and a Retry-After, the owner signs in from another
 * address meanwhile, and 40 guesses sent at once get at most five verified.
 */
import { expect, it } from 'vitest';
import { describeEachServer } from './support/servers.js';

const PASSWORD = 'the owner long password';

describeEachServer(
  'sign-in throttling over HTTP',
  { mqtt: 'off', env: { TRUST_PROXY: '127.0.0.1', JOBS: 'false' } },
  (server) => {
    const signIn = async (clientIp: string, email: string, password: string) => {
      const response = await fetch(`${server().url}/api/v1/auth/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': clientIp },
        body: JSON.stringify({ email, password }),
      });
      const body = (await response.json()) as { token?: string; error?: { code: string; message: string } };
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
    };
    const signUp = async (email: string) => {
      const response = await fetch(`${server().url}/api/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, name: 'Owner', password: PASSWORD }),
      });
      expect(response.status).toBe(202);
    };

    it('throttles the attacker’s address with a Retry-After, and lets the owner in from another address', async () => {
      const email = 'owner-a@example.com';
      await signUp(email);
      for (let i = 0; i < 5; i++) expect((await signIn('203.0.113.66', email, `guess ${i}`)).status).toBe(401);

      const throttled = await signIn('203.0.113.66', email, 'guess 6');
      expect(throttled.status).toBe(429);
      expect(throttled.body.error?.code).toBe('rate_limited');
      expect(throttled.body.error?.message).toMatch(/Too many failed sign-ins .* try again in \d+ minutes?/);
      const retryAfterS = Number(throttled.retryAfter);
      expect(retryAfterS).toBeGreaterThan(0);
      expect(retryAfterS).toBeLessThanOrEqual(15 * 60);

      const owner = await signIn('192.0.2.80', email, PASSWORD);
      expect(owner.status, JSON.stringify(owner.body)).toBe(200);
      expect(owner.body.token).toBeTruthy();
      // The right password does not get the attacker's address out of its throttle.
      expect((await signIn('203.0.113.66', email, PASSWORD)).status).toBe(429);
    });

    it('verifies at most five of 40 wrong passwords sent at once', async () => {
      const email = 'owner-b@example.com';
      await signUp(email);
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => signIn('198.51.100.99', email, `parallel guess ${i}`)),
      );
      const statuses = answers.map((a) => a.status);
      const verified = statuses.filter((s) => s === 401).length;
      expect(verified).toBeGreaterThanOrEqual(1);
      expect(verified).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40 - verified);
    });
  },
);

import { describe, expect, it } from 'vitest';
import type { RecentFailures } from './account.repository.js';
import {
  LOGIN_MAX_FAILURES_PER_CLIENT,
  LOGIN_MAX_FAILURES_PER_EMAIL,
  LOGIN_MAX_FAILURES_PER_IP,
  LOGIN_WINDOW_MS,
  signInRefusal,
} from './sign-in-throttle.js';

const NOW = new Date(Date.UTC(2026, 2, 2, 15));
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const none: RecentFailures = {
  byClient: 0,
  byClientOldest: null,
  byEmail: 0,
  byEmailOldest: null,
  byIp: 0,
  byIpOldest: null,
  knownClient: false,
};

describe('signInRefusal', () => {
  it('allows checks below every limit', () => {
    expect(signInRefusal(none, NOW)).toBeUndefined();
    expect(
      signInRefusal({ ...none, byClient: LOGIN_MAX_FAILURES_PER_CLIENT - 1, byClientOldest: ago(60_000) }, NOW),
    ).toBeUndefined();
  });

  it('refuses a client at its limit for the address until its oldest failure leaves the window', () => {
    const refusal = signInRefusal(
      { ...none, byClient: LOGIN_MAX_FAILURES_PER_CLIENT, byClientOldest: ago(5 * 60_000), byEmail: 5, byIp: 5 },
      NOW,
    );
    expect(refusal?.retryAfterS).toBe((LOGIN_WINDOW_MS - 5 * 60_000) / 1000);
    expect(refusal?.message).toBe(
      'Too many failed sign-ins for this address from your network; try again in 10 minutes, or reset your password.',
    );
  });

  it('refuses a client spraying many addresses', () => {
    const refusal = signInRefusal(
      { ...none, byIp: LOGIN_MAX_FAILURES_PER_IP, byIpOldest: ago(LOGIN_WINDOW_MS - 30_000) },
      NOW,
    );
    expect(refusal).toEqual({
      retryAfterS: 30,
      message: 'Too many failed sign-ins from your network; try again in 1 minute, or reset your password.',
    });
  });

  it('holds the per-address ceiling against new clients, but not against one that signed in there recently', () => {
    const spread = { ...none, byEmail: LOGIN_MAX_FAILURES_PER_EMAIL, byEmailOldest: ago(60_000) };
    expect(signInRefusal(spread, NOW)?.message).toMatch(/^Too many failed sign-ins for this address;/);
    expect(signInRefusal({ ...spread, knownClient: true }, NOW)).toBeUndefined();
    expect(LOGIN_MAX_FAILURES_PER_EMAIL).toBeGreaterThanOrEqual(10 * LOGIN_MAX_FAILURES_PER_CLIENT);
  });
});

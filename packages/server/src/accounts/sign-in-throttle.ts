/**
 * When a password may be checked: failures in a sliding window, counted three ways. The tight
 * limit is per (address, client), so an attacker throttles only their own network and the owner
 * still signs in from theirs; per client, so one network cannot spray many addresses; and per
 * address, far higher, as a ceiling on guesses spread over many networks — a client that signed
 * in to the address recently is spared that ceiling, so such an attack does not lock the owner out.
 * Pure: the counts come from login_attempt (see countRecentFailures).
 */
import type { RecentFailures } from './account.repository.js';

export const LOGIN_WINDOW_MS = 15 * 60_000;
/** Failed checks allowed for one address from one client (IPv4 address or IPv6 /64) in the window. */
export const LOGIN_MAX_FAILURES_PER_CLIENT = 5;
/** Failed checks allowed from one client, whatever the address, in the window. */
export const LOGIN_MAX_FAILURES_PER_IP = 30;
/** Failed checks allowed for one address from all clients together, in the window. */
export const LOGIN_MAX_FAILURES_PER_EMAIL = 100;
/** How far back a successful sign-in makes a client known to the address (login_attempt keeps 30 days). */
export const KNOWN_CLIENT_MS = 30 * 86_400_000;

export interface SignInRefusal {
  readonly message: string;
  readonly retryAfterS: number;
}

export function signInRefusal(failures: RecentFailures, now: Date): SignInRefusal | undefined {
  const limits: { count: number; oldest: Date | null; max: number; what: string }[] = [
    {
      count: failures.byClient,
      oldest: failures.byClientOldest,
      max: LOGIN_MAX_FAILURES_PER_CLIENT,
      what: 'for this address from your network',
    },
    { count: failures.byIp, oldest: failures.byIpOldest, max: LOGIN_MAX_FAILURES_PER_IP, what: 'from your network' },
  ];
  if (!failures.knownClient) {
    limits.push({
      count: failures.byEmail,
      oldest: failures.byEmailOldest,
      max: LOGIN_MAX_FAILURES_PER_EMAIL,
      what: 'for this address',
    });
  }
  const reached = limits.filter((limit) => limit.count >= limit.max);
  if (reached.length === 0) return undefined;
  // The oldest counted failure leaves the window first; then a check is allowed again.
  const retryAfterS = Math.max(
    1,
    ...reached.map((limit) =>
      Math.ceil(((limit.oldest?.getTime() ?? now.getTime()) + LOGIN_WINDOW_MS - now.getTime()) / 1000),
    ),
  );
  const minutes = Math.ceil(retryAfterS / 60);
  return {
    retryAfterS,
    message: `Too many failed sign-ins ${reached[0]!.what}; try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or reset your password.`,
  };
}

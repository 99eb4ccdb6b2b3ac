import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

/** A clock the test moves by hand. */
function fakeClock(startMs = 1_700_000_000_000) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

function takeMany(limiter: RateLimiter, key: number, times: number) {
  return Array.from({ length: times }, () => limiter.take(key));
}

describe('RateLimiter', () => {
  it('lets a new device send a burst of perMinute batches at once, then refuses', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(5, clock.now);
    expect(takeMany(limiter, 1, 5).every((d) => d.ok)).toBe(true);
    const refused = limiter.take(1);
    expect(refused.ok).toBe(false);
  });

  it('says when to retry: the time one batch takes to refill, in whole seconds and at least 1', () => {
    const clock = fakeClock();
    // 3 a minute: one batch every 20 s.
    const limiter = new RateLimiter(3, clock.now);
    takeMany(limiter, 1, 3);
    expect(limiter.take(1)).toEqual({ ok: false, retryAfterS: 20 });
    clock.advance(19_999);
    expect(limiter.take(1)).toEqual({ ok: false, retryAfterS: 1 });

    // A fast limit still asks for at least one second.
    const fast = new RateLimiter(6000, clock.now);
    takeMany(fast, 1, 6000);
    expect(fast.take(1)).toEqual({ ok: false, retryAfterS: 1 });
  });

  it('does not charge refused attempts', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(3, clock.now);
    takeMany(limiter, 1, 3);
    for (const decision of takeMany(limiter, 1, 10)) expect(decision).toEqual({ ok: false, retryAfterS: 20 });
    clock.advance(20_000);
    expect(limiter.take(1).ok).toBe(true);
  });

  it('refills at perMinute per minute', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(60, clock.now);
    takeMany(limiter, 1, 60);
    expect(limiter.take(1).ok).toBe(false);
    clock.advance(10_000);
    const after10s = takeMany(limiter, 1, 11);
    expect(after10s.filter((d) => d.ok)).toHaveLength(10);
    expect(after10s[10]!.ok).toBe(false);
  });

  it('refills no further than one full burst, however long the device was idle', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(4, clock.now);
    takeMany(limiter, 1, 4);
    clock.advance(24 * 3_600_000);
    const decisions = takeMany(limiter, 1, 5);
    expect(decisions.map((d) => d.ok)).toEqual([true, true, true, true, false]);
  });

  it('keeps a separate budget for each key', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(2, clock.now);
    takeMany(limiter, 1, 2);
    expect(limiter.take(1).ok).toBe(false);
    expect(takeMany(limiter, 2, 2).every((d) => d.ok)).toBe(true);
    expect(limiter.take(2).ok).toBe(false);
    expect(limiter.take(3).ok).toBe(true);
  });

  it('accepts a refused sender that waits the advised number of seconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 60 }),
        (perMinute, gapsMs) => {
          const clock = fakeClock();
          const limiter = new RateLimiter(perMinute, clock.now);
          for (const gap of gapsMs) {
            clock.advance(gap);
            const decision = limiter.take(7);
            if (!decision.ok) {
              expect(decision.retryAfterS).toBeGreaterThanOrEqual(1);
              expect(Number.isInteger(decision.retryAfterS)).toBe(true);
              clock.advance(decision.retryAfterS * 1000);
              expect(limiter.take(7).ok).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never lets through more than a burst plus what has refilled since the first batch', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 300 }),
        (perMinute, gapsMs) => {
          const clock = fakeClock();
          const limiter = new RateLimiter(perMinute, clock.now);
          let elapsedMs = 0;
          let accepted = 0;
          gapsMs.forEach((gap, i) => {
            if (i > 0) {
              clock.advance(gap);
              elapsedMs += gap;
            }
            if (limiter.take(1).ok) accepted++;
            expect(accepted).toBeLessThanOrEqual(perMinute + (elapsedMs * perMinute) / 60_000 + 1e-9);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

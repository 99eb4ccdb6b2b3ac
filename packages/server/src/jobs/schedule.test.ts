/**
 * Next-run computation with literal instants: `every`, daily and monthly local times across the
 * 2026 Toronto daylight-saving changes (spring forward 8 March 02:00 EST, fall back 1 November
 * 02:00 EDT), month and year ends, and schedules rejected up front.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { nextRunAfter, validateSchedule, type Schedule } from './schedule.js';

const TORONTO = 'America/Toronto';

function next(schedule: Schedule, afterIso: string): string {
  return nextRunAfter(schedule, new Date(afterIso)).toISOString();
}

/** Successive runs from a starting instant, each computed from the previous one. */
function runs(schedule: Schedule, afterIso: string, count: number): string[] {
  const out: string[] = [];
  let at = new Date(afterIso);
  for (let i = 0; i < count; i += 1) {
    at = nextRunAfter(schedule, at);
    out.push(at.toISOString());
  }
  return out;
}

describe('nextRunAfter: every', () => {
  it('adds the interval in seconds to the instant', () => {
    expect(next({ every: 90 }, '2026-03-08T06:59:00.000Z')).toBe('2026-03-08T07:00:30.000Z');
  });

  it('ignores daylight-saving changes: elapsed time, not wall time', () => {
    expect(next({ every: 3600 }, '2026-03-08T06:30:00.000Z')).toBe('2026-03-08T07:30:00.000Z');
  });
});

describe('nextRunAfter: daily', () => {
  const twoAm = { daily: { hour: 2, minute: 30 }, timeZone: TORONTO } as const;

  it('returns today’s slot when it is still ahead, otherwise tomorrow’s', () => {
    const nineAm = { daily: { hour: 9 }, timeZone: TORONTO } as const;
    expect(next(nineAm, '2026-01-15T13:59:59.000Z')).toBe('2026-01-15T14:00:00.000Z');
    expect(next(nineAm, '2026-01-15T14:00:00.000Z')).toBe('2026-01-16T14:00:00.000Z');
  });

  it('uses the local date, not the UTC date, near midnight', () => {
    // 2026-01-16T03:00Z is still 15 January (22:00) in Toronto.
    const lateEvening = { daily: { hour: 23 }, timeZone: TORONTO } as const;
    expect(next(lateEvening, '2026-01-16T03:00:00.000Z')).toBe('2026-01-16T04:00:00.000Z');
  });

  it('keeps the local time across spring forward, running the skipped 02:30 at 03:30 EDT', () => {
    expect(runs(twoAm, '2026-03-06T12:00:00.000Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:30:00.000Z', // 02:30 does not exist: 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('runs once on the fall-back day even though 01:30 happens twice', () => {
    const oneThirty = { daily: { hour: 1, minute: 30 }, timeZone: TORONTO } as const;
    expect(runs(oneThirty, '2026-10-31T12:00:00.000Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z', // the first 01:30 (EDT)
      '2026-11-02T06:30:00.000Z', // the next day, EST; the second 01:30 (06:30Z) is skipped
    ]);
    // From between the two 01:30s the day's slot has passed.
    expect(next(oneThirty, '2026-11-01T06:00:00.000Z')).toBe('2026-11-02T06:30:00.000Z');
  });

  it('moves from EDT to EST offsets across fall back', () => {
    const nineAm = { daily: { hour: 9 }, timeZone: TORONTO } as const;
    expect(runs(nineAm, '2026-10-31T12:00:00.000Z', 3)).toEqual([
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
    ]);
  });
});

describe('nextRunAfter: monthly', () => {
  const firstAtMidnight = { monthly: { day: 1, hour: 0 }, timeZone: TORONTO } as const;

  it('fires on the local first of the month, whose UTC hour follows daylight saving', () => {
    expect(runs(firstAtMidnight, '2026-01-15T00:00:00.000Z', 4)).toEqual([
      '2026-02-01T05:00:00.000Z',
      '2026-03-01T05:00:00.000Z',
      '2026-04-01T04:00:00.000Z',
      '2026-05-01T04:00:00.000Z',
    ]);
    expect(runs(firstAtMidnight, '2026-10-15T00:00:00.000Z', 2)).toEqual([
      '2026-11-01T04:00:00.000Z', // midnight EDT, two hours before fall back
      '2026-12-01T05:00:00.000Z',
    ]);
  });

  it('runs a skipped spring-forward time an hour later on that day', () => {
    const eighthAtTwoThirty = { monthly: { day: 8, hour: 2, minute: 30 }, timeZone: TORONTO } as const;
    expect(runs(eighthAtTwoThirty, '2026-02-10T00:00:00.000Z', 2)).toEqual([
      '2026-03-08T07:30:00.000Z',
      '2026-04-08T06:30:00.000Z',
    ]);
  });

  it('reaches day 28 of February from the end of January and crosses the year end', () => {
    const twentyEighth = { monthly: { day: 28, hour: 6 }, timeZone: TORONTO } as const;
    expect(next(twentyEighth, '2026-01-31T23:00:00.000Z')).toBe('2026-02-28T11:00:00.000Z');
    expect(runs(twentyEighth, '2026-12-28T11:00:00.000Z', 2)).toEqual([
      '2027-01-28T11:00:00.000Z',
      '2027-02-28T11:00:00.000Z',
    ]);
  });

  it('takes this month’s slot when it is still ahead, and next month’s from the slot itself', () => {
    const fifteenth = { monthly: { day: 15, hour: 12 }, timeZone: TORONTO } as const;
    expect(next(fifteenth, '2026-06-15T15:59:00.000Z')).toBe('2026-06-15T16:00:00.000Z');
    expect(next(fifteenth, '2026-06-15T16:00:00.000Z')).toBe('2026-07-15T16:00:00.000Z');
  });

  it('uses the local month at a UTC month boundary', () => {
    // 2026-05-01T02:00Z is still 30 April (22:00 EDT) in Toronto, so May's first is ahead.
    expect(next(firstAtMidnight, '2026-05-01T02:00:00.000Z')).toBe('2026-05-01T04:00:00.000Z');
  });
});

describe('validateSchedule', () => {
  const bad: [string, Schedule, string][] = [
    ['a zero interval', { every: 0 }, 'every'],
    ['day 31', { monthly: { day: 31, hour: 0 }, timeZone: TORONTO }, 'monthly day'],
    ['hour 24', { daily: { hour: 24 }, timeZone: TORONTO }, 'hour'],
    ['a fractional minute', { daily: { hour: 1, minute: 1.5 }, timeZone: TORONTO }, 'minute'],
    ['an unknown zone', { daily: { hour: 1 }, timeZone: 'Mars/Olympus' }, 'Mars/Olympus'],
  ];
  for (const [what, schedule, mention] of bad) {
    it(`rejects ${what} with invalid_input`, () => {
      let caught: unknown;
      try {
        validateSchedule(schedule);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe('invalid_input');
      expect((caught as AppError).message).toContain(mention);
    });
  }
});

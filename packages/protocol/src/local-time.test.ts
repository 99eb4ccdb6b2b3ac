import { describe, expect, it } from 'vitest';
import { civilFromDays, createLocalClock, daysFromCivil, formatDateKey, parseDateKey } from './local-time.js';
import fc from 'fast-check';

const HOUR = 3_600_000;
const utc = (iso: string) => Date.parse(iso);

/** What Intl says, asked directly: the reference the cached clock must agree with. */
const formats = new Map<string, Intl.DateTimeFormat>();
function intlWallTime(timeZone: string, utcMs: number) {
  let format = formats.get(timeZone);
  format ??= new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  formats.set(timeZone, format);
  const parts = Object.fromEntries(format.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  return {
    dateKey: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    dayOfWeek: weekdays.indexOf(parts.weekday!),
  };
}

describe('createLocalClock: DST changes in 2026', () => {
  it('springs forward in Toronto at 02:00 EST on 8 March (07:00 UTC)', () => {
    const clock = createLocalClock('America/Toronto');
    const change = utc('2026-03-08T07:00:00Z');
    expect(clock.offsetMinutes(change - 1)).toBe(-300);
    expect(clock.offsetMinutes(change)).toBe(-240);
    expect(clock.hour(change - 1)).toBe(1);
    expect(clock.hourFraction(change - 60_000)).toBeCloseTo(1 + 59 / 60, 9);
    expect(clock.hour(change)).toBe(3);
    expect(clock.localDateKey(change)).toBe('2026-03-08');
    expect(clock.dayOfWeek(change)).toBe(0);
  });

  it('falls back in Toronto at 02:00 EDT on 1 November (06:00 UTC), repeating 01:00–02:00', () => {
    const clock = createLocalClock('America/Toronto');
    const change = utc('2026-11-01T06:00:00Z');
    expect(clock.offsetMinutes(change - 1)).toBe(-240);
    expect(clock.offsetMinutes(change)).toBe(-300);
    expect(clock.hour(change - HOUR)).toBe(1);
    expect(clock.hour(change)).toBe(1);
    expect(clock.hour(change + HOUR)).toBe(2);
    expect(clock.dayOfWeek(change)).toBe(0);
  });

  it.each([
    ['America/Chicago', '2026-03-08T08:00:00Z', -360, -300],
    ['America/Chicago', '2026-11-01T07:00:00Z', -300, -360],
    ['America/Los_Angeles', '2026-03-08T10:00:00Z', -480, -420],
    ['America/Los_Angeles', '2026-11-01T09:00:00Z', -420, -480],
  ])('changes %s offset at %s', (zone, iso, before, after) => {
    const clock = createLocalClock(zone);
    expect(clock.offsetMinutes(utc(iso) - 1)).toBe(before);
    expect(clock.offsetMinutes(utc(iso))).toBe(after);
  });

  it('reads a wall time skipped by spring-forward as the time an hour later', () => {
    const clock = createLocalClock('America/Toronto');
    expect(clock.utcMsAt('2026-03-08', 2, 30)).toBe(utc('2026-03-08T07:30:00Z')); // 03:30 EDT
    expect(clock.utcMsAt('2026-03-08', 1, 59)).toBe(utc('2026-03-08T06:59:00Z'));
    expect(clock.utcMsAt('2026-03-08', 3, 0)).toBe(utc('2026-03-08T07:00:00Z'));
  });

  it('gives the earlier instant for a wall time that occurs twice at fall-back', () => {
    const clock = createLocalClock('America/Toronto');
    expect(clock.utcMsAt('2026-11-01', 1, 30)).toBe(utc('2026-11-01T05:30:00Z')); // 01:30 EDT
    expect(clock.utcMsAt('2026-11-01', 2, 0)).toBe(utc('2026-11-01T07:00:00Z')); // 02:00 EST
    expect(clock.utcMsAt('2026-11-01', 0, 59)).toBe(utc('2026-11-01T04:59:00Z'));
  });

  it('rolls hours and minutes past the end of the day into the next day', () => {
    const clock = createLocalClock('America/Los_Angeles');
    expect(clock.utcMsAt('2026-06-30', 24, 0)).toBe(clock.utcMsAt('2026-07-01', 0, 0));
    expect(clock.utcMsAt('2026-06-30', 23, 90)).toBe(clock.utcMsAt('2026-07-01', 0, 30));
    expect(clock.utcMsAt('2026-07-01', 0, 0)).toBe(utc('2026-07-01T07:00:00Z'));
  });
});

describe('createLocalClock: agreement with Intl', () => {
  it.each(['America/Toronto', 'America/Chicago', 'America/Los_Angeles', 'America/St_Johns', 'Australia/Lord_Howe'])(
    'agrees with Intl in %s at 5,000 random instants in 1990–2040, asked in random order',
    (zone) => {
      const clock = createLocalClock(zone);
      const from = utc('1990-01-01T00:00:00Z');
      const to = utc('2040-01-01T00:00:00Z');
      const instants = fc.sample(fc.integer({ min: from, max: to - 1 }), { numRuns: 5_000, seed: 2026 });
      for (const t of instants) {
        const expected = intlWallTime(zone, t);
        const actual = {
          dateKey: clock.localDateKey(t),
          hour: clock.hour(t),
          minute: Math.floor((clock.hourFraction(t) - clock.hour(t)) * 60 + 1e-9),
          dayOfWeek: clock.dayOfWeek(t),
        };
        expect(actual, new Date(t).toISOString()).toEqual(expected);
      }
    },
  );

  it('agrees with Intl every 10 minutes around every 2026 change (St. John’s changes at 05:30 UTC)', () => {
    for (const zone of ['America/Toronto', 'America/St_Johns']) {
      const clock = createLocalClock(zone);
      for (const iso of ['2026-03-07T12:00:00Z', '2026-10-31T12:00:00Z']) {
        for (let t = utc(iso); t < utc(iso) + 2 * 24 * HOUR; t += 10 * 60_000) {
          const expected = intlWallTime(zone, t);
          expect([clock.localDateKey(t), clock.hour(t)]).toEqual([expected.dateKey, expected.hour]);
        }
      }
    }
  });
});

describe('createLocalClock: round trips', () => {
  it.each(['America/Toronto', 'America/Chicago', 'America/Los_Angeles'])(
    'maps every local hour of 2026 in %s to an instant showing that hour (but the skipped one)',
    (zone) => {
      const clock = createLocalClock(zone);
      let skipped = 0;
      for (let day = parseDateKey('2026-01-01'); day <= parseDateKey('2026-12-31'); day++) {
        const key = formatDateKey(day);
        for (let hour = 0; hour < 24; hour++) {
          const t = clock.utcMsAt(key, hour, 15);
          expect(clock.localDateKey(t)).toBe(key);
          if (clock.hour(t) !== hour) {
            skipped++;
            expect([key, hour, clock.hour(t)]).toEqual(['2026-03-08', 2, 3]);
          }
        }
      }
      expect(skipped).toBe(1);
    },
  );

  it('gives back every minute of 2026 from its local date, hour and minute', () => {
    const clock = createLocalClock('America/Toronto');
    const repeatedHourStart = utc('2026-11-01T06:00:00Z');
    for (let t = utc('2026-01-01T00:00:00Z'); t < utc('2027-01-01T00:00:00Z'); t += 7 * 60_000) {
      const minute = Math.round((clock.hourFraction(t) - clock.hour(t)) * 60);
      const back = clock.utcMsAt(clock.localDateKey(t), clock.hour(t), minute);
      const inRepeatedHour = t >= repeatedHourStart && t < repeatedHourStart + HOUR;
      expect(back).toBe(inRepeatedHour ? t - HOUR : t);
    }
  });
});

describe('createLocalClock: calendar', () => {
  it('counts day of year from 1, with 366 in leap years, in local time', () => {
    const clock = createLocalClock('America/Los_Angeles');
    expect(clock.dayOfYear(utc('2026-01-01T08:00:00Z'))).toBe(1);
    expect(clock.dayOfYear(utc('2026-01-01T07:59:59Z'))).toBe(365); // still 31 Dec 2025 in LA
    expect(clock.dayOfYear(utc('2024-12-31T12:00:00Z'))).toBe(366);
    expect(clock.dayOfYear(utc('2026-03-08T12:00:00Z'))).toBe(67);
  });

  it('turns the local date at local midnight, not UTC midnight', () => {
    const clock = createLocalClock('America/Chicago');
    expect(clock.localDateKey(utc('2026-07-01T04:59:59Z'))).toBe('2026-06-30');
    expect(clock.localDateKey(utc('2026-07-01T05:00:00Z'))).toBe('2026-07-01');
    expect(clock.dayOfWeek(utc('2026-07-01T04:59:59Z'))).toBe(2); // Tuesday 30 June
    expect(clock.dayOfWeek(utc('2026-07-01T05:00:00Z'))).toBe(3);
    expect(clock.localDayNumber(utc('2026-07-01T05:00:00Z'))).toBe(parseDateKey('2026-07-01'));
  });

  it('converts between day numbers and dates both ways', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11017);
    for (let day = -800_000; day < 800_000; day += 997) {
      const { year, month, day: dayOfMonth } = civilFromDays(day);
      expect(daysFromCivil(year, month, dayOfMonth)).toBe(day);
    }
    expect(formatDateKey(parseDateKey('2024-02-29'))).toBe('2024-02-29');
  });

  it('refuses unknown zones, impossible dates and non-finite times', () => {
    expect(() => createLocalClock('America/Nowhere')).toThrow(/IANA/);
    const clock = createLocalClock('America/Toronto');
    expect(() => clock.utcMsAt('2026-02-29', 0, 0)).toThrow(/YYYY-MM-DD/);
    expect(() => clock.utcMsAt('8 March 2026', 0, 0)).toThrow(RangeError);
    expect(() => clock.hour(Number.NaN)).toThrow(RangeError);
    expect(() => clock.utcMsAt('2026-03-08', Number.NaN, 0)).toThrow(RangeError);
  });
});

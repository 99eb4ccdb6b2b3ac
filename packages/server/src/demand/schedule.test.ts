import { createLocalClock } from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import { calledSince, expandSchedule, type ScheduleSpec } from './schedule.js';

const toronto = createLocalClock('America/Toronto');
const weekdays: ScheduleSpec = {
  days: 'weekdays',
  fromMinute: 16 * 60,
  toMinute: 20 * 60,
  activeFrom: '2026-06-01',
  activeTo: null,
  months: null,
  maxPerYear: null,
};
/** Monday 6 July 2026, 09:00 in Toronto. */
const MONDAY_9AM = toronto.utcMsAt('2026-07-06', 9, 0);

describe('expandSchedule', () => {
  it('calls the weekdays of the coming seven local days at the local window, in order', () => {
    const windows = expandSchedule(toronto, weekdays, MONDAY_9AM, []);
    expect(windows.map((w) => w.day)).toEqual(['2026-07-06', '2026-07-07', '2026-07-08', '2026-07-09', '2026-07-10']);
    expect(windows[0]).toEqual({
      day: '2026-07-06',
      startsAtMs: Date.parse('2026-07-06T20:00:00Z'),
      endsAtMs: Date.parse('2026-07-07T00:00:00Z'),
    });
  });

  it('calls weekend days only for a weekend schedule, and nothing outside its months or dates', () => {
    expect(expandSchedule(toronto, { ...weekdays, days: 'weekends' }, MONDAY_9AM, []).map((w) => w.day)).toEqual([
      '2026-07-11',
      '2026-07-12',
    ]);
    expect(expandSchedule(toronto, { ...weekdays, months: [8] }, MONDAY_9AM, [])).toEqual([]);
    expect(expandSchedule(toronto, { ...weekdays, activeTo: '2026-07-07' }, MONDAY_9AM, []).map((w) => w.day)).toEqual([
      '2026-07-06',
      '2026-07-07',
    ]);
    expect(
      expandSchedule(toronto, { ...weekdays, activeFrom: '2026-07-09' }, MONDAY_9AM, []).map((w) => w.day),
    ).toEqual(['2026-07-09', '2026-07-10']);
  });

  it('does not call a window that has started, nor a day it called before (cancelled too)', () => {
    const at1630 = toronto.utcMsAt('2026-07-06', 16, 30);
    expect(expandSchedule(toronto, weekdays, at1630, [])[0]!.day).toBe('2026-07-07');
    const first = expandSchedule(toronto, weekdays, MONDAY_9AM, []);
    const called = first.map((w, i) => ({ startsAtMs: w.startsAtMs, cancelled: i === 1 }));
    expect(expandSchedule(toronto, weekdays, MONDAY_9AM, called)).toEqual([]);
    // Idempotent: a day later, only the newly reachable day is called.
    const nextDay = toronto.utcMsAt('2026-07-07', 9, 0);
    expect(expandSchedule(toronto, weekdays, nextDay, called).map((w) => w.day)).toEqual(['2026-07-13']);
  });

  it('calls at most maxPerYear a local calendar year, cancelled events not counted', () => {
    const earlier = [
      { startsAtMs: toronto.utcMsAt('2026-06-02', 16, 0), cancelled: false },
      { startsAtMs: toronto.utcMsAt('2026-06-03', 16, 0), cancelled: true },
    ];
    expect(expandSchedule(toronto, { ...weekdays, maxPerYear: 3 }, MONDAY_9AM, earlier).map((w) => w.day)).toEqual([
      '2026-07-06',
      '2026-07-07',
    ]);
    // Late December: the year's budget is spent, the new year's is fresh.
    const dec28 = toronto.utcMsAt('2026-12-28', 9, 0);
    const spent = [1, 2].map((d) => ({ startsAtMs: toronto.utcMsAt(`2026-12-0${d}`, 16, 0), cancelled: false }));
    expect(
      expandSchedule(toronto, { ...weekdays, days: 'all', maxPerYear: 2 }, dec28, spent).map((w) => w.day),
    ).toEqual(['2027-01-01', '2027-01-02']);
  });

  it('keeps the local window across a daylight-saving change and ends a 24:00 window at midnight', () => {
    // Sunday 1 November 2026: clocks go back in Toronto; 16:00 is 21:00 UTC after, 20:00 UTC before.
    const saturday = toronto.utcMsAt('2026-10-31', 9, 0);
    const windows = expandSchedule(toronto, { ...weekdays, days: 'all', toMinute: 1440 }, saturday, [], 2);
    expect(windows.map((w) => [new Date(w.startsAtMs).toISOString(), new Date(w.endsAtMs).toISOString()])).toEqual([
      ['2026-10-31T20:00:00.000Z', '2026-11-01T04:00:00.000Z'],
      ['2026-11-01T21:00:00.000Z', '2026-11-02T05:00:00.000Z'],
    ]);
  });

  it('reads back from just before the local new year', () => {
    expect(calledSince(toronto, MONDAY_9AM)).toBe(toronto.utcMsAt('2026-01-01', 0, 0) - 86_400_000);
  });
});

/**
 * The demand-response words and times: a local date and time in a program's zone as an instant
 * (across daylight-saving changes and past midnight), windows and what a driver is asked to do.
 */
import { describe, expect, it } from 'vitest';
import { targetShort, windowText, zonedInstant, zonedToday } from './demand';

describe('zonedInstant', () => {
  it('reads a local time in the program’s zone, standard and daylight time alike', () => {
    expect(zonedInstant('2026-07-14', '17:00', 'America/Toronto')).toBe('2026-07-14T21:00:00.000Z');
    expect(zonedInstant('2026-01-14', '17:00', 'America/Toronto')).toBe('2026-01-14T22:00:00.000Z');
    expect(zonedInstant('2026-07-14', '17:00', 'America/Los_Angeles')).toBe('2026-07-15T00:00:00.000Z');
  });

  it('lands on the zone’s own offset next to a change, and moves to the next day when asked', () => {
    // Toronto springs forward at 02:00 on 8 March 2026 and falls back at 02:00 on 1 November.
    expect(zonedInstant('2026-03-08', '03:30', 'America/Toronto')).toBe('2026-03-08T07:30:00.000Z');
    expect(zonedInstant('2026-03-07', '23:00', 'America/Toronto')).toBe('2026-03-08T04:00:00.000Z');
    expect(zonedInstant('2026-11-01', '05:00', 'America/Toronto')).toBe('2026-11-01T10:00:00.000Z');
    expect(zonedInstant('2026-07-14', '01:00', 'America/Toronto', 1)).toBe('2026-07-15T05:00:00.000Z');
    expect(zonedInstant('2026-12-31', '01:00', 'America/Toronto', 1)).toBe('2027-01-01T06:00:00.000Z');
  });

  it('gives nothing for a date or time that is not one', () => {
    expect(zonedInstant('14/07/2026', '17:00', 'America/Toronto')).toBeUndefined();
    expect(zonedInstant('2026-07-14', '5 pm', 'America/Toronto')).toBeUndefined();
  });
});

describe('event words', () => {
  it('writes the window in the zone, with the end’s day when it is another', () => {
    const same = windowText('2026-07-14T21:00:00Z', '2026-07-15T00:00:00Z', 'America/Toronto');
    const late = windowText('2026-07-15T02:00:00Z', '2026-07-15T05:00:00Z', 'America/Toronto');
    expect(same).toMatch(/14.*–/);
    expect(same.split('–')[1]).not.toMatch(/15/);
    expect(late.split('–')[1]).toMatch(/15/);
  });

  it('names the cap in kW, and today in the zone', () => {
    expect(targetShort('cap', 3.3)).toBe('Cap at 3.3 kW');
    expect(targetShort('curtail', null)).toBe('Curtail');
    expect(zonedToday('America/Toronto', Date.parse('2026-07-15T02:00:00Z'))).toBe('2026-07-14');
  });
});

import { describe, expect, it } from 'vitest';
import { parseInput } from '../validation.js';
import { ZNewEventSchema, ZPreferencesSchema, noticeAtOf } from './demand.schema.js';

const base = {
  name: 'Peak',
  target: 'curtail',
  startsAt: '2030-07-14T17:00:00-04:00',
  endsAt: '2030-07-14T20:00:00-04:00',
};

describe('demand schemas', () => {
  it('fills defaults', () => {
    const v = parseInput(ZNewEventSchema, base);
    expect(v.scope).toEqual({ kind: 'all' });
    expect(v.controlShare).toBe(0.2);
    expect(v.randomizeMinutes).toBe(15);
    expect(noticeAtOf(v).toISOString()).toBe('2030-07-14T20:00:00.000Z');
  });
  it.each([
    [{ endsAt: '2030-07-14T16:00:00-04:00' }, /endsAt: the event must end after it starts/],
    [{ endsAt: '2030-07-15T16:00:00-04:00' }, /endsAt: an event lasts at most 12 hours/],
    [{ noticeAt: '2030-07-14T18:00:00-04:00' }, /noticeAt: participants must be told before/],
    [{ target: 'cap' }, /capKw: a cap event needs capKw/],
    [{ controlShare: 0.7 }, /controlShare/],
    [
      {
        scope: {
          kind: 'area',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 0],
                [1, 1],
              ],
            ],
          },
        },
      },
      /scope\.geometry/,
    ],
    [{ startsAt: 'tomorrow' }, /startsAt: expected an ISO 8601/],
  ])('rejects %j', (patch, message) => {
    expect(() => parseInput(ZNewEventSchema, { ...base, ...patch })).toThrow(message);
  });
  it('validates preferences', () => {
    expect(parseInput(ZPreferencesSchema, { readyBy: '07:30', minSocPct: 40, notifyMail: true }).readyBy).toBe('07:30');
    expect(() => parseInput(ZPreferencesSchema, { readyBy: '7:30', minSocPct: null, notifyMail: true })).toThrow(
      /readyBy: expected a local time/,
    );
    expect(() => parseInput(ZPreferencesSchema, { readyBy: null, minSocPct: 120, notifyMail: true })).toThrow(
      /minSocPct/,
    );
  });
});

/** When the next payout falls, by the jobs' schedule: PayPal monthly, gift cards at a year's or the program's end. */
import { describe, expect, it } from 'vitest';
import { nextPayoutOf } from './payout-schedule.js';

const TORONTO = {
  timeZone: 'America/Toronto',
  collectionEndsOn: null,
  payoutOptions: { paypal: { minimumPoints: 100 }, giftCard: { brand: 'Amazon', when: 'year_end' as const } },
};
const none = () => false;
const at = (iso: string) => new Date(iso);

describe('nextPayoutOf', () => {
  it("pays PayPal at the next daily run while last month's batch is not recorded", () => {
    // 09:00 UTC is before the 10:00 run: today; 11:00 is after: tomorrow.
    expect(nextPayoutOf(TORONTO, { paypalEmail: 'a@example.com' }, none, at('2026-12-07T09:00:00Z'))).toEqual({
      method: 'paypal',
      on: '2026-12-07',
      period: '2026-11',
      minimumPoints: 100,
    });
    expect(nextPayoutOf(TORONTO, { paypalEmail: 'a@example.com' }, none, at('2026-12-07T11:00:00Z'))?.on).toBe(
      '2026-12-08',
    );
  });

  it("pays PayPal on the first of next month once last month's batch is recorded, across the year end", () => {
    const recorded = (provider: string, period: string) => provider === 'paypal' && period === '2026-11';
    expect(nextPayoutOf(TORONTO, { paypalEmail: 'a@example.com' }, recorded, at('2026-12-07T11:00:00Z'))).toEqual({
      method: 'paypal',
      on: '2027-01-01',
      period: '2026-12',
      minimumPoints: 100,
    });
  });

  it('gives a participant without PayPal the gift card on the first day of next year', () => {
    expect(nextPayoutOf(TORONTO, { paypalEmail: null }, none, at('2026-12-31T23:00:00Z'))).toEqual({
      method: 'gift_card',
      on: '2027-01-01',
      period: '2026',
      minimumPoints: 1,
    });
  });

  it('dates a gift card at the program end the day after collection ends, or not at all when no end is set', () => {
    const atEnd = { ...TORONTO, payoutOptions: { giftCard: { brand: 'Amazon', when: 'program_end' as const } } };
    expect(nextPayoutOf(atEnd, { paypalEmail: null }, none, at('2026-12-07T12:00:00Z'))).toMatchObject({ on: null });
    const dated = { ...atEnd, collectionEndsOn: '2027-03-31' };
    expect(nextPayoutOf(dated, { paypalEmail: null }, none, at('2026-12-07T12:00:00Z'))?.on).toBe('2027-04-01');
    // Collection over and no cards recorded yet: the next run.
    expect(nextPayoutOf(dated, { paypalEmail: null }, none, at('2027-05-02T12:00:00Z'))?.on).toBe('2027-05-03');
  });

  it('has no payout for a program that pays no way the participant can be paid', () => {
    expect(
      nextPayoutOf(
        { ...TORONTO, payoutOptions: {} },
        { paypalEmail: 'a@example.com' },
        none,
        at('2026-12-07T12:00:00Z'),
      ),
    ).toBeNull();
  });
});

import { createLocalClock } from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import { PRESETS } from './presets.js';
import { compileRatePlan, ZRatePlanSchema, type TRatePlanInput } from './rate-plan.js';

const toronto = createLocalClock('America/Toronto');
const alectra = compileRatePlan(ZRatePlanSchema.parse(PRESETS.alectra.ratePlan));
/** An hour's energy as derivation keeps it: [local hour start in UTC ms, wall Wh, battery Wh]. */
const hourAt = (date: string, hour: number, wh: number) => [toronto.utcMsAt(date, hour, 0), wh, wh * 0.9] as const;

describe('rate plans', () => {
  it('prices a charge spanning off-peak into on-peak by its energy in each period', () => {
    // Tuesday 1 December 2026 (winter), 05:00–09:00: two hours off-peak, two on-peak, 7 kWh each.
    const hours = [5, 6, 7, 8].map((h) => hourAt('2026-12-01', h, 7000));
    const cost = alectra.priceHours(hours, toronto);
    expect(cost.byPeriod.off_peak!.wh).toBe(14_000);
    expect(cost.byPeriod.on_peak!.wh).toBe(14_000);
    expect(cost.cost).toBeCloseTo(14 * 0.076 + 14 * 0.158, 9);
    // Saved: against the same 28 kWh at the on-peak price.
    expect(alectra.comparison).toEqual({ label: 'On-peak', pricePerKwh: 0.158 });
    expect(cost.compared).toBeCloseTo(28 * 0.158, 9);
    expect(cost.saved).toBeCloseTo(14 * (0.158 - 0.076), 9);
  });

  it('follows the seasons: the same weekday hour is summer on-peak in October and winter mid-peak in November', () => {
    expect(alectra.periodOn('2026-10-30', 12).key).toBe('on_peak'); // Friday, summer hours
    expect(alectra.periodOn('2026-11-02', 12).key).toBe('mid_peak'); // Monday, winter hours
    expect(alectra.periodOn('2026-11-02', 8).key).toBe('on_peak');
    expect(alectra.periodOn('2026-11-02', 19).key).toBe('off_peak');
    // January is still winter (the season that started on 1 November the year before).
    expect(alectra.periodOn('2027-01-12', 8).key).toBe('on_peak');
  });

  it('prices weekends and holidays off-peak all day', () => {
    expect(alectra.periodOn('2026-12-05', 8).key).toBe('off_peak'); // Saturday
    expect(alectra.periodOn('2026-12-25', 8).key).toBe('off_peak'); // Christmas, a Friday
    expect(alectra.periodOn('2026-12-28', 18).key).toBe('off_peak'); // Boxing Day observed on Monday
    expect(alectra.periodOn('2026-12-29', 18).key).toBe('on_peak');
  });

  it('prices a DST day by local hours: the repeated hour of the fall-back night counts twice, the skipped one never', () => {
    const plan: TRatePlanInput = {
      name: 'Night peak test plan',
      periods: [
        { key: 'cheap', label: 'Cheap', pricePerKwh: 0.1 },
        { key: 'dear', label: 'Dear', pricePerKwh: 0.5 },
      ],
      seasons: [
        {
          label: 'All year',
          from: '01-01',
          rules: [{ period: 'dear', days: 'all', from_hour: 1, to_hour: 2 }],
          default: 'cheap',
        },
      ],
    };
    const rates = compileRatePlan(ZRatePlanSchema.parse(plan));
    // Sunday 1 November 2026, Toronto: 01:00 EDT (05:00Z) and 01:00 EST (06:00Z) are both local hour 1.
    const fallBack = [4, 5, 6, 7].map((h) => [Date.UTC(2026, 10, 1, h), 1000] as const);
    expect(fallBack.map(([ms]) => toronto.hour(ms))).toEqual([0, 1, 1, 2]);
    const autumn = rates.priceHours(fallBack, toronto);
    expect(autumn.byPeriod.dear!.wh).toBe(2000);
    expect(autumn.cost).toBeCloseTo(2 * 0.5 + 2 * 0.1, 9);
    // The day's rollup folds the repeated hour into index 1: the same cost.
    expect(rates.priceDay('2026-11-01', [1000, 2000, 1000, ...new Array<number>(21).fill(0)]).cost).toBeCloseTo(
      autumn.cost,
      9,
    );
    // Sunday 8 March 2026: 02:00 does not exist; 05:00Z, 06:00Z, 07:00Z are local 00, 01, 03.
    const springForward = [5, 6, 7].map((h) => [Date.UTC(2026, 2, 8, h), 1000] as const);
    expect(springForward.map(([ms]) => toronto.hour(ms))).toEqual([0, 1, 3]);
    const spring = rates.priceHours(springForward, toronto);
    expect(spring.byPeriod.dear!.wh).toBe(1000);
    expect(spring.cost).toBeCloseTo(0.5 + 2 * 0.1, 9);
  });

  it('a flat rate is one price at all hours: nothing saved, and it says it is not time-of-use', () => {
    const flat = compileRatePlan(ZRatePlanSchema.parse(PRESETS['mississippi-power'].ratePlan));
    expect(flat.timeOfUse).toBe(false);
    const cost = flat.priceHours([[Date.UTC(2026, 6, 1, 22), 10_000]], createLocalClock('America/Chicago'));
    expect(cost.cost).toBeCloseTo(10 * 0.1323, 9);
    expect(cost.saved).toBe(0);
    expect(alectra.timeOfUse).toBe(true);
  });

  it('compares with a flat price when the plan says so, and counts a dearer charge as negative savings', () => {
    const rates = compileRatePlan(
      ZRatePlanSchema.parse({
        ...PRESETS.alectra.ratePlan,
        compareWith: { label: 'Tiered price', pricePerKwh: 0.093 },
      }),
    );
    expect(rates.comparison).toEqual({ label: 'Tiered price', pricePerKwh: 0.093 });
    const onPeak = rates.priceHours([hourAt('2026-12-01', 8, 1000)], toronto);
    expect(onPeak.saved).toBeCloseTo(0.093 - 0.158, 9);
  });

  it('refuses a plan that names periods it does not price, saying which', () => {
    const result = ZRatePlanSchema.safeParse({
      name: 'Broken',
      periods: [{ key: 'off_peak', label: 'Off-peak', pricePerKwh: 0.08 }],
      seasons: [
        {
          label: 'All year',
          from: '01-01',
          rules: [{ period: 'peak', days: 'weekdays', from_hour: 16, to_hour: 16 }],
          default: 'off',
        },
      ],
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('seasons.0.default: "off" is not one of the periods.');
    expect(messages).toContain('seasons.0.rules.0.period: "peak" is not one of the periods.');
    expect(messages).toContain('seasons.0.rules.0: The rule starts and ends at the same hour: it covers no hour.');
  });

  it('every preset has a valid plan', () => {
    for (const preset of Object.values(PRESETS)) expect(ZRatePlanSchema.safeParse(preset.ratePlan).success).toBe(true);
  });
});

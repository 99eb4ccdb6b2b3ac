/**
 * A program's electricity rates: what a kWh costs at each hour of the year, in the program's
 * local time, so a driver sees what each charge cost and what charging off-peak saved.
 *
 * A plan has priced periods (off-peak, mid-peak, on-peak… or one flat price), seasons that start
 * on a date each year (Ontario: winter from 1 November, summer from 1 May) each with rules that
 * give a period to local hours (the first rule that matches wins, else the season's default),
 * and holidays that are priced like weekends. Prices change on whole local hours in every North
 * American plan, so energy by local hour (what derivation keeps for each charge) prices a charge
 * spanning periods exactly, by its energy in each.
 *
 * Separate from the program's `tou` (the periods the grid view splits charging by): a utility may
 * study one split while its customers pay on another plan.
 */
import { parseDateKey } from '@smartcharge/protocol';
import type { LocalClock } from '@smartcharge/protocol';
import { z } from 'zod';

const periodKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'period keys are lower_snake_case, like off_peak');
const hour = z.number().int().min(0).max(24);
const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected a month and day as MM-DD');
const isoDate = z.iso.date('expected a date as YYYY-MM-DD');

const ZRateRuleSchema = z.strictObject({
  period: periodKey,
  days: z.enum(['all', 'weekdays', 'weekends']),
  from_hour: hour,
  to_hour: hour,
});

export const ZRatePlanSchema = z
  .strictObject({
    /** As drivers read it: "Ontario Time-of-Use prices". */
    name: z.string().trim().min(1, 'Give the rate plan a name.').max(120),
    periods: z
      .array(
        z.strictObject({
          key: periodKey,
          label: z.string().trim().min(1, 'Give each period a name, like Off-peak.').max(60),
          /** In the program's currency per kWh (0.076 is 7.6 ¢/kWh). */
          pricePerKwh: z.number().min(0, 'A price cannot be negative.').max(10, 'A price above 10 per kWh is a typo.'),
        }),
      )
      .min(1, 'A rate plan has at least one priced period.')
      .max(12),
    seasons: z
      .array(
        z.strictObject({
          label: z.string().trim().min(1).max(60),
          /** The season starts on this date every year and lasts until the next season starts. */
          from: monthDay,
          rules: z.array(ZRateRuleSchema).max(48),
          default: periodKey,
        }),
      )
      .min(1, 'A rate plan has at least one season (a flat rate: one season, no rules).')
      .max(4),
    /** Dates priced like a weekend (statutory holidays), YYYY-MM-DD. */
    holidays: z.array(isoDate).max(400).default([]),
    /**
     * What "saved" is measured against: a period's price (the on-peak one, say) or a flat price
     * (another plan's). Without it, the dearest period.
     */
    compareWith: z
      .union([
        z.strictObject({ period: periodKey }),
        z.strictObject({ label: z.string().trim().min(1).max(80), pricePerKwh: z.number().min(0).max(10) }),
      ])
      .optional(),
    /** Where the prices come from, and anything drivers should know ("before tax and delivery"). */
    source: z.string().trim().max(500).optional(),
    note: z.string().trim().max(1000).optional(),
  })
  .superRefine((plan, ctx) => {
    const known = new Set(plan.periods.map((p) => p.key));
    if (known.size !== plan.periods.length) {
      ctx.addIssue({ code: 'custom', path: ['periods'], message: 'Two periods have the same key.' });
    }
    const unknown = (key: string, path: (string | number)[]) => {
      if (!known.has(key)) ctx.addIssue({ code: 'custom', path, message: `"${key}" is not one of the periods.` });
    };
    const starts = new Set<string>();
    plan.seasons.forEach((season, s) => {
      if (starts.has(season.from)) {
        ctx.addIssue({ code: 'custom', path: ['seasons', s, 'from'], message: 'Two seasons start on the same day.' });
      }
      starts.add(season.from);
      unknown(season.default, ['seasons', s, 'default']);
      season.rules.forEach((rule, r) => {
        unknown(rule.period, ['seasons', s, 'rules', r, 'period']);
        if (rule.from_hour === rule.to_hour) {
          ctx.addIssue({
            code: 'custom',
            path: ['seasons', s, 'rules', r],
            message: 'The rule starts and ends at the same hour: it covers no hour.',
          });
        }
      });
    });
    if (plan.compareWith && 'period' in plan.compareWith) unknown(plan.compareWith.period, ['compareWith', 'period']);
  });
export type TRatePlan = z.output<typeof ZRatePlanSchema>;
export type TRatePlanInput = z.input<typeof ZRatePlanSchema>;

export interface RatePeriod {
  readonly key: string;
  readonly label: string;
  readonly pricePerKwh: number;
}

/** What some energy cost, in the program's currency. */
export interface Cost {
  readonly wh: number;
  readonly cost: number;
  /** The same energy at the comparison price. */
  readonly compared: number;
  /** compared − cost: what charging when it was cheaper saved (negative: it cost more). */
  readonly saved: number;
  /** Energy and cost by period key. */
  readonly byPeriod: Readonly<Record<string, { readonly wh: number; readonly cost: number }>>;
}

export interface Rates {
  readonly plan: TRatePlan;
  /** What savings are measured against: a label in words and its price. */
  readonly comparison: { readonly label: string; readonly pricePerKwh: number };
  /** Whether the plan has more than one price (otherwise "when" does not change the cost). */
  readonly timeOfUse: boolean;
  /** The period of a local hour on a local date. */
  periodOn(dateKey: string, localHour: number): RatePeriod;
  /** Energy by local hour ([hour start in UTC epoch ms, Wh, …]), priced. */
  priceHours(hours: Iterable<readonly [number, number, ...unknown[]]>, clock: LocalClock): Cost;
  /** A local day's energy by local hour of day (24 values), priced. */
  priceDay(dateKey: string, hourlyWh: readonly number[]): Cost;
}

const sortedSeasons = (plan: TRatePlan) => [...plan.seasons].sort((a, b) => (a.from < b.from ? -1 : 1));

export function compileRatePlan(plan: TRatePlan): Rates {
  const periods = new Map(plan.periods.map((p) => [p.key, p]));
  const seasons = sortedSeasons(plan).map((season) => {
    // (weekend?, hour) → period: 2 × 24, computed once.
    const table: RatePeriod[] = [];
    for (const weekend of [false, true]) {
      for (let h = 0; h < 24; h++) {
        let key = season.default;
        for (const rule of season.rules) {
          if (rule.days === 'weekdays' && weekend) continue;
          if (rule.days === 'weekends' && !weekend) continue;
          const inside =
            rule.from_hour < rule.to_hour
              ? h >= rule.from_hour && h < rule.to_hour
              : h >= rule.from_hour || h < rule.to_hour;
          if (inside) {
            key = rule.period;
            break;
          }
        }
        table.push(periods.get(key)!);
      }
    }
    return { from: season.from, table };
  });
  const holidays = new Set(plan.holidays);
  const dearest = plan.periods.reduce((a, b) => (b.pricePerKwh > a.pricePerKwh ? b : a));
  const compareWith = plan.compareWith;
  const comparison =
    compareWith === undefined
      ? { label: dearest.label, pricePerKwh: dearest.pricePerKwh }
      : 'period' in compareWith
        ? { label: periods.get(compareWith.period)!.label, pricePerKwh: periods.get(compareWith.period)!.pricePerKwh }
        : { label: compareWith.label, pricePerKwh: compareWith.pricePerKwh };
  const distinctPrices = new Set(plan.periods.map((p) => p.pricePerKwh));
  // A day's table depends only on its date: cache by date key (a few hundred per request).
  const dayTables = new Map<string, readonly RatePeriod[]>();
  const tableOf = (dateKey: string): readonly RatePeriod[] => {
    let table = dayTables.get(dateKey);
    if (table) return table;
    const md = dateKey.slice(5);
    const season = [...seasons].reverse().find((s) => s.from <= md) ?? seasons.at(-1)!;
    const dow = (((parseDateKey(dateKey) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    const weekend = dow === 0 || dow === 6 || holidays.has(dateKey);
    table = weekend ? season.table.slice(24) : season.table.slice(0, 24);
    if (dayTables.size > 5000) dayTables.clear();
    dayTables.set(dateKey, table);
    return table;
  };
  const total = () => {
    const byPeriod: Record<string, { wh: number; cost: number }> = {};
    let wh = 0;
    let cost = 0;
    return {
      add(period: RatePeriod, energyWh: number) {
        if (!(energyWh > 0)) return;
        const c = (energyWh / 1000) * period.pricePerKwh;
        const entry = (byPeriod[period.key] ??= { wh: 0, cost: 0 });
        entry.wh += energyWh;
        entry.cost += c;
        wh += energyWh;
        cost += c;
      },
      done(): Cost {
        const compared = (wh / 1000) * comparison.pricePerKwh;
        return { wh, cost, compared, saved: compared - cost, byPeriod };
      },
    };
  };
  return {
    plan,
    comparison,
    timeOfUse: distinctPrices.size > 1,
    periodOn: (dateKey, localHour) => tableOf(dateKey)[localHour]!,
    priceHours(hours, clock) {
      const sum = total();
      for (const [startMs, wh] of hours) sum.add(tableOf(clock.localDateKey(startMs))[clock.hour(startMs)]!, wh);
      return sum.done();
    },
    priceDay(dateKey, hourlyWh) {
      const sum = total();
      const table = tableOf(dateKey);
      hourlyWh.forEach((wh, h) => sum.add(table[h]!, Number(wh)));
      return sum.done();
    },
  };
}

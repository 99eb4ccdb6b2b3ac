/**
 * Reward rules as data: the schema a program's `reward_rules` must satisfy, and the sentence each
 * rule shows drivers. A program promises its rewards as a short list of typed rules (a start
 * bonus, a monthly amount, a tenure bonus, energy in chosen hours, a month without peak
 * charging); evaluate.ts turns them into entitlements. Rules deal only in whole points; the
 * program converts points to money (points_per_unit).
 *
 * Hours are whole local hours, `from` inclusive and `to` exclusive; `from` > `to` wraps past
 * midnight (23 → 7 is 23:00–07:00), as in the program's time-of-use plan.
 */
import { z } from 'zod';

export const REWARD_RULE_TYPES = [
  'start_bonus',
  'monthly_participation',
  'tenure_bonus',
  'energy_in_hours',
  'no_peak_month',
  'event_participation',
  'event_kwh_shifted',
  'opt_out_budget',
  'off_peak_share',
] as const;
export type TRewardRuleType = (typeof REWARD_RULE_TYPES)[number];

/** A program keeps its promises short; twenty rules is far more than any program we know of needs. */
export const MAX_REWARD_RULES = 20;

// The key goes into every ledger entry (rule_key), so it must stay stable and readable.
const key = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'a rule key is lower_snake_case, up to 40 characters, like "monthly"');
const label = z.string().trim().min(1, 'a label is shown to drivers: give one').max(120);
// Points land in a bigint column, but a rule paying more than this is certainly a typo.
const points = z.number().int('points are whole numbers').positive().max(100_000_000);
const kwh = z.number().min(0).max(1000);
const periodName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'period names are lower_snake_case');
const days = z.enum(['all', 'weekdays', 'weekends']).default('all');

const ZHoursSchema = z
  .strictObject({
    from: z.number().int().min(0).max(23),
    to: z.number().int().min(1).max(24),
  })
  .refine((hours) => hours.from !== hours.to, {
    message: 'from and to are equal: say 0 to 24 for the whole day',
    path: ['to'],
  });
export type THours = z.infer<typeof ZHoursSchema>;

const common = { key, label };

export const ZStartBonusRuleSchema = z.strictObject({
  type: z.literal('start_bonus'),
  ...common,
  points,
  minKwh: kwh.default(1),
  requireTerritory: z.boolean().default(true),
});

export const ZMonthlyParticipationRuleSchema = z.strictObject({
  type: z.literal('monthly_participation'),
  ...common,
  points,
  minKwh: kwh.default(1),
  requireTerritory: z.boolean().default(true),
});

export const ZTenureBonusRuleSchema = z.strictObject({
  type: z.literal('tenure_bonus'),
  ...common,
  points,
  afterMonths: z.number().int().min(1).max(600).default(12),
});

export const ZEnergyInHoursRuleSchema = z.strictObject({
  type: z.literal('energy_in_hours'),
  ...common,
  // Fractional: 5 points per kWh is $0.05/kWh in a cents program; the month's total is floored.
  pointsPerKwh: z.number().positive().max(1_000_000),
  hours: ZHoursSchema.optional(),
  touPeriods: z.array(periodName).min(1).max(12).optional(),
  days,
  requireTerritory: z.boolean().default(true),
  maxPointsPerMonth: points.optional(),
});

export const ZNoPeakMonthRuleSchema = z.strictObject({
  type: z.literal('no_peak_month'),
  ...common,
  points,
  peakHours: ZHoursSchema.optional(),
  peakTouPeriods: z.array(periodName).min(1).max(12).optional(),
  days,
  minKwh: kwh.default(1),
  // A car that is plugged in keeps drawing a little (cabin, battery heating): allow that much.
  toleranceKwh: kwh.default(0.1),
  requireTerritory: z.boolean().default(true),
});

/** Demand response: each event the driver was told about and did not opt out of, once it is measured. */
export const ZEventParticipationRuleSchema = z.strictObject({
  type: z.literal('event_participation'),
  ...common,
  points,
});

/** Demand response: the energy an event moved out of its window (dr_participant.shifted_wh), once measured. */
export const ZEventKwhShiftedRuleSchema = z.strictObject({
  type: z.literal('event_kwh_shifted'),
  ...common,
  // Fractional like energy_in_hours; each event's total is floored.
  pointsPerKwh: z.number().positive().max(1_000_000),
  maxKwhPerEvent: z.number().positive().max(1000).optional(),
});

/** Demand response: a month with events told and no more opt-outs (explicit or by charging) than allowed. */
export const ZOptOutBudgetRuleSchema = z.strictObject({
  type: z.literal('opt_out_budget'),
  ...common,
  points,
  maxOptOuts: z.number().int('maxOptOuts is a whole number of events').min(0).max(31),
});

/** A month in which most of the charging time at home falls outside peak hours. */
export const ZOffPeakShareRuleSchema = z.strictObject({
  type: z.literal('off_peak_share'),
  ...common,
  points,
  minSharePct: z.number().positive().max(100),
  peakHours: ZHoursSchema.optional(),
  peakTouPeriods: z.array(periodName).min(1).max(12).optional(),
  days,
  // A month with one short charge says nothing about habits: it needs this much charging time.
  minMinutes: z.number().int().min(1).max(44_640).default(60),
  // Home is the service territory, as for the other rules.
  requireTerritory: z.boolean().default(true),
});

export const ZRewardRuleSchema = z.discriminatedUnion(
  'type',
  [
    ZStartBonusRuleSchema,
    ZMonthlyParticipationRuleSchema,
    ZTenureBonusRuleSchema,
    ZEnergyInHoursRuleSchema,
    ZNoPeakMonthRuleSchema,
    ZEventParticipationRuleSchema,
    ZEventKwhShiftedRuleSchema,
    ZOptOutBudgetRuleSchema,
    ZOffPeakShareRuleSchema,
  ],
  { error: `expected one of ${REWARD_RULE_TYPES.join(', ')}` },
);
export type TRewardRule = z.infer<typeof ZRewardRuleSchema>;
export type TRewardRuleInput = z.input<typeof ZRewardRuleSchema>;

export const ZRewardRulesSchema = z
  .array(ZRewardRuleSchema)
  .max(MAX_REWARD_RULES, `at most ${MAX_REWARD_RULES} reward rules`)
  .superRefine((rules, ctx) => {
    const firstIndexOfKey = new Map<string, number>();
    let startIndex: number | undefined;
    rules.forEach((rule, i) => {
      const earlier = firstIndexOfKey.get(rule.key);
      if (earlier === undefined) firstIndexOfKey.set(rule.key, i);
      else {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'key'],
          message: `rule ${i}: key "${rule.key}" is already used by rule ${earlier}; keys are unique in a program`,
        });
      }
      if (rule.type === 'start_bonus') {
        // The start is one instant for the whole program: two start rules could disagree on it.
        if (startIndex !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'type'],
            message: `rule ${i}: rule ${startIndex} is already the start bonus; a program has at most one`,
          });
        }
        startIndex ??= i;
      }
      if (rule.type === 'energy_in_hours' && (rule.hours === undefined) === (rule.touPeriods === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'hours'],
          message: `rule ${i} ("${rule.key}"): give either hours or touPeriods, not both or neither`,
        });
      }
      if (
        (rule.type === 'no_peak_month' || rule.type === 'off_peak_share') &&
        (rule.peakHours === undefined) === (rule.peakTouPeriods === undefined)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'peakHours'],
          message: `rule ${i} ("${rule.key}"): give either peakHours or peakTouPeriods, not both or neither`,
        });
      }
    });
  });
export type TRewardRules = z.infer<typeof ZRewardRulesSchema>;

// ---- Sentences for drivers ----

export type TRewardDisplay = 'money' | 'points';

function formatPoints(value: number): string {
  const text = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 }).format(value);
  return `${text} ${value === 1 ? 'point' : 'points'}`;
}

function formatMoney(amount: number, currency: string): string {
  // Whole cents print as $5.00; a sub-cent rate (a tenth of a cent per kWh) keeps its digits.
  const cents = amount * 100;
  const wholeCents = Math.abs(cents - Math.round(cents)) < 1e-9;
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    // "$" rather than "CA$": drivers know which dollars their utility pays.
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: 2,
    maximumFractionDigits: wholeCents ? 2 : 4,
  }).format(amount);
}

function formatHour(hour: number): string {
  return hour === 0 || hour === 24 ? 'midnight' : `${String(hour).padStart(2, '0')}:00`;
}

function describeHours(hours: THours): string {
  return `from ${formatHour(hours.from)} to ${formatHour(hours.to)}`;
}

function describePeriods(periods: readonly string[]): string {
  const names = periods.map((p) => p.replaceAll('_', ' '));
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
  return `during ${list} hours`;
}

function describeDays(value: 'all' | 'weekdays' | 'weekends'): string {
  return value === 'all' ? '' : ` on ${value}`;
}

function describeKwh(value: number): string {
  return `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 }).format(value)} kWh`;
}

function describeMonths(months: number): string {
  if (months === 12) return 'a year';
  if (months % 12 === 0) return `${months / 12} years`;
  return months === 1 ? 'a month' : `${months} months`;
}

/**
 * The rule as one sentence for drivers, in money ("$5.00 for every month after your start in which
 * …") or in points ("5,000 points …") as the program shows rewards.
 */
export function describeRule(
  rule: TRewardRule,
  pointsPerUnit: number,
  currency: string,
  display: TRewardDisplay,
): string {
  const amount = (value: number) =>
    display === 'money' ? formatMoney(value / pointsPerUnit, currency) : formatPoints(value);
  const territory = (required: boolean) => (required ? ' in the service territory' : '');
  switch (rule.type) {
    case 'start_bonus':
      return (
        `${amount(rule.points)} when your device is installed and activated and you complete your first charge ` +
        `of at least ${describeKwh(rule.minKwh)}${territory(rule.requireTerritory)}.`
      );
    case 'monthly_participation':
      return (
        `${amount(rule.points)} for every month after your start in which your device stays installed ` +
        `and you complete a charge of at least ${describeKwh(rule.minKwh)}${territory(rule.requireTerritory)}.`
      );
    case 'tenure_bonus':
      return `${amount(rule.points)} when your device has stayed installed for ${describeMonths(rule.afterMonths)} after your start.`;
    case 'energy_in_hours': {
      const when = rule.hours ? describeHours(rule.hours) : describePeriods(rule.touPeriods ?? []);
      const cap = rule.maxPointsPerMonth === undefined ? '' : `, up to ${amount(rule.maxPointsPerMonth)} a month`;
      return (
        `${amount(rule.pointsPerKwh)} per kWh you charge ${when}${describeDays(rule.days)}` +
        `${territory(rule.requireTerritory)}, paid monthly${cap}.`
      );
    }
    case 'no_peak_month': {
      const peak = rule.peakHours ? describeHours(rule.peakHours) : describePeriods(rule.peakTouPeriods ?? []);
      return (
        `${amount(rule.points)} for every month after your start in which your device stays installed, ` +
        `you charge at least ${describeKwh(rule.minKwh)}${territory(rule.requireTerritory)} ` +
        `and you draw no more than ${describeKwh(rule.toleranceKwh)} ${peak}${describeDays(rule.days)}.`
      );
    }
    case 'event_participation':
      return (
        `${amount(rule.points)} for every charging event you are told about and do not opt out of ` +
        `(charging during the event counts as opting out), paid once the event has been measured.`
      );
    case 'event_kwh_shifted': {
      const cap = rule.maxKwhPerEvent === undefined ? '' : `, up to ${describeKwh(rule.maxKwhPerEvent)} an event`;
      return (
        `${amount(rule.pointsPerKwh)} per kWh of charging you move out of a charging event's hours, ` +
        `measured against your usual charging${cap}, paid once the event has been measured.`
      );
    }
    case 'opt_out_budget': {
      const allowed =
        rule.maxOptOuts === 0
          ? 'do not opt out of any'
          : `opt out of no more than ${rule.maxOptOuts === 1 ? 'one' : rule.maxOptOuts}`;
      return (
        `${amount(rule.points)} for every month in which you are told about at least one charging event and ` +
        `${allowed} (charging during an event counts as opting out); a month without events earns nothing.`
      );
    }
    case 'off_peak_share': {
      const peak = rule.peakHours
        ? `${formatHour(rule.peakHours.from)}–${formatHour(rule.peakHours.to)}`
        : describePeriods(rule.peakTouPeriods ?? []).replace(/^during /, '');
      const where = rule.requireTerritory ? ' at home (in the service territory)' : '';
      return (
        `${amount(rule.points)} for every month in which at least ${rule.minSharePct}% of your charging time${where} ` +
        `falls outside ${peak}${describeDays(rule.days)}, with at least ${rule.minMinutes} minutes of charging in the month.`
      );
    }
  }
}

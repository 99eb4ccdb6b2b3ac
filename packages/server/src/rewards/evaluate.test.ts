import { describe, expect, it } from 'vitest';
import { parseInput } from '../validation.js';
import { evaluateRewards, findStart, type Entitlement, type SessionFact, type SlotFacts } from './evaluate.js';
import { describeRule, ZRewardRulesSchema, type TRewardRuleInput } from './rules.js';

const HOUR_MS = 3_600_000;

const rules = (input: TRewardRuleInput[]) => ZRewardRulesSchema.parse(input);

/** Alectra: $50 at the start and $5 a month, in cents. */
const ALECTRA = rules([
  { type: 'start_bonus', key: 'start', label: 'Welcome bonus', points: 5000 },
  { type: 'monthly_participation', key: 'monthly', label: 'Monthly participation', points: 500 },
]);

/** Mississippi Power: points, 1,000 to the dollar. */
const MISSISSIPPI = rules([
  { type: 'start_bonus', key: 'start', label: 'Enrollment bonus', points: 25_000 },
  { type: 'monthly_participation', key: 'monthly', label: 'Monthly bonus', points: 5_000 },
  { type: 'tenure_bonus', key: 'year_end', label: 'End-of-year bonus', points: 25_000 },
]);

interface SessionSpec {
  vehicleId?: number;
  from: string;
  to: string;
  kwh: number;
  inTerritory?: boolean | null;
  /** [hour start (ISO), kWh]; by default the energy is spread evenly over the hours plugged in. */
  hourly?: [string, number][];
}

function session(spec: SessionSpec): SessionFact {
  const pluggedMs = Date.parse(spec.from);
  const unpluggedMs = Date.parse(spec.to);
  let hourly: [number, number][];
  if (spec.hourly) hourly = spec.hourly.map(([at, kwh]) => [Date.parse(at), kwh * 1000]);
  else {
    const first = Math.floor(pluggedMs / HOUR_MS) * HOUR_MS;
    const count = Math.max(1, Math.ceil((unpluggedMs - first) / HOUR_MS));
    hourly = Array.from({ length: count }, (_, i) => [first + i * HOUR_MS, (spec.kwh * 1000) / count]);
  }
  return {
    vehicleId: spec.vehicleId ?? 1,
    pluggedAt: new Date(pluggedMs),
    unpluggedAt: new Date(unpluggedMs),
    wallWh: spec.kwh * 1000,
    inTerritory: spec.inTerritory === undefined ? true : spec.inTerritory,
    hourly,
  };
}

/** A 9 kWh in-territory charge overnight on the 10th of each month (02:00–05:00 UTC). */
function monthlyCharges(months: string[], vehicleId = 1): SessionFact[] {
  return months.map((m) => session({ vehicleId, from: `${m}-10T02:00:00Z`, to: `${m}-10T05:00:00Z`, kwh: 9 }));
}

function slot(overrides: Partial<SlotFacts>): SlotFacts {
  return {
    enrollmentId: 7,
    slotId: 70,
    vehicles: [{ vehicleId: 1, from: new Date('2024-12-01T00:00:00Z'), to: null }],
    installedAt: new Date('2025-01-10T15:00:00Z'),
    activatedAt: new Date('2025-01-10T16:00:00Z'),
    endedAt: null,
    sessions: [],
    ...overrides,
  };
}

const THE_START = session({ from: '2025-01-15T23:00:00Z', to: '2025-01-16T05:00:00Z', kwh: 10 });

/** Charges that must not start anything: before install, too small, away, and without a location fix. */
const NOT_A_START = [
  session({ from: '2025-01-09T02:00:00Z', to: '2025-01-09T05:00:00Z', kwh: 10 }),
  session({ from: '2025-01-12T02:00:00Z', to: '2025-01-12T03:00:00Z', kwh: 0.9 }),
  session({ from: '2025-01-13T02:00:00Z', to: '2025-01-13T05:00:00Z', kwh: 12, inTerritory: false }),
  session({ from: '2025-01-14T02:00:00Z', to: '2025-01-14T05:00:00Z', kwh: 8, inTerritory: null }),
];

const MONTHS_2025_02_TO_2026_02 = [
  '2025-02',
  '2025-03',
  '2025-04',
  '2025-05',
  '2025-06',
  '2025-07',
  '2025-08',
  '2025-09',
  '2025-10',
  '2025-11',
  '2025-12',
  '2026-01',
  '2026-02',
];

/** Fourteen months of one slot: a start in January 2025, a lapsed April, charging every other month. */
const FOURTEEN_MONTHS = [
  ...NOT_A_START,
  THE_START,
  session({ from: '2025-01-20T23:00:00Z', to: '2025-01-21T05:00:00Z', kwh: 10 }),
  ...monthlyCharges(MONTHS_2025_02_TO_2026_02.filter((m) => m !== '2025-04')),
  // April: only a 0.9 kWh charge at home and a big one out of the territory.
  session({ from: '2025-04-10T02:00:00Z', to: '2025-04-10T03:00:00Z', kwh: 0.9 }),
  session({ from: '2025-04-20T02:00:00Z', to: '2025-04-20T06:00:00Z', kwh: 30, inTerritory: false }),
];

const summarize = (entitlements: Entitlement[]) =>
  entitlements.map((e) => ({ rule: e.ruleKey, period: e.period, points: e.points, vehicle: e.vehicleId }));
const total = (entitlements: Entitlement[]) => entitlements.reduce((sum, e) => sum + e.points, 0);

describe('evaluateRewards: the Alectra promise', () => {
  const input = {
    rules: ALECTRA,
    timeZone: 'America/Toronto',
    asOf: new Date('2026-03-15T12:00:00Z'),
    slot: slot({ sessions: FOURTEEN_MONTHS }),
  };

  it('pays $50 once for the first in-territory charge of 1 kWh after install, and $5 for each later month with one', () => {
    const result = evaluateRewards(input);
    const lapsed = '2025-04';
    expect(summarize(result)).toEqual([
      { rule: 'start', period: 'start', points: 5000, vehicle: 1 },
      ...MONTHS_2025_02_TO_2026_02.filter((m) => m !== lapsed).map((period) => ({
        rule: 'monthly',
        period,
        points: 500,
        vehicle: 1,
      })),
    ]);
    expect(total(result)).toBe(11_000);
  });

  it('dates the start bonus at the end of the first charge and each month at local midnight after it', () => {
    const result = evaluateRewards(input);
    const at = (period: string) => result.find((e) => e.period === period)!.earnedAt.toISOString();
    expect(at('start')).toBe('2025-01-16T05:00:00.000Z');
    expect(at('2025-02')).toBe('2025-03-01T05:00:00.000Z'); // EST
    expect(at('2025-03')).toBe('2025-04-01T04:00:00.000Z'); // EDT
    expect(at('2025-11')).toBe('2025-12-01T05:00:00.000Z');
  });

  it('explains the start with the qualifying session and the install facts', () => {
    const start = evaluateRewards(input)[0]!;
    expect(start.explanation.rule).toBe('Welcome bonus');
    expect(start.explanation.sessions).toEqual([
      { vehicleId: 1, pluggedAt: '2025-01-15T23:00:00.000Z', wallKwh: 10, inTerritory: true },
    ]);
    expect(start.explanation.summary).toContain('2025-01-15');
    expect(start.explanation.facts).toMatchObject({ installedAt: '2025-01-10T15:00:00.000Z', minKwh: 1 });
  });

  it('starts nothing with only a 0.9 kWh charge, a charge outside the territory, or one before install', () => {
    const result = evaluateRewards({ ...input, slot: slot({ sessions: [...NOT_A_START, ...monthlyCharges([])] }) });
    expect(result).toEqual([]);
    expect(findStart({ ...input, slot: slot({ sessions: NOT_A_START }) })).toBeNull();
  });

  it('starts nothing until the device is both installed and activated', () => {
    expect(evaluateRewards({ ...input, slot: slot({ sessions: FOURTEEN_MONTHS, activatedAt: null }) })).toEqual([]);
    expect(evaluateRewards({ ...input, slot: slot({ sessions: FOURTEEN_MONTHS, installedAt: null }) })).toEqual([]);
  });

  it('counts the start from activation when the device sent data only after it was installed', () => {
    const late = slot({ sessions: FOURTEEN_MONTHS, activatedAt: new Date('2025-01-20T00:00:00Z') });
    expect(findStart({ ...input, slot: late })?.startedAt.toISOString()).toBe('2025-01-20T23:00:00.000Z');
  });

  it('counts a charge already plugged in when the device was installed, by the energy delivered from then on', () => {
    // Plugged in at 14:00, the C2 installed at 15:00 and sending from 16:00; 6 kWh flow 14:00–20:00 (1 kWh an hour).
    const plugged = session({ from: '2025-01-10T14:00:00Z', to: '2025-01-10T20:00:00Z', kwh: 6 });
    const result = evaluateRewards({
      ...input,
      asOf: new Date('2025-01-11T00:00:00Z'),
      slot: slot({ sessions: [plugged] }),
    });
    expect(summarize(result)).toEqual([{ rule: 'start', period: 'start', points: 5000, vehicle: 1 }]);
    expect(findStart({ ...input, slot: slot({ sessions: [plugged] }) })?.startedAt.toISOString()).toBe(
      '2025-01-10T16:00:00.000Z',
    );
    // Only the energy after activation counts: 0.5 kWh of it (16:00–16:30) starts nothing.
    const almostDone = session({ from: '2025-01-10T14:00:00Z', to: '2025-01-10T16:30:00Z', kwh: 2.5 });
    expect(findStart({ ...input, slot: slot({ sessions: [almostDone] }) })).toBeNull();
    // A charge that ended before activation still starts nothing.
    const over = session({ from: '2025-01-10T12:00:00Z', to: '2025-01-10T15:59:00Z', kwh: 20 });
    expect(findStart({ ...input, slot: slot({ sessions: [over] }) })).toBeNull();
  });

  it('does not pay the start bonus while the first charge is still plugged in', () => {
    const during = { ...input, asOf: new Date('2025-01-16T01:00:00Z') };
    expect(evaluateRewards(during)).toEqual([]);
    expect(findStart(during)).toBeNull();
    expect(summarize(evaluateRewards({ ...input, asOf: new Date('2025-01-16T05:00:00Z') }))).toEqual([
      { rule: 'start', period: 'start', points: 5000, vehicle: 1 },
    ]);
  });

  it('waits for an earlier charge still plugged in rather than starting on a later one that ended first', () => {
    // The car changed on the 20th while the old one was still plugged in; the new car's charge ended first.
    const vehicles = [
      { vehicleId: 1, from: new Date('2024-12-01T00:00:00Z'), to: new Date('2025-01-20T00:00:00Z') },
      { vehicleId: 2, from: new Date('2025-01-20T00:00:00Z'), to: null },
    ];
    const sessions = [
      session({ vehicleId: 1, from: '2025-01-19T20:00:00Z', to: '2025-01-21T06:00:00Z', kwh: 20 }),
      session({ vehicleId: 2, from: '2025-01-20T02:00:00Z', to: '2025-01-20T06:00:00Z', kwh: 8 }),
    ];
    const changed = slot({ vehicles, sessions });
    expect(evaluateRewards({ ...input, asOf: new Date('2025-01-20T12:00:00Z'), slot: changed })).toEqual([]);
    const later = evaluateRewards({ ...input, asOf: new Date('2025-01-21T06:00:00Z'), slot: changed });
    expect(summarize(later)).toEqual([{ rule: 'start', period: 'start', points: 5000, vehicle: 1 }]);
  });

  it('keeps a recorded start even when re-derived sessions would no longer qualify', () => {
    // Re-derivation shrank the first charge below 1 kWh; the start already paid must not move to February.
    const shrunk = FOURTEEN_MONTHS.map((s) => (s === THE_START ? { ...s, wallWh: 950 } : s));
    const result = evaluateRewards({
      ...input,
      slot: slot({ sessions: shrunk }),
      startedAt: new Date('2025-01-15T23:00:00Z'),
    });
    expect(result.filter((e) => e.ruleKey === 'start')).toHaveLength(1);
    expect(result.find((e) => e.ruleKey === 'monthly')?.period).toBe('2025-02');
    expect(result.find((e) => e.ruleKey === 'start')?.explanation.facts).toMatchObject({
      startedAt: '2025-01-15T23:00:00.000Z',
    });
  });

  it('pays nothing for the month the participant leaves, nor after, though the car still charges', () => {
    const left = slot({ sessions: FOURTEEN_MONTHS, endedAt: new Date('2025-06-15T12:00:00Z') });
    expect(summarize(evaluateRewards({ ...input, slot: left })).map((e) => e.period)).toEqual([
      'start',
      '2025-02',
      '2025-03',
      '2025-05',
    ]);
  });

  it('lists at most ten sessions in a month’s explanation, with the full count in its facts', () => {
    const busy = Array.from({ length: 12 }, (_, i) =>
      session({ from: `2025-02-${String(i + 10)}T02:00:00Z`, to: `2025-02-${String(i + 10)}T04:00:00Z`, kwh: 5 }),
    );
    const result = evaluateRewards({
      ...input,
      asOf: new Date('2025-03-02T00:00:00Z'),
      slot: slot({ sessions: [THE_START, ...busy] }),
    });
    const february = result.find((e) => e.period === '2025-02')!;
    expect(february.explanation.sessions).toHaveLength(10);
    expect(february.explanation.facts).toMatchObject({ qualifyingSessions: 12 });
  });
});

describe('evaluateRewards: the Mississippi Power promise (America/Chicago)', () => {
  const input = {
    rules: MISSISSIPPI,
    timeZone: 'America/Chicago',
    asOf: new Date('2026-03-15T12:00:00Z'),
    slot: slot({ sessions: FOURTEEN_MONTHS }),
  };

  it('pays 25,000 at the start, 5,000 a month with a charge, and 25,000 a year after the start', () => {
    const result = evaluateRewards(input);
    expect(result.filter((e) => e.ruleKey === 'start').map((e) => e.points)).toEqual([25_000]);
    expect(result.filter((e) => e.ruleKey === 'monthly')).toHaveLength(12);
    expect(result.filter((e) => e.ruleKey === 'year_end').map((e) => [e.period, e.points])).toEqual([
      ['year-1', 25_000],
    ]);
    expect(total(result)).toBe(25_000 + 12 * 5_000 + 25_000);
  });

  it('pays the year bonus at the start’s local time twelve months on, not a minute before', () => {
    // The start: 2025-01-15 17:00 CST.
    const before = evaluateRewards({ ...input, asOf: new Date('2026-01-15T22:59:00Z') });
    expect(before.some((e) => e.ruleKey === 'year_end')).toBe(false);
    const at = evaluateRewards({ ...input, asOf: new Date('2026-01-15T23:00:00Z') });
    expect(at.find((e) => e.ruleKey === 'year_end')?.earnedAt.toISOString()).toBe('2026-01-15T23:00:00.000Z');
  });

  it('pays no year bonus when the device was returned before the year was up', () => {
    const returned = slot({ sessions: FOURTEEN_MONTHS, endedAt: new Date('2026-01-10T00:00:00Z') });
    expect(evaluateRewards({ ...input, slot: returned }).some((e) => e.ruleKey === 'year_end')).toBe(false);
  });

  it('puts a charge at 23:30 on the last day of a daylight-saving month in that month, ending at local midnight', () => {
    const sessions = [
      THE_START,
      // 2025-03-31 23:30 CDT and 2025-10-31 23:30 CDT: already the next month in UTC.
      session({ from: '2025-04-01T04:30:00Z', to: '2025-04-01T04:59:00Z', kwh: 3 }),
      session({ from: '2025-11-01T04:30:00Z', to: '2025-11-01T04:59:00Z', kwh: 3 }),
      session({ from: '2025-11-15T04:30:00Z', to: '2025-11-15T06:00:00Z', kwh: 3 }),
    ];
    const result = evaluateRewards({ ...input, asOf: new Date('2025-12-15T00:00:00Z'), slot: slot({ sessions }) });
    expect(result.filter((e) => e.ruleKey === 'monthly').map((e) => [e.period, e.earnedAt.toISOString()])).toEqual([
      ['2025-03', '2025-04-01T05:00:00.000Z'],
      ['2025-10', '2025-11-01T05:00:00.000Z'],
      ['2025-11', '2025-12-01T06:00:00.000Z'],
    ]);
  });

  it('waits to settle a month while a charge that began in it is still plugged in', () => {
    const overnight = session({ from: '2025-03-01T04:00:00Z', to: '2025-03-01T12:00:00Z', kwh: 6 }); // Feb 28 22:00 CST
    const sessions = [THE_START, overnight];
    const during = evaluateRewards({ ...input, asOf: new Date('2025-03-01T07:00:00Z'), slot: slot({ sessions }) });
    expect(during.map((e) => e.period)).toEqual(['start']);
    const after = evaluateRewards({ ...input, asOf: new Date('2025-03-01T12:00:00Z'), slot: slot({ sessions }) });
    expect(after.map((e) => [e.period, e.earnedAt.toISOString()])).toEqual([
      ['start', '2025-01-16T05:00:00.000Z'],
      ['2025-02', '2025-03-01T06:00:00.000Z'],
    ]);
  });

  it('continues the slot with a changed vehicle: no second start bonus, months paid to the vehicle holding it', () => {
    const vehicles = [
      { vehicleId: 1, from: new Date('2024-12-01T00:00:00Z'), to: new Date('2025-06-10T00:00:00Z') },
      { vehicleId: 2, from: new Date('2025-06-10T00:00:00Z'), to: null },
    ];
    const sessions = [
      THE_START,
      ...monthlyCharges(['2025-02', '2025-03', '2025-04', '2025-05']),
      // The new car's first charge, and its July.
      session({ vehicleId: 2, from: '2025-06-12T02:00:00Z', to: '2025-06-12T06:00:00Z', kwh: 10 }),
      ...monthlyCharges(['2025-07'], 2),
      // The sold car still reports; it no longer holds the slot.
      ...monthlyCharges(['2025-08'], 1),
    ];
    const result = evaluateRewards({
      ...input,
      asOf: new Date('2025-09-15T00:00:00Z'),
      slot: slot({ vehicles, sessions }),
    });
    expect(summarize(result)).toEqual([
      { rule: 'start', period: 'start', points: 25_000, vehicle: 1 },
      { rule: 'monthly', period: '2025-02', points: 5_000, vehicle: 1 },
      { rule: 'monthly', period: '2025-03', points: 5_000, vehicle: 1 },
      { rule: 'monthly', period: '2025-04', points: 5_000, vehicle: 1 },
      { rule: 'monthly', period: '2025-05', points: 5_000, vehicle: 1 },
      { rule: 'monthly', period: '2025-06', points: 5_000, vehicle: 2 },
      { rule: 'monthly', period: '2025-07', points: 5_000, vehicle: 2 },
    ]);
  });
});

describe('evaluateRewards: energy in chosen hours (Con Edison style, 00:00–08:00)', () => {
  const overnight = rules([
    {
      type: 'energy_in_hours',
      key: 'overnight',
      label: 'Overnight charging',
      pointsPerKwh: 5,
      hours: { from: 0, to: 8 },
    },
  ]);
  // 07:00–09:00 EDT on 2025-05-06: 3.19 kWh from 07:00, 3.81 kWh from 08:00.
  const morning = session({
    from: '2025-05-06T11:00:00Z',
    to: '2025-05-06T13:00:00Z',
    kwh: 7,
    hourly: [
      ['2025-05-06T11:00:00Z', 3.19],
      ['2025-05-06T12:00:00Z', 3.81],
    ],
  });
  const base = {
    rules: overnight,
    timeZone: 'America/New_York',
    asOf: new Date('2025-06-02T00:00:00Z'),
    slot: slot({ sessions: [morning] }),
  };

  it('counts only the 07:00–08:00 energy of a session from 07:00 to 09:00, in whole points rounded down', () => {
    const result = evaluateRewards(base);
    expect(result.map((e) => [e.ruleKey, e.period, e.points, e.earnedAt.toISOString()])).toEqual([
      ['overnight', '2025-05', 15, '2025-06-01T04:00:00.000Z'],
    ]);
    // 3.19 kWh × 5 = 15.95 points.
    expect(result[0]!.explanation.facts).toMatchObject({ kwhInWindow: 3.19 });
  });

  it('settles a month only after it ends', () => {
    expect(evaluateRewards({ ...base, asOf: new Date('2025-06-01T03:59:00Z') })).toEqual([]);
  });

  it('ignores energy before the start and outside the territory, and caps a month when asked', () => {
    const capped = rules([
      {
        type: 'energy_in_hours',
        key: 'overnight',
        label: 'Overnight charging',
        pointsPerKwh: 5,
        hours: { from: 23, to: 7 },
        maxPointsPerMonth: 100,
      },
    ]);
    const sessions = [
      // Before install: 50 kWh overnight that must not count.
      session({ from: '2025-01-05T05:00:00Z', to: '2025-01-05T10:00:00Z', kwh: 50 }),
      // The start, 23:00–03:00 EST: 10 kWh, all inside the wrapped window.
      session({ from: '2025-01-16T04:00:00Z', to: '2025-01-16T08:00:00Z', kwh: 10 }),
      session({ from: '2025-01-20T04:00:00Z', to: '2025-01-20T08:00:00Z', kwh: 40, inTerritory: false }),
      // February: 30 kWh overnight would be 150 points.
      session({ from: '2025-02-03T05:00:00Z', to: '2025-02-03T10:00:00Z', kwh: 30 }),
    ];
    const result = evaluateRewards({
      ...base,
      rules: capped,
      asOf: new Date('2025-03-05T00:00:00Z'),
      slot: slot({ sessions }),
    });
    expect(result.map((e) => [e.period, e.points])).toEqual([
      ['2025-01', 50],
      ['2025-02', 100],
    ]);
    expect(result[1]!.explanation.facts).toMatchObject({ capped: true, kwhInWindow: 30 });
  });

  it('counts time-of-use periods through the program’s periodAt, and refuses a period rule without it', () => {
    const offPeak = rules([
      { type: 'energy_in_hours', key: 'off_peak', label: 'Off-peak', pointsPerKwh: 10, touPeriods: ['off_peak'] },
    ]);
    // 08:00 EDT (12:00 UTC) starts on-peak in this made-up plan.
    const periodAt = (hourStartMs: number) =>
      hourStartMs >= Date.parse('2025-05-06T12:00:00Z') ? 'on_peak' : 'off_peak';
    expect(evaluateRewards({ ...base, rules: offPeak, periodAt }).map((e) => e.points)).toEqual([31]);
    expect(() => evaluateRewards({ ...base, rules: offPeak })).toThrow(/"off_peak".*periodAt/);
  });
});

describe('evaluateRewards: a month without on-peak charging', () => {
  const noPeak = rules([
    {
      type: 'no_peak_month',
      key: 'no_peak',
      label: 'Peak-free month',
      points: 200,
      peakHours: { from: 16, to: 21 },
      days: 'weekdays',
    },
  ]);
  const input = {
    rules: noPeak,
    timeZone: 'America/Chicago',
    asOf: new Date('2025-12-15T00:00:00Z'),
    slot: slot({
      sessions: [
        session({ from: '2025-05-06T06:00:00Z', to: '2025-05-06T10:00:00Z', kwh: 8 }), // the start, overnight
        session({ from: '2025-06-10T06:00:00Z', to: '2025-06-10T10:00:00Z', kwh: 8 }), // June: nights only
        session({ from: '2025-07-09T06:00:00Z', to: '2025-07-09T10:00:00Z', kwh: 8 }),
        session({ from: '2025-07-15T22:00:00Z', to: '2025-07-15T23:00:00Z', kwh: 2 }), // Tue 17:00 CDT: peak
        session({ from: '2025-08-16T22:00:00Z', to: '2025-08-16T23:00:00Z', kwh: 6 }), // Sat 17:00: not peak
        session({ from: '2025-09-09T06:00:00Z', to: '2025-09-09T10:00:00Z', kwh: 8 }),
        session({ from: '2025-09-10T22:00:00Z', to: '2025-09-10T23:00:00Z', kwh: 0.05 }), // within tolerance
        session({ from: '2025-10-07T06:00:00Z', to: '2025-10-07T10:00:00Z', kwh: 8 }),
        session({ from: '2025-10-14T22:00:00Z', to: '2025-10-14T23:00:00Z', kwh: 3, inTerritory: false }), // peak, away
        // November: one charge without a location fix, which cannot show charging in the territory.
        session({ from: '2025-11-04T07:00:00Z', to: '2025-11-04T10:00:00Z', kwh: 3, inTerritory: null }),
      ],
    }),
  };

  it('pays for months after the start with charging and at most 0.1 kWh in weekday peak hours', () => {
    // May is the start month; October's peak charge was on another utility's grid; November had no
    // charging known to be in the territory.
    expect(evaluateRewards(input).map((e) => e.period)).toEqual(['2025-06', '2025-08', '2025-09', '2025-10']);
  });

  it('reports the peak energy it found in the explanation', () => {
    const september = evaluateRewards(input).find((e) => e.period === '2025-09')!;
    expect(september.explanation.facts).toMatchObject({ chargedKwh: 8.05, peakKwh: 0.05, toleranceKwh: 0.1 });
  });
});

describe('ZRewardRulesSchema', () => {
  const errorOf = (value: unknown) => {
    try {
      parseInput(ZRewardRulesSchema, value);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the rules to be refused');
  };

  it('fills the defaults of the seed programs’ rules', () => {
    expect(MISSISSIPPI).toEqual([
      {
        type: 'start_bonus',
        key: 'start',
        label: 'Enrollment bonus',
        points: 25_000,
        minKwh: 1,
        requireTerritory: true,
      },
      {
        type: 'monthly_participation',
        key: 'monthly',
        label: 'Monthly bonus',
        points: 5_000,
        minKwh: 1,
        requireTerritory: true,
      },
      { type: 'tenure_bonus', key: 'year_end', label: 'End-of-year bonus', points: 25_000, afterMonths: 12 },
    ]);
  });

  it('names the rule index and field of a bad value', () => {
    const message = errorOf([
      { type: 'start_bonus', key: 'start', label: 'Start', points: 100 },
      { type: 'monthly_participation', key: 'monthly', label: 'Monthly', points: 2.5 },
    ]);
    expect(message).toContain('[1].points');
  });

  it('refuses a duplicate key, naming both rules', () => {
    const message = errorOf([
      { type: 'start_bonus', key: 'bonus', label: 'Start', points: 100 },
      { type: 'tenure_bonus', key: 'bonus', label: 'Year', points: 100 },
    ]);
    expect(message).toContain('[1].key');
    expect(message).toContain('rule 0');
  });

  it('refuses an unknown rule type, listing the known ones', () => {
    expect(errorOf([{ type: 'lottery', key: 'x', label: 'X', points: 1 }])).toMatch(/\[0\]\.type: .*start_bonus/);
  });

  it('asks for exactly one of hours or periods in an energy rule', () => {
    const both = {
      type: 'energy_in_hours',
      key: 'e',
      label: 'E',
      pointsPerKwh: 1,
      hours: { from: 0, to: 8 },
      touPeriods: ['off_peak'],
    };
    expect(errorOf([both])).toContain('[0].hours');
    expect(errorOf([{ ...both, touPeriods: undefined, hours: { from: 5, to: 5 } }])).toContain('[0].hours.to');
  });

  it('refuses misspelt fields, a bad key and more than twenty rules', () => {
    expect(errorOf([{ type: 'start_bonus', key: 'start', label: 'S', points: 1, minkwh: 2 }])).toContain('minkwh');
    expect(errorOf([{ type: 'start_bonus', key: 'Start Bonus', label: 'S', points: 1 }])).toContain('[0].key');
    const many = Array.from({ length: 21 }, (_, i) => ({ type: 'tenure_bonus', key: `t${i}`, label: 'T', points: 1 }));
    expect(errorOf(many)).toContain('at most 20');
  });
});

describe('describeRule', () => {
  it('tells Alectra drivers their promise in dollars', () => {
    expect(describeRule(ALECTRA[1]!, 100, 'CAD', 'money')).toBe(
      '$5.00 for every month after your start in which your device stays installed and you complete a charge of at least 1 kWh in the service territory.',
    );
    expect(describeRule(ALECTRA[0]!, 100, 'CAD', 'money')).toMatch(/^\$50\.00 when your device is installed/);
  });

  it('tells Mississippi drivers their promise in points', () => {
    expect(describeRule(MISSISSIPPI[1]!, 1000, 'USD', 'points')).toMatch(
      /^5,000 points for every month after your start/,
    );
    expect(describeRule(MISSISSIPPI[2]!, 1000, 'USD', 'points')).toBe(
      '25,000 points when your device has stayed installed for a year after your start.',
    );
  });

  it('describes rates per kWh, windows, days and caps', () => {
    const [energy, noPeak] = rules([
      {
        type: 'energy_in_hours',
        key: 'night',
        label: 'Night',
        pointsPerKwh: 5,
        hours: { from: 0, to: 8 },
        maxPointsPerMonth: 1000,
      },
      { type: 'no_peak_month', key: 'np', label: 'NP', points: 200, peakTouPeriods: ['on_peak'], days: 'weekdays' },
    ]);
    expect(describeRule(energy!, 100, 'USD', 'money')).toBe(
      '$0.05 per kWh you charge from midnight to 08:00 in the service territory, paid monthly, up to $10.00 a month.',
    );
    expect(describeRule(noPeak!, 100, 'USD', 'money')).toBe(
      '$2.00 for every month after your start in which your device stays installed, you charge at least 1 kWh in the service territory and you draw no more than 0.1 kWh during on peak hours on weekdays.',
    );
  });
});

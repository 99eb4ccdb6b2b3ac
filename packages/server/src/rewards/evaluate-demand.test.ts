/**
 * The demand-response reward rules (event_participation, event_kwh_shifted, opt_out_budget) and
 * off_peak_share, as pure evaluation over literal facts in Toronto time (EDT, UTC−4, in July).
 */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../validation.js';
import { evaluateRewards, type Entitlement, type EventFact, type SessionFact, type SlotFacts } from './evaluate.js';
import { describeRule, ZRewardRulesSchema, type TRewardRuleInput } from './rules.js';

const HOUR_MS = 3_600_000;
const ZONE = 'America/Toronto';
const rules = (input: TRewardRuleInput[]) => ZRewardRulesSchema.parse(input);

/** An event of vehicle 1, told and measured unless said otherwise; `at` is its UTC start, three hours long. */
function event(id: number, at: string, overrides: Partial<EventFact> = {}): EventFact {
  const startsMs = Date.parse(at);
  return {
    eventId: id,
    name: `Peak ${id}`,
    vehicleId: 1,
    status: 'completed',
    startsAt: new Date(startsMs),
    endsAt: new Date(startsMs + 3 * HOUR_MS),
    group: 'treatment',
    notifiedAt: new Date(startsMs - 2 * HOUR_MS),
    optOut: null,
    optedOutAt: null,
    shiftedWh: 3456,
    measuredAt: new Date(startsMs + 6 * HOUR_MS),
    ...overrides,
  };
}

function slot(overrides: Partial<SlotFacts>): SlotFacts {
  return {
    enrollmentId: 7,
    slotId: 70,
    vehicles: [{ vehicleId: 1, from: new Date('2026-05-01T00:00:00Z'), to: null }],
    installedAt: new Date('2026-06-01T15:00:00Z'),
    activatedAt: new Date('2026-06-01T16:00:00Z'),
    endedAt: null,
    sessions: [],
    events: [],
    ...overrides,
  };
}

const summarize = (entitlements: Entitlement[]) =>
  entitlements.map((e) => ({ rule: e.ruleKey, period: e.period, points: e.points }));

const DR_RULES = rules([
  { type: 'event_participation', key: 'event', label: 'Peak event', points: 200 },
  { type: 'event_kwh_shifted', key: 'shifted', label: 'Energy shifted', pointsPerKwh: 10 },
]);

// Tuesday 14 July 2026, 17:00–20:00 in Toronto.
const JULY_14 = '2026-07-14T21:00:00Z';

describe('evaluateRewards: event_participation and event_kwh_shifted', () => {
  const evaluate = (events: EventFact[], extra: Partial<Parameters<typeof evaluateRewards>[0]> = {}) =>
    evaluateRewards({
      rules: DR_RULES,
      timeZone: ZONE,
      asOf: new Date('2026-08-05T12:00:00Z'),
      slot: slot({ events }),
      ...extra,
    });

  it('pays a told, measured event without opt-out, per event, once measured, without needing a first charge', () => {
    const earned = evaluate([event(11, JULY_14), event(12, '2026-07-21T21:00:00Z', { shiftedWh: 1999 })]);
    expect(summarize(earned)).toEqual([
      { rule: 'event', period: 'event-11', points: 200 },
      { rule: 'shifted', period: 'event-11', points: 34 },
      { rule: 'event', period: 'event-12', points: 200 },
      { rule: 'shifted', period: 'event-12', points: 19 },
    ]);
    expect(earned[0]!.earnedAt.toISOString()).toBe('2026-07-15T03:00:00.000Z');
    expect(earned.every((e) => e.vehicleId === 1 && e.slotId === 70)).toBe(true);
  });

  it('explains the event in the program’s local time, and the energy with its rate', () => {
    const [participation, shifted] = evaluate([event(11, JULY_14)]);
    expect(participation!.explanation).toMatchObject({
      rule: 'Peak event',
      summary:
        'Took part in the charging event “Peak 11” on 2026-07-14, 17:00–20:00: told about it and did not opt out.',
      sessions: [],
      facts: { eventId: 11, eventName: 'Peak 11', startsAt: '2026-07-14T21:00:00.000Z', optOut: null },
    });
    expect(shifted!.explanation.summary).toBe(
      'Moved 3.456 kWh of charging out of the charging event “Peak 11” on 2026-07-14, 17:00–20:00 ' +
        '(against your usual charging), at 10 points per kWh.',
    );
    expect(shifted!.explanation.facts).toMatchObject({ shiftedKwh: 3.456, countedKwh: 3.456, capped: false });
  });

  it('pays nothing for the control group, an untold vehicle, an opt-out (explicit or by charging) or a cancelled event', () => {
    const earned = evaluate([
      event(1, JULY_14, { group: 'control', notifiedAt: null }),
      event(2, JULY_14, { notifiedAt: null }),
      event(3, JULY_14, { optOut: 'explicit', optedOutAt: new Date('2026-07-14T20:00:00Z') }),
      event(4, JULY_14, { optOut: 'charging', optedOutAt: new Date('2026-07-15T03:00:00Z') }),
      // Cancelled after being told, even with a measurement time on it.
      event(5, JULY_14, { status: 'cancelled' }),
      event(6, JULY_14, { status: 'cancelled', measuredAt: null }),
    ]);
    expect(earned).toEqual([]);
  });

  it('waits for the measurement: nothing while unmeasured, not completed, or measured after asOf', () => {
    const asOf = new Date('2026-07-15T02:00:00Z');
    expect(evaluate([event(1, JULY_14, { measuredAt: null })])).toEqual([]);
    expect(evaluate([event(2, JULY_14, { status: 'active', measuredAt: null })])).toEqual([]);
    expect(evaluate([event(3, JULY_14)], { asOf })).toEqual([]);
    expect(summarize(evaluate([event(3, JULY_14)], { asOf: new Date('2026-07-15T03:00:00Z') }))).toHaveLength(2);
  });

  it('pays one part per event and slot: the vehicle holding the slot when it started', () => {
    const vehicles = [
      { vehicleId: 1, from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-07-01T00:00:00Z') },
      { vehicleId: 2, from: new Date('2026-07-01T00:00:00Z'), to: null },
    ];
    const earned = evaluateRewards({
      rules: DR_RULES,
      timeZone: ZONE,
      asOf: new Date('2026-08-05T12:00:00Z'),
      slot: slot({ vehicles, events: [event(11, JULY_14), event(11, JULY_14, { vehicleId: 2, shiftedWh: 1000 })] }),
    });
    expect(earned.map((e) => [e.ruleKey, e.vehicleId, e.points])).toEqual([
      ['event', 2, 200],
      ['shifted', 2, 10],
    ]);
  });

  it('pays nothing for an event that started after the slot ended', () => {
    const events = [event(1, JULY_14)];
    const ended = slot({ events, endedAt: new Date('2026-07-14T12:00:00Z') });
    expect(
      evaluateRewards({ rules: DR_RULES, timeZone: ZONE, asOf: new Date('2026-08-05T12:00:00Z'), slot: ended }),
    ).toEqual([]);
  });

  it('floors the shifted energy to whole points, caps it per event, and pays nothing for none or for more charging', () => {
    const capped = rules([
      { type: 'event_kwh_shifted', key: 'shifted', label: 'Energy shifted', pointsPerKwh: 10, maxKwhPerEvent: 2 },
    ]);
    const earned = evaluateRewards({
      rules: capped,
      timeZone: ZONE,
      asOf: new Date('2026-08-05T12:00:00Z'),
      slot: slot({
        events: [
          event(1, JULY_14),
          event(2, JULY_14, { shiftedWh: 0 }),
          event(3, JULY_14, { shiftedWh: -2500 }),
          event(4, JULY_14, { shiftedWh: null }),
          event(5, JULY_14, { shiftedWh: 99 }),
        ],
      }),
    });
    expect(summarize(earned)).toEqual([{ rule: 'shifted', period: 'event-1', points: 20 }]);
    expect(earned[0]!.explanation.summary).toMatch(/at 10 points per kWh, counted up to 2 kWh\.$/);
    expect(earned[0]!.explanation.facts).toMatchObject({ shiftedKwh: 3.456, countedKwh: 2, capped: true });
  });
});

describe('evaluateRewards: opt_out_budget', () => {
  const budget = (maxOptOuts: number) =>
    rules([{ type: 'opt_out_budget', key: 'budget', label: 'Event month', points: 500, maxOptOuts }]);
  const evaluate = (maxOptOuts: number, events: EventFact[], asOf = '2026-09-05T12:00:00Z') =>
    evaluateRewards({ rules: budget(maxOptOuts), timeZone: ZONE, asOf: new Date(asOf), slot: slot({ events }) });
  const optedOut = { optOut: 'explicit', optedOutAt: new Date('2026-07-01T00:00:00Z') } as const;

  it('pays a month with events told and exactly the opt-outs allowed, not one more; charging counts as opting out', () => {
    const july = [event(1, JULY_14), event(2, '2026-07-21T21:00:00Z', optedOut)];
    expect(summarize(evaluate(1, july))).toEqual([{ rule: 'budget', period: '2026-07', points: 500 }]);
    expect(evaluate(0, july)).toEqual([]);
    const twice = [...july, event(3, '2026-07-28T21:00:00Z', { optOut: 'charging' })];
    expect(evaluate(1, twice)).toEqual([]);
    expect(summarize(evaluate(2, twice))).toEqual([{ rule: 'budget', period: '2026-07', points: 500 }]);
  });

  it('explains the count of events and opt-outs', () => {
    const [entry] = evaluate(1, [event(1, JULY_14), event(2, '2026-07-21T21:00:00Z', { optOut: 'charging' })]);
    expect(entry!.explanation.summary).toBe(
      'Told about 2 charging events in 2026-07 and opted out of 1, within the 1 allowed.',
    );
    expect(entry!.explanation.facts).toMatchObject({
      month: '2026-07',
      eventsTold: 2,
      optOuts: 1,
      chargingOptOuts: 1,
      explicitOptOuts: 0,
      maxOptOuts: 1,
    });
    expect(entry!.earnedAt.toISOString()).toBe('2026-08-01T04:00:00.000Z');
  });

  it('pays nothing for a month without told events: control only, cancelled only, or none at all', () => {
    expect(evaluate(0, [])).toEqual([]);
    expect(evaluate(0, [event(1, JULY_14, { group: 'control', notifiedAt: null })])).toEqual([]);
    expect(evaluate(0, [event(2, JULY_14, { status: 'cancelled' })])).toEqual([]);
  });

  it('does not count a cancelled event’s opt-out against the budget', () => {
    const events = [event(1, JULY_14), event(2, '2026-07-21T21:00:00Z', { ...optedOut, status: 'cancelled' })];
    expect(summarize(evaluate(0, events))).toEqual([{ rule: 'budget', period: '2026-07', points: 500 }]);
  });

  it('puts an event at 21:00 local on 31 July in July though it is 1 August in UTC', () => {
    const events = [event(1, '2026-08-01T01:00:00Z', optedOut), event(2, '2026-08-04T21:00:00Z')];
    expect(summarize(evaluate(0, events))).toEqual([{ rule: 'budget', period: '2026-08', points: 500 }]);
    expect(evaluate(0, events)[0]!.explanation.facts).toMatchObject({ eventsTold: 1, optOuts: 0 });
  });

  it('settles a month once it has ended and each of its events is measured, dated by the later of the two', () => {
    // The last event of July ends at midnight and is measured at 03:00 on 1 August.
    const late = event(2, '2026-08-01T01:00:00Z', { measuredAt: new Date('2026-08-01T07:00:00Z') });
    expect(evaluate(0, [event(1, JULY_14), late], '2026-07-31T12:00:00Z')).toEqual([]);
    expect(evaluate(0, [event(1, JULY_14), late], '2026-08-01T06:00:00Z')).toEqual([]);
    const [entry] = evaluate(0, [event(1, JULY_14), late], '2026-08-01T07:00:00Z');
    expect(entry!.earnedAt.toISOString()).toBe('2026-08-01T07:00:00.000Z');
    expect(evaluate(0, [event(1, JULY_14, { measuredAt: null })])).toEqual([]);
  });

  it('pays nothing for the month the slot ended in', () => {
    const ended = slot({ events: [event(1, JULY_14)], endedAt: new Date('2026-07-20T12:00:00Z') });
    expect(
      evaluateRewards({ rules: budget(0), timeZone: ZONE, asOf: new Date('2026-09-01T00:00:00Z'), slot: ended }),
    ).toEqual([]);
  });
});

describe('evaluateRewards: off_peak_share', () => {
  /** Plugged in at `from` until `to` (UTC), in the territory unless said; `charging` stretches in UTC. */
  function session(
    from: string,
    to: string,
    charging?: [string, string][],
    inTerritory: boolean | null = true,
  ): SessionFact {
    const pluggedMs = Date.parse(from);
    const unpluggedMs = Date.parse(to);
    const hours = Math.max(1, Math.ceil((unpluggedMs - pluggedMs) / HOUR_MS));
    const base: SessionFact = {
      vehicleId: 1,
      pluggedAt: new Date(pluggedMs),
      unpluggedAt: new Date(unpluggedMs),
      wallWh: 10_000,
      inTerritory,
      hourly: Array.from({ length: hours }, (_, i) => [pluggedMs + i * HOUR_MS, 10_000 / hours] as const),
    };
    return charging ? { ...base, charging: charging.map(([a, b]) => [Date.parse(a), Date.parse(b)] as const) } : base;
  }
  // The start: an overnight charge in June, with no charging time of its own (only July is looked at).
  const START = { ...session('2026-06-05T03:00:00Z', '2026-06-05T07:00:00Z'), charging: [] };
  // 17:00–07:00 local; charging 17:00–18:00 (peak) and 23:00–03:00 (off-peak): 300 minutes, 80% off-peak.
  const EVENING = session('2026-07-10T21:00:00Z', '2026-07-11T11:00:00Z', [
    ['2026-07-10T21:00:00Z', '2026-07-10T22:00:00Z'],
    ['2026-07-11T03:00:00Z', '2026-07-11T07:00:00Z'],
  ]);
  const share = (minSharePct: number, extra: Partial<TRewardRuleInput> = {}) =>
    rules([
      {
        type: 'off_peak_share',
        key: 'off_peak',
        label: 'Off-peak charging',
        points: 300,
        minSharePct,
        peakHours: { from: 16, to: 21 },
        ...extra,
      } as TRewardRuleInput,
    ]);
  const evaluate = (ruleSet: ReturnType<typeof share>, sessions: SessionFact[], extra: Partial<SlotFacts> = {}) =>
    evaluateRewards({
      rules: ruleSet,
      timeZone: ZONE,
      asOf: new Date('2026-08-05T12:00:00Z'),
      slot: slot({ sessions: [START, ...sessions], ...extra }),
    }).filter((e) => e.period === '2026-07');

  it('pays a month with at least the share of charging time outside local peak hours, explaining the minutes', () => {
    const [entry] = evaluate(share(80), [EVENING]);
    expect(entry).toMatchObject({ ruleKey: 'off_peak', period: '2026-07', points: 300, vehicleId: 1 });
    expect(entry!.earnedAt.toISOString()).toBe('2026-08-01T04:00:00.000Z');
    expect(entry!.explanation.summary).toBe(
      'Charged for 300 minutes at home in 2026-07, 80% of it outside peak hours (16:00–21:00); at least 80% was asked.',
    );
    expect(entry!.explanation.facts).toMatchObject({ chargingMinutes: 300, offPeakMinutes: 240, offPeakSharePct: 80 });
    expect(entry!.explanation.sessions).toHaveLength(1);
    expect(evaluate(share(80.5), [EVENING])).toEqual([]);
  });

  it('counts charging time, not the time plugged in; without segments the time plugged in stands for it', () => {
    const plugged = session('2026-07-10T21:00:00Z', '2026-07-11T11:00:00Z');
    // 17:00–07:00 plugged in: 4 of 14 hours in 16–21.
    const [entry] = evaluate(share(70), [plugged]);
    expect(entry!.explanation.facts).toMatchObject({ chargingMinutes: 840, offPeakMinutes: 600 });
    const nightOnly = session('2026-07-10T21:00:00Z', '2026-07-11T11:00:00Z', [
      ['2026-07-11T03:00:00Z', '2026-07-11T05:00:00Z'],
    ]);
    expect(evaluate(share(100), [nightOnly])[0]!.explanation.facts).toMatchObject({ chargingMinutes: 120 });
  });

  it('pays nothing for a month with less than minMinutes of charging, however off-peak', () => {
    const short = session('2026-07-11T03:00:00Z', '2026-07-11T03:50:00Z', [
      ['2026-07-11T03:00:00Z', '2026-07-11T03:50:00Z'],
    ]);
    expect(evaluate(share(50), [short])).toEqual([]);
    expect(evaluate(share(50, { minMinutes: 50 }), [short])).toHaveLength(1);
  });

  it('counts only charging at home unless told otherwise', () => {
    const away = session('2026-07-12T21:00:00Z', '2026-07-12T23:00:00Z', undefined, false);
    // Two peak hours away from home would bring the share to 240 / 420.
    expect(evaluate(share(80), [EVENING, away])[0]!.explanation.facts).toMatchObject({ chargingMinutes: 300 });
    expect(evaluate(share(80, { requireTerritory: false }), [EVENING, away])).toEqual([]);
  });

  it('splits a charge across local midnight between the months, in the program’s time zone', () => {
    // 23:00 local on 31 July to 01:00 on 1 August (03:00–05:00 UTC on 1 August).
    const overMonthEnd = session('2026-08-01T03:00:00Z', '2026-08-01T05:00:00Z', [
      ['2026-08-01T03:00:00Z', '2026-08-01T05:00:00Z'],
    ]);
    const [entry] = evaluate(share(50), [EVENING, overMonthEnd]);
    expect(entry!.explanation.facts).toMatchObject({ chargingMinutes: 360, offPeakMinutes: 300 });
  });

  it('reads peak hours from the program’s time-of-use plan when the rule names periods', () => {
    const byPeriod = share(80, { peakHours: undefined, peakTouPeriods: ['on_peak'] });
    const periodAt = (ms: number) => {
      const hour = (new Date(ms).getUTCHours() + 20) % 24; // EDT
      return hour >= 16 && hour < 21 ? 'on_peak' : 'off_peak';
    };
    const run = (withPlan: boolean) =>
      evaluateRewards({
        rules: byPeriod,
        timeZone: ZONE,
        ...(withPlan ? { periodAt } : {}),
        asOf: new Date('2026-08-05T12:00:00Z'),
        slot: slot({ sessions: [START, EVENING] }),
      });
    expect(summarize(run(true).filter((e) => e.period === '2026-07'))).toEqual([
      { rule: 'off_peak', period: '2026-07', points: 300 },
    ]);
    expect(run(true).find((e) => e.period === '2026-07')!.explanation.summary).toContain(
      '80% of it outside peak hours (on peak)',
    );
    expect(() => run(false)).toThrow(/pass periodAt/);
  });

  it('pays nothing before the start, nor for a month not yet over', () => {
    expect(evaluate(share(50), [EVENING], { installedAt: null })).toEqual([]);
    const early = evaluateRewards({
      rules: share(50),
      timeZone: ZONE,
      asOf: new Date('2026-07-31T12:00:00Z'),
      slot: slot({ sessions: [START, EVENING] }),
    });
    expect(early.filter((e) => e.period === '2026-07')).toEqual([]);
  });
});

describe('demand-response rules: schema and sentences', () => {
  const errorOf = (value: unknown) => {
    try {
      parseInput(ZRewardRulesSchema, value);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the rules to be refused');
  };

  it('asks for maxOptOuts, and exactly one of peakHours or peakTouPeriods in an off-peak share rule', () => {
    expect(errorOf([{ type: 'opt_out_budget', key: 'b', label: 'B', points: 1 }])).toContain('[0].maxOptOuts');
    expect(errorOf([{ type: 'off_peak_share', key: 'o', label: 'O', points: 1, minSharePct: 80 }])).toContain(
      'give either peakHours or peakTouPeriods',
    );
    expect(
      rules([
        { type: 'off_peak_share', key: 'o', label: 'O', points: 1, minSharePct: 80, peakTouPeriods: ['on_peak'] },
      ])[0],
    ).toMatchObject({
      minMinutes: 60,
      requireTerritory: true,
      days: 'all',
    });
  });

  it('tells drivers each promise, including that a month without events earns nothing', () => {
    const [participation, shifted, budget, offPeak] = rules([
      { type: 'event_participation', key: 'event', label: 'Peak event', points: 200 },
      { type: 'event_kwh_shifted', key: 'shifted', label: 'Energy shifted', pointsPerKwh: 10, maxKwhPerEvent: 20 },
      { type: 'opt_out_budget', key: 'budget', label: 'Event month', points: 500, maxOptOuts: 1 },
      {
        type: 'off_peak_share',
        key: 'off_peak',
        label: 'Off-peak',
        points: 300,
        minSharePct: 80,
        peakHours: { from: 16, to: 21 },
        days: 'weekdays',
      },
    ]);
    expect(describeRule(participation!, 100, 'CAD', 'money')).toBe(
      '$2.00 for every charging event you are told about and do not opt out of (charging during the event counts as opting out), paid once the event has been measured.',
    );
    expect(describeRule(shifted!, 100, 'CAD', 'money')).toBe(
      "$0.10 per kWh of charging you move out of a charging event's hours, measured against your usual charging, up to 20 kWh an event, paid once the event has been measured.",
    );
    expect(describeRule(budget!, 1000, 'USD', 'points')).toBe(
      '500 points for every month in which you are told about at least one charging event and opt out of no more than one (charging during an event counts as opting out); a month without events earns nothing.',
    );
    expect(describeRule(offPeak!, 100, 'CAD', 'money')).toBe(
      '$3.00 for every month in which at least 80% of your charging time at home (in the service territory) falls outside 16:00–21:00 on weekdays, with at least 60 minutes of charging in the month.',
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateRewards,
  findStart,
  type Entitlement,
  type RewardInput,
  type SessionFact,
  type SlotFacts,
} from './evaluate.js';
import { ZRewardRulesSchema, type TRewardRules } from './rules.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

const ZONES = ['America/Chicago', 'America/Toronto', 'Europe/London', 'Asia/Kolkata', 'UTC'] as const;

interface Amounts {
  start: number;
  monthly: number;
  tenureYear: number;
  tenureQuarter: number;
  energyCap: number;
  noPeak: number;
}
const AMOUNTS: Amounts = {
  start: 5000,
  monthly: 500,
  tenureYear: 2500,
  tenureQuarter: 300,
  energyCap: 2000,
  noPeak: 200,
};

function buildRules(startMinKwh: number, monthlyMinKwh: number, monthlyInTerritory: boolean): TRewardRules {
  return ZRewardRulesSchema.parse([
    { type: 'start_bonus', key: 'start', label: 'Start', points: AMOUNTS.start, minKwh: startMinKwh },
    {
      type: 'monthly_participation',
      key: 'monthly',
      label: 'Monthly',
      points: AMOUNTS.monthly,
      minKwh: monthlyMinKwh,
      requireTerritory: monthlyInTerritory,
    },
    { type: 'tenure_bonus', key: 'year', label: 'Year', points: AMOUNTS.tenureYear },
    { type: 'tenure_bonus', key: 'quarter', label: 'Quarter', points: AMOUNTS.tenureQuarter, afterMonths: 3 },
    {
      type: 'energy_in_hours',
      key: 'night',
      label: 'Night',
      pointsPerKwh: 5,
      hours: { from: 23, to: 7 },
      maxPointsPerMonth: AMOUNTS.energyCap,
    },
    {
      type: 'no_peak_month',
      key: 'no_peak',
      label: 'No peak',
      points: AMOUNTS.noPeak,
      peakHours: { from: 16, to: 21 },
      days: 'weekdays',
    },
  ]);
}

interface SessionDraft {
  vehicleId: number;
  gapMin: number;
  durationMin: number;
  wallWh: number;
  inTerritory: boolean | null;
}

function sessionAt(draft: SessionDraft, pluggedMs: number): SessionFact {
  const unpluggedMs = pluggedMs + draft.durationMin * MINUTE_MS;
  const first = Math.floor(pluggedMs / HOUR_MS) * HOUR_MS;
  const count = Math.ceil((unpluggedMs - first) / HOUR_MS);
  return {
    vehicleId: draft.vehicleId,
    pluggedAt: new Date(pluggedMs),
    unpluggedAt: new Date(unpluggedMs),
    wallWh: draft.wallWh,
    inTerritory: draft.inTerritory,
    hourly: Array.from({ length: count }, (_, i) => [first + i * HOUR_MS, draft.wallWh / count] as const),
  };
}

const arbDraft = fc.record({
  vehicleId: fc.constantFrom(1, 1, 2, 2, 3),
  gapMin: fc.integer({ min: 1, max: 15 * 24 * 60 }),
  durationMin: fc.integer({ min: 5, max: 36 * 60 }),
  wallWh: fc.oneof(fc.integer({ min: 0, max: 15_000 }), fc.constantFrom(900, 999, 1000, 1001, 4999, 5000)),
  inTerritory: fc.constantFrom(true, true, true, false, null),
});

/**
 * Mostly a realistic run of charges one after another (a gap, then a session), from ten days before
 * T0 over up to a year and a half, plus a few placed anywhere (overlapping the others).
 */
const arbSessions = fc
  .record({
    run: fc.array(arbDraft, { minLength: 5, maxLength: 60, size: 'max' }),
    loose: fc.array(fc.tuple(arbDraft, fc.integer({ min: 0, max: 480 * 24 * 60 })), { maxLength: 4 }),
  })
  .map(({ run, loose }) => {
    const sessions: SessionFact[] = [];
    let atMs = T0 - 10 * DAY_MS;
    for (const draft of run) {
      atMs += draft.gapMin * MINUTE_MS;
      const s = sessionAt(draft, atMs);
      sessions.push(s);
      atMs = s.unpluggedAt.getTime();
    }
    for (const [draft, startMin] of loose) sessions.push(sessionAt(draft, T0 + startMin * MINUTE_MS));
    return sessions;
  });

const arbOptionalDay = (maxDays: number) =>
  fc.option(
    fc.integer({ min: 0, max: maxDays * 24 * 60 }).map((m) => new Date(T0 + m * MINUTE_MS)),
    { nil: null, freq: 10 },
  );

const arbSlot: fc.Arbitrary<SlotFacts> = fc
  .record({
    installedAt: arbOptionalDay(90),
    activationDelayMin: fc.option(fc.integer({ min: -3 * 24 * 60, max: 10 * 24 * 60 }), { nil: null, freq: 10 }),
    changeAtDay: fc.option(fc.integer({ min: 20, max: 400 }), { nil: null }),
    endedAt: fc.option(
      fc.integer({ min: 0, max: 520 * 24 * 60 }).map((m) => new Date(T0 + m * MINUTE_MS)),
      { nil: null, freq: 2 },
    ),
    sessions: arbSessions,
  })
  .map(({ installedAt, activationDelayMin, changeAtDay, endedAt, sessions }) => {
    const changeAt = changeAtDay === null ? null : new Date(T0 + changeAtDay * DAY_MS);
    return {
      enrollmentId: 1,
      slotId: 10,
      vehicles: changeAt
        ? [
            { vehicleId: 1, from: new Date(T0 - 30 * DAY_MS), to: changeAt },
            { vehicleId: 2, from: changeAt, to: null },
          ]
        : [{ vehicleId: 1, from: new Date(T0 - 30 * DAY_MS), to: null }],
      installedAt,
      activatedAt:
        installedAt && activationDelayMin !== null
          ? new Date(installedAt.getTime() + activationDelayMin * MINUTE_MS)
          : null,
      endedAt,
      sessions,
    };
  });

const arbInput = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    startMinKwh: fc.constantFrom(1, 2),
    monthlyMinKwh: fc.constantFrom(1, 5),
    monthlyInTerritory: fc.boolean(),
    slot: arbSlot,
    asOfMin: fc.integer({ min: 0, max: 540 * 24 * 60 }),
  })
  .map(({ timeZone, startMinKwh, monthlyMinKwh, monthlyInTerritory, slot, asOfMin }): RewardInput => ({
    rules: buildRules(startMinKwh, monthlyMinKwh, monthlyInTerritory),
    timeZone,
    asOf: new Date(T0 + asOfMin * MINUTE_MS),
    slot,
  }));

/** The local 'YYYY-MM' of an instant, straight from Intl (independent of the evaluator's clock). */
const monthFormats = new Map<string, Intl.DateTimeFormat>();
function localMonth(timeZone: string, ms: number): string {
  let format = monthFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
    monthFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(ms);
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
}

function monthIndex(key: string): number {
  return Number(key.slice(0, 4)) * 12 + Number(key.slice(5, 7)) - 1;
}

const periodKey = (e: Entitlement) => `${e.ruleKey}/${e.period}`;

describe('evaluateRewards properties', () => {
  it('is deterministic and does not depend on the order of the sessions', () => {
    fc.assert(
      fc.property(
        arbInput.chain((input) =>
          fc
            .shuffledSubarray([...input.slot.sessions], { minLength: input.slot.sessions.length })
            .map((shuffled) => [input, shuffled] as const),
        ),
        ([input, shuffled]) => {
          const once = evaluateRewards(input);
          expect(evaluateRewards(input)).toEqual(once);
          expect(evaluateRewards({ ...input, slot: { ...input.slot, sessions: shuffled } })).toEqual(once);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never takes back or changes an entitlement when evaluated later on the same facts', () => {
    fc.assert(
      fc.property(arbInput, fc.integer({ min: 1, max: 200 * 24 * 60 }), (input, laterMin) => {
        const later = new Date(input.asOf.getTime() + laterMin * MINUTE_MS);
        const before = evaluateRewards(input);
        const after = evaluateRewards({ ...input, asOf: later });
        const afterByKey = new Map(after.map((e) => [periodKey(e), e]));
        for (const e of before) expect(afterByKey.get(periodKey(e))).toEqual(e);
        // The same holds when the later run is given the start the earlier one recorded.
        const recorded = findStart(input)?.startedAt ?? null;
        const afterRecorded = evaluateRewards({ ...input, asOf: later, startedAt: recorded });
        const recordedByKey = new Map(afterRecorded.map((e) => [periodKey(e), e]));
        for (const e of before) expect(recordedByKey.get(periodKey(e))).toEqual(e);
      }),
      { numRuns: 300 },
    );
  });

  it('gives at most one entitlement per rule and period, sorted by earnedAt then rule', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const result = evaluateRewards(input);
        expect(new Set(result.map(periodKey)).size).toBe(result.length);
        for (let i = 1; i < result.length; i++) {
          const [a, b] = [result[i - 1]!, result[i]!];
          expect(
            a.earnedAt.getTime() < b.earnedAt.getTime() ||
              (a.earnedAt.getTime() === b.earnedAt.getTime() && a.ruleKey <= b.ruleKey),
          ).toBe(true);
        }
        for (const e of result) {
          expect(Number.isInteger(e.points) && e.points > 0).toBe(true);
          expect(e.earnedAt.getTime()).toBeLessThanOrEqual(input.asOf.getTime());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('pays a month only after the start month and only for a qualifying charge in it', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const result = evaluateRewards(input);
        const start = findStart(input);
        if (!start) {
          expect(result).toEqual([]);
          return;
        }
        const monthly = input.rules.find((r) => r.type === 'monthly_participation')!;
        const { slot } = input;
        const startMonth = localMonth(input.timeZone, start.startedAt.getTime());
        const fromMs = Math.max(slot.installedAt!.getTime(), slot.activatedAt!.getTime());
        for (const e of result.filter((x) => x.ruleKey === 'monthly')) {
          expect(e.period > startMonth).toBe(true);
          const qualifying = slot.sessions.filter(
            (s) =>
              localMonth(input.timeZone, s.pluggedAt.getTime()) === e.period &&
              s.pluggedAt.getTime() >= fromMs &&
              s.wallWh >= monthly.minKwh * 1000 &&
              (!monthly.requireTerritory || s.inTerritory === true) &&
              slot.vehicles.some(
                (v) => v.vehicleId === s.vehicleId && v.from <= s.pluggedAt && (v.to === null || s.pluggedAt < v.to),
              ),
          );
          expect(qualifying.length).toBeGreaterThan(0);
          expect(e.explanation.facts.qualifyingSessions).toBe(qualifying.length);
        }
        for (const e of result.filter((x) => /^\d{4}-\d{2}$/.test(x.period))) {
          expect(e.period >= startMonth).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('pays no more than the start, each elapsed month and the tenure bonuses allow', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const result = evaluateRewards(input);
        const start = findStart(input);
        const totalPoints = result.reduce((sum, e) => sum + e.points, 0);
        if (!start) {
          expect(totalPoints).toBe(0);
          return;
        }
        const elapsed = Math.max(
          0,
          monthIndex(localMonth(input.timeZone, input.asOf.getTime())) -
            monthIndex(localMonth(input.timeZone, start.startedAt.getTime())),
        );
        const bound =
          AMOUNTS.start +
          elapsed * (AMOUNTS.monthly + AMOUNTS.noPeak) +
          (elapsed + 1) * AMOUNTS.energyCap +
          AMOUNTS.tenureYear +
          AMOUNTS.tenureQuarter;
        expect(totalPoints).toBeLessThanOrEqual(bound);
        const count = (key: string) => result.filter((e) => e.ruleKey === key).length;
        expect(count('start')).toBeLessThanOrEqual(1);
        expect(count('monthly')).toBeLessThanOrEqual(elapsed);
        expect(count('no_peak')).toBeLessThanOrEqual(elapsed);
        expect(count('year')).toBeLessThanOrEqual(elapsed >= 12 ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Properties of the demand-response rules and off_peak_share over generated events and charges:
 * order does not matter, nothing earned changes when evaluated later, one entitlement per rule and
 * period, and an event pays only a told, measured treatment participant that did not opt out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRewards, type EventFact, type RewardInput, type SessionFact } from './evaluate.js';
import { ZRewardRulesSchema } from './rules.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const ZONES = ['America/Toronto', 'America/Los_Angeles', 'Asia/Kolkata', 'UTC'] as const;

const RULES = ZRewardRulesSchema.parse([
  { type: 'start_bonus', key: 'start', label: 'Start', points: 5000 },
  { type: 'event_participation', key: 'event', label: 'Event', points: 200 },
  { type: 'event_kwh_shifted', key: 'shifted', label: 'Shifted', pointsPerKwh: 7.5, maxKwhPerEvent: 6 },
  { type: 'opt_out_budget', key: 'budget', label: 'Budget', points: 300, maxOptOuts: 1 },
  {
    type: 'off_peak_share',
    key: 'off_peak',
    label: 'Off-peak',
    points: 400,
    minSharePct: 70,
    peakHours: { from: 16, to: 21 },
  },
]);

const arbEvent = fc
  .record({
    eventId: fc.integer({ min: 1, max: 40 }),
    vehicleId: fc.constantFrom(1, 1, 2),
    status: fc.constantFrom('completed', 'completed', 'completed', 'completed', 'cancelled', 'active', 'scheduled'),
    group: fc.constantFrom('treatment', 'treatment', 'treatment', 'control'),
    told: fc.constantFrom(true, true, true, false),
    optOut: fc.constantFrom(null, null, null, 'explicit', 'charging'),
    shiftedWh: fc.option(fc.integer({ min: -5000, max: 12_000 })),
    startMin: fc.integer({ min: 0, max: 300 * 24 * 60 }),
    measuredAfterMin: fc.option(fc.integer({ min: 180, max: 3 * 24 * 60 }), { freq: 4 }),
  })
  .map((d): EventFact => {
    const startsMs = T0 + d.startMin * MINUTE_MS;
    return {
      eventId: d.eventId,
      name: `Event ${d.eventId}`,
      vehicleId: d.vehicleId,
      status: d.status,
      startsAt: new Date(startsMs),
      endsAt: new Date(startsMs + 3 * HOUR_MS),
      group: d.group,
      notifiedAt: d.group === 'treatment' && d.told ? new Date(startsMs - HOUR_MS) : null,
      optOut: d.optOut,
      optedOutAt: d.optOut ? new Date(startsMs) : null,
      shiftedWh: d.shiftedWh,
      measuredAt:
        d.measuredAfterMin === null ? null : new Date(startsMs + 3 * HOUR_MS + d.measuredAfterMin * MINUTE_MS),
    };
  });

/** Charges one after another; some with charging segments inside, some without (the time plugged in counts). */
const arbSessions = fc
  .array(
    fc.record({
      vehicleId: fc.constantFrom(1, 1, 2),
      gapMin: fc.integer({ min: 30, max: 6 * 24 * 60 }),
      durationMin: fc.integer({ min: 10, max: 16 * 60 }),
      inTerritory: fc.constantFrom(true, true, false, null),
      segments: fc.option(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), {
          maxLength: 3,
        }),
      ),
    }),
    { minLength: 1, maxLength: 50 },
  )
  .map((drafts) => {
    const sessions: SessionFact[] = [];
    let atMs = T0 + 3 * DAY_MS;
    for (const d of drafts) {
      atMs += d.gapMin * MINUTE_MS;
      const endMs = atMs + d.durationMin * MINUTE_MS;
      const first = Math.floor(atMs / HOUR_MS) * HOUR_MS;
      const count = Math.ceil((endMs - first) / HOUR_MS);
      const session: SessionFact = {
        vehicleId: d.vehicleId,
        pluggedAt: new Date(atMs),
        unpluggedAt: new Date(endMs),
        wallWh: 8000,
        inTerritory: d.inTerritory,
        hourly: Array.from({ length: count }, (_, i) => [first + i * HOUR_MS, 8000 / count] as const),
      };
      const span = endMs - atMs;
      const charging = d.segments?.map(([a, b]) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return [atMs + Math.round(lo * span), atMs + Math.round(hi * span)] as const;
      });
      sessions.push(charging ? { ...session, charging } : session);
      atMs = endMs;
    }
    return sessions;
  });

const arbInput = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    // One vehicle of the slot per event, as assignment makes it (each event has one window).
    events: fc.uniqueArray(arbEvent, { selector: (e) => e.eventId, maxLength: 25 }),
    sessions: arbSessions,
    endedAfterDays: fc.option(fc.integer({ min: 1, max: 320 }), { freq: 4 }),
    asOfMin: fc.integer({ min: 0, max: 330 * 24 * 60 }),
  })
  .map(({ timeZone, events, sessions, endedAfterDays, asOfMin }): RewardInput => ({
    rules: RULES,
    timeZone,
    asOf: new Date(T0 + asOfMin * MINUTE_MS),
    slot: {
      enrollmentId: 1,
      slotId: 10,
      vehicles: [
        { vehicleId: 1, from: new Date(T0), to: new Date(T0 + 150 * DAY_MS) },
        { vehicleId: 2, from: new Date(T0 + 150 * DAY_MS), to: null },
      ],
      installedAt: new Date(T0 + DAY_MS),
      activatedAt: new Date(T0 + DAY_MS),
      endedAt: endedAfterDays === null ? null : new Date(T0 + endedAfterDays * DAY_MS),
      sessions,
      events,
    },
  }));

const periodKey = (e: { ruleKey: string; period: string }) => `${e.ruleKey}/${e.period}`;

describe('demand-response rules: properties', () => {
  it('do not depend on the order of the events or the sessions', () => {
    fc.assert(
      fc.property(
        arbInput.chain((input) =>
          fc
            .tuple(
              fc.shuffledSubarray([...input.slot.events!], { minLength: input.slot.events!.length }),
              fc.shuffledSubarray([...input.slot.sessions], { minLength: input.slot.sessions.length }),
            )
            .map((shuffled) => [input, shuffled] as const),
        ),
        ([input, [events, sessions]]) => {
          expect(evaluateRewards({ ...input, slot: { ...input.slot, events, sessions } })).toEqual(
            evaluateRewards(input),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never take back or change an entitlement when evaluated later, and date none after asOf', () => {
    fc.assert(
      fc.property(arbInput, fc.integer({ min: 1, max: 90 * 24 * 60 }), (input, laterMin) => {
        const before = evaluateRewards(input);
        const after = evaluateRewards({ ...input, asOf: new Date(input.asOf.getTime() + laterMin * MINUTE_MS) });
        const afterByKey = new Map(after.map((e) => [periodKey(e), e]));
        for (const e of before) {
          expect(afterByKey.get(periodKey(e))).toEqual(e);
          expect(e.earnedAt.getTime()).toBeLessThanOrEqual(input.asOf.getTime());
        }
        expect(new Set(after.map(periodKey)).size).toBe(after.length);
      }),
      { numRuns: 300 },
    );
  });

  it('pay an event only to a told treatment participant of a measured, completed event that did not opt out', () => {
    fc.assert(
      fc.property(arbInput, (input) => {
        const byId = new Map(input.slot.events!.map((e) => [`event-${e.eventId}/${e.vehicleId}`, e]));
        for (const e of evaluateRewards(input)) {
          if (e.ruleKey !== 'event' && e.ruleKey !== 'shifted') continue;
          const fact = byId.get(`${e.period}/${e.vehicleId}`)!;
          expect(fact).toBeDefined();
          expect(fact).toMatchObject({ group: 'treatment', status: 'completed', optOut: null });
          expect(fact.notifiedAt).not.toBeNull();
          expect(fact.measuredAt!.getTime()).toBeLessThanOrEqual(input.asOf.getTime());
          if (e.ruleKey === 'shifted') {
            expect(e.points).toBe(Math.floor(Math.min(fact.shiftedWh! / 1000, 6) * 7.5 + 1e-9));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

import { createLocalClock, HOUR_MS, MINUTE_MS, parseDateKey } from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import {
  CHARGING_TOLERANCE_WH,
  energyBetween,
  energyProfile,
  measureEventData,
  measureParticipant,
  welchInterval,
  type EventInput,
  type ParticipantInput,
  type Segment,
} from './measure.js';
import { mulberry32 } from '../../test/support/telemetry-fixtures.js';

const clock = createLocalClock('America/Toronto');

/** A steady charge at kw from fromMs to toMs. */
function charge(fromMs: number, toMs: number, kw: number): Segment {
  return { startedAtMs: fromMs, endedAtMs: toMs, wallWh: (kw * 1000 * (toMs - fromMs)) / HOUR_MS };
}

function eventOn(dateKey: string, fromHour: number, toHour: number, randomizeS = 900): EventInput {
  return {
    startsAtMs: clock.utcMsAt(dateKey, fromHour, 0),
    endsAtMs: clock.utcMsAt(dateKey, toHour, 0),
    target: 'shift',
    capKw: null,
    randomizeS,
  };
}

/**
 * A fleet that charges every evening 16:00–23:00 local at its own rate (3–11 kW), each day's rate
 * varying by up to ±`dayNoise` of it. On the event day the treatment group charges `shedKw` less
 * inside its own window and `reboundKw` more in the 2 h after.
 */
function fleet(
  event: EventInput,
  n: number,
  shedKw: number,
  reboundKw: number,
  seed: number,
  dayNoise = 0,
): ParticipantInput[] {
  const next = mulberry32(seed);
  const eventDay = clock.localDayNumber(event.startsAtMs);
  const out: ParticipantInput[] = [];
  for (let i = 0; i < n; i++) {
    const group = i % 2 === 0 ? 'treatment' : 'control';
    const rateKw = 3 + 8 * next();
    const startOffsetS = group === 'treatment' ? Math.floor(next() * event.randomizeS) : 0;
    const endOffsetS = group === 'treatment' ? Math.floor(next() * event.randomizeS) : 0;
    const segments: Segment[] = [];
    for (let day = eventDay - 30; day <= eventDay; day++) {
      const from = clock.utcMsAtLocalDay(day, 16, 0);
      const to = clock.utcMsAtLocalDay(day, 23, 0);
      const dayKw = dayNoise === 0 ? rateKw : rateKw * (1 + dayNoise * (2 * next() - 1));
      if (day === eventDay && group === 'treatment') {
        const ws = event.startsAtMs + startOffsetS * 1000;
        const we = event.endsAtMs + endOffsetS * 1000;
        segments.push(charge(from, ws, dayKw), charge(ws, we, dayKw - shedKw));
        segments.push(
          charge(we, we + 2 * HOUR_MS, dayKw + reboundKw),
          charge(we + 2 * HOUR_MS, Math.max(to, we + 2 * HOUR_MS), dayKw),
        );
      } else {
        segments.push(charge(from, to, dayKw));
      }
    }
    out.push({
      vehicleId: String(i + 1),
      group,
      startOffsetS,
      endOffsetS,
      notified: group === 'treatment',
      optOut: null,
      segments,
      otherEventWindows: [],
    });
  }
  return out;
}

describe('energy profiles from charge segments', () => {
  it('spreads a segment uniformly over its span, into 1- and 15-minute bins', () => {
    const t0 = Date.UTC(2026, 6, 14, 12, 0);
    const segments = [charge(t0 + 5 * MINUTE_MS, t0 + 35 * MINUTE_MS, 6)]; // 3 kWh over 30 min
    expect(energyBetween(segments, t0, t0 + HOUR_MS)).toBeCloseTo(3000, 9);
    expect(energyBetween(segments, t0 + 20 * MINUTE_MS, t0 + 25 * MINUTE_MS)).toBeCloseTo(500, 9);
    expect(energyProfile(segments, t0, 4, 15).map((wh) => Math.round(wh))).toEqual([1000, 1500, 500, 0]);
    const minutes = energyProfile(segments, t0, 60, 1);
    expect(minutes[4]).toBe(0);
    expect(minutes[5]).toBeCloseTo(100, 9);
    expect(minutes[34]).toBeCloseTo(100, 9);
    expect(minutes[35]).toBe(0);
  });
});

describe('baseline: comparable non-event days in the program zone', () => {
  const event = eventOn('2026-07-14', 17, 20, 0); // a Tuesday

  function participant(
    segments: Segment[],
    otherEventWindows: { startMs: number; endMs: number }[] = [],
  ): ParticipantInput {
    return {
      vehicleId: '1',
      group: 'control',
      startOffsetS: 0,
      endOffsetS: 0,
      notified: false,
      optOut: null,
      segments,
      otherEventWindows,
    };
  }

  it('uses the 10 most recent days of the same day type, leaving out days with an event for the participant', () => {
    const eventDay = clock.localDayNumber(event.startsAtMs);
    const segments: Segment[] = [];
    const otherEvents: { startMs: number; endMs: number }[] = [];
    for (let day = eventDay - 30; day < eventDay; day++) {
      const dow = (((day + 4) % 7) + 7) % 7;
      const weekend = dow === 0 || dow === 6;
      const from = clock.utcMsAtLocalDay(day, 17, 0);
      const to = clock.utcMsAtLocalDay(day, 20, 0);
      if (day === eventDay - 1 || day === eventDay - 2) {
        // Earlier events (Mon and Sun... the Monday counts): charging stopped for them.
        otherEvents.push({ startMs: from, endMs: to });
        continue;
      }
      segments.push(charge(from, to, weekend ? 20 : 5));
    }
    const m = measureParticipant(clock, event, participant(segments, otherEvents));
    expect(m.baselineDays).toBe(10);
    expect(m.baselineWh).toBeCloseTo(15_000, 6); // 5 kW × 3 h: no weekend day, no event day in it
    expect(m.actualWh).toBe(0);
    expect(m.shiftedWh).toBeCloseTo(15_000, 6);
  });

  it('baselines a weekend event on weekend days only, and says how many it found', () => {
    const saturday = eventOn('2026-07-18', 17, 20, 0);
    const eventDay = parseDateKey('2026-07-18');
    const segments: Segment[] = [];
    for (let day = eventDay - 30; day < eventDay; day++) {
      const dow = (((day + 4) % 7) + 7) % 7;
      segments.push(
        charge(clock.utcMsAtLocalDay(day, 17, 0), clock.utcMsAtLocalDay(day, 20, 0), dow === 0 || dow === 6 ? 20 : 5),
      );
    }
    const m = measureParticipant(clock, saturday, participant(segments));
    expect(m.baselineDays).toBe(8); // the weekend days among the 30 before
    expect(m.baselineWh).toBeCloseTo(60_000, 6);
  });

  it('compares the same local hours across a DST change (the event the day after fall-back)', () => {
    // Toronto falls back on Sunday 1 November 2026: 17:00 local is 21:00 UTC before and 22:00 UTC after.
    const monday = eventOn('2026-11-02', 17, 20, 0);
    const eventDay = parseDateKey('2026-11-02');
    const segments: Segment[] = [];
    for (let day = eventDay - 30; day <= eventDay; day++) {
      segments.push(charge(clock.utcMsAtLocalDay(day, 17, 0), clock.utcMsAtLocalDay(day, 20, 0), 7));
    }
    expect(clock.offsetMinutes(monday.startsAtMs)).not.toBe(
      clock.offsetMinutes(clock.utcMsAtLocalDay(eventDay - 3, 17, 0)),
    );
    const m = measureParticipant(clock, monday, participant(segments));
    expect(m.baselineDays).toBe(10);
    expect(m.baselineWh).toBeCloseTo(21_000, 6); // all 3 h of every day, not 2 h shifted by an hour
    expect(m.actualWh).toBeCloseTo(21_000, 6);
  });

  it('has no baseline without comparable days', () => {
    const m = measureParticipant(clock, event, participant([]));
    expect(m.baselineDays).toBe(10); // days exist; there was simply no charging on them
    expect(m.baselineWh).toBe(0);
    const lonely = measureParticipant(
      clock,
      event,
      participant(
        [],
        Array.from({ length: 31 }, (_, k) => ({
          startMs: event.startsAtMs - (k + 1) * 24 * HOUR_MS,
          endMs: event.startsAtMs - (k + 1) * 24 * HOUR_MS + HOUR_MS,
        })),
      ),
    );
    expect(lonely.baselineDays).toBe(0);
    expect(lonely.baselineWh).toBeNull();
    expect(lonely.shiftedWh).toBeNull();
  });
});

describe('opt-out by charging', () => {
  const event = eventOn('2026-07-14', 17, 20, 0);
  const base = { vehicleId: '1', startOffsetS: 0, endOffsetS: 0, otherEventWindows: [] } as const;

  it('marks a notified treatment participant charging more than the tolerance in its window', () => {
    const over = [charge(event.startsAtMs, event.startsAtMs + 10 * MINUTE_MS, 3.6)]; // 600 Wh
    const under = [charge(event.startsAtMs, event.startsAtMs + 5 * MINUTE_MS, 3.6)]; // 300 Wh
    expect(CHARGING_TOLERANCE_WH).toBe(500);
    const t = { ...base, group: 'treatment', notified: true, optOut: null } as const;
    expect(measureParticipant(clock, event, { ...t, segments: over }).optOut).toBe('charging');
    expect(measureParticipant(clock, event, { ...t, segments: under }).optOut).toBeNull();
    expect(measureParticipant(clock, event, { ...t, optOut: 'explicit', segments: under }).optOut).toBe('explicit');
    expect(measureParticipant(clock, event, { ...t, notified: false, segments: over }).optOut).toBeNull();
    expect(
      measureParticipant(clock, event, { ...t, group: 'control', notified: false, segments: over }).optOut,
    ).toBeNull();
  });

  it('allows a cap event its cap', () => {
    const cap: EventInput = { ...event, target: 'cap', capKw: 3 };
    const t = { ...base, group: 'treatment', notified: true, optOut: null } as const;
    expect(
      measureParticipant(clock, cap, { ...t, segments: [charge(cap.startsAtMs, cap.endsAtMs, 3)] }).optOut,
    ).toBeNull();
    expect(measureParticipant(clock, cap, { ...t, segments: [charge(cap.startsAtMs, cap.endsAtMs, 3.5)] }).optOut).toBe(
      'charging',
    );
  });
});

describe('the fleet result: treatment against control, with a 90 % interval', () => {
  const event = eventOn('2026-07-14', 17, 20);

  it('finds a known shed of 2 kW per participant inside its interval, and the rebound after', () => {
    const { result, participants } = measureEventData(clock, event, fleet(event, 200, 2, 1, 18));
    console.info(
      `known shed 2 kW, rebound 1 kW: estimated ${JSON.stringify(result.shedKw)}, rebound ${JSON.stringify(result.reboundKw)}, baseline-only ${result.baselineShedKw}`,
    );
    expect(result.method).toBe('randomized-control');
    expect(result.confidence).toBe(0.9);
    expect(result.treatment.n).toBe(100);
    expect(result.control.n).toBe(100);
    // Every car charges at the same rate each day: against their own baselines the shed is exact.
    expect(result.adjustment).toBe('baseline');
    expect(result.shedKw).toEqual({ estimate: 2, low: 2, high: 2 });
    // Without the adjustment the cars' different rates are noise, and the interval is wide around 2.
    const plain = result.unadjustedShedKw!;
    expect(plain.low).toBeLessThan(2);
    expect(plain.high).toBeGreaterThan(2);
    expect(plain.low).toBeGreaterThan(0); // the interval excludes no effect at this size
    expect(result.shedKwFleet.estimate).toBeCloseTo(result.shedKw.estimate * 100, 2);
    // Each treated participant charged exactly 2 kW below its own baseline (same rate every day).
    expect(result.baselineShedKw).toBeCloseTo(2, 6);
    expect(result.reboundKw).toEqual({ estimate: 1, low: 1, high: 1 });
    expect(result.shiftedKwh).toBeCloseTo(
      participants
        .filter((p) => p.group === 'treatment')
        .reduce((a, p) => a + ((p.windowEndMs - p.windowStartMs) / HOUR_MS) * 2, 0),
      3,
    );
    expect(result.optOuts).toEqual({ explicit: 0, charging: 100, share: 1 }); // still charging (rate − 2 kW) in the window
    // The 15-minute profile from 2 h before to 3 h after: 5 + 3 + 3 h = 32 steps; inside the window the treatment is below its baseline.
    expect(result.profile).toHaveLength(32);
    expect(result.profile[0]!.at).toBe(new Date(event.startsAtMs - 2 * HOUR_MS).toISOString());
    const inWindow = result.profile[12]!; // 18:00
    expect(inWindow.baselineKw! - inWindow.treatmentKw!).toBeCloseTo(2, 6);
  });

  it('gives an interval containing 0 when the treatment did nothing', () => {
    const { result } = measureEventData(clock, event, fleet(event, 200, 0, 0, 11, 0.3));
    console.info(`known shed 0 kW: estimated ${JSON.stringify(result.shedKw)}`);
    expect(result.adjustment).toBe('baseline');
    expect(result.shedKw.low).toBeLessThan(0);
    expect(result.shedKw.high).toBeGreaterThan(0);
    expect(result.baselineShedKw).toBeCloseTo(0, 0);
  });

  it('narrows the interval by taking each car from its own baseline, and still centres on the truth', () => {
    const { result } = measureEventData(clock, event, fleet(event, 200, 2, 0, 5, 0.3));
    const width = (i: { low: number; high: number }) => i.high - i.low;
    console.info(
      `known shed 2 kW, days ±30 %: adjusted ${JSON.stringify(result.shedKw)}, plain ${JSON.stringify(result.unadjustedShedKw)}`,
    );
    expect(result.shedKw.low).toBeLessThan(2);
    expect(result.shedKw.high).toBeGreaterThan(2);
    expect(width(result.shedKw)).toBeLessThan(width(result.unadjustedShedKw!) * 0.6);
  });

  it('covers the true effect in about 90 % of randomised fleets (no effect and a 2 kW shed)', () => {
    // One seed's interval misses the truth 1 time in 10 by design; over 200 fleets the share that
    // covers it must be near 0.9 (binomial: 0.9 ± 3.5 standard errors of 0.021).
    for (const truthKw of [0, 2]) {
      let covered = 0;
      const runs = 200;
      for (let seed = 1; seed <= runs; seed++) {
        const { result } = measureEventData(clock, event, fleet(event, 30, truthKw, 0, 1000 * truthKw + seed, 0.3));
        if (result.shedKw.low <= truthKw && truthKw <= result.shedKw.high) covered++;
      }
      console.info(`true shed ${truthKw} kW: the 90 % interval covered it in ${covered} of ${runs} fleets of 30`);
      expect(covered / runs).toBeGreaterThan(0.82);
      expect(covered / runs).toBeLessThan(0.98);
    }
  });

  it('falls back to the baseline-only estimate without a control group', () => {
    const treatedOnly = fleet(event, 40, 2, 0, 3).filter((p) => p.group === 'treatment');
    const { result } = measureEventData(clock, event, treatedOnly);
    expect(result.method).toBe('baseline-only');
    expect(result.control.n).toBe(0);
    expect(result.control.meanKw).toBeNull();
    expect(result.shedKw.estimate).toBeCloseTo(2, 6);
    expect(result.reboundKw).toBeNull();
  });

  it('computes Welch intervals that match a textbook case', () => {
    // Two samples with known mean difference 1; t(0.95, df) with df from Welch–Satterthwaite.
    const i = welchInterval([1, 2, 3, 4, 5], [0, 1, 2, 3, 4])!;
    expect(i.estimate).toBe(1);
    // se = sqrt(2.5/5 + 2.5/5) = 1, df = 8, t(0.95, 8) = 1.859548
    expect(i.high - i.estimate).toBeCloseTo(1.859548, 5);
  });
});

/**
 * The per-vehicle state machine, driven for a few simulated days at a fixed temperature with a
 * driver whose habits are spelled out: reading cadence, odometer and state of charge, plug-in
 * fields, ground truth against the readings, off-peak charging, fast-charging stops on a long
 * trip, local days across daylight-saving changes, and determinism.
 */
import { findVariant, getModelById, type CatalogModel, type CatalogVariant } from '@smartcharge/catalog';
import { describe, expect, it } from 'vitest';
import { roadLoadFactor } from './calibration.js';
import type { Charger } from './charging.js';
import type { Persona, Place, PlaceSource } from './driver.js';
import type { DayTruth, RecordFrame, SessionTruth, TripTruth, Truth } from './frame.js';
import { createLocalClock } from '@smartcharge/protocol';
import { createRandom } from './random.js';
import { nextLocalMidnight, PARKED_READING_MS, VehicleSim } from './vehicle-sim.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const KM_PER_DEG_LAT = 111.32;
const clock = createLocalClock('America/Toronto');

interface Car {
  readonly model: CatalogModel;
  readonly variant: CatalogVariant;
  readonly year: number;
}

const car = (id: string, make: string, name: string, year: number): Car => ({
  model: getModelById(id),
  variant: findVariant(make, name, year)!,
  year,
});
const BOLT = car('chevrolet-bolt-ev', 'Chevrolet', 'Bolt EV', 2019);
const PRIUS_PRIME = car('toyota-prius-prime', 'Toyota', 'Prius Prime', 2019);
const MIRAI = car('toyota-mirai', 'Toyota', 'Mirai', 2018);

/** Places due north of where one asks, exactly `km` away: trips of known length. */
const places: PlaceSource = {
  home: (_random, inside) => ({ lat: 43.7, lon: -79.4, inTerritory: inside }),
  around: (from, km) => ({ lat: from.lat + km / KM_PER_DEG_LAT, lon: from.lon, inTerritory: true }),
  at: (lat, lon) => ({ lat, lon, inTerritory: true }),
};

function homeCharger(home: Place, level: 'L1' | 'L2'): Charger {
  return {
    level,
    lineVoltageV: level === 'L1' ? 120 : 240,
    maxKw: level === 'L1' ? 1.44 : 7.7,
    lat: home.lat,
    lon: home.lon,
    inTerritory: home.inTerritory,
    site: 'home',
  };
}

/** A commuter (15 km each way) who plugs in at home every evening on Level 2, unless told otherwise. */
function persona(overrides: Partial<Persona> = {}): Persona {
  const home: Place = { lat: 43.7, lon: -79.4, inTerritory: true };
  return {
    home,
    work: { lat: home.lat + 15 / KM_PER_DEG_LAT, lon: home.lon, inTerritory: true },
    departHour: 7.75,
    workHours: 8.5,
    homeCharging: 'L2',
    homeCharger: homeCharger(home, 'L2'),
    workCharger: undefined,
    offPeakStartHour: undefined,
    plugsNightly: true,
    plugBelowSocPct: 30,
    needMargin: 1.5,
    plugInDelayH: 0,
    targetSocPct: 90,
    dcHeavy: false,
    pace: 1,
    errandsPerWeekday: 0.7,
    errandsPerWeekendDay: 1.7,
    longTripChance: 0,
    ...overrides,
  };
}

interface Run {
  readonly sim: VehicleSim;
  readonly frames: RecordFrame[];
  readonly truths: Truth[];
  /** Readings and truths in the order the simulator produced them. */
  readonly log: ({ frame: RecordFrame } | { truth: Truth })[];
}

interface RunSpec {
  readonly from: string;
  readonly days: number;
  readonly persona?: Persona;
  readonly car?: Car;
  readonly temperatureC?: number;
  readonly seed?: number;
  /** Adjusts the vehicle after it is built (e.g. a low battery). */
  readonly setup?: (sim: VehicleSim) => void;
}

/** Runs one vehicle from local midnight of `from` for `days` local days (and one minute, to close the last day). */
function simulate(spec: RunSpec): Run {
  const { model, variant, year } = spec.car ?? BOLT;
  const startMs = clock.utcMsAt(spec.from, 0, 0);
  const sim = new VehicleSim(
    { serial: 'SIM-TEST-0001', model, variant, modelYear: year, persona: spec.persona ?? persona() },
    {
      climate: { temperatureAt: () => spec.temperatureC ?? 10 },
      clock,
      places,
      random: createRandom(spec.seed ?? 1),
    },
    startMs,
    roadLoadFactor(model, variant),
  );
  spec.setup?.(sim);
  const frames: RecordFrame[] = [];
  const truths: Truth[] = [];
  const log: Run['log'] = [];
  let endMs = startMs;
  for (let d = 0; d < spec.days; d++) endMs = nextLocalMidnight(clock, endMs);
  sim.advanceTo(endMs + 60_000, {
    record(frame) {
      const copy = { ...frame };
      frames.push(copy);
      log.push({ frame: copy });
    },
    truth(event) {
      truths.push(event);
      log.push({ truth: event });
    },
  });
  return { sim, frames, truths, log };
}

const trips = (run: Run) => run.truths.filter((t): t is TripTruth => t.type === 'trip');
const sessions = (run: Run) => run.truths.filter((t): t is SessionTruth => t.type === 'session');
const days = (run: Run) => run.truths.filter((t): t is DayTruth => t.type === 'day');
const active = (f: RecordFrame) => f.driveState === 'driving' || f.chargeState === 'charging';
const onDate = (dateKey: string, hour: number) => clock.utcMsAt(dateKey, hour, 0);

/** A working week from Monday 12 January 2026, with the seed's evening errands. */
const WEEK = simulate({ from: '2026-01-12', days: 5 });

describe('VehicleSim readings', () => {
  it('reads every second while driving or charging, and every ten minutes parked', () => {
    const { frames } = WEEK;
    expect(frames.some((f) => f.driveState === 'driving')).toBe(true);
    expect(frames.some((f) => f.chargeState === 'charging')).toBe(true);
    const wrong: string[] = [];
    for (let i = 1; i < frames.length; i++) {
      const [previous, frame] = [frames[i - 1]!, frames[i]!];
      const gap = frame.timeMs - previous.timeMs;
      const expected =
        active(frame) && active(previous)
          ? SECOND
          : !active(frame) && !active(previous)
            ? PARKED_READING_MS
            : undefined;
      const fits = expected === undefined ? gap > 0 && gap <= PARKED_READING_MS : gap === expected;
      if (!fits) wrong.push(`${new Date(frame.timeMs).toISOString()}: ${gap} ms`);
    }
    expect(wrong).toEqual([]);
  });

  it('never turns the odometer back, and advances it by the distance of the trips', () => {
    const { frames } = WEEK;
    expect(frames.filter((f, i) => i > 0 && f.odometerM < frames[i - 1]!.odometerM)).toEqual([]);
    const driven = trips(WEEK).reduce((sum, t) => sum + t.distanceM, 0);
    expect(driven).toBeGreaterThan(50_000);
    expect(frames[frames.length - 1]!.odometerM - frames[0]!.odometerM).toBeCloseTo(driven, 3);
  });

  it('moves only while driving', () => {
    expect(WEEK.frames.filter((f) => f.driveState !== 'driving' && f.speedMps !== 0)).toEqual([]);
  });

  it('lowers the state of charge on every trip and raises it on every charging session', () => {
    for (const t of trips(WEEK)) expect(t.socEndPct).toBeLessThan(t.socStartPct);
    for (const s of sessions(WEEK)) if (s.batteryEnergyWh > 0) expect(s.socEndPct).toBeGreaterThan(s.socStartPct);
    const { frames } = WEEK;
    const falling = frames.filter(
      (f, i) =>
        i > 0 &&
        f.chargeState === 'charging' &&
        frames[i - 1]!.chargeState === 'charging' &&
        f.socPct <= frames[i - 1]!.socPct,
    );
    expect(falling).toEqual([]);
  });

  it('sets the charging fields only while plugged in, with the position of the charger', () => {
    const chargers = new Set(sessions(WEEK).map((s) => `${s.latDeg},${s.lonDeg}`));
    const plugged = WEEK.frames.filter((f) => f.chargeState !== 'unplugged');
    expect(plugged.length).toBeGreaterThan(0);
    const unplugged = WEEK.frames.filter((f) => f.chargeState === 'unplugged');
    expect(
      unplugged.filter(
        (f) => f.chargeKind !== undefined || !Number.isNaN(f.acLineVoltageV) || !Number.isNaN(f.chargePowerW),
      ),
    ).toEqual([]);
    const wrong = plugged.filter(
      (f) =>
        f.driveState !== 'parked' ||
        f.chargeKind !== 'ac' ||
        !(Math.abs(f.acLineVoltageV - 240) < 240 * 0.02) ||
        !(f.chargeState === 'charging' ? f.chargePowerW > 0 : f.chargePowerW === 0) ||
        !chargers.has(`${f.latDeg},${f.lonDeg}`),
    );
    expect(wrong).toEqual([]);
  });

  it('draws current while driving and takes it in while charging', () => {
    expect(WEEK.frames.filter((f) => f.chargeState === 'charging' && f.packCurrentA >= 0)).toEqual([]);
    const driving = WEEK.frames.filter((f) => f.driveState === 'driving');
    expect(driving.reduce((sum, f) => sum + f.packCurrentA, 0) / driving.length).toBeGreaterThan(0);
  });

  it('reports no engine state for a battery EV and one for a plug-in hybrid', () => {
    expect(WEEK.frames.filter((f) => f.engineOn !== undefined)).toEqual([]);
    const hybrid = simulate({ from: '2026-01-12', days: 1, car: PRIUS_PRIME });
    expect(hybrid.frames.filter((f) => typeof f.engineOn !== 'boolean')).toEqual([]);
  });
});

describe('VehicleSim ground truth', () => {
  it('gives each trip the distance the odometer moved during it', () => {
    const { frames } = WEEK;
    for (const trip of trips(WEEK)) {
      const before = frames.filter((f) => f.timeMs <= trip.startMs).at(-1)!;
      const after = frames.find((f) => f.timeMs === trip.endMs)!;
      expect(after.odometerM - before.odometerM).toBeCloseTo(trip.distanceM, 3);
      expect(trip.electricDistanceM).toBeCloseTo(trip.distanceM, 6);
      expect(trip.ambientMeanC).toBeCloseTo(10, 9);
      expect(trip.batteryEnergyWh).toBeGreaterThan(0);
    }
  });

  it('adds up each session from its segments, with less energy into the battery than through the inlet', () => {
    const all = sessions(WEEK);
    expect(all.filter((s) => s.segments.length > 0).length).toBeGreaterThanOrEqual(3);
    for (const s of all) {
      const inlet = s.segments.reduce((sum, g) => sum + g.inletEnergyWh, 0);
      const battery = s.segments.reduce((sum, g) => sum + g.batteryEnergyWh, 0);
      expect(s.inletEnergyWh).toBeCloseTo(inlet, 6);
      expect(s.batteryEnergyWh).toBeCloseTo(battery, 6);
      if (s.inletEnergyWh > 0) expect(s.batteryEnergyWh).toBeLessThan(s.inletEnergyWh);
      let previousEnd = s.pluggedMs;
      for (const g of s.segments) {
        expect(g.startMs).toBeGreaterThanOrEqual(previousEnd);
        expect(g.endMs).toBeGreaterThan(g.startMs);
        previousEnd = g.endMs;
      }
      expect(previousEnd).toBeLessThanOrEqual(s.unpluggedMs);
    }
  });

  it('matches the session energy with the charging power the readings show', () => {
    for (const s of sessions(WEEK)) {
      const readWh = WEEK.frames
        .filter((f) => f.chargeState === 'charging' && f.timeMs > s.pluggedMs && f.timeMs <= s.unpluggedMs)
        .reduce((sum, f) => sum + f.chargePowerW / 3600, 0);
      expect(readWh).toBeCloseTo(s.inletEnergyWh, 3);
    }
  });

  it('charges at home after the evening commute, up to the persona target and no further', () => {
    const home = sessions(WEEK).filter((s) => s.site === 'home' && s.segments.length > 0);
    expect(home.length).toBeGreaterThanOrEqual(3);
    const charged: number[] = [];
    for (const s of home) {
      expect(s.level).toBe('L2');
      expect(clock.hour(s.pluggedMs)).toBeGreaterThanOrEqual(15);
      charged.push(WEEK.frames.find((f) => f.timeMs === s.segments.at(-1)!.endMs)!.socPct);
    }
    // Charging stops on reaching 90 % (a second at 7 kW adds well under 0.01 % to this pack); only a
    // driver leaving first, or a demand-response pause, leaves it short.
    expect(charged.filter((soc) => soc >= 90.01)).toEqual([]);
    expect(charged.filter((soc) => soc >= 90).length).toBeGreaterThanOrEqual(home.length - 1);
  });
});

describe('VehicleSim charging decisions', () => {
  const OFF_PEAK_WEEK = simulate({ from: '2026-01-12', days: 5, persona: persona({ offPeakStartHour: 23 }) });

  it("starts an off-peak driver's home charging at the off-peak hour", () => {
    const run = OFF_PEAK_WEEK;
    const home = sessions(run).filter((s) => s.site === 'home' && s.segments.length > 0);
    expect(home.length).toBeGreaterThanOrEqual(2);
    for (const s of home) {
      const pluggedHour = clock.hourFraction(s.pluggedMs);
      const start = s.segments[0]!.startMs;
      if (pluggedHour >= 7 && pluggedHour < 23) {
        expect(start).toBe(clock.utcMsAt(clock.localDateKey(s.pluggedMs), 23, 0));
      } else {
        expect(start).toBe(s.pluggedMs);
      }
    }
    // Nothing starts charging in the day: a session that began overnight may run on in the morning.
    const daytime = run.frames.filter((f) => {
      const hour = clock.hourFraction(f.timeMs);
      return f.chargeState === 'charging' && hour >= 12 && hour < 23;
    });
    expect(daytime).toEqual([]);
  });

  it('plugs in on arrival but waits, reporting plugged, until the off-peak hour', () => {
    const evening = OFF_PEAK_WEEK.frames.filter((f) => {
      const hour = clock.hourFraction(f.timeMs);
      return hour >= 15 && hour < 23 && f.chargeState !== 'unplugged';
    });
    expect(evening.length).toBeGreaterThan(0);
    expect(evening.filter((f) => f.chargeState !== 'plugged')).toEqual([]);
  });

  it("plugs in only when tomorrow's driving needs it, for the evening, and stays until the morning", () => {
    // A Bolt, a 15 km commute: about 5 kWh a day. Comfort margin 30 %: from 90 % it takes days to need a charge.
    const run = simulate({ from: '2026-01-12', days: 10, persona: persona({ plugsNightly: false }) });
    const home = sessions(run).filter((s) => s.site === 'home');
    expect(home.length).toBeGreaterThanOrEqual(1);
    expect(home.length).toBeLessThanOrEqual(5);
    for (const s of home) {
      // Plugged in on coming home for the day, unplugged leaving the next morning.
      expect(clock.hourFraction(s.pluggedMs)).toBeGreaterThanOrEqual(15);
      expect(clock.hourFraction(s.unpluggedMs)).toBeGreaterThanOrEqual(5);
      expect(clock.hourFraction(s.unpluggedMs)).toBeLessThan(12);
      expect(s.unpluggedMs - s.pluggedMs).toBeGreaterThan(8 * 3_600_000);
      // Low enough that the next day would have gone below the margin.
      expect(s.socStartPct).toBeLessThan(50);
    }
    // A nightly plugger plugs in every weekday evening.
    const nightly = simulate({ from: '2026-01-12', days: 5, persona: persona() });
    expect(sessions(nightly).filter((s) => s.site === 'home').length).toBeGreaterThanOrEqual(4);
  });

  it('stops at a DC fast charger on a long trip with a low battery, then continues', () => {
    // Saturday 10 January 2026: a day out 80–220 km away, leaving with a quarter of a charge.
    const run = simulate({
      from: '2026-01-10',
      days: 1,
      persona: persona({ work: undefined, longTripChance: 1, plugsNightly: false }),
      setup: (sim) => {
        sim.battery.socPct = 25;
      },
    });
    const order = run.truths.filter((t) => t.type !== 'day');
    const stop = order.findIndex((t) => t.type === 'session' && t.level === 'DCFC');
    expect(stop).toBeGreaterThan(0);
    const toCharger = order[stop - 1] as TripTruth;
    const session = order[stop] as SessionTruth;
    const onward = order[stop + 1] as TripTruth;
    expect(toCharger.type).toBe('trip');
    expect(toCharger.purpose).toBe('charge');
    expect(toCharger.socEndPct).toBeGreaterThan(5);
    expect(session.site).toBe('public');
    expect(session.pluggedMs).toBe(toCharger.endMs);
    expect(session.socEndPct).toBeGreaterThanOrEqual(80);
    expect(session.segments).toHaveLength(1);
    expect(onward.type).toBe('trip');
    expect(onward.purpose).toBe('long');
    expect(onward.startMs).toBe(session.unpluggedMs);
    // Fast charging: a DC session reads as such, at tens of kilowatts.
    const dc = run.frames.filter((f) => f.timeMs > session.pluggedMs && f.timeMs <= session.unpluggedMs);
    expect(dc.length).toBeGreaterThan(0);
    expect(dc.filter((f) => f.chargeKind !== 'dc' || !Number.isNaN(f.acLineVoltageV))).toEqual([]);
    expect(session.peakInletW).toBeGreaterThan(30_000);
    // The day ends at home.
    expect(trips(run).at(-1)!.purpose).toBe('home');
  });

  it('never plugs a fuel-cell car in, and keeps its buffer battery from running flat', () => {
    const run = simulate({
      from: '2026-01-12',
      days: 5,
      car: MIRAI,
      persona: persona({ homeCharging: 'none', homeCharger: undefined }),
    });
    expect(sessions(run)).toEqual([]);
    expect(run.frames.filter((f) => f.chargeState !== 'unplugged')).toEqual([]);
    const driving = run.frames.filter((f) => f.driveState === 'driving');
    expect(driving.length).toBeGreaterThan(3600);
    const flat = driving.filter((f) => f.socPct < 5).length / driving.length;
    expect(flat).toBeLessThan(0.01);
  });
});

describe('VehicleSim local days', () => {
  /** Checks one 'day' truth per local day, each after every reading of its day and before any of the next. */
  function expectOneTruthPerDay(run: Run, dates: readonly string[]): void {
    expect(days(run).map((d) => d.date)).toEqual(dates);
    for (const day of dates) {
      const at = run.log.findIndex((e) => 'truth' in e && e.truth.type === 'day' && e.truth.date === day);
      const midnight = nextLocalMidnight(clock, clock.utcMsAt(day, 12, 0));
      const late = run.log.findIndex((e, i) => i > at && 'frame' in e && e.frame.timeMs < midnight);
      const early = run.log.findIndex((e, i) => i < at && 'frame' in e && e.frame.timeMs > midnight);
      expect(late, `${day}: a reading of the day after its close`).toBe(-1);
      expect(early, `${day}: a reading of the next day before the close`).toBe(-1);
    }
  }

  it('closes exactly one day per local date around the spring-forward change (a 23-hour day)', () => {
    const run = simulate({ from: '2026-03-07', days: 3 });
    expectOneTruthPerDay(run, ['2026-03-07', '2026-03-08', '2026-03-09']);
  });

  it('closes exactly one day per local date around the fall-back change (a 25-hour day)', () => {
    const run = simulate({ from: '2026-10-31', days: 3 });
    expectOneTruthPerDay(run, ['2026-10-31', '2026-11-01', '2026-11-02']);
  });

  it('reports the odometer and a battery health that never improves at the end of each day', () => {
    const run = simulate({ from: '2026-01-12', days: 4 });
    const closes = days(run);
    for (let i = 1; i < closes.length; i++) {
      expect(closes[i]!.sohPct).toBeLessThanOrEqual(closes[i - 1]!.sohPct);
      expect(closes[i]!.odometerM).toBeGreaterThanOrEqual(closes[i - 1]!.odometerM);
    }
    for (const close of closes) {
      const midnight = nextLocalMidnight(clock, clock.utcMsAt(close.date, 12, 0));
      const last = run.frames.filter((f) => f.timeMs <= midnight).at(-1)!;
      expect(close.odometerM).toBeGreaterThanOrEqual(last.odometerM);
      expect(close.capacityKwh).toBeCloseTo((BOLT.variant.usableBatteryKwh * close.sohPct) / 100, 9);
    }
  });
});

describe('nextLocalMidnight', () => {
  it('finds the next local midnight across 23- and 25-hour days', () => {
    expect(nextLocalMidnight(clock, onDate('2026-03-08', 1)) - onDate('2026-03-08', 0)).toBe(23 * HOUR);
    expect(nextLocalMidnight(clock, onDate('2026-11-01', 1)) - onDate('2026-11-01', 0)).toBe(25 * HOUR);
    expect(nextLocalMidnight(clock, onDate('2026-01-12', 0))).toBe(onDate('2026-01-12', 0) + DAY);
  });
});

describe('VehicleSim determinism', () => {
  it('gives identical readings and truths for the same seed, different ones for another', () => {
    const spec = { from: '2026-01-12', days: 2, seed: 42 };
    const a = simulate(spec);
    const b = simulate(spec);
    expect(b.frames).toEqual(a.frames);
    expect(b.truths).toEqual(a.truths);
    expect(simulate({ ...spec, seed: 43 }).frames).not.toEqual(a.frames);
  });
});

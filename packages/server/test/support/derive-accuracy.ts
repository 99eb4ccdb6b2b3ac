/**
 * The accuracy harness: runs a simulated fleet, passes every reading through what a C2 sends (its
 * fields, the protocol's resolution) into the derivation engine, and scores the derived trips,
 * sessions and battery health against the simulator's ground truth.
 *
 * Used by the accuracy suite (derive-accuracy.test.ts) and by `tsx scratch/…` runs that print the
 * scores in full.
 */
import {
  buildFleet,
  FleetRunner,
  toRecordValues,
  type DayTruth,
  type FleetSpec,
  type FleetVehicle,
  type SessionTruth,
  type TripTruth,
} from '@smartcharge/device';
import { quantizeRecordInPlace, type TUplinkRecord } from '@smartcharge/protocol';
import { DeriveEngine } from '../../src/derive/engine.js';
import { weeklyHealth, weekStartMs, type HealthWeek } from '../../src/derive/health.js';
import type { DayReadings, SessionItem, TripItem } from '../../src/derive/items.js';
import { DEFAULT_DERIVE_PARAMS, type DeriveParams } from '../../src/derive/params.js';
import { factsOf } from '../../src/derive/vehicle-facts.js';
import { compileProgram, PRESETS, type ProgramRules } from '../../src/programs/index.js';
import { allocateColumns, writeRecord, type ReadingColumns } from '../../src/telemetry/reading-columns.js';

const DAY_MS = 86_400_000;
const BUFFER = 4096;

export interface VehicleRun {
  readonly vehicle: FleetVehicle;
  readonly truthTrips: TripTruth[];
  readonly truthSessions: SessionTruth[];
  readonly truthDays: DayTruth[];
  readonly trips: TripItem[];
  readonly sessions: SessionItem[];
  readonly days: DayReadings[];
  readonly health: HealthWeek[];
  readonly readings: number;
}

export interface FleetRun {
  readonly vehicles: VehicleRun[];
  readonly program: ProgramRules;
}

export interface HarnessOptions {
  readonly params?: DeriveParams;
  /**
   * Lose readings as a device without power or storage would: in each vehicle, stretches of this
   * many seconds starting at random moments, on average once every `dropEveryH` hours.
   */
  readonly drop?: { readonly everyH: number; readonly seconds: number };
}

/** Per vehicle: the engine, and a buffer of readings waiting to go into it. */
class Feed {
  readonly columns: ReadingColumns = allocateColumns(BUFFER);
  count = 0;
  readings = 0;
  readonly trips: TripItem[] = [];
  readonly sessions: SessionItem[] = [];
  readonly days: DayReadings[] = [];
  dropUntilMs = -Infinity;
  nextDropMs = Number.NaN;

  constructor(readonly engine: DeriveEngine) {}

  add(record: TUplinkRecord): void {
    writeRecord(this.columns, this.count++, record);
    if (this.count === BUFFER) this.flush();
  }

  flush(): void {
    for (let i = 0; i < this.count; i++) this.engine.push(this.columns, i);
    this.readings += this.count;
    this.count = 0;
    const empty = allocateColumns(BUFFER);
    Object.assign(this.columns, empty);
    const done = this.engine.takeCompleted();
    this.trips.push(...done.trips);
    this.sessions.push(...done.sessions);
    this.days.push(...done.days);
  }
}

export async function runFleet(spec: FleetSpec, days: number, options: HarnessOptions = {}): Promise<FleetRun> {
  const params = options.params ?? DEFAULT_DERIVE_PARAMS;
  const program = compileProgram({ id: 1, comparatorMpg: 22, ...programSettingsOf(spec.program) });
  const fleet = buildFleet(spec);
  const feeds = new Map<FleetVehicle, Feed>();
  const truths = new Map<string, { trips: TripTruth[]; sessions: SessionTruth[]; days: DayTruth[] }>();
  for (const vehicle of fleet) {
    feeds.set(vehicle, new Feed(new DeriveEngine(params, factsOf(vehicle.spec.model, vehicle.spec.variant), program)));
    truths.set(vehicle.spec.serial, { trips: [], sessions: [], days: [] });
  }
  // A reproducible stream for the dropped stretches (not the simulator's own).
  let seed = spec.seed * 7919 + 17;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const runner = new FleetRunner(fleet, {
    truth(event) {
      const bucket = truths.get(event.serial)!;
      if (event.type === 'trip') bucket.trips.push(event);
      else if (event.type === 'session') bucket.sessions.push(event);
      else bucket.days.push(event);
    },
    reading(vehicle, frame) {
      const feed = feeds.get(vehicle)!;
      if (options.drop) {
        if (Number.isNaN(feed.nextDropMs))
          feed.nextDropMs = frame.timeMs - Math.log(1 - random()) * options.drop.everyH * 3_600_000;
        if (frame.timeMs >= feed.nextDropMs) {
          feed.dropUntilMs = frame.timeMs + options.drop.seconds * 1000;
          feed.nextDropMs = feed.dropUntilMs - Math.log(1 - random()) * options.drop.everyH * 3_600_000;
        }
        if (frame.timeMs < feed.dropUntilMs) return;
      }
      const values = toRecordValues(frame, vehicle.spec.model.powertrain === 'PHEV');
      const record = quantizeRecordInPlace({ seq: 0, ...values });
      feed.add(record);
    },
  });
  await runner.run({ untilMs: spec.startMs + days * DAY_MS, stepMs: 6 * 3_600_000 });

  const vehicles: VehicleRun[] = [];
  for (const vehicle of fleet) {
    const feed = feeds.get(vehicle)!;
    feed.flush();
    const open = feed.engine.openItems();
    if (open.trip) feed.trips.push(open.trip);
    if (open.session) feed.sessions.push(open.session);
    if (open.day) feed.days.push(open.day);
    const truth = truths.get(vehicle.spec.serial)!;
    vehicles.push({
      vehicle,
      truthTrips: truth.trips,
      truthSessions: truth.sessions,
      truthDays: truth.days,
      trips: feed.trips,
      sessions: feed.sessions,
      days: feed.days,
      health: healthOf(feed, vehicle, params, program, spec.startMs, spec.startMs + days * DAY_MS),
      readings: feed.readings,
    });
  }
  return { vehicles, program };
}

function programSettingsOf(program: FleetSpec['program']) {
  const preset = PRESETS[program];
  return {
    timeZone: preset.timeZone,
    territory: (preset.territory ?? null) as never,
    tou: preset.tou ?? null,
    gridGPerKwh: preset.gridGPerKwh,
    gridHourlyGPerKwh: preset.gridHourlyGPerKwh ?? null,
  };
}

function healthOf(
  feed: Feed,
  vehicle: FleetVehicle,
  params: DeriveParams,
  program: ProgramRules,
  fromMs: number,
  toMs: number,
): HealthWeek[] {
  const capacity = feed.sessions
    .flatMap((s) => s.segments)
    .filter((g) => g.capacityWh !== null && g.kind !== null)
    .map((g) => ({ atMs: g.endMs, kind: g.kind!, capacityWh: g.capacityWh! }));
  const resistance = feed.trips
    .filter((t) => t.resistanceMohm25c !== null)
    .map((t) => ({ atMs: t.endMs, mohm25c: t.resistanceMohm25c! }));
  const bms = feed.trips.filter((t) => t.bmsSohPct !== null).map((t) => ({ atMs: t.endMs, sohPct: t.bmsSohPct! }));
  const weeks: number[] = [];
  for (let w = weekStartMs(program.clock, fromMs); w < toMs; w = weekStartMs(program.clock, w + 8 * DAY_MS))
    weeks.push(w);
  return weeklyHealth(
    { capacity, resistance, bms },
    weeks,
    params,
    factsOf(vehicle.spec.model, vehicle.spec.variant),
    program.clock,
  );
}

// -------------------------------------------------------------------------------------------------
// Scores

export interface Scores {
  readonly vehicles: number;
  readonly readings: number;
  readonly trips: { truth: number; derived: number; matched: number; vehiclesExact: number };
  readonly tripEnergy: ErrorSummary;
  readonly tripDistance: ErrorSummary;
  readonly tripElectricDistance: ErrorSummary;
  readonly sessions: { truth: number; derived: number; matched: number; vehiclesExact: number };
  readonly sessionBatteryEnergy: ErrorSummary;
  readonly sessionWallEnergy: ErrorSummary;
  readonly levels: { matched: number; correct: number };
  readonly territory: { matched: number; correct: number };
  readonly segments: { truth: number; derived: number };
  /** Vehicles with 3 months or more: |derived − true| state of health in the last week (points). */
  readonly soh: { vehicles: number; maxError: number; meanError: number; withoutEstimate: number };
  readonly powerCapacity: { vehicles: number; maxError: number; meanError: number };
}

export interface ErrorSummary {
  /** Σ derived / Σ truth − 1, over matched items. */
  readonly totalRelError: number;
  /** Relative error of single items (those large enough to judge: trips ≥ 1 km, sessions ≥ 1 kWh). */
  readonly medianRelError: number;
  readonly p95RelError: number;
  readonly maxRelError: number;
  readonly items: number;
}

function summarize(pairs: readonly [derived: number, truth: number][], minTruth: number): ErrorSummary {
  let d = 0;
  let t = 0;
  const errors: number[] = [];
  for (const [derived, truth] of pairs) {
    d += derived;
    t += truth;
    if (Math.abs(truth) >= minTruth) errors.push(Math.abs(derived / truth - 1));
  }
  errors.sort((a, b) => a - b);
  const at = (q: number) =>
    errors.length === 0 ? 0 : errors[Math.min(errors.length - 1, Math.floor(q * errors.length))]!;
  return {
    totalRelError: t === 0 ? 0 : d / t - 1,
    medianRelError: at(0.5),
    p95RelError: at(0.95),
    maxRelError: errors.length === 0 ? 0 : errors.at(-1)!,
    items: errors.length,
  };
}

/** Items matched by start time (within `toleranceMs`), in order. */
function match<A, B>(
  truth: readonly A[],
  derived: readonly B[],
  tStart: (a: A) => number,
  dStart: (b: B) => number,
  toleranceMs: number,
) {
  const pairs: [A, B][] = [];
  let j = 0;
  for (const a of truth) {
    while (j < derived.length && dStart(derived[j]!) < tStart(a) - toleranceMs) j++;
    if (j < derived.length && Math.abs(dStart(derived[j]!) - tStart(a)) <= toleranceMs) pairs.push([a, derived[j++]!]);
  }
  return pairs;
}

export function score(run: FleetRun, options: { sohAfterDays?: number; toleranceMs?: number } = {}): Scores {
  const tolerance = options.toleranceMs ?? 1000;
  const tripEnergy: [number, number][] = [];
  const tripDistance: [number, number][] = [];
  const tripElectric: [number, number][] = [];
  const batteryEnergy: [number, number][] = [];
  const wallEnergy: [number, number][] = [];
  const trips = { truth: 0, derived: 0, matched: 0, vehiclesExact: 0 };
  const sessions = { truth: 0, derived: 0, matched: 0, vehiclesExact: 0 };
  const levels = { matched: 0, correct: 0 };
  const territory = { matched: 0, correct: 0 };
  const segments = { truth: 0, derived: 0 };
  const sohErrors: number[] = [];
  const powerErrors: number[] = [];
  let withoutEstimate = 0;
  let readings = 0;
  for (const v of run.vehicles) {
    readings += v.readings;
    // Items the simulation cut off at its end are not in the truth.
    const lastTruthTrip = v.truthTrips.at(-1)?.endMs ?? -Infinity;
    const lastTruthSession = v.truthSessions.at(-1)?.unpluggedMs ?? -Infinity;
    const derivedTrips = v.trips.filter((t) => t.complete || t.startMs <= lastTruthTrip);
    const derivedSessions = v.sessions.filter((s) => s.complete || s.startMs <= lastTruthSession);
    trips.truth += v.truthTrips.length;
    trips.derived += derivedTrips.length;
    const tripPairs = match(
      v.truthTrips,
      derivedTrips,
      (t) => t.startMs,
      (d) => d.startMs,
      tolerance,
    );
    trips.matched += tripPairs.length;
    if (tripPairs.length === v.truthTrips.length && derivedTrips.length === v.truthTrips.length) trips.vehiclesExact++;
    for (const [truth, derived] of tripPairs) {
      tripEnergy.push([derived.energyWh, truth.batteryEnergyWh]);
      tripDistance.push([derived.distanceM, truth.distanceM]);
      tripElectric.push([derived.electricDistanceM, truth.electricDistanceM]);
    }
    sessions.truth += v.truthSessions.length;
    sessions.derived += derivedSessions.length;
    const sessionPairs = match(
      v.truthSessions,
      derivedSessions,
      (s) => s.pluggedMs,
      (d) => d.startMs,
      tolerance,
    );
    sessions.matched += sessionPairs.length;
    if (sessionPairs.length === v.truthSessions.length && derivedSessions.length === v.truthSessions.length) {
      sessions.vehiclesExact++;
    }
    for (const [truth, derived] of sessionPairs) {
      batteryEnergy.push([derived.batteryWh, truth.batteryEnergyWh]);
      wallEnergy.push([derived.wallWh, truth.inletEnergyWh]);
      if (truth.segments.length > 0) {
        levels.matched++;
        if (derived.level === truth.level) levels.correct++;
      }
      if (derived.inTerritory !== null) {
        territory.matched++;
        if (derived.inTerritory === truth.inTerritory) territory.correct++;
      }
      segments.truth += truth.segments.length;
      segments.derived += derived.segments.length;
    }
    // State of health in the last full week, once the vehicle has enough history.
    const days = v.truthDays.length;
    if (days >= (options.sohAfterDays ?? 90) && v.vehicle.spec.model.powertrain !== 'FCEV') {
      const last = v.health.at(-2);
      const truthDay = v.truthDays.at(-1)!;
      if (!last?.soh) withoutEstimate++;
      else sohErrors.push(Math.abs(last.soh.value - truthDay.sohPct));
      if (last?.powerCapacity) powerErrors.push(Math.abs(last.powerCapacity.value - truthDay.powerCapacityPct));
    }
  }
  const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
  return {
    vehicles: run.vehicles.length,
    readings,
    trips,
    tripEnergy: summarize(tripEnergy, 100),
    tripDistance: summarize(tripDistance, 1000),
    tripElectricDistance: summarize(tripElectric, 1000),
    sessions,
    sessionBatteryEnergy: summarize(batteryEnergy, 1000),
    sessionWallEnergy: summarize(wallEnergy, 1000),
    levels,
    territory,
    segments,
    soh: {
      vehicles: sohErrors.length,
      maxError: Math.max(0, ...sohErrors),
      meanError: mean(sohErrors),
      withoutEstimate,
    },
    powerCapacity: {
      vehicles: powerErrors.length,
      maxError: Math.max(0, ...powerErrors),
      meanError: mean(powerErrors),
    },
  };
}

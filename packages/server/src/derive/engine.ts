/**
 * The derivation engine: one deterministic state machine per vehicle, fed its readings in time
 * order, producing trips, plug-in sessions (with their charging segments) and daily reading
 * statistics. It does no I/O and reads no clock: what it remembers is its state, and the same
 * readings always give the same items, bit for bit. Live ingest and `smartcharge rebuild` both run
 * it; they differ only in where the readings come from.
 *
 * Conventions
 * - A reading stands for the interval since the previous one: its power × that interval is energy.
 *   The first reading of an item counts for at most one second (the item starts one second before
 *   it, or at the previous reading if that is closer).
 * - Intervals longer than `sampleMaxMs` are gaps: one second of them is counted as measured, the
 *   rest is estimated (trips: the gap's distance at the trip's measured Wh/km; charging: the mean
 *   of the powers either side) and reported as gap seconds.
 * - A trip is a run of readings in drive (split by a gap longer than `tripMaxGapMs`), closed by the
 *   first reading that is not (that reading is its last second). A plug-in session is a run of
 *   plugged-in readings (plugged or charging), split where the car moved or readings are further
 *   apart than `sessionMaxGapMs`; it ends one second before the first reading that is not plugged
 *   in. Its charging segments are the runs of charging readings inside it.
 * - Replay from a checkpoint: readings at or before `itemsAfterMs` only set the context (the
 *   previous reading); items start after it. Day statistics count readings from `daysFromMs` on.
 *   Because an item depends only on its own readings and the one before, a replay started at an
 *   item's start reproduces that item and everything after it exactly.
 */
import type { LocalClock } from '@smartcharge/protocol';
import type { ProgramRules } from '../programs/index.js';
import { AC, ABSENT, CHARGING, DC, DRIVING, PLUGGED, type ReadingColumns } from '../telemetry/reading-columns.js';
import type { DayReadings, HourEnergy, SegmentItem, SessionItem, TripItem } from './items.js';
import { CHARGE_EFFICIENCY, classifyLevel } from './levels.js';
import type { DeriveParams } from './params.js';

/** What the engine needs to know about the vehicle (from the catalog). */
export interface VehicleFacts {
  readonly powertrain: 'BEV' | 'PHEV' | 'FCEV' | undefined;
  /** Usable capacity when new (Wh). */
  readonly newCapacityWh: number | undefined;
  readonly nominalVoltageV: number | undefined;
  /** Plug-in hybrids: fuel use once the battery is depleted (L/100 km). */
  readonly fuelLPer100km: number | undefined;
}

export interface EngineWindow {
  /** Readings at or before this time are context only: no item starts there. */
  readonly itemsAfterMs: number;
  /** Day statistics count readings from this time (a local midnight) on. */
  readonly daysFromMs: number;
}

/** EPA: 8,887 g CO2 per US gallon of gasoline; 1 US gallon = 3.785411784 L; 1 mile = 1,609.344 m. */
export const GASOLINE_G_PER_GALLON = 8887;
export const GASOLINE_G_PER_LITRE = GASOLINE_G_PER_GALLON / 3.785411784;
const METRES_PER_MILE = 1609.344;
/** Share of wall energy that reaches the battery, for a trip's footprint (catalog's figure). */
export const TRIP_WALL_EFFICIENCY = 0.88;

/**
 * Typical Li-ion cell resistance against temperature, relative to 25 °C: about ×2.4 at 0 °C and ×5
 * at −20 °C, slowly lower above 25 °C. Used to compare resistances measured at different temperatures.
 */
export function resistanceTemperatureFactor(tempC: number): number {
  return tempC < 25 ? Math.exp(0.035 * (25 - tempC)) : Math.exp(0.01 * (25 - tempC));
}

/**
 * Resistance of a typical new pack at 25 °C (Ω): a 3.5 % voltage drop at a 1C discharge. The
 * reference for power capacity; undefined without the catalog's capacity and voltage.
 */
export function referenceResistanceOhm(vehicle: VehicleFacts): number | undefined {
  const { newCapacityWh, nominalVoltageV } = vehicle;
  if (!newCapacityWh || !nominalVoltageV) return undefined;
  return (0.035 * nominalVoltageV * nominalVoltageV) / newCapacityWh;
}

/** Steps in pack current at least this large (A) give a resistance sample. */
const RESISTANCE_MIN_STEP_A = 20;
/** Resistance samples are taken with the pack between these temperatures (°C). */
const RESISTANCE_TEMP_MIN_C = 10;
const RESISTANCE_TEMP_MAX_C = 40;
/** Positions kept per session for its location (the median of the first ones). */
const MAX_FIXES = 120;

const num = (value: number): number | null => (Number.isNaN(value) ? null : value);

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** Minimum, maximum, sum and count of a value. */
class Stats {
  min = Infinity;
  max = -Infinity;
  sum = 0;
  count = 0;
  add(value: number): void {
    if (Number.isNaN(value)) return;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sum += value;
    this.count++;
  }
  get mean(): number | null {
    return this.count > 0 ? this.sum / this.count : null;
  }
  get minOrNull(): number | null {
    return this.count > 0 ? this.min : null;
  }
  get maxOrNull(): number | null {
    return this.count > 0 ? this.max : null;
  }
}

class TripAcc {
  readonly startMs: number;
  lastMs: number;
  endMs: number;
  readings = 0;
  gapMs = 0;
  gapDistanceM = 0;
  startOdometer: number;
  lastOdometer: number;
  speedDistanceM = 0;
  electricDistanceM = 0;
  energyWh = 0;
  measuredMs = 0;
  hvacWh = 0;
  auxWh = 0;
  socStart: number;
  socEnd = Number.NaN;
  bmsSoh = Number.NaN;
  readonly ambient = new Stats();
  readonly resistance: number[] = [];

  constructor(startMs: number, startOdometer: number, socStart: number) {
    this.startMs = startMs;
    this.lastMs = startMs;
    this.endMs = startMs;
    this.startOdometer = startOdometer;
    this.lastOdometer = startOdometer;
    this.socStart = socStart;
  }
}

class SegmentAcc {
  readonly startMs: number;
  lastMs: number;
  kind = ABSENT;
  batteryWh = 0;
  wallWh = 0;
  peakW = Number.NaN;
  socStart: number;
  socEnd = Number.NaN;
  readonly batteryTemp = new Stats();
  // Capacity estimate: energy into the cells after the first reading, while SoC ≤ the maximum.
  capacityValid = true;
  /** The state of charge passed the highest used: later readings no longer count. */
  capacityDone = false;
  capacityAnchorSoc: number;
  capacitySocEnd = Number.NaN;
  capacityEnergyWh = 0;
  /** Resistance (Ω) at the temperature `resistanceTempC`, for taking I²R out of the pack-side energy. */
  resistanceOhm = 0;
  resistanceTempC = 25;
  readonly capacityTemp = new Stats();

  constructor(startMs: number, socStart: number) {
    this.startMs = startMs;
    this.lastMs = startMs;
    this.socStart = socStart;
    this.capacityAnchorSoc = socStart;
  }
}

class SessionAcc {
  readonly startMs: number;
  lastMs: number;
  readings = 0;
  gapMs = 0;
  chargingMs = 0;
  batteryWh = 0;
  wallWh = 0;
  batteryMeasured = false;
  wallMeasured = false;
  peakW = Number.NaN;
  voltageSum = 0;
  voltageMs = 0;
  plugVoltageSum = 0;
  plugVoltageCount = 0;
  acMs = 0;
  dcMs = 0;
  plugAc = 0;
  plugDc = 0;
  socStart: number;
  socEnd = Number.NaN;
  lastOdometer: number;
  readonly lats: number[] = [];
  readonly lons: number[] = [];
  readonly ambient = new Stats();
  hvacWh = 0;
  auxWh = 0;
  /** Local-hour buckets: start ms → index in `hours`. */
  readonly hours: HourEnergy[] = [];
  hourStartMs = Number.NaN;
  hourEndMs = Number.NaN;
  readonly segments: SegmentItem[] = [];
  segment: SegmentAcc | undefined;
  /** The previous reading was charging (so a gap before this one can be bridged). */
  lastChargingPowerW = Number.NaN;
  lastBatteryPowerW = Number.NaN;

  constructor(startMs: number, socStart: number, odometer: number) {
    this.startMs = startMs;
    this.lastMs = startMs;
    this.socStart = socStart;
    this.lastOdometer = odometer;
  }
}

class DayAcc {
  readings = 0;
  readonly ambient = new Stats();
  constructor(
    readonly dayNumber: number,
    readonly dateKey: string,
  ) {}
}

/** The previous reading (what an item's first reading is measured against). */
interface Previous {
  timeMs: number;
  odometerM: number;
  socPct: number;
  voltageV: number;
  currentA: number;
  batteryTempC: number;
}

export class DeriveEngine {
  private prev: Previous | undefined;
  private trip: TripAcc | undefined;
  private session: SessionAcc | undefined;
  private day: DayAcc | undefined;
  private readonly clock: LocalClock;
  private readonly referenceOhm: number | undefined;
  /** Items completed since the last takeCompleted(). */
  private completedTrips: TripItem[] = [];
  private completedSessions: SessionItem[] = [];
  private completedDays: DayReadings[] = [];
  /** Time of the last reading taken (later readings must be later still; others are skipped). */
  lastTimeMs = -Infinity;
  /** Readings skipped because they were not later than the one before (same millisecond). */
  skipped = 0;

  constructor(
    private readonly params: DeriveParams,
    private readonly vehicle: VehicleFacts,
    private readonly program: ProgramRules,
    private readonly window: EngineWindow = { itemsAfterMs: -Infinity, daysFromMs: -Infinity },
  ) {
    this.clock = program.clock;
    this.referenceOhm = referenceResistanceOhm(vehicle);
  }

  /** Takes reading `i` of `c`. */
  push(c: ReadingColumns, i: number): void {
    const t = c.timeMs[i]!;
    if (t <= this.lastTimeMs) {
      this.skipped++;
      return;
    }
    this.lastTimeMs = t;
    if (t >= this.window.daysFromMs) this.countDay(c, i, t);
    if (t <= this.window.itemsAfterMs) {
      this.remember(c, i, t);
      return;
    }
    const driving = c.driveState[i] === DRIVING;
    const charge = c.chargeState[i]!;
    const plugged = !driving && (charge === PLUGGED || charge === CHARGING);
    const prev = this.prev;
    const dt = prev === undefined ? Number.NaN : t - prev.timeMs;
    const p = this.params;

    // Trips
    const trip = this.trip;
    if (trip) {
      if (driving && dt <= p.tripMaxGapMs) {
        this.addTripReading(trip, c, i, t, dt, false);
      } else {
        // Not driving: this reading is the trip's last second (if it follows closely and is not charging).
        if (!driving && dt <= p.sampleMaxMs && charge !== CHARGING) this.addTripReading(trip, c, i, t, dt, true);
        this.closeTrip(trip);
      }
    }
    // Sessions
    const session = this.session;
    if (session) {
      const moved = Math.abs(c.odometerM[i]! - session.lastOdometer) > 50;
      if (!plugged) {
        this.closeSession(session, dt <= p.sessionMaxGapMs ? t - Math.min(dt, 1000) : session.lastMs);
      } else if (!(dt <= p.sessionMaxGapMs) || moved) {
        this.closeSession(session, session.lastMs);
      }
    }
    if (driving && this.trip === undefined) {
      const first = Math.min(Number.isNaN(dt) ? 1000 : dt, 1000);
      const near = prev !== undefined && dt <= p.tripMaxGapMs;
      const odometer = near && !Number.isNaN(prev.odometerM) ? prev.odometerM : c.odometerM[i]!;
      const soc = near && !Number.isNaN(prev.socPct) ? prev.socPct : c.socPct[i]!;
      this.trip = new TripAcc(t - first, odometer, soc);
      this.addTripReading(this.trip, c, i, t, first, false);
    }
    if (plugged) {
      let s = this.session;
      const first = s === undefined;
      if (s === undefined) {
        const interval = Math.min(Number.isNaN(dt) ? 1000 : dt, 1000);
        s = this.session = new SessionAcc(t - interval, c.socPct[i]!, c.odometerM[i]!);
      }
      this.addSessionReading(s, c, i, t, first ? t - s.startMs : dt, first);
    }
    this.remember(c, i, t);
  }

  /** Trips, sessions and days completed since the last call. */
  takeCompleted(): { trips: TripItem[]; sessions: SessionItem[]; days: DayReadings[] } {
    const out = { trips: this.completedTrips, sessions: this.completedSessions, days: this.completedDays };
    this.completedTrips = [];
    this.completedSessions = [];
    this.completedDays = [];
    return out;
  }

  /** The items still open after the last reading (as far as the data shows, still going on). */
  openItems(): { trip: TripItem | undefined; session: SessionItem | undefined; day: DayReadings | undefined } {
    return {
      trip: this.trip ? this.tripItem(this.trip, false) : undefined,
      session: this.session ? this.sessionItem(this.session, false) : undefined,
      day: this.day ? dayItem(this.day) : undefined,
    };
  }

  private remember(c: ReadingColumns, i: number, t: number): void {
    const prev = (this.prev ??= {
      timeMs: 0,
      odometerM: 0,
      socPct: 0,
      voltageV: 0,
      currentA: 0,
      batteryTempC: 0,
    });
    prev.timeMs = t;
    prev.odometerM = c.odometerM[i]!;
    prev.socPct = c.socPct[i]!;
    prev.voltageV = c.packVoltageV[i]!;
    prev.currentA = c.packCurrentA[i]!;
    prev.batteryTempC = c.batteryTempC[i]!;
  }

  private countDay(c: ReadingColumns, i: number, t: number): void {
    const dayNumber = this.clock.localDayNumber(t);
    let day = this.day;
    if (day === undefined || day.dayNumber !== dayNumber) {
      if (day) this.completedDays.push(dayItem(day));
      day = this.day = new DayAcc(dayNumber, this.clock.localDateKey(t));
    }
    day.readings++;
    day.ambient.add(c.ambientTempC[i]!);
  }

  // ---------------------------------------------------------------------------------------------
  // Trips

  private addTripReading(trip: TripAcc, c: ReadingColumns, i: number, t: number, dt: number, closing: boolean): void {
    const sampleMax = this.params.sampleMaxMs;
    const gap = dt > sampleMax;
    const interval = gap ? 1000 : dt;
    if (gap) trip.gapMs += dt - 1000;
    trip.readings++;
    trip.lastMs = t;
    trip.endMs = t;
    const voltage = c.packVoltageV[i]!;
    const current = c.packCurrentA[i]!;
    const hours = interval / 3_600_000;
    if (!Number.isNaN(voltage) && !Number.isNaN(current)) {
      trip.energyWh += voltage * current * hours;
      trip.measuredMs += interval;
    }
    const hvac = c.hvacPowerW[i]!;
    const aux = c.auxPowerW[i]!;
    if (!Number.isNaN(hvac)) trip.hvacWh += hvac * hours;
    if (!Number.isNaN(aux)) trip.auxWh += aux * hours;
    const odometer = c.odometerM[i]!;
    if (!Number.isNaN(odometer)) {
      const step = Number.isNaN(trip.lastOdometer) ? 0 : Math.max(0, odometer - trip.lastOdometer);
      if (Number.isNaN(trip.startOdometer)) trip.startOdometer = odometer;
      if (gap) trip.gapDistanceM += step;
      if (c.engineOn[i] !== 1) trip.electricDistanceM += step;
      trip.lastOdometer = odometer;
    } else {
      const step = (c.speedMps[i]! || 0) * (dt / 1000);
      trip.speedDistanceM += step;
      if (c.engineOn[i] !== 1) trip.electricDistanceM += step;
    }
    trip.ambient.add(c.ambientTempC[i]!);
    const bms = c.bmsSohPct[i]!;
    if (!Number.isNaN(bms)) trip.bmsSoh = bms;
    const soc = c.socPct[i]!;
    if (!Number.isNaN(soc)) {
      trip.socEnd = soc;
      if (Number.isNaN(trip.socStart)) trip.socStart = soc;
    }
    // Resistance: a step in current between consecutive seconds, the pack in a moderate range.
    const prev = this.prev;
    if (!closing && prev !== undefined && dt <= 1500) {
      const dI = current - prev.currentA;
      const temp = (c.batteryTempC[i]! + prev.batteryTempC) / 2;
      if (
        Math.abs(dI) >= RESISTANCE_MIN_STEP_A &&
        temp >= RESISTANCE_TEMP_MIN_C &&
        temp <= RESISTANCE_TEMP_MAX_C &&
        prev.timeMs > trip.startMs
      ) {
        const ohm = -(voltage - prev.voltageV) / dI;
        if (ohm > 0 && ohm < 2) trip.resistance.push(ohm / resistanceTemperatureFactor(temp));
      }
    }
  }

  private closeTrip(trip: TripAcc): void {
    this.completedTrips.push(this.tripItem(trip, true));
    this.trip = undefined;
  }

  private tripItem(trip: TripAcc, complete: boolean): TripItem {
    const odometerDistance = Number.isNaN(trip.startOdometer) ? 0 : trip.lastOdometer - trip.startOdometer;
    const distanceM = odometerDistance + trip.speedDistanceM;
    let energyWh = trip.energyWh;
    let hvacWh = trip.hvacWh;
    let auxWh = trip.auxWh;
    if (trip.gapMs > 0) {
      // Estimate the gap: its distance at the trip's measured consumption, or its time at the mean power.
      const measuredDistance = distanceM - trip.gapDistanceM;
      const gapShare = trip.gapMs / Math.max(1, trip.measuredMs);
      energyWh +=
        measuredDistance > 100 ? (trip.gapDistanceM * trip.energyWh) / measuredDistance : trip.energyWh * gapShare;
      hvacWh += trip.hvacWh * gapShare;
      auxWh += trip.auxWh * gapShare;
    }
    const vehicle = this.vehicle;
    const program = this.program;
    const fcev = vehicle.powertrain === 'FCEV';
    const electricDistanceM = Math.min(distanceM, trip.electricDistanceM);
    // Electricity's footprint: the battery energy, drawn at the wall, at the program's annual factor.
    const co2G =
      fcev || program.programId === null
        ? null
        : (Math.max(0, energyWh) / TRIP_WALL_EFFICIENCY) * (program.annualGPerKwh / 1000);
    const fuelCo2G =
      vehicle.powertrain === 'PHEV' && vehicle.fuelLPer100km !== undefined
        ? ((distanceM - electricDistanceM) / 100_000) * vehicle.fuelLPer100km * GASOLINE_G_PER_LITRE
        : null;
    const gasolineG = (electricDistanceM / METRES_PER_MILE / program.comparatorMpg) * GASOLINE_G_PER_GALLON;
    const resistance = trip.resistance.length > 0 ? median(trip.resistance.slice()) : null;
    return {
      startMs: trip.startMs,
      endMs: trip.endMs,
      complete,
      localDate: this.clock.localDateKey(trip.startMs),
      readings: trip.readings,
      gapS: trip.gapMs / 1000,
      distanceM,
      electricDistanceM,
      odometerStartM: num(trip.startOdometer),
      energyWh,
      hvacWh,
      auxWh,
      socStartPct: num(trip.socStart),
      socEndPct: num(trip.socEnd),
      ambientMeanC: trip.ambient.mean,
      ambientMinC: trip.ambient.minOrNull,
      ambientMaxC: trip.ambient.maxOrNull,
      resistanceMohm25c: resistance === null ? null : resistance * 1000,
      resistanceSamples: trip.resistance.length,
      bmsSohPct: num(trip.bmsSoh),
      co2G,
      fuelCo2G,
      co2AvoidedG: co2G === null ? null : gasolineG - co2G,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Sessions and segments

  private addSessionReading(s: SessionAcc, c: ReadingColumns, i: number, t: number, dt: number, first: boolean): void {
    s.readings++;
    s.lastMs = t;
    const odometer = c.odometerM[i]!;
    if (!Number.isNaN(odometer)) s.lastOdometer = odometer;
    const soc = c.socPct[i]!;
    if (!Number.isNaN(soc)) {
      s.socEnd = soc;
      if (Number.isNaN(s.socStart)) s.socStart = soc;
    }
    s.ambient.add(c.ambientTempC[i]!);
    const lat = c.latDeg[i]!;
    if (!Number.isNaN(lat) && s.lats.length < MAX_FIXES) {
      s.lats.push(lat);
      s.lons.push(c.lonDeg[i]!);
    }
    const kind = c.chargeKind[i]!;
    const acVoltage = c.acLineVoltageV[i]!;
    const charging = c.chargeState[i] === CHARGING;
    if (!charging) {
      if (s.segment) this.closeSegment(s, s.segment);
      // What a plugged reading says about the equipment (used when the session never charges).
      if (kind === AC) s.plugAc++;
      else if (kind === DC) s.plugDc++;
      if (!Number.isNaN(acVoltage)) {
        s.plugVoltageSum += acVoltage;
        s.plugVoltageCount++;
      }
      s.lastChargingPowerW = Number.NaN;
      s.lastBatteryPowerW = Number.NaN;
      return;
    }

    const sampleMax = this.params.sampleMaxMs;
    const continuing = s.segment !== undefined && !first;
    const gap = continuing && dt > sampleMax;
    const interval = !continuing ? Math.min(dt, 1000) : gap ? 1000 : dt;
    let seg = s.segment;
    const anchor = seg === undefined;
    if (seg === undefined) {
      seg = s.segment = new SegmentAcc(t - interval, soc);
      this.startCapacity(seg, c, i, t);
    }
    seg.lastMs = t;
    const hours = interval / 3_600_000;
    const wallW = c.chargePowerW[i]!;
    const voltage = c.packVoltageV[i]!;
    const current = c.packCurrentA[i]!;
    const batteryW = Number.isNaN(voltage) || Number.isNaN(current) ? Number.NaN : -voltage * current;
    let wallWh = 0;
    let batteryWh = 0;
    if (!Number.isNaN(wallW)) {
      wallWh = wallW * hours;
      s.wallMeasured = true;
      if (!(wallW <= s.peakW)) s.peakW = wallW;
      if (!(wallW <= seg.peakW)) seg.peakW = wallW;
    }
    if (!Number.isNaN(batteryW)) {
      batteryWh = batteryW * hours;
      s.batteryMeasured = true;
    }
    if (gap) {
      // Bridge the gap with the mean of the powers either side.
      const gapHours = (dt - 1000) / 3_600_000;
      s.gapMs += dt - 1000;
      if (!Number.isNaN(wallW) && !Number.isNaN(s.lastChargingPowerW))
        wallWh += ((wallW + s.lastChargingPowerW) / 2) * gapHours;
      if (!Number.isNaN(batteryW) && !Number.isNaN(s.lastBatteryPowerW))
        batteryWh += ((batteryW + s.lastBatteryPowerW) / 2) * gapHours;
      seg.capacityValid = false;
    }
    const spanMs = gap ? dt : interval;
    s.chargingMs += spanMs;
    s.wallWh += wallWh;
    s.batteryWh += batteryWh;
    seg.wallWh += wallWh;
    seg.batteryWh += batteryWh;
    if (kind === AC) s.acMs += spanMs;
    else if (kind === DC) s.dcMs += spanMs;
    if (seg.kind === ABSENT && kind !== ABSENT) seg.kind = kind;
    if (!Number.isNaN(acVoltage)) {
      s.voltageSum += acVoltage * spanMs;
      s.voltageMs += spanMs;
    }
    const hvac = c.hvacPowerW[i]!;
    const aux = c.auxPowerW[i]!;
    // Heating or cooling while plugged in (pre-conditioning) apart from the low-voltage loads.
    if (!Number.isNaN(hvac)) s.hvacWh += hvac * hours;
    if (!Number.isNaN(aux)) s.auxWh += aux * hours;
    this.addHour(s, t - spanMs / 2, wallWh, batteryWh);
    if (!Number.isNaN(soc)) seg.socEnd = soc;
    seg.batteryTemp.add(c.batteryTempC[i]!);
    if (!anchor) this.addCapacity(seg, c, i, interval, voltage, current, soc);
    s.lastChargingPowerW = wallW;
    s.lastBatteryPowerW = batteryW;
  }

  private addHour(s: SessionAcc, atMs: number, wallWh: number, batteryWh: number): void {
    if (!(atMs >= s.hourStartMs && atMs < s.hourEndMs)) {
      const offsetMs = this.clock.offsetMinutes(atMs) * 60_000;
      const local = atMs + offsetMs;
      const start = Math.floor(local / 3_600_000) * 3_600_000 - offsetMs;
      s.hourStartMs = start;
      s.hourEndMs = start + 3_600_000;
      const last = s.hours.at(-1);
      if (last === undefined || last[0] !== start) s.hours.push([start, 0, 0]);
    }
    const bucket = s.hours.at(-1)!;
    bucket[1] += wallWh;
    bucket[2] += batteryWh;
  }

  /**
   * Capacity estimate, first reading of a segment: its state of charge is the anchor. The pack's
   * resistance (to take I²R losses out of the pack-side energy) comes from the step in voltage
   * and current as charging starts, when the reading before is a second away; else from a
   * typical new pack of the model at the pack's temperature.
   */
  private startCapacity(seg: SegmentAcc, c: ReadingColumns, i: number, t: number): void {
    const prev = this.prev;
    const voltage = c.packVoltageV[i]!;
    const current = c.packCurrentA[i]!;
    const temp = c.batteryTempC[i]!;
    seg.resistanceTempC = Number.isNaN(temp) ? 25 : temp;
    const reference =
      this.referenceOhm === undefined
        ? undefined
        : this.referenceOhm * resistanceTemperatureFactor(seg.resistanceTempC);
    seg.resistanceOhm = reference ?? 0;
    if (prev !== undefined && t - prev.timeMs <= 2000) {
      const dI = prev.currentA - current;
      if (dI >= RESISTANCE_MIN_STEP_A) {
        const ohm = (voltage - prev.voltageV) / dI;
        const plausible = reference === undefined ? ohm > 0 && ohm < 1 : ohm > reference * 0.3 && ohm < reference * 4;
        if (plausible) seg.resistanceOhm = ohm;
      }
    }
    if (Number.isNaN(c.socPct[i]!) || Number.isNaN(voltage) || Number.isNaN(current)) seg.capacityValid = false;
  }

  private addCapacity(
    seg: SegmentAcc,
    c: ReadingColumns,
    i: number,
    interval: number,
    voltage: number,
    current: number,
    soc: number,
  ): void {
    if (!seg.capacityValid || seg.capacityDone) return;
    if (Number.isNaN(soc) || Number.isNaN(voltage) || Number.isNaN(current)) {
      seg.capacityValid = false;
      return;
    }
    if (soc > this.params.capacityMaxSoc) {
      seg.capacityDone = true;
      return;
    }
    const temp = c.batteryTempC[i]!;
    const ohm = Number.isNaN(temp)
      ? seg.resistanceOhm
      : (seg.resistanceOhm * resistanceTemperatureFactor(temp)) / resistanceTemperatureFactor(seg.resistanceTempC);
    const into = -current;
    seg.capacityEnergyWh += ((voltage * into - into * into * ohm) * interval) / 3_600_000;
    seg.capacitySocEnd = soc;
    seg.capacityTemp.add(temp);
  }

  private closeSegment(s: SessionAcc, seg: SegmentAcc): void {
    s.segments.push(this.segmentItem(seg));
    s.segment = undefined;
  }

  private segmentItem(seg: SegmentAcc): SegmentItem {
    const p = this.params;
    const delta = seg.capacitySocEnd - seg.capacityAnchorSoc;
    const temp = seg.capacityTemp.mean;
    const qualifies =
      seg.capacityValid &&
      delta >= p.capacityMinSocDelta &&
      temp !== null &&
      temp >= p.capacityTempMinC &&
      temp <= p.capacityTempMaxC;
    return {
      startMs: seg.startMs,
      endMs: seg.lastMs,
      kind: seg.kind === AC ? 'ac' : seg.kind === DC ? 'dc' : null,
      batteryWh: seg.batteryWh,
      wallWh: seg.wallWh,
      peakW: num(seg.peakW),
      socStartPct: num(seg.socStart),
      socEndPct: num(seg.socEnd),
      batteryTempMeanC: seg.batteryTemp.mean,
      capacityWh: qualifies ? seg.capacityEnergyWh / (delta / 100) : null,
      capacitySocDelta: qualifies ? delta : null,
    };
  }

  private closeSession(s: SessionAcc, endMs: number): void {
    if (s.segment) this.closeSegment(s, s.segment);
    this.completedSessions.push(this.sessionItem(s, true, endMs));
    this.session = undefined;
  }

  private sessionItem(s: SessionAcc, complete: boolean, endMs = s.lastMs): SessionItem {
    const segments = s.segment ? [...s.segments, this.segmentItem(s.segment)] : s.segments;
    const charged = s.chargingMs > 0;
    const kindCode = charged
      ? s.acMs + s.dcMs === 0
        ? ABSENT
        : s.dcMs > s.acMs
          ? DC
          : AC
      : s.plugAc + s.plugDc === 0
        ? ABSENT
        : s.plugDc > s.plugAc
          ? DC
          : AC;
    const kind = kindCode === AC ? 'ac' : kindCode === DC ? 'dc' : undefined;
    const voltage =
      s.voltageMs > 0
        ? s.voltageSum / s.voltageMs
        : s.plugVoltageCount > 0
          ? s.plugVoltageSum / s.plugVoltageCount
          : Number.NaN;
    const level = classifyLevel(kind, voltage, s.peakW);
    const efficiency = CHARGE_EFFICIENCY[level?.level ?? 'L2'];
    let batteryWh = s.batteryWh;
    let wallWh = s.wallWh;
    if (!s.batteryMeasured && s.wallMeasured) batteryWh = wallWh * efficiency;
    if (!s.wallMeasured && s.batteryMeasured) wallWh = batteryWh / efficiency;
    if (!s.wallMeasured && !s.batteryMeasured && this.vehicle.newCapacityWh !== undefined) {
      // Neither side measured: the rise in state of charge, at the catalog's capacity.
      const rise = Math.max(0, s.socEnd - s.socStart) || 0;
      batteryWh = (rise / 100) * this.vehicle.newCapacityWh;
      wallWh = batteryWh / efficiency;
    }
    // Hourly energy at the wall side (estimated hours scaled like the whole).
    const wallScale = s.wallMeasured ? 1 : s.batteryMeasured ? 1 / efficiency : 0;
    const hourly: HourEnergy[] = s.hours.map(([start, wall, battery]) => [
      start,
      s.wallMeasured ? wall : battery * wallScale,
      s.batteryMeasured ? battery : wall * efficiency,
    ]);
    const program = this.program;
    const touWh: Record<string, number> = {};
    let co2G = 0;
    for (const [start, wall] of hourly) {
      const period = program.periodAt(start);
      touWh[period] = (touWh[period] ?? 0) + wall;
      co2G += (wall / 1000) * program.gridFactorAt(start);
    }
    let latDeg: number | null = null;
    let lonDeg: number | null = null;
    if (s.lats.length > 0) {
      latDeg = median(s.lats.slice());
      lonDeg = median(s.lons.slice());
    }
    const inTerritory = latDeg === null || lonDeg === null ? undefined : program.inTerritory(latDeg, lonDeg);
    const chargingS = s.chargingMs / 1000;
    return {
      startMs: s.startMs,
      endMs,
      complete,
      localDate: this.clock.localDateKey(s.startMs),
      readings: s.readings,
      gapS: s.gapMs / 1000,
      kind: kind ?? null,
      level: level?.level ?? null,
      levelBasis: level?.basis ?? null,
      acLineVoltageV: num(voltage),
      chargingS,
      batteryWh,
      wallWh,
      batteryMeasured: s.batteryMeasured,
      wallMeasured: s.wallMeasured,
      peakW: num(s.peakW),
      avgW: chargingS > 0 ? (wallWh / chargingS) * 3600 : null,
      socStartPct: num(s.socStart),
      socEndPct: num(s.socEnd),
      latDeg,
      lonDeg,
      inTerritory: inTerritory ?? null,
      hourly,
      touWh,
      belowMinimum: wallWh < this.params.minSessionWh,
      ambientMeanC: s.ambient.mean,
      ambientMinC: s.ambient.minOrNull,
      ambientMaxC: s.ambient.maxOrNull,
      hvacWh: s.hvacWh,
      auxWh: s.auxWh,
      co2G: program.programId === null ? null : co2G,
      segments,
    };
  }
}

function dayItem(day: DayAcc): DayReadings {
  return {
    day: day.dateKey,
    readings: day.readings,
    ambientMeanC: day.ambient.mean,
    ambientMinC: day.ambient.minOrNull,
    ambientMaxC: day.ambient.maxOrNull,
  };
}

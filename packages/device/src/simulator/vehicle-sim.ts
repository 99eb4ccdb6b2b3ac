/**
 * One simulated vehicle over time: a resumable state machine (parked, driving, charging) that
 * the fleet advances to any moment — years of history as fast as possible, or second by second
 * in real time. While driving or charging it produces a reading every second; parked, every ten
 * minutes. It also reports what really happened (trips, plug-in sessions, battery state) so that
 * derived data can be scored against it.
 */
import {
  getVariantCooling,
  getVariantHeatPump,
  type BatteryCooling,
  type CatalogModel,
  type CatalogVariant,
} from '@smartcharge/catalog';
import { Battery } from './battery.js';
import { Cabin } from './cabin.js';
import { chargePower, type ChargeStep, type Charger } from './charging.js';
import type { Climate } from './climate.js';
import { routeFor, speedTrace } from './drive-cycle.js';
import {
  expectedDayKm,
  planDay,
  roadDistanceM,
  type Persona,
  type Place,
  type PlaceSource,
  type PlannedTrip,
} from './driver.js';
import { decidesToOptOut, type DrWindow, type VehicleDemandResponse } from './demand-response.js';
import { ElectricDrive } from './electric-drive.js';
import { emptyFrame, type ChargeSegmentTruth, type RecordFrame, type SimOutput } from './frame.js';
import type { LocalClock } from '@smartcharge/protocol';
import type { Random } from './random.js';
import { VehiclePhysics } from './vehicle-physics.js';

/** A parked car's C2 wakes to take a reading this often. */
export const PARKED_READING_MS = 600_000;
const SECOND = 1000;
/** Energy a parked car draws (12 V systems, telematics, the C2 itself). */
const PARKED_DRAIN_W = 12;
/** Plug-in hybrids switch to charge-sustaining (engine) mode at this state of charge. */
const PHEV_SUSTAIN_SOC = 17;

/**
 * The first local midnight after `timeMs`. Local days last 23 to 25 hours, so 30 hours after
 * today's midnight is always inside tomorrow.
 */
export function nextLocalMidnight(clock: LocalClock, timeMs: number): number {
  const todayMidnight = clock.utcMsAt(clock.localDateKey(timeMs), 0, 0);
  return clock.utcMsAt(clock.localDateKey(todayMidnight + 30 * 3_600_000), 0, 0);
}

/**
 * Capacity a car has lost by the time the simulation starts: about 2 % a year of age (Geotab's
 * fleet average), more for air-cooled and passively cooled packs; `spread` (around 1) varies it
 * from car to car.
 */
export function initialFade(cooling: BatteryCooling, modelYear: number, startMs: number, spread = 1): number {
  const ageYears = Math.max(0, new Date(startMs).getUTCFullYear() - modelYear + 0.5);
  const coolingFactor = cooling === 'passive' ? 1.8 : cooling === 'air' ? 1.3 : 1;
  return Math.min(0.4, ageYears * 0.02 * coolingFactor * spread);
}

export interface VehicleEnvironment {
  readonly climate: Pick<Climate, 'temperatureAt' | 'roadSnowAt'>;
  readonly clock: LocalClock;
  readonly places: PlaceSource;
  readonly random: Random;
}

export interface SimVehicleSpec {
  readonly serial: string;
  readonly model: CatalogModel;
  readonly variant: CatalogVariant;
  readonly modelYear: number;
  readonly persona: Persona;
}

interface TripState {
  readonly plan: PlannedTrip;
  readonly trace: number[];
  index: number;
  readonly startMs: number;
  distanceM: number;
  electricDistanceM: number;
  batteryWh: number;
  hvacWh: number;
  auxWh: number;
  readonly socStart: number;
  tempSum: number;
  tempMin: number;
  tempMax: number;
}

interface PlugState {
  readonly charger: Charger;
  readonly pluggedMs: number;
  /** Charging may start from this time (off-peak schedule); charging stops at targetSoc. */
  startAtMs: number;
  readonly targetSocPct: number;
  /** A pause (utility demand response, a tripped breaker) from .. to, if any. */
  pauseFromMs: number;
  pauseToMs: number;
  done: boolean;
  readonly segments: ChargeSegmentTruth[];
  segmentStartMs: number | undefined;
  segmentInletWh: number;
  segmentBatteryWh: number;
  inletWh: number;
  batteryWh: number;
  peakInletW: number;
  readonly socStart: number;
  tempSum: number;
  tempSamples: number;
  /** DC fast-charging stop on the way: continue the journey as soon as charging is done. */
  readonly continueTo: PlannedTrip | undefined;
}

export interface VehicleSimOptions {
  /** Climate control while driving (default on): off for tests like a dynamometer's "HVAC off" runs. */
  readonly hvac?: boolean;
  /** Demand-response events the driver may be told of (none: the vehicle charges as it always did). */
  readonly demandResponse?: VehicleDemandResponse;
}

export class VehicleSim {
  readonly serial: string;
  readonly battery: Battery;
  timeMs: number;
  private readonly physics: VehiclePhysics;
  private readonly cabin: Cabin;
  private readonly persona: Persona;
  private readonly variant: CatalogVariant;
  private readonly model: CatalogModel;
  /** This variant's pack cooling (some generations differ from the model's usual). */
  private readonly cooling: BatteryCooling;
  private readonly frame: RecordFrame = emptyFrame();
  private readonly drive: ElectricDrive;
  private readonly charge: ChargeStep = { inletW: 0, batteryW: 0 };
  private odometerM: number;
  private where: Place;
  private trip: TripState | undefined;
  private plug: PlugState | undefined;
  private queue: PlannedTrip[] = [];
  /** The day's trips are planned at local midnight (and at the start). */
  private planAtMs: number;
  private nextReadingMs: number;
  private nextMidnightMs: number;
  private engineOn = false;
  /** Home for the day, the driver plugs in later in the evening (after dinner, before bed): then. */
  private plugLaterMs: number | undefined;
  private bmsSoh: number;
  private readonly dr: VehicleDemandResponse | undefined;
  /** The windows known now (refreshed every quarter hour) and the driver's answer to each event. */
  private drWindows: readonly DrWindow[] = [];
  private drRefreshMs = -Infinity;
  private readonly drAnswers = new Map<string, 'hold' | 'explicit' | 'charging'>();

  constructor(
    spec: SimVehicleSpec,
    private readonly env: VehicleEnvironment,
    startMs: number,
    roadLoadFactor: number,
    options: VehicleSimOptions = {},
  ) {
    this.serial = spec.serial;
    this.dr = options.demandResponse;
    this.model = spec.model;
    this.variant = spec.variant;
    this.persona = spec.persona;
    this.cooling = getVariantCooling(spec.model, spec.variant);
    this.physics = new VehiclePhysics(spec.model, spec.variant);
    this.physics.roadLoadFactor = roadLoadFactor;
    const ambient = env.climate.temperatureAt(startMs);
    this.battery = new Battery({
      usableKwh: spec.variant.usableBatteryKwh,
      nominalPackVoltageV: spec.variant.nominalPackVoltageV,
      cooling: this.cooling,
      socPct: 50 + env.random.next() * 40,
      tempC: ambient,
    });
    // A car is as old as its model year: give it the fade of the years it has lived.
    const ageYears = Math.max(0, new Date(startMs).getUTCFullYear() - spec.modelYear + 0.5);
    this.battery.fade = initialFade(this.cooling, spec.modelYear, startMs, 0.8 + 0.4 * env.random.next());
    this.bmsSoh = this.battery.sohPct;
    this.cabin = new Cabin(ambient, getVariantHeatPump(spec.model, spec.variant));
    this.drive = new ElectricDrive(this.physics, this.cabin, this.battery, this.cooling, options.hvac ?? true);
    this.odometerM = ageYears * (12_000 + env.random.next() * 8_000) * 1000;
    this.where = spec.persona.home;
    this.timeMs = startMs;
    this.nextReadingMs = startMs;
    this.planAtMs = startMs;
    this.nextMidnightMs = nextLocalMidnight(env.clock, startMs);
  }

  /** Runs the vehicle up to `untilMs`, writing readings and ground truth to `out`. */
  advanceTo(untilMs: number, out: SimOutput): void {
    // Bounded: every pass advances time by at least a second.
    while (this.timeMs < untilMs) {
      this.planAhead();
      if (this.timeMs >= this.nextMidnightMs) this.endOfDay(out);
      if (this.trip) {
        this.driveSecond(out);
        continue;
      }
      const next = this.queue[0];
      if (next && next.departMs <= this.timeMs) {
        this.queue.shift();
        this.depart(next, out);
        continue;
      }
      if (this.plugLaterMs !== undefined && this.timeMs >= this.plugLaterMs) {
        this.plugLaterMs = undefined;
        if (this.persona.homeCharger && this.where === this.persona.home && !this.plug) {
          this.plugIn(this.persona.homeCharger, this.persona.targetSocPct, this.offPeakStart(), undefined);
        }
        continue;
      }
      if (this.plug && this.isCharging(this.plug)) {
        this.chargeSecond(this.plug, out);
        continue;
      }
      this.parkUntil(Math.min(untilMs, next?.departMs ?? Infinity, this.nextEvent()), out);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Planning

  private planAhead(): void {
    if (this.timeMs < this.planAtMs) return;
    const today = this.env.clock.localDateKey(this.timeMs);
    this.planAtMs = nextLocalMidnight(this.env.clock, this.timeMs);
    const dcNeeded = this.persona.dcHeavy && this.battery.socPct < 35;
    const trips = planDay(this.persona, this.env.places, this.env.clock, today, this.env.random);
    if (dcNeeded) {
      // No home charger: a trip to a fast charger near home around midday.
      const noon = this.env.clock.utcMsAt(today, 11 + Math.floor(this.env.random.next() * 5), 0);
      const station = this.env.places.around(this.persona.home, 2 + this.env.random.next() * 6, this.env.random);
      trips.push({ departMs: noon, to: station, purpose: 'charge', charger: this.fastCharger(station) });
      trips.push({ departMs: noon + 3600_000, to: this.persona.home, purpose: 'home' });
      trips.sort((a, b) => a.departMs - b.departMs);
    }
    this.queue.push(...trips.filter((t) => t.departMs >= this.timeMs));
  }

  private fastCharger(at: { lat: number; lon: number; inTerritory: boolean }): Charger {
    const maxKw = this.env.random.weighted([
      { value: 50, weight: 0.35 },
      { value: 150, weight: 0.45 },
      { value: 350, weight: 0.2 },
    ]);
    return {
      level: 'DCFC',
      lineVoltageV: 0,
      maxKw,
      lat: at.lat,
      lon: at.lon,
      inTerritory: at.inTerritory,
      site: 'public',
    };
  }

  /** Wh a trip will take, roughly, for deciding whether to stop at a fast charger. */
  private estimatedTripWh(distanceM: number): number {
    const ambient = this.env.climate.temperatureAt(this.timeMs);
    const coldPenalty = ambient < 15 ? 1 + (15 - ambient) * 0.025 : ambient > 28 ? 1.15 : 1;
    return (distanceM / 1000) * this.variant.ratedWhPerKm * 0.9 * coldPenalty;
  }

  // ---------------------------------------------------------------------------------------------
  // Driving

  private depart(plan: PlannedTrip, out: SimOutput): void {
    this.plugLaterMs = undefined;
    if (this.plug) this.unplug(out);
    const distanceM = Math.max(300, roadDistanceM(this.where, plan.to));
    const canFastCharge = this.canFastCharge();
    // Not enough charge for the trip (with a 12 % reserve)? Stop at a fast charger on the way.
    const availableWh = ((this.battery.socPct - 12) / 100) * this.battery.capacityWh;
    if (canFastCharge && plan.purpose !== 'charge' && this.estimatedTripWh(distanceM) > availableWh) {
      const share = Math.min(0.7, Math.max(0.05, availableWh / Math.max(1, this.estimatedTripWh(distanceM)) - 0.1));
      const station = this.midpoint(this.where, plan.to, share);
      const stop: PlannedTrip = {
        departMs: this.timeMs,
        to: station,
        purpose: 'charge',
        charger: this.fastCharger(station),
      };
      this.queue.unshift({ ...plan, departMs: this.timeMs });
      this.startTrip(stop);
      return;
    }
    this.startTrip(plan);
  }

  private midpoint(a: Place, b: Place, share: number): Place {
    const lat = a.lat + (b.lat - a.lat) * share;
    const lon = a.lon + (b.lon - a.lon) * share;
    return this.env.places.at(lat, lon);
  }

  private startTrip(plan: PlannedTrip): void {
    const distanceM = Math.max(300, roadDistanceM(this.where, plan.to));
    const trace = speedTrace(routeFor(distanceM, this.env.random), this.env.random, this.persona.pace);
    const ambient = this.env.climate.temperatureAt(this.timeMs);
    this.trip = {
      plan,
      trace,
      index: 0,
      startMs: this.timeMs,
      distanceM: 0,
      electricDistanceM: 0,
      batteryWh: 0,
      hvacWh: 0,
      auxWh: 0,
      socStart: this.battery.socPct,
      tempSum: 0,
      tempMin: ambient,
      tempMax: ambient,
    };
  }

  private driveSecond(out: SimOutput): void {
    const trip = this.trip!;
    const v0 = trip.trace[trip.index]!;
    const v1 = trip.trace[trip.index + 1] ?? 0;
    const ambient = this.env.climate.temperatureAt(this.timeMs);
    const drive = this.drive;
    drive.loads(v0, v1, ambient, this.sunFactor(), this.env.climate.roadSnowAt?.(this.timeMs) ?? false);
    let terminalW = drive.terminalW;
    if (this.model.powertrain !== 'BEV') {
      const cabin = drive.cabinPower;
      terminalW = this.hybridTraction(drive.demand.batteryW, v1) + cabin.hvacW + cabin.auxW + drive.thermal.electricW;
    }
    drive.draw(terminalW, ambient);
    if (this.model.powertrain === 'BEV' && this.battery.energyWh <= 0) {
      this.strand(out);
      return;
    }
    const step = (v0 + v1) / 2;
    this.odometerM += step;
    trip.distanceM += step;
    if (!this.engineOn) trip.electricDistanceM += step;
    // What left the battery (the BMS may deliver less than asked, at its voltage floor).
    trip.batteryWh += drive.deliveredW / 3600;
    trip.hvacWh += drive.cabinPower.hvacW / 3600;
    trip.auxWh += drive.cabinPower.auxW / 3600;
    trip.tempSum += ambient;
    if (ambient < trip.tempMin) trip.tempMin = ambient;
    if (ambient > trip.tempMax) trip.tempMax = ambient;
    this.timeMs += SECOND;
    trip.index++;

    const f = this.frame;
    this.fillCommon(ambient);
    f.speedMps = v1;
    // The last second brings the car to rest and into park: that reading is the first parked one.
    f.driveState = trip.index < trip.trace.length - 1 ? 'driving' : 'parked';
    f.hvacPowerW = drive.cabinPower.hvacW;
    f.auxPowerW = drive.cabinPower.auxW;
    f.packVoltageV = drive.electrical.voltageV;
    f.packCurrentA = drive.electrical.currentA;
    f.engineOn = this.model.powertrain === 'PHEV' ? this.engineOn : undefined;
    // A C2 reads GPS on the road too (here, a straight line between the places); the device must not send it.
    const progress = trip.index / trip.trace.length;
    f.latDeg = this.where.lat + (trip.plan.to.lat - this.where.lat) * progress;
    f.lonDeg = this.where.lon + (trip.plan.to.lon - this.where.lon) * progress;
    out.record(f);

    if (trip.index >= trip.trace.length - 1) this.arrive(out);
  }

  /** Plug-in hybrid: electric until the charge runs down, then the engine carries the car. */
  private hybridTraction(batteryW: number, speed: number): number {
    if (this.model.powertrain === 'FCEV') {
      // The fuel cell supplies traction, the cabin and the accessories; the small buffer battery
      // only smooths peaks. It is never plugged in, so the fuel cell holds it near 60 % (returned
      // net of the HVAC and accessory power the caller adds, which the fuel cell carries).
      this.engineOn = false;
      const holdW = (this.battery.socPct - 60) * 200;
      const bufferW = Math.max(-5000, Math.min(5000, batteryW * 0.1 + holdW));
      const cabin = this.drive.cabinPower;
      return bufferW - cabin.hvacW - cabin.auxW - this.drive.thermal.electricW;
    }
    if (this.battery.socPct > PHEV_SUSTAIN_SOC) {
      // Charge-depleting: the engine starts only for demands beyond the electric drive (hard acceleration).
      this.engineOn = batteryW > 60_000;
      return this.engineOn ? 60_000 : batteryW;
    }
    // Charge-sustaining: the engine runs at speed (or when the charge has slipped further) and
    // keeps the battery near the floor; its coolant heats the cabin and it carries the accessories.
    const low = this.battery.socPct < PHEV_SUSTAIN_SOC - 2;
    this.engineOn = speed > 7 || batteryW > 15_000 || low;
    if (!this.engineOn) return batteryW;
    const cabin = this.drive.cabinPower;
    return (
      (this.battery.socPct < PHEV_SUSTAIN_SOC - 1.5 ? -4000 : 0) -
      cabin.hvacW -
      cabin.auxW -
      this.drive.thermal.electricW
    );
  }

  /** 0 at night, up to 1 in the early afternoon. */
  private sunFactor(): number {
    const hour = this.localHour();
    return hour > 6 && hour < 20 ? Math.sin((Math.PI * (hour - 6)) / 14) : 0;
  }

  private localHour(): number {
    const offset = this.env.clock.offsetMinutes(this.timeMs);
    return (((this.timeMs / 3_600_000 + offset / 60) % 24) + 24) % 24;
  }

  /**
   * The pack is empty: the car stops where it is, and a tow truck takes it home to its charger
   * (or, with none at home, to a fast charger near home; a public Level 2 for a car that cannot
   * fast charge), where it is plugged in. The trip ends at the roadside, and the rest of the day's
   * trips are called off.
   */
  private strand(out: SimOutput): void {
    this.plugLaterMs = undefined;
    this.queue = this.queue.filter((t) => t.departMs >= this.planAtMs);
    const trip = this.trip!;
    const progress = trip.index / trip.trace.length;
    const roadside = this.env.places.at(
      this.where.lat + (trip.plan.to.lat - this.where.lat) * progress,
      this.where.lon + (trip.plan.to.lon - this.where.lon) * progress,
    );
    this.endTrip(out, roadside);
    const home = this.persona.home;
    if (this.persona.homeCharger) {
      this.where = home;
      this.plugIn(this.persona.homeCharger, this.persona.targetSocPct, this.timeMs, undefined);
      return;
    }
    const station = this.env.places.around(home, 2 + this.env.random.next() * 6, this.env.random);
    this.where = station;
    const charger = this.canFastCharge() ? this.fastCharger(station) : this.publicLevel2(station);
    this.plugIn(charger, charger.level === 'DCFC' ? 80 : 90, this.timeMs, undefined);
  }

  private canFastCharge(): boolean {
    return this.variant.maxDcKw !== null && this.model.powertrain === 'BEV';
  }

  private publicLevel2(at: Place): Charger {
    return {
      level: 'L2',
      lineVoltageV: 208,
      maxKw: 6.6,
      lat: at.lat,
      lon: at.lon,
      inTerritory: at.inTerritory,
      site: 'public',
    };
  }

  private arrive(out: SimOutput): void {
    const trip = this.trip!;
    this.endTrip(out, trip.plan.to);
    this.decideCharging(trip.plan, out);
  }

  /** The trip is over at `to`: its ground truth goes out. */
  private endTrip(out: SimOutput, to: Place): void {
    const trip = this.trip!;
    this.trip = undefined;
    this.where = to;
    this.engineOn = false;
    const seconds = Math.max(1, trip.index);
    out.truth({
      type: 'trip',
      serial: this.serial,
      startMs: trip.startMs,
      endMs: this.timeMs,
      purpose: trip.plan.purpose,
      distanceM: trip.distanceM,
      electricDistanceM: trip.electricDistanceM,
      batteryEnergyWh: trip.batteryWh,
      hvacEnergyWh: trip.hvacWh,
      auxEnergyWh: trip.auxWh,
      socStartPct: trip.socStart,
      socEndPct: this.battery.socPct,
      ambientMeanC: trip.tempSum / seconds,
      ambientMinC: trip.tempMin,
      ambientMaxC: trip.tempMax,
    });
    this.nextReadingMs = this.timeMs + PARKED_READING_MS;
  }

  // ---------------------------------------------------------------------------------------------
  // Charging

  private decideCharging(arrivedBy: PlannedTrip, out: SimOutput): void {
    if (this.model.powertrain === 'FCEV') return;
    const persona = this.persona;
    const soc = this.battery.socPct;
    if (arrivedBy.charger) {
      const continueTo = arrivedBy.purpose === 'charge' ? this.queue[0] : undefined;
      const onTheWay = continueTo !== undefined && continueTo.departMs <= this.timeMs;
      if (onTheWay) this.queue.shift();
      // Fast charging stops at 80 % as a rule; on a journey, a driver already near that takes more.
      const target = arrivedBy.charger.level === 'DCFC' ? Math.max(80, Math.min(95, soc + 15)) : 90;
      if (onTheWay && soc >= target - 0.5) {
        // Full enough already: drive on (depart stops again further on if the journey needs it).
        this.depart({ ...continueTo, departMs: this.timeMs }, out);
        return;
      }
      this.plugIn(arrivedBy.charger, target, this.timeMs, onTheWay ? continueTo : undefined);
      return;
    }
    if (arrivedBy.to === persona.home && persona.homeCharger) {
      const wants = this.wantsToPlugInAtHome();
      if (wants === 'later') {
        const delayH = persona.plugInDelayH * (0.5 + this.env.random.next());
        this.plugLaterMs = this.timeMs + Math.round(delayH * 3600) * SECOND;
      } else if (wants) {
        this.plugIn(persona.homeCharger, persona.targetSocPct, this.offPeakStart(), undefined);
      }
      return;
    }
    if (arrivedBy.to === persona.work && persona.workCharger && soc < 55 && this.env.random.next() < 0.5) {
      this.plugIn(persona.workCharger, 90, this.timeMs, undefined);
    }
  }

  /**
   * Whether the driver plugs in, just home. Home again for the day (no trip left today), out of
   * habit (nightly pluggers) or when the charge would not last through tomorrow's usual driving with
   * the driver's comfort margin left: so an evening plug-in stays until the morning. Out again later
   * today: only when today's remaining trips would eat into that margin.
   */
  private wantsToPlugInAtHome(): boolean | 'later' {
    const persona = this.persona;
    const battery = this.battery;
    const spareWh = ((battery.socPct - persona.plugBelowSocPct) / 100) * battery.capacityWh;
    let laterTodayM = 0;
    let from: Place = this.where;
    for (const trip of this.queue) {
      if (trip.departMs >= this.planAtMs) break;
      laterTodayM += roadDistanceM(from, trip.to);
      from = trip.to;
    }
    const laterTodayWh = this.estimatedTripWh(laterTodayM);
    if (laterTodayM > 0) return laterTodayWh > spareWh;
    const hour = this.localHour();
    // Creatures of habit plug in every time they are home for the day.
    if (persona.plugsNightly) return true;
    const tomorrow = this.env.clock.dayOfWeek(this.planAtMs + 12 * 3_600_000);
    const tomorrowKm = expectedDayKm(persona, tomorrow >= 1 && tomorrow <= 5);
    // Drivers allow for a day longer than usual.
    if (this.estimatedTripWh(tomorrowKm * 1000 * persona.needMargin) <= spareWh) return false;
    // Not urgent: some plug in later in the evening.
    return persona.plugInDelayH > 0 && hour >= 15 && hour < 21 && spareWh > 0 ? 'later' : true;
  }

  /**
   * When home charging may start: now, or — for drivers who wait for off-peak rates — when the
   * off-peak night begins (it runs from the persona's start hour to 07:00).
   */
  private offPeakStart(): number {
    const start = this.persona.offPeakStartHour;
    if (start === undefined) return this.timeMs;
    const hour = this.localHour();
    const inWindow = start > 7 ? hour >= start || hour < 7 : hour >= start && hour < 7;
    if (inWindow) return this.timeMs;
    const clock = this.env.clock;
    const today = clock.utcMsAt(clock.localDateKey(this.timeMs), start, 0);
    return today > this.timeMs
      ? today
      : clock.utcMsAt(clock.localDateKey(nextLocalMidnight(clock, this.timeMs)), start, 0);
  }

  private plugIn(charger: Charger, targetSocPct: number, startAtMs: number, continueTo: PlannedTrip | undefined): void {
    const random = this.env.random;
    // One session in twenty is interrupted for a while (a demand-response event, a breaker, a full parking timer).
    const paused = charger.level !== 'DCFC' && random.next() < 0.05;
    // Whole seconds: readings after a pause follow its end second by second, and time_ms is an integer.
    const pauseFrom = startAtMs + Math.round((20 + random.next() * 60) * 60) * SECOND;
    this.plug = {
      charger,
      pluggedMs: this.timeMs,
      startAtMs,
      targetSocPct: Math.max(targetSocPct, this.battery.socPct),
      pauseFromMs: paused ? pauseFrom : Infinity,
      pauseToMs: paused ? pauseFrom + Math.round((15 + random.next() * 45) * 60) * SECOND : Infinity,
      done: this.battery.socPct >= targetSocPct - 0.5,
      segments: [],
      segmentStartMs: undefined,
      segmentInletWh: 0,
      segmentBatteryWh: 0,
      inletWh: 0,
      batteryWh: 0,
      peakInletW: 0,
      socStart: this.battery.socPct,
      tempSum: 0,
      tempSamples: 0,
      continueTo,
    };
    this.nextReadingMs = this.timeMs;
  }

  private isCharging(plug: PlugState): boolean {
    return (
      !plug.done &&
      this.timeMs >= plug.startAtMs &&
      !(this.timeMs >= plug.pauseFromMs && this.timeMs < plug.pauseToMs) &&
      !(this.dr !== undefined && this.drHolding(plug))
    );
  }

  private chargeSecond(plug: PlugState, out: SimOutput): void {
    const battery = this.battery;
    const ambient = this.env.climate.temperatureAt(this.timeMs);
    chargePower(plug.charger, this.variant, battery.socPct, battery.tempC, this.charge);
    if (this.dr !== undefined) {
      const capW = (this.drWindow(plug)?.capKw ?? Infinity) * 1000;
      if (this.charge.inletW > capW) {
        this.charge.batteryW *= capW / this.charge.inletW;
        this.charge.inletW = capW;
      }
    }
    battery.step(-this.charge.batteryW, 1, this.drive.electrical);
    battery.noteTime(1);
    battery.relaxTemperature(ambient, 1);
    if (plug.charger.level === 'DCFC') {
      battery.noteDcCharge(this.charge.batteryW / 3600, this.charge.inletW);
      // The pack is cooled above 40 °C during fast charging.
      if (battery.tempC > 40 && this.cooling === 'liquid') battery.tempC -= 0.02;
    }
    if (plug.segmentStartMs === undefined) plug.segmentStartMs = this.timeMs;
    const inletWh = this.charge.inletW / 3600;
    const batteryWh = this.charge.batteryW / 3600;
    plug.segmentInletWh += inletWh;
    plug.segmentBatteryWh += batteryWh;
    plug.inletWh += inletWh;
    plug.batteryWh += batteryWh;
    plug.peakInletW = Math.max(plug.peakInletW, this.charge.inletW);
    plug.tempSum += ambient;
    plug.tempSamples++;
    this.timeMs += SECOND;

    const f = this.frame;
    this.fillCommon(ambient);
    f.chargeState = 'charging';
    f.chargeKind = plug.charger.level === 'DCFC' ? 'dc' : 'ac';
    f.acLineVoltageV =
      plug.charger.level === 'DCFC' ? Number.NaN : plug.charger.lineVoltageV * (0.985 + 0.02 * this.env.random.next());
    f.chargePowerW = this.charge.inletW;
    f.packVoltageV = this.drive.electrical.voltageV;
    f.packCurrentA = this.drive.electrical.currentA;
    f.auxPowerW = 40;
    f.latDeg = plug.charger.lat;
    f.lonDeg = plug.charger.lon;
    out.record(f);

    const reachedTarget = battery.socPct >= plug.targetSocPct || this.charge.batteryW <= 0;
    const pausing =
      (this.timeMs >= plug.pauseFromMs && this.timeMs < plug.pauseToMs) ||
      (this.dr !== undefined && this.drHolding(plug));
    if (reachedTarget || pausing) {
      this.closeSegment(plug);
      if (reachedTarget) plug.done = true;
      this.nextReadingMs = this.timeMs + PARKED_READING_MS;
      if (reachedTarget && plug.continueTo) {
        // A fast-charging stop on a journey: carry on now.
        const next = plug.continueTo;
        this.unplug(out);
        // Through depart: a journey too long for one charge stops again further on.
        this.depart({ ...next, departMs: this.timeMs }, out);
      }
    }
  }

  private closeSegment(plug: PlugState): void {
    if (plug.segmentStartMs === undefined) return;
    plug.segments.push({
      startMs: plug.segmentStartMs,
      endMs: this.timeMs,
      inletEnergyWh: plug.segmentInletWh,
      batteryEnergyWh: plug.segmentBatteryWh,
    });
    plug.segmentStartMs = undefined;
    plug.segmentInletWh = 0;
    plug.segmentBatteryWh = 0;
  }

  private unplug(out: SimOutput): void {
    const plug = this.plug;
    if (!plug) return;
    this.closeSegment(plug);
    this.plug = undefined;
    // Plugged in and out within the same second (the driver left at once): no session happened.
    if (this.timeMs === plug.pluggedMs) return;
    out.truth({
      type: 'session',
      serial: this.serial,
      pluggedMs: plug.pluggedMs,
      unpluggedMs: this.timeMs,
      level: plug.charger.level,
      site: plug.charger.site,
      latDeg: plug.charger.lat,
      lonDeg: plug.charger.lon,
      inTerritory: plug.charger.inTerritory,
      segments: plug.segments,
      inletEnergyWh: plug.inletWh,
      batteryEnergyWh: plug.batteryWh,
      peakInletW: plug.peakInletW,
      socStartPct: plug.socStart,
      socEndPct: this.battery.socPct,
      ambientMeanC:
        plug.tempSamples > 0 ? plug.tempSum / plug.tempSamples : this.env.climate.temperatureAt(this.timeMs),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Demand response

  /**
   * The event window the driver is honouring now at this plug, if any: told, not opted out, home
   * charging (public charging away from home is never held), and not needed for the driver's
   * minimum charge or ready-by time (then the driver charges: an opt-out by charging).
   */
  private drWindow(plug: PlugState): DrWindow | undefined {
    const dr = this.dr;
    if (dr === undefined || plug.charger.site !== 'home') return undefined;
    const t = this.timeMs;
    if (t >= this.drRefreshMs) {
      this.drWindows = dr.source.windowsFor(this.serial, t, t + 86_400_000);
      this.drRefreshMs = t + 900_000;
    }
    for (const w of this.drWindows) {
      if (!w.told || w.optedOut || t < w.startMs || t >= w.endMs) continue;
      let answer = this.drAnswers.get(w.eventId);
      if (answer === undefined) {
        answer = decidesToOptOut(dr.trait, this.battery.socPct, dr.random) ? 'explicit' : 'hold';
        this.drAnswers.set(w.eventId, answer);
        if (answer === 'explicit') dr.onOptOut?.(this.serial, w.eventId, t, 'explicit');
      }
      if (answer !== 'hold') continue;
      if (this.drNeedsCharge(w, plug)) {
        this.drAnswers.set(w.eventId, 'charging');
        dr.onOptOut?.(this.serial, w.eventId, t, 'charging');
        continue;
      }
      return w;
    }
    return undefined;
  }

  /** Charging is held (curtail, shift) now; a cap only limits it. */
  private drHolding(plug: PlugState): boolean {
    const w = this.drWindow(plug);
    return w !== undefined && w.target !== 'cap';
  }

  private drNeedsCharge(w: DrWindow, plug: PlugState): boolean {
    const soc = this.battery.socPct;
    if (w.minSocPct !== undefined && soc < w.minSocPct) return true;
    if (w.readyByMinute === undefined || w.target === 'cap') return false;
    const clock = this.env.clock;
    const minute = w.readyByMinute;
    let readyMs = clock.utcMsAt(clock.localDateKey(w.startMs), Math.floor(minute / 60), minute % 60);
    if (readyMs <= w.startMs) {
      readyMs = clock.utcMsAt(
        clock.localDateKey(nextLocalMidnight(clock, w.startMs)),
        Math.floor(minute / 60),
        minute % 60,
      );
    }
    const neededMs =
      ((Math.max(0, plug.targetSocPct - soc) / 100) * this.battery.capacityWh * 3_600_000) /
      (plug.charger.maxKw * 1000 * 0.9);
    return soc < plug.targetSocPct - 0.5 && w.endMs + neededMs > readyMs;
  }

  // ---------------------------------------------------------------------------------------------
  // Parked

  /** The next moment the parked state changes on its own: a reading, charging starts or resumes, midnight. */
  private nextEvent(): number {
    let next = Math.min(this.nextReadingMs, this.nextMidnightMs, this.plugLaterMs ?? Infinity);
    const plug = this.plug;
    if (plug && !plug.done) {
      if (this.timeMs < plug.startAtMs) next = Math.min(next, plug.startAtMs);
      else if (this.timeMs < plug.pauseToMs && this.timeMs >= plug.pauseFromMs) next = Math.min(next, plug.pauseToMs);
      else if (this.dr !== undefined && this.drHolding(plug)) next = Math.min(next, this.drWindow(plug)!.endMs);
    }
    return Math.max(next, this.timeMs + SECOND);
  }

  private parkUntil(untilMs: number, out: SimOutput): void {
    const dtS = (untilMs - this.timeMs) / 1000;
    const ambient = this.env.climate.temperatureAt(this.timeMs);
    const battery = this.battery;
    battery.relaxTemperature(ambient, dtS);
    battery.noteTime(dtS);
    // A fuel-cell car's 12 V system is separate from its small traction buffer.
    if (this.model.powertrain !== 'FCEV') {
      battery.socPct = Math.max(0, battery.socPct - ((PARKED_DRAIN_W * dtS) / 3600 / battery.capacityWh) * 100);
    }
    this.cabin.park(ambient, this.sunFactor(), dtS);
    this.timeMs = untilMs;
    if (this.timeMs >= this.nextReadingMs) {
      this.nextReadingMs = this.timeMs + PARKED_READING_MS;
      const f = this.frame;
      this.fillCommon(ambient);
      f.packVoltageV = battery.openCircuitV();
      f.packCurrentA = PARKED_DRAIN_W / f.packVoltageV;
      f.auxPowerW = PARKED_DRAIN_W;
      if (this.plug) {
        f.chargeState = 'plugged';
        f.chargeKind = this.plug.charger.level === 'DCFC' ? 'dc' : 'ac';
        f.acLineVoltageV = this.plug.charger.level === 'DCFC' ? Number.NaN : this.plug.charger.lineVoltageV;
        f.chargePowerW = 0;
        f.latDeg = this.plug.charger.lat;
        f.lonDeg = this.plug.charger.lon;
      } else {
        f.latDeg = this.where.lat;
        f.lonDeg = this.where.lon;
      }
      out.record(f);
    }
  }

  private endOfDay(out: SimOutput): void {
    const date = this.env.clock.localDateKey(this.nextMidnightMs - SECOND);
    this.battery.age();
    // A BMS re-estimates its state of health now and then, in whole steps.
    if (this.env.random.next() < 0.1) this.bmsSoh = Math.round(this.battery.sohPct + this.env.random.normal(0, 0.6));
    this.nextMidnightMs = nextLocalMidnight(this.env.clock, this.nextMidnightMs);
    out.truth({
      type: 'day',
      serial: this.serial,
      date,
      capacityKwh: this.battery.capacityWh / 1000,
      sohPct: this.battery.sohPct,
      powerCapacityPct: this.battery.powerCapacityPct,
      odometerM: this.odometerM,
    });
  }

  private fillCommon(ambient: number): void {
    const f = this.frame;
    const battery = this.battery;
    f.timeMs = this.timeMs;
    f.speedMps = 0;
    f.odometerM = this.odometerM;
    f.socPct = battery.socPct;
    f.ambientTempC = ambient;
    f.batteryTempC = battery.tempC;
    f.hvacPowerW = 0;
    f.driveState = 'parked';
    f.chargeState = 'unplugged';
    f.chargeKind = undefined;
    f.acLineVoltageV = Number.NaN;
    f.chargePowerW = Number.NaN;
    f.engineOn = this.model.powertrain === 'PHEV' ? false : undefined;
    f.bmsSohPct = this.model.reportsSoh ? this.bmsSoh : Number.NaN;
  }
}

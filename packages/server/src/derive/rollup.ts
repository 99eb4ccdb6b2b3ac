/**
 * Daily rollups per vehicle (local days of the program), from derived trips and sessions and the
 * day's readings: pure, so live derivation and rebuild agree.
 *
 * - Trips count on the local day they start (distance, energy, engine CO2, CO2 avoided).
 * - Charging energy is spread by the hour it flowed: a session from 22:00 to 06:00 adds to both
 *   days, by level, by time-of-use period and into the 24-hour load shape. Its count, its climate and accessory load
 *   and its in-territory share go with the day it was plugged in… except in-territory energy, which
 *   follows the hours too.
 * - CO2 of the day is that of the electricity charged (hourly grid factor where the program has one).
 */
import type { DayReadings } from './items.js';
import type { ProgramRules } from '../programs/index.js';

export interface VehicleDayRow {
  readonly day: string;
  readonly programId: number | null;
  trips: number;
  distanceM: number;
  electricDistanceM: number;
  driveWh: number;
  driveHvacWh: number;
  driveAuxWh: number;
  sessions: number;
  chargeBatteryWh: number;
  chargeWallWh: number;
  chargeL1Wh: number;
  chargeL2Wh: number;
  chargeDcfcWh: number;
  chargeInTerritoryWh: number;
  /** While plugged in: heating/cooling, and the other low-voltage loads. */
  chargeHvacWh: number;
  chargeAuxWh: number;
  chargeTouWh: Record<string, number>;
  chargeHourlyWh: number[];
  co2G: number;
  fuelCo2G: number;
  co2AvoidedG: number;
  readings: number;
  ambientMeanC: number | null;
  ambientMinC: number | null;
  ambientMaxC: number | null;
}

export interface RollupTrip {
  readonly localDate: string;
  readonly distanceM: number;
  readonly electricDistanceM: number;
  readonly energyWh: number;
  readonly hvacWh: number;
  readonly auxWh: number;
  readonly fuelCo2G: number | null;
  readonly co2AvoidedG: number | null;
}

export interface RollupSession {
  readonly localDate: string;
  readonly level: 'L1' | 'L2' | 'DCFC' | null;
  readonly inTerritory: boolean | null;
  readonly hourly: readonly (readonly [number, number, number])[];
  readonly hvacWh: number;
  readonly auxWh: number;
}

/** Rows for every day from `fromDay` on that has readings, trips or charging. */
export function rollupDays(
  fromDay: string,
  trips: readonly RollupTrip[],
  sessions: readonly RollupSession[],
  days: readonly DayReadings[],
  program: ProgramRules,
): VehicleDayRow[] {
  const rows = new Map<string, VehicleDayRow>();
  const row = (day: string): VehicleDayRow | undefined => {
    if (day < fromDay) return undefined;
    let r = rows.get(day);
    if (!r) {
      r = {
        day,
        programId: program.programId,
        trips: 0,
        distanceM: 0,
        electricDistanceM: 0,
        driveWh: 0,
        driveHvacWh: 0,
        driveAuxWh: 0,
        sessions: 0,
        chargeBatteryWh: 0,
        chargeWallWh: 0,
        chargeL1Wh: 0,
        chargeL2Wh: 0,
        chargeDcfcWh: 0,
        chargeInTerritoryWh: 0,
        chargeHvacWh: 0,
        chargeAuxWh: 0,
        chargeTouWh: {},
        chargeHourlyWh: new Array<number>(24).fill(0),
        co2G: 0,
        fuelCo2G: 0,
        co2AvoidedG: 0,
        readings: 0,
        ambientMeanC: null,
        ambientMinC: null,
        ambientMaxC: null,
      };
      rows.set(day, r);
    }
    return r;
  };
  for (const d of days) {
    const r = row(d.day);
    if (!r) continue;
    r.readings = d.readings;
    r.ambientMeanC = d.ambientMeanC;
    r.ambientMinC = d.ambientMinC;
    r.ambientMaxC = d.ambientMaxC;
  }
  for (const t of trips) {
    const r = row(t.localDate);
    if (!r) continue;
    r.trips++;
    r.distanceM += t.distanceM;
    r.electricDistanceM += t.electricDistanceM;
    r.driveWh += t.energyWh;
    r.driveHvacWh += t.hvacWh;
    r.driveAuxWh += t.auxWh;
    r.fuelCo2G += t.fuelCo2G ?? 0;
    r.co2AvoidedG += t.co2AvoidedG ?? 0;
  }
  const clock = program.clock;
  for (const s of sessions) {
    const start = row(s.localDate);
    if (start) {
      start.sessions++;
      start.chargeHvacWh += s.hvacWh;
      start.chargeAuxWh += s.auxWh;
    }
    for (const [hourMs, wallWh, batteryWh] of s.hourly) {
      const r = row(clock.localDateKey(hourMs));
      if (!r) continue;
      r.chargeWallWh += wallWh;
      r.chargeBatteryWh += batteryWh;
      if (s.level === 'L1') r.chargeL1Wh += wallWh;
      else if (s.level === 'L2') r.chargeL2Wh += wallWh;
      else if (s.level === 'DCFC') r.chargeDcfcWh += wallWh;
      if (s.inTerritory === true) r.chargeInTerritoryWh += wallWh;
      const period = program.periodAt(hourMs);
      r.chargeTouWh[period] = (r.chargeTouWh[period] ?? 0) + wallWh;
      r.chargeHourlyWh[clock.hour(hourMs)]! += wallWh;
      r.co2G += (wallWh / 1000) * program.gridFactorAt(hourMs);
    }
  }
  return [...rows.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
}

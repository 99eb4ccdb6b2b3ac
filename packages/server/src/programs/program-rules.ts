/**
 * A program compiled for derivation: its clock, time-of-use period of each local hour, grid
 * factor of each hour, and whether a point lies in its territory. Pure and fast: asked for every
 * hour of charging.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { createLocalClock, type LocalClock } from '@smartcharge/protocol';
import type { TTerritory, TTou } from './program.schema.js';

/** The period name when a program has no time-of-use plan. */
export const ALL_HOURS = 'all_hours';

export interface ProgramSettings {
  readonly id: number | null;
  readonly timeZone: string;
  readonly territory: TTerritory | null;
  readonly tou: TTou | null;
  readonly gridGPerKwh: number;
  readonly gridHourlyGPerKwh: readonly number[] | null;
  readonly comparatorMpg: number;
}

export interface ProgramRules {
  readonly programId: number | null;
  readonly clock: LocalClock;
  readonly periods: readonly string[];
  /** Time-of-use period of the local hour starting at `hourStartMs` (UTC epoch ms). */
  periodAt(hourStartMs: number): string;
  /** Grid emission factor (g CO2e/kWh) for energy drawn in the local hour starting at `hourStartMs`. */
  gridFactorAt(hourStartMs: number): number;
  /** The annual (or mean) factor, for energy not tied to an hour (a trip's). */
  readonly annualGPerKwh: number;
  readonly comparatorMpg: number;
  /** Whether the point is in the territory; undefined when the program has none. */
  inTerritory(latDeg: number, lonDeg: number): boolean | undefined;
}

/** For vehicles outside any program: UTC days, one period, no grid factor. */
export const NO_PROGRAM: ProgramSettings = {
  id: null,
  timeZone: 'UTC',
  territory: null,
  tou: null,
  gridGPerKwh: 0,
  gridHourlyGPerKwh: null,
  comparatorMpg: 22,
};

export function compileProgram(program: ProgramSettings): ProgramRules {
  const clock = createLocalClock(program.timeZone);
  // period of (day of week, hour): 7 × 24 table
  const table: string[] = [];
  const tou = program.tou;
  for (let dow = 0; dow < 7; dow++) {
    const weekend = dow === 0 || dow === 6;
    for (let hour = 0; hour < 24; hour++) {
      let period = tou ? tou.default : ALL_HOURS;
      for (const rule of tou?.rules ?? []) {
        if (rule.days === 'weekdays' && weekend) continue;
        if (rule.days === 'weekends' && !weekend) continue;
        const inside =
          rule.from_hour < rule.to_hour
            ? hour >= rule.from_hour && hour < rule.to_hour
            : hour >= rule.from_hour || hour < rule.to_hour;
        if (inside) {
          period = rule.period;
          break;
        }
      }
      table.push(period);
    }
  }
  const hourly = program.gridHourlyGPerKwh;
  const territory = program.territory;
  return {
    programId: program.id,
    clock,
    periods: tou ? tou.periods : [ALL_HOURS],
    periodAt(hourStartMs) {
      return table[clock.dayOfWeek(hourStartMs) * 24 + clock.hour(hourStartMs)]!;
    },
    gridFactorAt(hourStartMs) {
      return hourly ? hourly[clock.hour(hourStartMs)]! : program.gridGPerKwh;
    },
    annualGPerKwh: program.gridGPerKwh,
    comparatorMpg: program.comparatorMpg,
    inTerritory(latDeg, lonDeg) {
      if (!territory) return undefined;
      return booleanPointInPolygon([lonDeg, latDeg], territory);
    },
  };
}

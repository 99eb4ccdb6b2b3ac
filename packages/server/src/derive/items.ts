/**
 * What derivation produces, as plain values (base units; times in UTC epoch ms). The repository
 * stores them as rows of trip, charge_session, charge_segment and vehicle_day.
 */
import type { ChargeLevel, LevelBasis } from './levels.js';

export interface TripItem {
  readonly startMs: number;
  readonly endMs: number;
  readonly complete: boolean;
  /** Local date of the start, YYYY-MM-DD. */
  readonly localDate: string;
  readonly readings: number;
  readonly gapS: number;
  readonly distanceM: number;
  readonly electricDistanceM: number;
  readonly odometerStartM: number | null;
  readonly energyWh: number;
  readonly hvacWh: number;
  readonly auxWh: number;
  readonly socStartPct: number | null;
  readonly socEndPct: number | null;
  readonly ambientMeanC: number | null;
  readonly ambientMinC: number | null;
  readonly ambientMaxC: number | null;
  readonly resistanceMohm25c: number | null;
  readonly resistanceSamples: number;
  readonly bmsSohPct: number | null;
  readonly co2G: number | null;
  readonly fuelCo2G: number | null;
  readonly co2AvoidedG: number | null;
}

export interface SegmentItem {
  readonly startMs: number;
  readonly endMs: number;
  readonly kind: 'ac' | 'dc' | null;
  readonly batteryWh: number;
  readonly wallWh: number;
  readonly peakW: number | null;
  readonly socStartPct: number | null;
  readonly socEndPct: number | null;
  readonly batteryTempMeanC: number | null;
  /** Usable capacity estimated from this segment (Wh), when it qualifies. */
  readonly capacityWh: number | null;
  readonly capacitySocDelta: number | null;
}

/** Energy in one local hour: [hour start (UTC epoch ms), wall Wh, battery Wh]. */
export type HourEnergy = [hourStartMs: number, wallWh: number, batteryWh: number];

export interface SessionItem {
  readonly startMs: number;
  readonly endMs: number;
  readonly complete: boolean;
  readonly localDate: string;
  readonly readings: number;
  readonly gapS: number;
  readonly kind: 'ac' | 'dc' | null;
  readonly level: ChargeLevel | null;
  readonly levelBasis: LevelBasis | null;
  readonly acLineVoltageV: number | null;
  readonly chargingS: number;
  readonly batteryWh: number;
  readonly wallWh: number;
  readonly batteryMeasured: boolean;
  readonly wallMeasured: boolean;
  readonly peakW: number | null;
  readonly avgW: number | null;
  readonly socStartPct: number | null;
  readonly socEndPct: number | null;
  readonly latDeg: number | null;
  readonly lonDeg: number | null;
  readonly inTerritory: boolean | null;
  readonly hourly: readonly HourEnergy[];
  readonly touWh: Readonly<Record<string, number>>;
  readonly belowMinimum: boolean;
  readonly ambientMeanC: number | null;
  readonly ambientMinC: number | null;
  readonly ambientMaxC: number | null;
  /** While charging: heating or cooling (pre-conditioning), and the other low-voltage loads (lights, radio, USB). */
  readonly hvacWh: number;
  readonly auxWh: number;
  readonly co2G: number | null;
  readonly segments: readonly SegmentItem[];
}

/** Every reading of one local day: count and outside temperature. */
export interface DayReadings {
  /** Local date, YYYY-MM-DD. */
  readonly day: string;
  readonly readings: number;
  readonly ambientMeanC: number | null;
  readonly ambientMinC: number | null;
  readonly ambientMaxC: number | null;
}

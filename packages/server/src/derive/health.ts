/**
 * Battery health as a weekly series, from the estimates derivation leaves in charging segments
 * (usable capacity) and trips (pack resistance): pure, so live and rebuild agree.
 *
 * Each week (local Monday to Monday) takes the median of the estimates in a trailing window
 * (DERIVE_HEALTH_WINDOW_DAYS), doubled up to twice when it holds too few. The band around it is a
 * 95 % interval for that median from the estimates' spread and count: ± t(n−1) × 1.25 × s / √n
 * (1.25 = √(π/2), a median's standard error against a mean's). The spread s is never taken below
 * what one estimate can know (CAPACITY_ESTIMATE_SD: the state of charge a car reports is rounded and
 * drifts, so one partial charge tells capacity to about ±2 %); where that floor decides, the error
 * is known and z = 1.96 replaces t. So three near-identical estimates get about ±2.8 %, not the
 * ±0.02 points their range would say, and one estimate gets ±3.9 %. A median over weeks of
 * estimates moves little from one week to the next, which is what a driver should see.
 *
 * Storage capacity: AC and DC estimates kept apart (DC is faster and warmer, its estimates
 * differ); the headline state of health uses AC where there are enough, else DC. Power capacity:
 * a typical new pack's resistance over the measured one (both at 25 °C), as a percentage.
 */
import type { LocalClock } from '@smartcharge/protocol';
import { referenceResistanceOhm, type VehicleFacts } from './engine.js';
import type { DeriveParams } from './params.js';

export interface CapacityEstimate {
  readonly atMs: number;
  readonly kind: 'ac' | 'dc';
  readonly capacityWh: number;
}

export interface ResistanceEstimate {
  readonly atMs: number;
  readonly mohm25c: number;
}

export interface BmsReport {
  readonly atMs: number;
  readonly sohPct: number;
}

export interface HealthWeek {
  /** Local date of the week's Monday, YYYY-MM-DD. */
  readonly weekStart: string;
  readonly windowDays: number;
  readonly capacityAc: Band | null;
  readonly capacityAcEstimates: number;
  readonly capacityDc: Band | null;
  readonly capacityDcEstimates: number;
  readonly soh: Band | null;
  readonly sohBasis: 'ac' | 'dc' | null;
  readonly powerCapacity: Band | null;
  readonly resistanceTrips: number;
  readonly bmsSohPct: number | null;
}

export interface Band {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

const DAY_MS = 86_400_000;
/** Trips with a resistance estimate a week needs for a power-capacity value. */
const MIN_RESISTANCE_TRIPS = 3;

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** Two-sided 95 % quantiles of Student's t for 1–30 degrees of freedom. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z95 = 1.959964;

/** Student's t 97.5 % quantile (Cornish–Fisher beyond the table: within 0.001 there). */
export function t95(df: number): number {
  if (df <= T95.length) return T95[Math.max(1, Math.round(df)) - 1]!;
  const z = Z95;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** One capacity estimate's own uncertainty, as a fraction of it (standard deviation). */
export const CAPACITY_ESTIMATE_SD = 0.02;
/** One trip's resistance estimate's own uncertainty, as a fraction of it. */
export const RESISTANCE_ESTIMATE_SD = 0.05;

/**
 * Median with its 95 % band from the estimates' spread and count; `floorSd` (a fraction of the
 * median) is the least spread one estimate has on its own.
 */
export function medianBand(values: readonly number[], floorSd: number): Band {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const value = quantile(sorted, 0.5);
  const mean = sorted.reduce((a, v) => a + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(sorted.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const floor = Math.abs(value) * floorSd;
  // Below the floor the spread is chance: the known per-estimate error stands in, with z.
  const spread = Math.max(sd, floor);
  const factor = sd > floor ? t95(n - 1) : Z95;
  // With one or two estimates the median is their mean.
  const efficiency = n > 2 ? Math.sqrt(Math.PI / 2) : 1;
  const half = (factor * efficiency * spread) / Math.sqrt(n);
  return { value, low: value - half, high: value + half };
}

/** The local Monday 00:00 on or before `timeMs`, as UTC ms. */
export function weekStartMs(clock: LocalClock, timeMs: number): number {
  const day = clock.localDayNumber(timeMs);
  const monday = day - ((clock.dayOfWeek(timeMs) + 6) % 7);
  return clock.utcMsAtLocalDay(monday, 0, 0);
}

/** Estimates in [from, to), given sorted by time. */
function within<T extends { atMs: number }>(sorted: readonly T[], from: number, to: number): T[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.atMs < from) lo = mid + 1;
    else hi = mid;
  }
  const out: T[] = [];
  for (let k = lo; k < sorted.length && sorted[k]!.atMs < to; k++) out.push(sorted[k]!);
  return out;
}

/**
 * The health of each week whose Monday is in [fromMs, toMs] (local Mondays, UTC ms), from
 * estimates sorted by time that reach back at least 4 × the window before `fromMs`.
 */
export function weeklyHealth(
  input: {
    readonly capacity: readonly CapacityEstimate[];
    readonly resistance: readonly ResistanceEstimate[];
    readonly bms: readonly BmsReport[];
  },
  weeks: readonly number[],
  params: DeriveParams,
  vehicle: VehicleFacts,
  clock: LocalClock,
): HealthWeek[] {
  const reference = referenceResistanceOhm(vehicle);
  const ac = input.capacity.filter((e) => e.kind === 'ac');
  const dc = input.capacity.filter((e) => e.kind === 'dc');
  return weeks.map((weekMs) => {
    const endMs = clock.utcMsAtLocalDay(clock.localDayNumber(weekMs) + 7, 0, 0);
    // The shortest window (×1, ×2, ×4) in which the estimates are enough.
    let windowDays = params.healthWindowDays;
    const enough = (days: number) => {
      const from = endMs - days * DAY_MS;
      return (
        within(ac, from, endMs).length >= params.healthMinEstimates ||
        within(dc, from, endMs).length >= params.healthMinEstimates
      );
    };
    while (windowDays < params.healthWindowDays * 4 && !enough(windowDays)) windowDays *= 2;
    const fromMs = endMs - windowDays * DAY_MS;
    const acValues = within(ac, fromMs, endMs).map((e) => e.capacityWh);
    const dcValues = within(dc, fromMs, endMs).map((e) => e.capacityWh);
    const capacityAc = acValues.length >= params.healthMinEstimates ? medianBand(acValues, CAPACITY_ESTIMATE_SD) : null;
    const capacityDc = dcValues.length >= params.healthMinEstimates ? medianBand(dcValues, CAPACITY_ESTIMATE_SD) : null;
    const basis = capacityAc ? 'ac' : capacityDc ? 'dc' : null;
    const headline = capacityAc ?? capacityDc;
    const newWh = vehicle.newCapacityWh;
    const soh =
      headline && newWh
        ? {
            value: (headline.value / newWh) * 100,
            low: (headline.low / newWh) * 100,
            high: (headline.high / newWh) * 100,
          }
        : null;
    const resistance = within(input.resistance, fromMs, endMs).map((e) => e.mohm25c);
    let powerCapacity: Band | null = null;
    if (reference !== undefined && resistance.length >= MIN_RESISTANCE_TRIPS) {
      const r = medianBand(resistance, RESISTANCE_ESTIMATE_SD);
      const pct = (mohm: number) => ((reference * 1000) / mohm) * 100;
      // Higher resistance, lower power: the band's ends swap.
      powerCapacity = { value: pct(r.value), low: pct(r.high), high: pct(r.low) };
    }
    const bms = within(input.bms, fromMs, endMs).at(-1);
    return {
      weekStart: clock.localDateKey(weekMs),
      windowDays,
      capacityAc,
      capacityAcEstimates: acValues.length,
      capacityDc,
      capacityDcEstimates: dcValues.length,
      soh,
      sohBasis: soh ? basis : null,
      powerCapacity,
      resistanceTrips: resistance.length,
      bmsSohPct: bms?.sohPct ?? null,
    };
  });
}

/**
 * Battery health as a weekly series, from the estimates derivation leaves in charging segments
 * (usable capacity) and trips (pack resistance): pure, so live and rebuild agree.
 *
 * Each week (local Monday to Monday) takes the median of the estimates in a trailing window
 * (DERIVE_HEALTH_WINDOW_DAYS), doubled up to twice when it holds too few; the band around it is
 * the 95 % confidence interval of a median (± 1.57 × IQR / √n, McGill, Tukey & Larsen 1978;
 * with fewer than four estimates, their range). A median over weeks of
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

/** Median with its 95 % confidence band. */
export function medianBand(values: readonly number[]): Band {
  const sorted = [...values].sort((a, b) => a - b);
  const value = quantile(sorted, 0.5);
  if (sorted.length < 4) return { value, low: sorted[0]!, high: sorted.at(-1)! };
  const half = (1.57 * (quantile(sorted, 0.75) - quantile(sorted, 0.25))) / Math.sqrt(sorted.length);
  return { value, low: Math.max(sorted[0]!, value - half), high: Math.min(sorted.at(-1)!, value + half) };
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
    const capacityAc = acValues.length >= params.healthMinEstimates ? medianBand(acValues) : null;
    const capacityDc = dcValues.length >= params.healthMinEstimates ? medianBand(dcValues) : null;
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
      const r = medianBand(resistance);
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

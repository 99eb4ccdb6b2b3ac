/**
 * Measurement of a demand-response event: pure functions of charge segments, no clock, no database.
 *
 * - Power profiles: each charge segment's wall energy is spread uniformly over its span (the C2 reports
 *   segments of steady charging, so this is what it measured), summed into 1- or 15-minute bins.
 * - Baseline (CalTRACK-style): the mean energy of the same local window on the participant's most recent
 *   comparable days: same day type (weekday / weekend), at most 10 of the 30 local days before the
 *   event, leaving out any day on which the participant was part of an event. Local time is the
 *   program's zone, so a 17:00–20:00 event is compared with 17:00–20:00 on other days across DST.
 * - Per participant: energy in its own (randomised) window, baseline, shifted = max(0, baseline − actual),
 *   rebound = actual − baseline over the 2 h after its window (signed: negative is less than usual).
 * - Opt-out by charging: a notified treatment participant whose window energy exceeds what it was allowed
 *   (the cap × window hours for a 'cap' event, nothing otherwise) by more than CHARGING_TOLERANCE_WH
 *   (0.5 kWh: a few minutes of top-up or a charger's standby and rounding are not an override).
 * - The fleet: intention-to-treat: every treatment participant (opted out or not) against the control
 *   group; shed = control − treatment mean kW in the window, with a Welch 90 % interval. Without a
 *   control group of 2 or more (or treatment of 2 or more), the baseline-only estimate (a paired t
 *   interval of baseline − actual over treatment participants) is the headline.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, type LocalClock } from '@smartcharge/protocol';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

export const CONFIDENCE = 0.9;
export const CHARGING_TOLERANCE_WH = 500;
export const BASELINE_MAX_DAYS = 10;
export const BASELINE_LOOKBACK_DAYS = 30;
export const REBOUND_MS = 2 * HOUR_MS;
export const PROFILE_BEFORE_MS = 2 * HOUR_MS;
export const PROFILE_AFTER_MS = 3 * HOUR_MS;
const PROFILE_STEP_MS = 15 * MINUTE_MS;

/** One charge_segment row, as measurement needs it. */
export interface Segment {
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly wallWh: number;
}

/** Wall energy (Wh) of the segments that falls in [fromMs, toMs), each spread uniformly over its span. */
export function energyBetween(segments: readonly Segment[], fromMs: number, toMs: number): number {
  let wh = 0;
  for (const s of segments) {
    if (s.endedAtMs <= s.startedAtMs) {
      // An instantaneous segment counts where it happened.
      if (s.startedAtMs >= fromMs && s.startedAtMs < toMs) wh += s.wallWh;
      continue;
    }
    const overlap = Math.min(toMs, s.endedAtMs) - Math.max(fromMs, s.startedAtMs);
    if (overlap > 0) wh += (s.wallWh * overlap) / (s.endedAtMs - s.startedAtMs);
  }
  return wh;
}

/** Energy per bin (Wh) from fromMs for `bins` bins of binMinutes (1 or 15). */
export function energyProfile(
  segments: readonly Segment[],
  fromMs: number,
  bins: number,
  binMinutes: 1 | 15,
): number[] {
  const stepMs = binMinutes * MINUTE_MS;
  const out = new Array<number>(bins).fill(0);
  const toMs = fromMs + bins * stepMs;
  for (const s of segments) {
    if (s.endedAtMs <= s.startedAtMs) {
      if (s.startedAtMs >= fromMs && s.startedAtMs < toMs)
        out[Math.floor((s.startedAtMs - fromMs) / stepMs)]! += s.wallWh;
      continue;
    }
    const first = Math.max(0, Math.floor((s.startedAtMs - fromMs) / stepMs));
    const last = Math.min(bins - 1, Math.floor((s.endedAtMs - fromMs - 1) / stepMs));
    const perMs = s.wallWh / (s.endedAtMs - s.startedAtMs);
    for (let i = first; i <= last; i++) {
      const binFrom = fromMs + i * stepMs;
      const overlap = Math.min(binFrom + stepMs, s.endedAtMs) - Math.max(binFrom, s.startedAtMs);
      if (overlap > 0) out[i]! += perMs * overlap;
    }
  }
  return out;
}

/** Energy (Wh) per bin → power (kW). */
export function binsToKw(binsWh: readonly number[], binMinutes: 1 | 15): number[] {
  return binsWh.map((wh) => wh / 1000 / (binMinutes / 60));
}

function isWeekend(dayOfWeek: number): boolean {
  return dayOfWeek === 0 || dayOfWeek === 6;
}

/** The comparable days a window is baselined on (local day numbers, most recent first). */
export function comparableDays(
  clock: LocalClock,
  windowStartMs: number,
  excludedLocalDays: ReadonlySet<number>,
): number[] {
  const eventDay = clock.localDayNumber(windowStartMs);
  const weekend = isWeekend((((eventDay + 4) % 7) + 7) % 7);
  const days: number[] = [];
  for (let d = eventDay - 1; d >= eventDay - BASELINE_LOOKBACK_DAYS && days.length < BASELINE_MAX_DAYS; d--) {
    if (excludedLocalDays.has(d)) continue;
    if (isWeekend((((d + 4) % 7) + 7) % 7) !== weekend) continue;
    days.push(d);
  }
  return days;
}

/**
 * The same local span as [fromMs, toMs) moved to local day `day`: local minutes since the start of the
 * event's local day, read again on that day (utcMsAtLocalDay rolls minutes past 24 h into the next day).
 */
export function sameLocalSpan(
  clock: LocalClock,
  eventDay: number,
  day: number,
  fromMs: number,
  toMs: number,
): { fromMs: number; toMs: number } {
  // Local epoch ms (utc + offset) less the local day's start: the wall-clock minute of that day.
  const localMinute = (ms: number) => (ms + clock.offsetMinutes(ms) * MINUTE_MS - eventDay * DAY_MS) / MINUTE_MS;
  return {
    fromMs: clock.utcMsAtLocalDay(day, 0, localMinute(fromMs)),
    toMs: clock.utcMsAtLocalDay(day, 0, localMinute(toMs)),
  };
}

/**
 * Baseline energy (Wh) for [fromMs, toMs): the mean over the comparable days of the same local span,
 * each scaled to this span's length (a span that crosses a DST change on one of the days is an hour
 * longer or shorter there). null without any comparable day.
 */
export function baselineWh(
  clock: LocalClock,
  segments: readonly Segment[],
  days: readonly number[],
  eventDay: number,
  fromMs: number,
  toMs: number,
): number | null {
  if (days.length === 0) return null;
  let sum = 0;
  for (const day of days) {
    const span = sameLocalSpan(clock, eventDay, day, fromMs, toMs);
    const wh = energyBetween(segments, span.fromMs, span.toMs);
    sum += span.toMs > span.fromMs ? (wh * (toMs - fromMs)) / (span.toMs - span.fromMs) : 0;
  }
  return sum / days.length;
}

export type Target = 'curtail' | 'shift' | 'cap';
export type Group = 'treatment' | 'control';
export type OptOut = 'explicit' | 'charging' | null;

export interface EventInput {
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly target: Target;
  readonly capKw: number | null;
  readonly randomizeS: number;
}

export interface ParticipantInput {
  readonly vehicleId: string;
  readonly group: Group;
  readonly startOffsetS: number;
  readonly endOffsetS: number;
  readonly notified: boolean;
  readonly optOut: OptOut;
  /** The vehicle's charge segments from 30 days before the event to 3 h after it. */
  readonly segments: readonly Segment[];
  /** Windows of the other events this vehicle took part in (either group): their local days are not baseline days. */
  readonly otherEventWindows: readonly { startMs: number; endMs: number }[];
}

export interface ParticipantMeasurement {
  readonly vehicleId: string;
  readonly group: Group;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly baselineWh: number | null;
  readonly baselineDays: number;
  readonly actualWh: number;
  readonly shiftedWh: number | null;
  readonly reboundWh: number | null;
  /** Energy in the 2 h after the participant's window. */
  readonly afterWh: number;
  /** The opt-out after measurement: explicit stays explicit; charging where the tolerance was exceeded. */
  readonly optOut: OptOut;
  /** Treatment participants: the participant's own baseline profile on the event's profile grid (kW); null without days. */
  readonly baselineProfileKw: number[] | null;
  readonly profileKw: number[];
}

function localDaysOf(clock: LocalClock, windows: readonly { startMs: number; endMs: number }[]): Set<number> {
  const days = new Set<number>();
  for (const w of windows) {
    for (let d = clock.localDayNumber(w.startMs); d <= clock.localDayNumber(Math.max(w.startMs, w.endMs - 1)); d++)
      days.add(d);
  }
  return days;
}

/** The event's 15-minute profile grid: 2 h before the start to 3 h after the end. */
export function profileGrid(event: EventInput): { fromMs: number; bins: number } {
  const fromMs = event.startsAtMs - PROFILE_BEFORE_MS;
  return { fromMs, bins: Math.ceil((event.endsAtMs + PROFILE_AFTER_MS - fromMs) / PROFILE_STEP_MS) };
}

export function measureParticipant(clock: LocalClock, event: EventInput, p: ParticipantInput): ParticipantMeasurement {
  const windowStartMs = event.startsAtMs + p.startOffsetS * 1000;
  const windowEndMs = event.endsAtMs + p.endOffsetS * 1000;
  const eventDay = clock.localDayNumber(windowStartMs);
  const days = comparableDays(clock, windowStartMs, localDaysOf(clock, p.otherEventWindows));
  const actualWh = energyBetween(p.segments, windowStartMs, windowEndMs);
  const afterWh = energyBetween(p.segments, windowEndMs, windowEndMs + REBOUND_MS);
  const base = baselineWh(clock, p.segments, days, eventDay, windowStartMs, windowEndMs);
  const baseAfter = baselineWh(clock, p.segments, days, eventDay, windowEndMs, windowEndMs + REBOUND_MS);

  let optOut = p.optOut;
  if (optOut !== 'explicit' && p.group === 'treatment' && p.notified) {
    const allowedWh =
      event.target === 'cap' && event.capKw !== null
        ? (event.capKw * 1000 * (windowEndMs - windowStartMs)) / HOUR_MS
        : 0;
    optOut = actualWh > allowedWh + CHARGING_TOLERANCE_WH ? 'charging' : null;
  }

  const grid = profileGrid(event);
  const profileKw = binsToKw(energyProfile(p.segments, grid.fromMs, grid.bins, 15), 15);
  let baselineProfileKw: number[] | null = null;
  if (days.length > 0) {
    const sums = new Array<number>(grid.bins).fill(0);
    for (const day of days) {
      for (let i = 0; i < grid.bins; i++) {
        const binFrom = grid.fromMs + i * PROFILE_STEP_MS;
        const span = sameLocalSpan(
          clock,
          clock.localDayNumber(event.startsAtMs),
          day,
          binFrom,
          binFrom + PROFILE_STEP_MS,
        );
        const wh = energyBetween(p.segments, span.fromMs, span.toMs);
        sums[i]! += span.toMs > span.fromMs ? (wh * PROFILE_STEP_MS) / (span.toMs - span.fromMs) : 0;
      }
    }
    baselineProfileKw = binsToKw(
      sums.map((s) => s / days.length),
      15,
    );
  }

  return {
    vehicleId: p.vehicleId,
    group: p.group,
    windowStartMs,
    windowEndMs,
    baselineWh: base,
    baselineDays: days.length,
    actualWh,
    shiftedWh: base === null ? null : Math.max(0, base - actualWh),
    reboundWh: baseAfter === null ? null : afterWh - baseAfter,
    afterWh,
    optOut,
    baselineProfileKw,
    profileKw,
  };
}

export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/** The result written to dr_event.result (see docs/dr-contract: kW per participant unless named Fleet). */
export interface DrEventResult {
  readonly method: 'randomized-control' | 'baseline-only';
  readonly confidence: number;
  readonly window: { readonly startsAt: string; readonly endsAt: string };
  readonly treatment: {
    readonly n: number;
    readonly optedOut: number;
    readonly meanKw: number | null;
    readonly baselineKw: number | null;
  };
  readonly control: { readonly n: number; readonly meanKw: number | null; readonly baselineKw: number | null };
  /**
   * The headline: control − treatment. With `adjustment` 'baseline', each participant's kW is first taken from
   * their own baseline (baseline − actual), which removes the cars' differences from the comparison (the
   * design's main noise) and keeps it unbiased: the draw is random either way.
   */
  readonly shedKw: Interval;
  readonly adjustment: 'baseline' | 'none';
  /** The plain difference of the groups' mean kW in the window (what shedKw is without adjustment). */
  readonly unadjustedShedKw: Interval | null;
  readonly shedKwFleet: Interval;
  readonly baselineShedKw: number | null;
  readonly reboundKw: Interval | null;
  readonly reboundWindow: { readonly from: string; readonly to: string };
  readonly shiftedKwh: number;
  readonly profile: readonly {
    readonly at: string;
    readonly treatmentKw: number | null;
    readonly controlKw: number | null;
    readonly baselineKw: number | null;
  }[];
  readonly optOuts: { readonly explicit: number; readonly charging: number; readonly share: number };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

/** Two-sided interval at `confidence` for mean(a) − mean(b), Welch's unequal-variance t. null unless both have 2 or more. */
export function welchInterval(a: readonly number[], b: readonly number[], confidence = CONFIDENCE): Interval | null {
  if (a.length < 2 || b.length < 2) return null;
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const estimate = mean(a) - mean(b);
  const se = Math.sqrt(va + vb);
  if (se === 0) return { estimate, low: estimate, high: estimate };
  const df = (va + vb) ** 2 / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  return { estimate, low: estimate - half, high: estimate + half };
}

/** Two-sided one-sample t interval for the mean; null under 2 values. */
export function meanInterval(xs: readonly number[], confidence = CONFIDENCE): Interval | null {
  if (xs.length < 2) return null;
  const estimate = mean(xs);
  const half = tQuantile(1 - (1 - confidence) / 2, xs.length - 1) * Math.sqrt(variance(xs) / xs.length);
  return { estimate, low: estimate - half, high: estimate + half };
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const roundInterval = (i: Interval): Interval => ({
  estimate: round(i.estimate),
  low: round(i.low),
  high: round(i.high),
});
const scale = (i: Interval, k: number): Interval => ({ estimate: i.estimate * k, low: i.low * k, high: i.high * k });
const orNull = (xs: readonly number[]) => (xs.length === 0 ? null : round(mean(xs)));

/** The fleet's result from its participants' measurements. */
export function fleetResult(event: EventInput, measured: readonly ParticipantMeasurement[]): DrEventResult {
  const treatment = measured.filter((m) => m.group === 'treatment');
  const control = measured.filter((m) => m.group === 'control');
  const kw = (m: ParticipantMeasurement) => m.actualWh / 1000 / ((m.windowEndMs - m.windowStartMs) / HOUR_MS);
  const baseKw = (m: ParticipantMeasurement) => m.baselineWh! / 1000 / ((m.windowEndMs - m.windowStartMs) / HOUR_MS);
  const afterKw = (m: ParticipantMeasurement) => m.afterWh / 1000 / (REBOUND_MS / HOUR_MS);
  const withBaseline = treatment.filter((m) => m.baselineWh !== null);

  const paired = withBaseline.map((m) => baseKw(m) - kw(m));
  const baselineShed = paired.length > 0 ? mean(paired) : null;
  const controlled = welchInterval(control.map(kw), treatment.map(kw));
  const controlPaired = control.filter((m) => m.baselineWh !== null).map((m) => baseKw(m) - kw(m));
  const adjusted = welchInterval(paired, controlPaired);
  const method = controlled ? 'randomized-control' : 'baseline-only';
  const zero: Interval = { estimate: 0, low: 0, high: 0 };
  const shed =
    adjusted ??
    controlled ??
    meanInterval(paired) ??
    (baselineShed === null ? zero : { estimate: baselineShed, low: baselineShed, high: baselineShed });
  // The rebound likewise: each one's energy in the 2 h after, less their own baseline for those hours.
  const reboundOf = (m: ParticipantMeasurement) => m.reboundWh! / 1000 / (REBOUND_MS / HOUR_MS);
  const rebound =
    welchInterval(
      treatment.filter((m) => m.reboundWh !== null).map(reboundOf),
      control.filter((m) => m.reboundWh !== null).map(reboundOf),
    ) ?? welchInterval(treatment.map(afterKw), control.map(afterKw));
  const maxEndOffsetMs = Math.max(0, ...treatment.map((m) => m.windowEndMs - event.endsAtMs));

  const grid = profileGrid(event);
  const profile = [];
  for (let i = 0; i < grid.bins; i++) {
    const baselines = treatment.flatMap((m) => (m.baselineProfileKw ? [m.baselineProfileKw[i]!] : []));
    profile.push({
      at: new Date(grid.fromMs + i * PROFILE_STEP_MS).toISOString(),
      treatmentKw: orNull(treatment.map((m) => m.profileKw[i]!)),
      controlKw: orNull(control.map((m) => m.profileKw[i]!)),
      baselineKw: orNull(baselines),
    });
  }

  const explicit = treatment.filter((m) => m.optOut === 'explicit').length;
  const charging = treatment.filter((m) => m.optOut === 'charging').length;
  return {
    method,
    confidence: CONFIDENCE,
    window: { startsAt: new Date(event.startsAtMs).toISOString(), endsAt: new Date(event.endsAtMs).toISOString() },
    treatment: {
      n: treatment.length,
      optedOut: explicit + charging,
      meanKw: orNull(treatment.map(kw)),
      baselineKw: orNull(withBaseline.map(baseKw)),
    },
    control: {
      n: control.length,
      meanKw: orNull(control.map(kw)),
      baselineKw: orNull(control.filter((m) => m.baselineWh !== null).map(baseKw)),
    },
    shedKw: roundInterval(shed),
    adjustment: adjusted ? 'baseline' : 'none',
    unadjustedShedKw: controlled ? roundInterval(controlled) : null,
    shedKwFleet: roundInterval(scale(shed, treatment.length)),
    baselineShedKw: baselineShed === null ? null : round(baselineShed),
    reboundKw: rebound ? roundInterval(rebound) : null,
    reboundWindow: {
      from: new Date(event.endsAtMs).toISOString(),
      to: new Date(event.endsAtMs + maxEndOffsetMs + REBOUND_MS).toISOString(),
    },
    shiftedKwh: round(treatment.reduce((a, m) => a + (m.shiftedWh ?? 0), 0) / 1000),
    profile,
    optOuts: {
      explicit,
      charging,
      share: treatment.length === 0 ? 0 : round((explicit + charging) / treatment.length),
    },
  };
}

/** Measure every participant and the fleet. */
export function measureEventData(
  clock: LocalClock,
  event: EventInput,
  participants: readonly ParticipantInput[],
): { participants: ParticipantMeasurement[]; result: DrEventResult } {
  const measured = participants.map((p) => measureParticipant(clock, event, p));
  return { participants: measured, result: fleetResult(event, measured) };
}

/**
 * What one slot of an enrollment has earned under a program's reward rules, as of an instant: a
 * pure function of the facts (install, activation, leaving, charging sessions with their hourly
 * energy), the rules and the time. It reads no clock and writes nothing; the rewards service
 * compares the entitlements with the ledger and appends what is missing, so evaluating twice, or
 * again after more charging, must never take back or change anything already earned.
 *
 * Conventions
 * - The start is the first charging session (by plug-in time) of at least the start rule's minimum
 *   (1 kWh without a start rule), in the territory when required, plugged in once the device is both
 *   installed and activated and before the slot ended. Every other rule counts from the start.
 * - Months are local calendar months in the program's time zone. A month settles once it has ended
 *   and every session of the slot that touched it has ended too, so a car still plugged in across
 *   midnight on the last day delays the month rather than being left out of it.
 * - A session belongs to the slot when its vehicle held the slot at plug-in time; sessions that
 *   have not ended by `asOf` cannot start anything yet. Callers should pass sessions still in
 *   progress too (unpluggedAt after asOf): they hold back the start and the months they touch,
 *   where leaving them out would settle a month without their energy.
 * - Demand-response rules (event_participation, event_kwh_shifted, opt_out_budget) count from the
 *   events the slot's vehicle was assigned to, not from the start: an event counts once it is
 *   measured (status completed, measured_at by asOf), for the treatment group told about it,
 *   never when cancelled, and only when it started before the slot ended. A month of the opt-out
 *   budget is the local month the event starts in; it settles once it has ended and each of its
 *   told events is measured (measurement is what records an opt-out by charging).
 * - off_peak_share counts charging time (the session's charging segments, else the time plugged
 *   in) by local hour, from the start on, like energy_in_hours counts energy.
 */
import {
  civilFromDays,
  createLocalClock,
  DAY_MS,
  daysFromCivil,
  MINUTE_MS,
  type LocalClock,
} from '@smartcharge/protocol';
import type { THours, TRewardRule, TRewardRules } from './rules.js';

export interface SessionFact {
  vehicleId: number;
  pluggedAt: Date;
  unpluggedAt: Date;
  wallWh: number;
  inTerritory: boolean | null;
  /** Wall energy per local hour: [hourStartUtcMs, wallWh] (derived hours carry batteryWh after it). */
  hourly: readonly (readonly [hourStartMs: number, wallWh: number, ...rest: number[]])[];
  /**
   * When energy flowed: the session's charging segments [startMs, endMs). Undefined when not
   * loaded (then the time plugged in stands for it); empty when it never charged.
   */
  charging?: readonly (readonly [startMs: number, endMs: number])[];
}

/** One vehicle's part in one demand-response event (dr_participant with its dr_event). */
export interface EventFact {
  eventId: number;
  name: string;
  vehicleId: number;
  status: 'scheduled' | 'active' | 'completed' | 'cancelled';
  /** The event's window (each participant's own is moved by its random offsets). */
  startsAt: Date;
  endsAt: Date;
  group: 'treatment' | 'control';
  /** When this vehicle was told; null when not (the control group never is). */
  notifiedAt: Date | null;
  optOut: 'explicit' | 'charging' | null;
  optedOutAt: Date | null;
  /** Energy moved out of the window against the baseline, once measured (may be negative). */
  shiftedWh: number | null;
  /** When the event was measured. */
  measuredAt: Date | null;
}

export interface SlotVehicle {
  vehicleId: number;
  from: Date;
  to: Date | null;
}

export interface SlotFacts {
  enrollmentId: number;
  /** A slot is one vehicle's place in an enrollment; a changed vehicle continues the slot. */
  slotId: number;
  /** Which vehicle held the slot when (non-overlapping, ordered). */
  vehicles: readonly SlotVehicle[];
  /** The device was reported installed (or first activated). */
  installedAt: Date | null;
  /** When the device recorded its first data (not when that data arrived). */
  activatedAt: Date | null;
  /**
   * When the slot stopped counting: left the program, device returned or uninstalled for good;
   * null while participating. Temporary removals (at a repair shop) carry no penalty and are not an end.
   */
  endedAt: Date | null;
  /** Derived charging sessions of the slot's vehicles, in any order. */
  sessions: readonly SessionFact[];
  /** The slot's demand-response events, in any order; needed by the event rules. */
  events?: readonly EventFact[];
}

export interface RewardInput {
  rules: TRewardRules;
  timeZone: string;
  /** The program's time-of-use period at a local hour start; needed by rules that name periods. */
  periodAt?: (hourStartMs: number) => string;
  asOf: Date;
  slot: SlotFacts;
  /** The start already recorded in the ledger, if any (so a re-derived session cannot move it). */
  startedAt?: Date | null;
}

export interface EntitlementSession {
  vehicleId: number;
  pluggedAt: string;
  wallKwh: number;
  inTerritory: boolean | null;
}

export interface Entitlement {
  ruleKey: string;
  slotId: number;
  vehicleId: number;
  /** 'start', 'YYYY-MM' (local month), 'year-1', 'months-N' or 'event-<id>'. */
  period: string;
  points: number;
  earnedAt: Date;
  explanation: {
    /** The rule's label. */
    rule: string;
    /** A sentence: why. */
    summary: string;
    sessions: EntitlementSession[];
    facts: Record<string, unknown>;
  };
}

export interface Start {
  startedAt: Date;
  /** The qualifying session; null only for a recorded start whose session is no longer among the facts. */
  session: SessionFact | null;
  /** Whether the start came from the ledger rather than from the sessions. */
  recorded: boolean;
}

/** Sessions listed in one explanation; the facts carry the full count. */
const MAX_EXPLAINED_SESSIONS = 10;
/** Without a start rule, the start still needs a real charge. */
const DEFAULT_START_MIN_KWH = 1;
const HOUR_MS = 3_600_000;
// Guards floor() against 0.1 + 0.2 style representation error on exact multiples.
const FLOOR_EPSILON = 1e-9;

// ---- Sessions ----

function territoryRank(value: boolean | null): number {
  return value === true ? 2 : value === false ? 1 : 0;
}

/** A total order on sessions, so results never depend on the order the facts arrive in. */
function compareSessions(a: SessionFact, b: SessionFact): number {
  const byTime =
    a.pluggedAt.getTime() - b.pluggedAt.getTime() ||
    a.unpluggedAt.getTime() - b.unpluggedAt.getTime() ||
    a.vehicleId - b.vehicleId ||
    a.wallWh - b.wallWh ||
    territoryRank(a.inTerritory) - territoryRank(b.inTerritory);
  if (byTime !== 0) return byTime;
  const n = Math.min(a.hourly.length, b.hourly.length);
  for (let i = 0; i < n; i++) {
    const d = a.hourly[i]![0] - b.hourly[i]![0] || a.hourly[i]![1] - b.hourly[i]![1];
    if (d !== 0) return d;
  }
  return a.hourly.length - b.hourly.length;
}

function heldSlot(vehicles: readonly SlotVehicle[], session: SessionFact): boolean {
  const at = session.pluggedAt.getTime();
  return vehicles.some(
    (v) => v.vehicleId === session.vehicleId && v.from.getTime() <= at && (v.to === null || at < v.to.getTime()),
  );
}

/** The vehicle holding the slot at `atMs`, else the last one that held it before, else `fallback`. */
function vehicleAt(vehicles: readonly SlotVehicle[], atMs: number, fallback: number | undefined): number | undefined {
  let latest: SlotVehicle | undefined;
  for (const v of vehicles) {
    if (v.from.getTime() > atMs) continue;
    if (v.to === null || atMs < v.to.getTime()) return v.vehicleId;
    if (!latest || v.from.getTime() > latest.from.getTime()) latest = v;
  }
  return latest?.vehicleId ?? fallback;
}

function roundKwh(wh: number): number {
  return Math.round(wh) / 1000;
}

function explainSession(session: SessionFact): EntitlementSession {
  return {
    vehicleId: session.vehicleId,
    pluggedAt: session.pluggedAt.toISOString(),
    wallKwh: roundKwh(session.wallWh),
    inTerritory: session.inTerritory,
  };
}

function qualifies(session: SessionFact, minKwh: number, requireTerritory: boolean): boolean {
  return session.wallWh >= minKwh * 1000 && (!requireTerritory || session.inTerritory === true);
}

// ---- Local calendar ----

interface Month {
  /** 'YYYY-MM' */
  readonly key: string;
  readonly startMs: number;
  /** The next month's start. */
  readonly endMs: number;
}

function monthKeyOf(clock: LocalClock, utcMs: number): string {
  return clock.localDateKey(utcMs).slice(0, 7);
}

function monthAt(clock: LocalClock, key: string): Month {
  const year = Number(key.slice(0, 4));
  const month = Number(key.slice(5, 7));
  const startMs = clock.utcMsAtLocalDay(daysFromCivil(year, month, 1), 0, 0);
  const next = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
  return { key, startMs, endMs: clock.utcMsAtLocalDay(next, 0, 0) };
}

function nextMonth(clock: LocalClock, month: Month): Month {
  return monthAt(clock, monthKeyOf(clock, month.endMs));
}

/** `months` calendar months after `utcMs`, same local time of day; the 31st becomes the month's last day. */
function addLocalMonths(clock: LocalClock, utcMs: number, months: number): number {
  const day = clock.localDayNumber(utcMs);
  const timeOfDayMs = utcMs + clock.offsetMinutes(utcMs) * MINUTE_MS - day * DAY_MS;
  const date = civilFromDays(day);
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const first = daysFromCivil(year, month, 1);
  const length = (month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1)) - first;
  return clock.utcMsAtLocalDay(first + Math.min(date.day, length) - 1, 0, timeOfDayMs / MINUTE_MS);
}

function inHours(hour: number, hours: THours): boolean {
  return hours.from < hours.to ? hour >= hours.from && hour < hours.to : hour >= hours.from || hour < hours.to;
}

function onDays(dayOfWeek: number, days: 'all' | 'weekdays' | 'weekends'): boolean {
  if (days === 'all') return true;
  const weekend = dayOfWeek === 0 || dayOfWeek === 6;
  return days === 'weekends' ? weekend : !weekend;
}

// ---- The start ----

/**
 * The start: the recorded one if given, else the qualifying first charge. Returns null while an
 * earlier session of the slot is still in progress, since it could still turn out to be the first.
 */
export function findStart(input: Pick<RewardInput, 'rules' | 'slot' | 'asOf' | 'startedAt'>): Start | null {
  const { slot } = input;
  const sessions = slot.sessions.filter((s) => heldSlot(slot.vehicles, s)).sort(compareSessions);
  return findStartIn(input, sessions);
}

function findStartIn(
  input: Pick<RewardInput, 'rules' | 'slot' | 'asOf' | 'startedAt'>,
  sorted: SessionFact[],
): Start | null {
  const recorded = input.startedAt;
  if (recorded) {
    const atMs = recorded.getTime();
    const session =
      sorted.find((s) => s.pluggedAt.getTime() === atMs) ??
      sorted.find((s) => s.pluggedAt.getTime() <= atMs && atMs <= s.unpluggedAt.getTime()) ??
      null;
    return { startedAt: recorded, session, recorded: true };
  }
  const { installedAt, activatedAt, endedAt } = input.slot;
  if (!installedAt || !activatedAt) return null;
  const rule = input.rules.find((r) => r.type === 'start_bonus');
  const minKwh = rule?.minKwh ?? DEFAULT_START_MIN_KWH;
  const requireTerritory = rule?.requireTerritory ?? true;
  const fromMs = Math.max(installedAt.getTime(), activatedAt.getTime());
  const endMs = endedAt ? endedAt.getTime() : Infinity;
  const asOfMs = input.asOf.getTime();
  for (const session of sorted) {
    const pluggedMs = session.pluggedAt.getTime();
    // A car already plugged in when the device was installed or first sent data: that charge counts
    // ("install, activate … and complete the first charge session") by the energy delivered from then on.
    if (session.unpluggedAt.getTime() <= fromMs) continue;
    const startMs = Math.max(pluggedMs, fromMs);
    if (startMs >= endMs) return null;
    if (session.unpluggedAt.getTime() > asOfMs) return null;
    const counted = pluggedMs >= fromMs ? session : { ...session, wallWh: wallWhFrom(session, fromMs) };
    if (qualifies(counted, minKwh, requireTerritory)) return { startedAt: new Date(startMs), session, recorded: false };
  }
  return null;
}

/** A session's wall energy from an instant on: its hours after it, the hour it falls in pro rata. */
function wallWhFrom(session: SessionFact, fromMs: number): number {
  let wh = 0;
  for (const [hourStartMs, hourWh] of session.hourly) {
    const hourEndMs = hourStartMs + HOUR_MS;
    if (hourEndMs <= fromMs) continue;
    wh += hourStartMs >= fromMs ? hourWh : (hourWh * (hourEndMs - fromMs)) / HOUR_MS;
  }
  return wh;
}

// ---- Evaluation ----

interface Context {
  readonly input: RewardInput;
  readonly clock: LocalClock;
  readonly asOfMs: number;
  readonly endMs: number;
  /** The slot's sessions in canonical order. */
  readonly sessions: readonly SessionFact[];
  readonly start: Start;
  readonly startMs: number;
  readonly startMonth: Month;
  /** Months from the start month on that have settled by asOf (and began before the slot ended). */
  readonly months: readonly Month[];
}

interface HourRow {
  readonly session: SessionFact;
  readonly hourStartMs: number;
  readonly wallWh: number;
}

export function evaluateRewards(input: RewardInput): Entitlement[] {
  const clock = createLocalClock(input.timeZone);
  for (const rule of input.rules) {
    const usesPeriods =
      (rule.type === 'energy_in_hours' && rule.touPeriods !== undefined) ||
      ((rule.type === 'no_peak_month' || rule.type === 'off_peak_share') && rule.peakTouPeriods !== undefined);
    if (usesPeriods && !input.periodAt) {
      throw new Error(
        `reward rule "${rule.key}" counts energy by time-of-use period: pass periodAt (the program's time-of-use plan)`,
      );
    }
  }
  const { slot } = input;
  const asOfMs = input.asOf.getTime();
  const endMs = slot.endedAt ? slot.endedAt.getTime() : Infinity;
  // Events count from the events themselves: a driver told about one before a first charge took part.
  const out: Entitlement[] = [];
  const events = countedEvents(input, asOfMs, endMs);
  for (const rule of input.rules) {
    if (rule.type === 'event_participation') out.push(...evaluateEventParticipation(clock, input, rule, events));
    if (rule.type === 'event_kwh_shifted') out.push(...evaluateEventKwhShifted(clock, input, rule, events));
    if (rule.type === 'opt_out_budget') out.push(...evaluateOptOutBudget(clock, input, rule, events, endMs));
  }

  const sessions = slot.sessions.filter((s) => heldSlot(slot.vehicles, s)).sort(compareSessions);
  const start = findStartIn(input, sessions);
  if (!start) return sortEntitlements(out);

  const startMs = start.startedAt.getTime();
  const startMonth = monthAt(clock, monthKeyOf(clock, startMs));
  // A month settles when it has ended and no session that touched it is still in progress.
  let settledUntilMs = asOfMs;
  for (const s of sessions) {
    if (s.unpluggedAt.getTime() > asOfMs) settledUntilMs = Math.min(settledUntilMs, s.pluggedAt.getTime());
  }
  const months: Month[] = [];
  for (let m = startMonth; m.endMs <= settledUntilMs && m.startMs < endMs; m = nextMonth(clock, m)) months.push(m);

  const ctx: Context = { input, clock, asOfMs, endMs, sessions, start, startMs, startMonth, months };
  let hourRows: Map<string, HourRow[]> | undefined;
  const hoursByMonth = () => (hourRows ??= groupHoursByMonth(ctx));

  for (const rule of input.rules) {
    switch (rule.type) {
      case 'start_bonus':
        out.push(...evaluateStartBonus(ctx, rule));
        break;
      case 'monthly_participation':
        out.push(...evaluateMonthlyParticipation(ctx, rule));
        break;
      case 'tenure_bonus':
        out.push(...evaluateTenureBonus(ctx, rule));
        break;
      case 'energy_in_hours':
        out.push(...evaluateEnergyInHours(ctx, rule, hoursByMonth()));
        break;
      case 'no_peak_month':
        out.push(...evaluateNoPeakMonth(ctx, rule, hoursByMonth()));
        break;
      case 'off_peak_share':
        out.push(...evaluateOffPeakShare(ctx, rule));
        break;
      case 'event_participation':
      case 'event_kwh_shifted':
      case 'opt_out_budget':
        break; // above, without a start
    }
  }
  return sortEntitlements(out);
}

function sortEntitlements(out: Entitlement[]): Entitlement[] {
  return out.sort(
    (a, b) =>
      a.earnedAt.getTime() - b.earnedAt.getTime() ||
      compareText(a.ruleKey, b.ruleKey) ||
      compareText(a.period, b.period),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupHoursByMonth(ctx: Context): Map<string, HourRow[]> {
  const byMonth = new Map<string, HourRow[]>();
  for (const session of ctx.sessions) {
    for (const [hourStartMs, wallWh] of session.hourly) {
      const key = monthKeyOf(ctx.clock, hourStartMs);
      let rows = byMonth.get(key);
      if (!rows) byMonth.set(key, (rows = []));
      rows.push({ session, hourStartMs, wallWh });
    }
  }
  return byMonth;
}

function localDate(ctx: Context, ms: number): string {
  return ctx.clock.localDateKey(ms);
}

type RuleOf<T extends TRewardRule['type']> = Extract<TRewardRule, { type: T }>;

function evaluateStartBonus(ctx: Context, rule: RuleOf<'start_bonus'>): Entitlement[] {
  const session = ctx.start.session;
  if (!session || session.unpluggedAt.getTime() > ctx.asOfMs) return [];
  const { installedAt, activatedAt } = ctx.input.slot;
  return [
    {
      ruleKey: rule.key,
      slotId: ctx.input.slot.slotId,
      vehicleId: session.vehicleId,
      period: 'start',
      points: rule.points,
      earnedAt: session.unpluggedAt,
      explanation: {
        rule: rule.label,
        summary:
          `First charge of ${roundKwh(session.wallWh)} kWh` +
          `${rule.requireTerritory ? ' in the service territory' : ''} on ${localDate(ctx, session.pluggedAt.getTime())}, ` +
          `with the device installed and activated.`,
        sessions: [explainSession(session)],
        facts: {
          startedAt: ctx.start.startedAt.toISOString(),
          installedAt: installedAt?.toISOString() ?? null,
          activatedAt: activatedAt?.toISOString() ?? null,
          minKwh: rule.minKwh,
          requireTerritory: rule.requireTerritory,
        },
      },
    },
  ];
}

/** Months after the start month that settled with the device still installed at their end. */
function monthsAfterStart(ctx: Context): Month[] {
  return ctx.months.filter((m) => m.startMs >= ctx.startMonth.endMs && m.endMs <= ctx.endMs);
}

function evaluateMonthlyParticipation(ctx: Context, rule: RuleOf<'monthly_participation'>): Entitlement[] {
  const out: Entitlement[] = [];
  const months = monthsAfterStart(ctx);
  if (months.length === 0) return out;
  const byMonth = new Map<string, SessionFact[]>();
  for (const s of ctx.sessions) {
    if (!qualifies(s, rule.minKwh, rule.requireTerritory)) continue;
    const key = monthKeyOf(ctx.clock, s.pluggedAt.getTime());
    let list = byMonth.get(key);
    if (!list) byMonth.set(key, (list = []));
    list.push(s);
  }
  for (const month of months) {
    const qualifying = byMonth.get(month.key);
    if (!qualifying) continue;
    const vehicleId = vehicleAt(ctx.input.slot.vehicles, month.endMs - 1, qualifying.at(-1)!.vehicleId)!;
    const count = qualifying.length;
    out.push({
      ruleKey: rule.key,
      slotId: ctx.input.slot.slotId,
      vehicleId,
      period: month.key,
      points: rule.points,
      earnedAt: new Date(month.endMs),
      explanation: {
        rule: rule.label,
        summary:
          `Charged at least ${rule.minKwh} kWh${rule.requireTerritory ? ' in the service territory' : ''} in ${month.key} ` +
          `(${count} ${count === 1 ? 'session' : 'sessions'}), with the device installed all month.`,
        sessions: qualifying.slice(0, MAX_EXPLAINED_SESSIONS).map(explainSession),
        facts: {
          month: month.key,
          qualifyingSessions: count,
          minKwh: rule.minKwh,
          requireTerritory: rule.requireTerritory,
          startedAt: ctx.start.startedAt.toISOString(),
        },
      },
    });
  }
  return out;
}

function tenurePeriod(afterMonths: number): string {
  return afterMonths % 12 === 0 ? `year-${afterMonths / 12}` : `months-${afterMonths}`;
}

function evaluateTenureBonus(ctx: Context, rule: RuleOf<'tenure_bonus'>): Entitlement[] {
  const reachedMs = addLocalMonths(ctx.clock, ctx.startMs, rule.afterMonths);
  if (reachedMs > ctx.asOfMs || ctx.endMs <= reachedMs) return [];
  const vehicleId = vehicleAt(ctx.input.slot.vehicles, reachedMs, ctx.start.session?.vehicleId);
  if (vehicleId === undefined) return [];
  return [
    {
      ruleKey: rule.key,
      slotId: ctx.input.slot.slotId,
      vehicleId,
      period: tenurePeriod(rule.afterMonths),
      points: rule.points,
      earnedAt: new Date(reachedMs),
      explanation: {
        rule: rule.label,
        summary:
          `The device stayed installed for ${rule.afterMonths} months after the start on ` +
          `${localDate(ctx, ctx.startMs)} (until ${localDate(ctx, reachedMs)}).`,
        sessions: ctx.start.session ? [explainSession(ctx.start.session)] : [],
        facts: {
          startedAt: ctx.start.startedAt.toISOString(),
          afterMonths: rule.afterMonths,
          reachedAt: new Date(reachedMs).toISOString(),
        },
      },
    },
  ];
}

/** Whether energy in the local hour starting at `hourStartMs` falls in a rule's hours or periods. */
function hourMatcher(
  ctx: Context,
  hours: THours | undefined,
  periods: readonly string[] | undefined,
  days: 'all' | 'weekdays' | 'weekends',
): (hourStartMs: number) => boolean {
  const { clock } = ctx;
  if (hours) return (ms) => onDays(clock.dayOfWeek(ms), days) && inHours(clock.hour(ms), hours);
  const wanted = new Set(periods);
  const periodAt = ctx.input.periodAt!;
  return (ms) => onDays(clock.dayOfWeek(ms), days) && wanted.has(periodAt(ms));
}

function describeWindow(hours: THours | undefined, periods: readonly string[] | undefined): string {
  if (hours) return `${String(hours.from).padStart(2, '0')}:00–${String(hours.to).padStart(2, '0')}:00`;
  return (periods ?? []).join('/');
}

function evaluateEnergyInHours(
  ctx: Context,
  rule: RuleOf<'energy_in_hours'>,
  hoursByMonth: Map<string, HourRow[]>,
): Entitlement[] {
  const out: Entitlement[] = [];
  const matches = hourMatcher(ctx, rule.hours, rule.touPeriods, rule.days);
  const window = describeWindow(rule.hours, rule.touPeriods);
  for (const month of ctx.months) {
    let wh = 0;
    const contributing: SessionFact[] = [];
    for (const row of hoursByMonth.get(month.key) ?? []) {
      const s = row.session;
      // Energy counts from the start on (the first charge itself included) until the slot ended.
      // (The first charge may have begun before the start, when the car was plugged in at install: its hours
      // from the start on count.)
      const before =
        s === ctx.start.session ? row.hourStartMs + HOUR_MS <= ctx.startMs : s.pluggedAt.getTime() < ctx.startMs;
      if (before || row.hourStartMs >= ctx.endMs) continue;
      if (rule.requireTerritory && s.inTerritory !== true) continue;
      if (row.wallWh <= 0 || !matches(row.hourStartMs)) continue;
      wh += row.wallWh;
      if (contributing.at(-1) !== s) contributing.push(s);
    }
    const earned = Math.floor((wh / 1000) * rule.pointsPerKwh + FLOOR_EPSILON);
    const points = rule.maxPointsPerMonth === undefined ? earned : Math.min(earned, rule.maxPointsPerMonth);
    if (points <= 0) continue;
    const vehicleId = vehicleAt(ctx.input.slot.vehicles, month.endMs - 1, contributing.at(-1)!.vehicleId)!;
    out.push({
      ruleKey: rule.key,
      slotId: ctx.input.slot.slotId,
      vehicleId,
      period: month.key,
      points,
      earnedAt: new Date(month.endMs),
      explanation: {
        rule: rule.label,
        summary:
          `Charged ${roundKwh(wh)} kWh in ${window}${rule.days === 'all' ? '' : ` on ${rule.days}`} in ${month.key} ` +
          `at ${rule.pointsPerKwh} points per kWh${points < earned ? `, capped at ${points} points` : ''}.`,
        sessions: contributing.slice(0, MAX_EXPLAINED_SESSIONS).map(explainSession),
        facts: {
          month: month.key,
          kwhInWindow: roundKwh(wh),
          pointsPerKwh: rule.pointsPerKwh,
          window,
          days: rule.days,
          contributingSessions: contributing.length,
          capped: points < earned,
        },
      },
    });
  }
  return out;
}

function evaluateNoPeakMonth(
  ctx: Context,
  rule: RuleOf<'no_peak_month'>,
  hoursByMonth: Map<string, HourRow[]>,
): Entitlement[] {
  const out: Entitlement[] = [];
  const isPeak = hourMatcher(ctx, rule.peakHours, rule.peakTouPeriods, rule.days);
  const window = describeWindow(rule.peakHours, rule.peakTouPeriods);
  for (const month of monthsAfterStart(ctx)) {
    let chargedWh = 0;
    let peakWh = 0;
    const charged: SessionFact[] = [];
    for (const row of hoursByMonth.get(month.key) ?? []) {
      const s = row.session;
      // Charging known to be outside the territory is on another utility's grid: not our peak.
      if (rule.requireTerritory && s.inTerritory === false) continue;
      if (isPeak(row.hourStartMs)) peakWh += row.wallWh;
      if (rule.requireTerritory && s.inTerritory !== true) continue;
      chargedWh += row.wallWh;
      if (row.wallWh > 0 && charged.at(-1) !== s) charged.push(s);
    }
    if (chargedWh < rule.minKwh * 1000 || peakWh > rule.toleranceKwh * 1000) continue;
    const vehicleId = vehicleAt(ctx.input.slot.vehicles, month.endMs - 1, charged.at(-1)?.vehicleId);
    if (vehicleId === undefined) continue;
    out.push({
      ruleKey: rule.key,
      slotId: ctx.input.slot.slotId,
      vehicleId,
      period: month.key,
      points: rule.points,
      earnedAt: new Date(month.endMs),
      explanation: {
        rule: rule.label,
        summary:
          `Charged ${roundKwh(chargedWh)} kWh${rule.requireTerritory ? ' in the service territory' : ''} in ${month.key} ` +
          `with ${roundKwh(peakWh)} kWh in peak hours (${window}${rule.days === 'all' ? '' : ` on ${rule.days}`}), ` +
          `within the ${rule.toleranceKwh} kWh allowed.`,
        sessions: charged.slice(0, MAX_EXPLAINED_SESSIONS).map(explainSession),
        facts: {
          month: month.key,
          chargedKwh: roundKwh(chargedWh),
          peakKwh: roundKwh(peakWh),
          toleranceKwh: rule.toleranceKwh,
          minKwh: rule.minKwh,
          peakWindow: window,
          days: rule.days,
        },
      },
    });
  }
  return out;
}

// ---- Demand response ----

/** Local 'HH:MM'. */
function localTime(clock: LocalClock, ms: number): string {
  const minutes = Math.floor(clock.hourFraction(ms) * 60 + FLOOR_EPSILON);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** "“Hot afternoon” on 2026-07-14, 17:00–20:00" in the program's time zone. */
function describeEvent(clock: LocalClock, e: EventFact): string {
  const startMs = e.startsAt.getTime();
  return (
    `“${e.name}” on ${clock.localDateKey(startMs)}, ` +
    `${localTime(clock, startMs)}–${localTime(clock, e.endsAt.getTime())}`
  );
}

function eventFacts(e: EventFact): Record<string, unknown> {
  return {
    eventId: e.eventId,
    eventName: e.name,
    startsAt: e.startsAt.toISOString(),
    endsAt: e.endsAt.toISOString(),
    notifiedAt: e.notifiedAt?.toISOString() ?? null,
    measuredAt: e.measuredAt?.toISOString() ?? null,
  };
}

/**
 * The slot's events that count at all, by asOf: the treatment group told about them, not cancelled,
 * started before the slot ended; ordered by start (then id), so results never depend on fact order.
 */
function countedEvents(input: RewardInput, asOfMs: number, endMs: number): EventFact[] {
  return (input.slot.events ?? [])
    .filter(
      (e) =>
        e.group === 'treatment' &&
        e.notifiedAt !== null &&
        e.notifiedAt.getTime() <= asOfMs &&
        e.status !== 'cancelled' &&
        e.startsAt.getTime() < endMs,
    )
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.eventId - b.eventId || a.vehicleId - b.vehicleId)
    .filter((e, i, all) => {
      // One part per event and slot (the ledger keys rewards by slot): the vehicle holding the slot when it started.
      const same = all.filter((o) => o.eventId === e.eventId);
      if (same.length === 1) return true;
      const holder = vehicleAt(input.slot.vehicles, e.startsAt.getTime(), undefined);
      const chosen = same.find((o) => o.vehicleId === holder) ?? same[0]!;
      return chosen === all[i];
    });
}

/** Measured by asOf: its result, and with it every opt-out by charging, is final. */
function isMeasured(e: EventFact, asOfMs: number): e is EventFact & { measuredAt: Date } {
  return e.status === 'completed' && e.measuredAt !== null && e.measuredAt.getTime() <= asOfMs;
}

function evaluateEventParticipation(
  clock: LocalClock,
  input: RewardInput,
  rule: RuleOf<'event_participation'>,
  events: readonly EventFact[],
): Entitlement[] {
  const asOfMs = input.asOf.getTime();
  return events
    .filter((e) => isMeasured(e, asOfMs) && e.optOut === null)
    .map((e) => ({
      ruleKey: rule.key,
      slotId: input.slot.slotId,
      vehicleId: e.vehicleId,
      period: `event-${e.eventId}`,
      points: rule.points,
      earnedAt: e.measuredAt!,
      explanation: {
        rule: rule.label,
        summary: `Took part in the charging event ${describeEvent(clock, e)}: told about it and did not opt out.`,
        sessions: [],
        facts: { ...eventFacts(e), optOut: null },
      },
    }));
}

function evaluateEventKwhShifted(
  clock: LocalClock,
  input: RewardInput,
  rule: RuleOf<'event_kwh_shifted'>,
  events: readonly EventFact[],
): Entitlement[] {
  const asOfMs = input.asOf.getTime();
  const out: Entitlement[] = [];
  for (const e of events) {
    if (!isMeasured(e, asOfMs) || e.optOut !== null || e.shiftedWh === null || e.shiftedWh <= 0) continue;
    const shiftedKwh = e.shiftedWh / 1000;
    const countedKwh = rule.maxKwhPerEvent === undefined ? shiftedKwh : Math.min(shiftedKwh, rule.maxKwhPerEvent);
    const points = Math.floor(countedKwh * rule.pointsPerKwh + FLOOR_EPSILON);
    if (points <= 0) continue;
    const capped = countedKwh < shiftedKwh;
    out.push({
      ruleKey: rule.key,
      slotId: input.slot.slotId,
      vehicleId: e.vehicleId,
      period: `event-${e.eventId}`,
      points,
      earnedAt: e.measuredAt,
      explanation: {
        rule: rule.label,
        summary:
          `Moved ${roundKwh(e.shiftedWh)} kWh of charging out of the charging event ${describeEvent(clock, e)} ` +
          `(against your usual charging), at ${rule.pointsPerKwh} points per kWh` +
          `${capped ? `, counted up to ${rule.maxKwhPerEvent} kWh` : ''}.`,
        sessions: [],
        facts: {
          ...eventFacts(e),
          shiftedKwh: roundKwh(e.shiftedWh),
          countedKwh: roundKwh(countedKwh * 1000),
          pointsPerKwh: rule.pointsPerKwh,
          maxKwhPerEvent: rule.maxKwhPerEvent ?? null,
          capped,
        },
      },
    });
  }
  return out;
}

function evaluateOptOutBudget(
  clock: LocalClock,
  input: RewardInput,
  rule: RuleOf<'opt_out_budget'>,
  events: readonly EventFact[],
  endMs: number,
): Entitlement[] {
  const asOfMs = input.asOf.getTime();
  const byMonth = new Map<string, EventFact[]>();
  for (const e of events) {
    const key = monthKeyOf(clock, e.startsAt.getTime());
    let list = byMonth.get(key);
    if (!list) byMonth.set(key, (list = []));
    list.push(e);
  }
  const out: Entitlement[] = [];
  for (const [key, told] of byMonth) {
    const month = monthAt(clock, key);
    // Settled: over, the slot still in the program at its end, and every event measured (which records charging opt-outs).
    if (month.endMs > asOfMs || month.endMs > endMs || !told.every((e) => isMeasured(e, asOfMs))) continue;
    const optedOut = told.filter((e) => e.optOut !== null);
    if (optedOut.length > rule.maxOptOuts) continue;
    const lastMeasuredMs = Math.max(...told.map((e) => e.measuredAt.getTime()));
    const last = told.at(-1)!;
    const vehicleId = vehicleAt(input.slot.vehicles, month.endMs - 1, last.vehicleId)!;
    const events = (n: number) => `${n} charging ${n === 1 ? 'event' : 'events'}`;
    out.push({
      ruleKey: rule.key,
      slotId: input.slot.slotId,
      vehicleId,
      period: month.key,
      points: rule.points,
      earnedAt: new Date(Math.max(month.endMs, lastMeasuredMs)),
      explanation: {
        rule: rule.label,
        summary:
          `Told about ${events(told.length)} in ${month.key} and opted out of ${optedOut.length}, ` +
          `within the ${rule.maxOptOuts} allowed.`,
        sessions: [],
        facts: {
          month: month.key,
          eventsTold: told.length,
          optOuts: optedOut.length,
          explicitOptOuts: optedOut.filter((e) => e.optOut === 'explicit').length,
          chargingOptOuts: optedOut.filter((e) => e.optOut === 'charging').length,
          maxOptOuts: rule.maxOptOuts,
          events: told
            .slice(0, MAX_EXPLAINED_SESSIONS)
            .map((e) => ({ eventId: e.eventId, name: e.name, startsAt: e.startsAt.toISOString(), optOut: e.optOut })),
        },
      },
    });
  }
  return out;
}

// ---- Charging time ----

/** The start of the local hour that `ms` falls in (half-hour zones included). */
function localHourStart(clock: LocalClock, ms: number): number {
  const localMs = ms + clock.offsetMinutes(ms) * MINUTE_MS;
  return ms - (((localMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

function evaluateOffPeakShare(ctx: Context, rule: RuleOf<'off_peak_share'>): Entitlement[] {
  const isPeak = hourMatcher(ctx, rule.peakHours, rule.peakTouPeriods, rule.days);
  const window = describeWindow(rule.peakHours, rule.peakTouPeriods);
  const byMonth = new Map<string, { totalMs: number; offPeakMs: number; sessions: SessionFact[] }>();
  for (const s of ctx.sessions) {
    if (rule.requireTerritory && s.inTerritory !== true) continue;
    // From the start on (the first charge from the start, when the car was plugged in at install), until the slot ended.
    if (s !== ctx.start.session && s.pluggedAt.getTime() < ctx.startMs) continue;
    const fromMs = s === ctx.start.session ? ctx.startMs : -Infinity;
    const stretches = s.charging ?? [[s.pluggedAt.getTime(), s.unpluggedAt.getTime()] as const];
    for (const [a, b] of stretches) {
      let ms = Math.max(a, fromMs);
      const toMs = Math.min(b, ctx.endMs, s.unpluggedAt.getTime());
      while (ms < toMs) {
        const hourStartMs = localHourStart(ctx.clock, ms);
        const pieceEndMs = Math.min(toMs, hourStartMs + HOUR_MS);
        const key = monthKeyOf(ctx.clock, hourStartMs);
        let month = byMonth.get(key);
        if (!month) byMonth.set(key, (month = { totalMs: 0, offPeakMs: 0, sessions: [] }));
        month.totalMs += pieceEndMs - ms;
        if (!isPeak(hourStartMs)) month.offPeakMs += pieceEndMs - ms;
        if (month.sessions.at(-1) !== s) month.sessions.push(s);
        ms = pieceEndMs;
      }
    }
  }
  const out: Entitlement[] = [];
  for (const month of ctx.months) {
    const charged = byMonth.get(month.key);
    if (!charged) continue;
    const minutes = charged.totalMs / MINUTE_MS;
    const sharePct = (charged.offPeakMs / charged.totalMs) * 100;
    if (minutes < rule.minMinutes || sharePct + FLOOR_EPSILON < rule.minSharePct) continue;
    const vehicleId = vehicleAt(ctx.input.slot.vehicles, month.endMs - 1, charged.sessions.at(-1)!.vehicleId)!;
    const shown = Math.floor(sharePct * 10 + FLOOR_EPSILON) / 10;
    out.push({
      ruleKey: rule.key,
      slotId: ctx.input.slot.slotId,
      vehicleId,
      period: month.key,
      points: rule.points,
      earnedAt: new Date(month.endMs),
      explanation: {
        rule: rule.label,
        summary:
          `Charged for ${Math.round(minutes)} minutes${rule.requireTerritory ? ' at home' : ''} in ${month.key}, ` +
          `${shown}% of it outside peak hours (${window.replaceAll('_', ' ')}${rule.days === 'all' ? '' : ` on ${rule.days}`}); ` +
          `at least ${rule.minSharePct}% was asked.`,
        sessions: charged.sessions.slice(0, MAX_EXPLAINED_SESSIONS).map(explainSession),
        facts: {
          month: month.key,
          chargingMinutes: Math.round(minutes),
          offPeakMinutes: Math.round(charged.offPeakMs / MINUTE_MS),
          offPeakSharePct: shown,
          minSharePct: rule.minSharePct,
          minMinutes: rule.minMinutes,
          peakWindow: window,
          days: rule.days,
          requireTerritory: rule.requireTerritory,
        },
      },
    });
  }
  return out;
}

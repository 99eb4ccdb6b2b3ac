/**
 * Standing schedules: which events a schedule calls in the coming days. Pure (clock, schedule, the
 * events it already called → the new windows); the tick inserts them, and the database's unique
 * (schedule, start) index makes a second run on the same day call nothing.
 *
 * Rules: local days in the program's zone from today for `horizonDays`; a day counts when it is within
 * [activeFrom, activeTo], in one of `months` (all when null), and of the schedule's day type; its
 * window must start after `nowMs` (a window already under way is not called late); a day that already
 * has an event of the schedule (in any state, cancelled too) is skipped; and at most `maxPerYear`
 * events (not cancelled ones) are called in one local calendar year.
 */
import { DAY_MS, type LocalClock } from '@smartcharge/protocol';

export const SCHEDULE_HORIZON_DAYS = 7;

export interface ScheduleSpec {
  readonly days: 'all' | 'weekdays' | 'weekends';
  /** Local minutes of the day: [fromMinute, toMinute), toMinute up to 1440 (midnight). */
  readonly fromMinute: number;
  readonly toMinute: number;
  /** Local dates, inclusive, 'YYYY-MM-DD'. */
  readonly activeFrom: string;
  readonly activeTo: string | null;
  readonly months: readonly number[] | null;
  readonly maxPerYear: number | null;
}

/** An event the schedule called before. */
export interface CalledEvent {
  readonly startsAtMs: number;
  readonly cancelled: boolean;
}

export interface ScheduledWindow {
  /** The local date, 'YYYY-MM-DD'. */
  readonly day: string;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
}

/** The instant of a local day's minute (1440: the next midnight). */
function atMinute(clock: LocalClock, dayNumber: number, minute: number): number {
  return clock.utcMsAtLocalDay(dayNumber, Math.floor(minute / 60), minute % 60);
}

function isWeekend(dayOfWeek: number): boolean {
  return dayOfWeek === 0 || dayOfWeek === 6;
}

/** The windows to call, oldest first. `called` must hold the schedule's events of this year and after. */
export function expandSchedule(
  clock: LocalClock,
  spec: ScheduleSpec,
  nowMs: number,
  called: readonly CalledEvent[],
  horizonDays = SCHEDULE_HORIZON_DAYS,
): ScheduledWindow[] {
  const takenDays = new Set(called.map((e) => clock.localDateKey(e.startsAtMs)));
  const perYear = new Map<string, number>();
  for (const e of called) {
    if (e.cancelled) continue;
    const year = clock.localDateKey(e.startsAtMs).slice(0, 4);
    perYear.set(year, (perYear.get(year) ?? 0) + 1);
  }
  const out: ScheduledWindow[] = [];
  const today = clock.localDayNumber(nowMs);
  for (let dayNumber = today; dayNumber < today + horizonDays; dayNumber++) {
    const startsAtMs = atMinute(clock, dayNumber, spec.fromMinute);
    const endsAtMs = atMinute(clock, dayNumber, spec.toMinute);
    // Noon is on the local day whatever the zone's changes, for the date and the weekday.
    const noonMs = clock.utcMsAtLocalDay(dayNumber, 12, 0);
    const day = clock.localDateKey(noonMs);
    if (day < spec.activeFrom || (spec.activeTo !== null && day > spec.activeTo)) continue;
    if (spec.months !== null && !spec.months.includes(Number(day.slice(5, 7)))) continue;
    const weekend = isWeekend(clock.dayOfWeek(noonMs));
    if ((spec.days === 'weekdays' && weekend) || (spec.days === 'weekends' && !weekend)) continue;
    if (startsAtMs <= nowMs || takenDays.has(day)) continue;
    const year = day.slice(0, 4);
    if (spec.maxPerYear !== null && (perYear.get(year) ?? 0) >= spec.maxPerYear) continue;
    perYear.set(year, (perYear.get(year) ?? 0) + 1);
    out.push({ day, startsAtMs, endsAtMs });
  }
  return out;
}

/** How far back the tick must read a schedule's events for expandSchedule's yearly count. */
export function calledSince(clock: LocalClock, nowMs: number): number {
  const year = Number(clock.localDateKey(nowMs).slice(0, 4));
  return clock.utcMsAt(`${year}-01-01`, 0, 0) - DAY_MS;
}

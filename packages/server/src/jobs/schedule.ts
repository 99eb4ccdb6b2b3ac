/**
 * When a scheduled job runs next: a pure function of its schedule and an instant. Daily and
 * monthly schedules are wall-clock times in a time zone, so they follow daylight-saving changes
 * (a monthly 00:00 in Toronto is 05:00 UTC in winter and 04:00 UTC in summer).
 */
import { civilFromDays, createLocalClock, daysFromCivil, type LocalClock } from '@smartcharge/protocol';
import { AppError } from '../errors.js';

export type Schedule =
  /** Every so many seconds after the previous run started. */
  | { readonly every: number }
  /** Each day at a local time. */
  | { readonly daily: { readonly hour: number; readonly minute?: number }; readonly timeZone: string }
  /** Each month on a day (1–28, so every month has it) at a local time. */
  | {
      readonly monthly: { readonly day: number; readonly hour: number; readonly minute?: number };
      readonly timeZone: string;
    };

// Intl.DateTimeFormat is slow to build; a zone's clock is the same for every job that uses it.
const clocks = new Map<string, LocalClock>();

function clockFor(timeZone: string): LocalClock {
  let clock = clocks.get(timeZone);
  if (!clock) {
    try {
      clock = createLocalClock(timeZone);
    } catch (error) {
      throw new AppError('invalid_input', (error as Error).message, { cause: error });
    }
    clocks.set(timeZone, clock);
  }
  return clock;
}

function checkInteger(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AppError('invalid_input', `${what} must be a whole number from ${min} to ${max}, not ${value}`);
  }
}

/**
 * Throws an invalid_input AppError describing what is wrong with the schedule, so a bad job
 * definition fails when the server starts rather than when the job is first due.
 */
export function validateSchedule(schedule: Schedule): void {
  if ('every' in schedule) {
    if (!Number.isFinite(schedule.every) || schedule.every <= 0) {
      throw new AppError('invalid_input', `every must be a positive number of seconds, not ${schedule.every}`);
    }
    return;
  }
  const local = 'daily' in schedule ? schedule.daily : schedule.monthly;
  checkInteger(local.hour, 0, 23, 'hour');
  checkInteger(local.minute ?? 0, 0, 59, 'minute');
  if ('monthly' in schedule) checkInteger(schedule.monthly.day, 1, 28, 'monthly day');
  clockFor(schedule.timeZone);
}

/** The first instant strictly after `after` at which the schedule fires. */
export function nextRunAfter(schedule: Schedule, after: Date): Date {
  validateSchedule(schedule);
  const afterMs = after.getTime();
  if (!Number.isFinite(afterMs)) throw new AppError('invalid_input', 'nextRunAfter needs a valid date');
  if ('every' in schedule) return new Date(afterMs + schedule.every * 1000);

  const clock = clockFor(schedule.timeZone);
  const today = clock.localDayNumber(afterMs);
  // Each loop starts at the local day (or month) containing `after` and stops at the first slot
  // after it, which is at most one day (or month) later.
  if ('daily' in schedule) {
    const { hour, minute = 0 } = schedule.daily;
    for (let day = today; ; day += 1) {
      const slotMs = clock.utcMsAtLocalDay(day, hour, minute);
      if (slotMs > afterMs) return new Date(slotMs);
    }
  }
  const { day, hour, minute = 0 } = schedule.monthly;
  let { year, month } = civilFromDays(today);
  for (;;) {
    const slotMs = clock.utcMsAtLocalDay(daysFromCivil(year, month, day), hour, minute);
    if (slotMs > afterMs) return new Date(slotMs);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

/**
 * Wall-clock time in a vehicle's time zone, fast enough to ask every simulated second.
 *
 * Intl.DateTimeFormat knows the zone rules but costs microseconds per call, so it is asked about once
 * per UTC day: the UTC offset is cached per day, and a day that contains a change is split at the
 * exact minute. Everything else (hour, weekday, calendar date) is arithmetic on "local epoch
 * milliseconds" = utcMs + offset.
 *
 * Conventions: offsetMinutes is local − UTC (Toronto in winter: −300); dayOfWeek 0 = Sunday;
 * dayOfYear 1 = 1 January; local day numbers count days since 1970-01-01 in the local calendar.
 */

export interface LocalClock {
  readonly timeZone: string;
  /** Local time minus UTC, in minutes (−300 for EST, −240 for EDT). */
  offsetMinutes(utcMs: number): number;
  /** Local hour of day, 0–23. */
  hour(utcMs: number): number;
  /** Local hour of day with minutes and seconds as a fraction, in [0, 24). */
  hourFraction(utcMs: number): number;
  /** 0 = Sunday … 6 = Saturday, in local time. */
  dayOfWeek(utcMs: number): number;
  /** 1 = 1 January … 365 or 366, in local time. */
  dayOfYear(utcMs: number): number;
  /** Local calendar date, 'YYYY-MM-DD'. */
  localDateKey(utcMs: number): string;
  /** Days since 1970-01-01 of the local calendar date (a stable integer key for "this local day"). */
  localDayNumber(utcMs: number): number;
  /**
   * The instant at which local clocks show localDateKey localHour:localMinute. A time skipped by a
   * spring-forward change is read with the offset before the change (02:30 becomes 03:30 daylight
   * time); a time that occurs twice at a fall-back change gives the earlier instant. Hours and minutes
   * outside 0–23 / 0–59 roll over into neighbouring days.
   */
  utcMsAt(localDateKey: string, localHour: number, localMinute: number): number;
  /** As utcMsAt, from a local day number. */
  utcMsAtLocalDay(localDayNumber: number, localHour: number, localMinute: number): number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The Gregorian date of a day number (Howard Hinnant's civil_from_days); month and day are 1-based. */
export function civilFromDays(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DATE_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' → local day number; throws on anything else, including impossible dates. */
export function parseDateKey(dateKey: string): number {
  const match = DATE_KEY.exec(dateKey);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const dayNumber = daysFromCivil(year, month, day);
    const back = civilFromDays(dayNumber);
    if (back.year === year && back.month === month && back.day === day) return dayNumber;
  }
  throw new RangeError(`"${dateKey}" is not a calendar date: write it as YYYY-MM-DD`);
}

export function formatDateKey(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** One cached UTC day: its offset, and where a zone change falls inside it (Infinity: none). */
interface DayOffsets {
  readonly before: number;
  readonly changeAtMs: number;
  readonly after: number;
}

// A simulated year touches 365 days; past this many (a few centuries) the cache is simply emptied.
const MAX_CACHED_DAYS = 100_000;

export function createLocalClock(timeZone: string): LocalClock {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new RangeError(`"${timeZone}" is not a time zone this runtime knows: use an IANA name like America/Toronto`);
  }

  /** The slow, exact answer from the zone database (a few microseconds). */
  function offsetFromIntl(utcMs: number): number {
    const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of format.formatToParts(new Date(utcMs))) {
      if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
    }
    const wall = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
    return Math.round((wall - Math.floor(utcMs / 1000) * 1000) / MINUTE_MS);
  }

  // Assumes a zone changes offset at most once within a UTC day, which holds for every zone in the
  // tz database (the closest pairs, such as Ramadan suspensions of DST, are weeks apart).
  const days = new Map<number, DayOffsets>();
  function offsetsForDay(dayIndex: number): DayOffsets {
    let entry = days.get(dayIndex);
    if (entry) return entry;
    const startMs = dayIndex * DAY_MS;
    const before = offsetFromIntl(startMs);
    const after = offsetFromIntl(startMs + DAY_MS - 1);
    let changeAtMs = Infinity;
    if (after !== before) {
      // Bisect to the first minute with the new offset (changes happen on whole minutes).
      let lo = 0; // a minute known to carry `before`
      let hi = 1439; // a minute known to carry `after`
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (offsetFromIntl(startMs + mid * MINUTE_MS) === before) lo = mid;
        else hi = mid;
      }
      changeAtMs = startMs + hi * MINUTE_MS;
    }
    entry = { before, changeAtMs, after };
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(dayIndex, entry);
    return entry;
  }

  // The last span of constant offset that was asked about: consecutive calls almost always hit it.
  let spanStartMs = 0;
  let spanEndMs = 0;
  let spanOffsetMinutes = 0;

  function offsetMinutes(utcMs: number): number {
    if (utcMs >= spanStartMs && utcMs < spanEndMs) return spanOffsetMinutes;
    if (!Number.isFinite(utcMs)) throw new RangeError(`${utcMs} is not a time: give UTC milliseconds`);
    const dayIndex = Math.floor(utcMs / DAY_MS);
    const entry = offsetsForDay(dayIndex);
    const startMs = dayIndex * DAY_MS;
    if (utcMs < entry.changeAtMs) {
      spanStartMs = startMs;
      spanEndMs = Math.min(startMs + DAY_MS, entry.changeAtMs);
      spanOffsetMinutes = entry.before;
    } else {
      spanStartMs = entry.changeAtMs;
      spanEndMs = startMs + DAY_MS;
      spanOffsetMinutes = entry.after;
    }
    return spanOffsetMinutes;
  }

  function localMs(utcMs: number): number {
    return utcMs + offsetMinutes(utcMs) * MINUTE_MS;
  }

  function localDayNumber(utcMs: number): number {
    return Math.floor(localMs(utcMs) / DAY_MS);
  }

  // Calendar facts of the last local day asked about.
  let cachedDay = NaN;
  let cachedDateKey = '';
  let cachedDayOfYear = 0;
  function rememberDay(dayNumber: number): void {
    if (dayNumber === cachedDay) return;
    const { year } = civilFromDays(dayNumber);
    cachedDay = dayNumber;
    cachedDateKey = formatDateKey(dayNumber);
    cachedDayOfYear = dayNumber - daysFromCivil(year, 1, 1) + 1;
  }

  function utcMsAtLocalDay(dayNumber: number, localHour: number, localMinute: number): number {
    if (!Number.isFinite(dayNumber) || !Number.isFinite(localHour) || !Number.isFinite(localMinute)) {
      throw new RangeError(`utcMsAt: day ${dayNumber}, hour ${localHour}, minute ${localMinute} must all be finite`);
    }
    const wallMs = Math.round(dayNumber * DAY_MS + localHour * HOUR_MS + localMinute * MINUTE_MS);
    // Offsets a day either side bracket any change near this wall time. Both fit at a fall-back
    // overlap (take the earlier instant); neither fits in a spring-forward gap.
    const early = offsetMinutes(wallMs - DAY_MS);
    const late = offsetMinutes(wallMs + DAY_MS);
    let earliest = Infinity;
    for (const candidate of early === late ? [early] : [early, late]) {
      const utcMs = wallMs - candidate * MINUTE_MS;
      if (offsetMinutes(utcMs) === candidate && utcMs < earliest) earliest = utcMs;
    }
    if (earliest !== Infinity) return earliest;
    // A wall time skipped by a spring-forward change: read it with the offset in force before it.
    return wallMs - early * MINUTE_MS;
  }

  return {
    timeZone,
    offsetMinutes,
    hour(utcMs) {
      const ms = localMs(utcMs);
      return Math.floor((ms - Math.floor(ms / DAY_MS) * DAY_MS) / HOUR_MS);
    },
    hourFraction(utcMs) {
      const ms = localMs(utcMs);
      return (ms - Math.floor(ms / DAY_MS) * DAY_MS) / HOUR_MS;
    },
    dayOfWeek(utcMs) {
      // 1970-01-01 was a Thursday (4).
      const day = localDayNumber(utcMs);
      return (((day + 4) % 7) + 7) % 7;
    },
    dayOfYear(utcMs) {
      rememberDay(localDayNumber(utcMs));
      return cachedDayOfYear;
    },
    localDateKey(utcMs) {
      rememberDay(localDayNumber(utcMs));
      return cachedDateKey;
    },
    localDayNumber,
    utcMsAt(localDateKey, localHour, localMinute) {
      return utcMsAtLocalDay(parseDateKey(localDateKey), localHour, localMinute);
    },
    utcMsAtLocalDay,
  };
}

/**
 * Demand-response words and times shared by the administrator's event pages and the driver's
 * notices: an event's window in a time zone ("Tue 14 Jul, 17:00–20:00"), what a driver is asked to
 * do, a local date and time in a program’s zone as an instant (for the create form), and the
 * types of what the demand-response routes answer.
 */

// ---- What the demand-response API answers (re-exported by api.ts) ----

export type DrTarget = 'curtail' | 'shift' | 'cap';
export type DrEventStatus = 'scheduled' | 'active' | 'completed' | 'cancelled';

/** An estimate with its interval (kW), as the measurement reports it. */
export interface DrInterval {
  estimate: number;
  low: number;
  high: number;
}

/** dr_event.result once measured (the server's measure.ts DrEventResult). */
export interface DrEventResult {
  method: 'randomized-control' | 'baseline-only';
  confidence: number;
  window: { startsAt: string; endsAt: string };
  treatment: { n: number; optedOut: number; meanKw: number | null; baselineKw: number | null };
  control: { n: number; meanKw: number | null; baselineKw: number | null };
  /** Control − treatment; with adjustment 'baseline', each vehicle's kW is first taken from its own baseline. */
  shedKw: DrInterval;
  adjustment?: 'baseline' | 'none';
  /** The plain difference of the groups' mean kW in the window. */
  unadjustedShedKw?: DrInterval | null;
  shedKwFleet: DrInterval;
  baselineShedKw: number | null;
  reboundKw: DrInterval | null;
  reboundWindow: { from: string; to: string };
  shiftedKwh: number;
  profile: { at: string; treatmentKw: number | null; controlKw: number | null; baselineKw: number | null }[];
  optOuts: { explicit: number; charging: number; share: number };
}

/** GET /programs/:slug/events (staff). */
export interface DrEvent {
  id: number;
  programSlug: string;
  name: string;
  source: 'admin' | 'schedule' | 'openadr';
  status: DrEventStatus;
  target: DrTarget;
  capKw: number | null;
  startsAt: string;
  endsAt: string;
  noticeAt: string;
  randomizeMinutes: number;
  scope: { kind: string } & Record<string, unknown>;
  controlShare: number;
  assignmentSeed: string | number;
  createdAt: string;
  assignedAt: string | null;
  notifiedAt: string | null;
  cancelledAt: string | null;
  measuredAt: string | null;
  counts: { treatment: number; control: number; told: number; optedOut: number };
  result: DrEventResult | null;
}

/** GET /me/events: an event a driver was told about, for one of their vehicles (its own window). */
export interface MyEvent {
  id: number;
  programSlug: string;
  programName: string;
  name: string;
  target: DrTarget;
  capKw: number | null;
  startsAt: string;
  endsAt: string;
  status: DrEventStatus;
  vehicle: { id: number; label: string };
  optedOut: null | 'explicit' | 'charging';
  optedOutAt: string | null;
  canOptOut: boolean;
}

/** GET/POST /events/opt-out: what a mailed one-tap link is for (public). */
export interface OptOutByToken {
  event: { id: number; name: string; startsAt: string; endsAt: string; status: DrEventStatus };
  vehicleLabel: string;
  optedOutAt: string | null;
  canOptOut: boolean;
}

/** GET/PUT /applications/:id/event-preferences. */
export interface EventPreferences {
  readyBy: string | null;
  minSocPct: number | null;
  notifyMail: boolean;
}

const kw = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function parts(ms: number, timeZone: string | undefined) {
  const format = new Intl.DateTimeFormat('en-CA', {
    ...(timeZone ? { timeZone } : {}),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const out: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
}

/** How far `timeZone` is ahead of UTC at `ms` (milliseconds). */
function offsetMs(ms: number, timeZone: string): number {
  const p = parts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant (ISO, UTC) of a local day 'YYYY-MM-DD' and time 'HH:MM' in `timeZone`, `addDays` later.
 * Twice corrected, so a time next to a daylight-saving change lands on the zone's own offset.
 */
export function zonedInstant(day: string, time: string, timeZone: string, addDays = 0): string | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return undefined;
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]) + addDays, Number(t[1]), Number(t[2]));
  let ms = wall - offsetMs(wall, timeZone);
  ms = wall - offsetMs(ms, timeZone);
  return new Date(ms).toISOString();
}

/** Today's date in `timeZone` as YYYY-MM-DD. */
export function zonedToday(timeZone: string, now = Date.now()): string {
  const p = parts(now, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** "17:00" in the zone (the browser's when none is given). */
export function clock(iso: string, timeZone?: string): string {
  return new Date(iso).toLocaleTimeString(undefined, {
    ...(timeZone ? { timeZone } : {}),
    timeStyle: 'short',
  });
}

/** "Tue 14 Jul" in the zone. */
export function day(iso: string, timeZone?: string): string {
  return new Date(iso).toLocaleDateString(undefined, {
    ...(timeZone ? { timeZone } : {}),
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  });
}

/** "Tue 14 Jul, 17:00–20:00" (the end's day too when it is another day). */
export function windowText(startsAt: string, endsAt: string, timeZone?: string): string {
  const sameDay = day(startsAt, timeZone) === day(endsAt, timeZone);
  return `${day(startsAt, timeZone)}, ${clock(startsAt, timeZone)}–${sameDay ? '' : `${day(endsAt, timeZone)} `}${clock(endsAt, timeZone)}`;
}

export const TARGET_WORDS: Record<DrTarget, string> = {
  curtail: 'Curtail: no charging in the window',
  shift: 'Shift: charge after the window',
  cap: 'Cap: charge at a limited power',
};

/** The target in a few words for a table cell: "Curtail", "Cap at 3.3 kW". */
export function targetShort(target: DrTarget, capKw: number | null): string {
  if (target === 'cap') return `Cap at ${capKw === null ? '?' : kw.format(capKw)} kW`;
  return target === 'curtail' ? 'Curtail' : 'Shift';
}

/** What a told driver is asked to do, in the browser's local time. */
export function whatToDo(e: { target: DrTarget; capKw: number | null; startsAt: string; endsAt: string }): string {
  if (e.target === 'cap') {
    return `From ${clock(e.startsAt)} until ${clock(e.endsAt)}, charge at no more than ${e.capKw === null ? 'the limited power' : `${kw.format(e.capKw)} kW`}.`;
  }
  return `Please wait to charge until ${clock(e.endsAt)} (no charging from ${clock(e.startsAt)} on).`;
}

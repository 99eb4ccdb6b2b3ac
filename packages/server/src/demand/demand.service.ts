/**
 * DemandService: a program's demand-response events from call to measurement. Staff call events (or
 * standing schedules call them); at the notice time the eligible participants are drawn into
 * treatment (told, with a one-tap opt-out link) and control (never told); the event runs, completes
 * and is measured (DemandMeasurement) once its rebound hours are in. Drivers see the events they were
 * told of, opt out (signed in or by the mailed link) and set the preferences every event respects.
 * The state machine is advanced by tick(), run every minute by the `demand-response` job.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { createHash, randomBytes } from 'node:crypto';
import { createLocalClock, DAY_MS, HOUR_MS } from '@smartcharge/protocol';
import type { DrWindow } from '@smartcharge/device';
import { z } from 'zod';
import { accountIdOf, type Actor } from '../actor.js';
import type { Database, Queryable } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NotificationService } from '../notifications/index.js';
import type { Program, ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import { assignParticipants, newAssignmentSeed } from './assignment.js';
import {
  ZCancelEventSchema,
  ZNewEventSchema,
  ZNewScheduleSchema,
  ZOptOutSchema,
  ZOptOutTokenSchema,
  ZPreferencesSchema,
  minuteToReadyBy,
  noticeAtOf,
  readyByToMinute,
  type TEventScope,
} from './demand.schema.js';
import {
  countParticipants,
  disableSchedule,
  findEnrollmentOwner,
  findEvent,
  findMyEventByTokenHash,
  findPreference,
  findSchedule,
  findVehicleOfSerial,
  insertEvent,
  insertParticipant,
  insertSchedule,
  insertScheduleEvent,
  listActiveSchedules,
  listEligible,
  listEventsOfProgram,
  listEventsToAssign,
  listEventsToComplete,
  listEventsToMeasure,
  listEventsToStart,
  listHomePositions,
  listParticipants,
  listPreferences,
  listScheduleEventStarts,
  listSchedulesOfProgram,
  listServicePointsInGroups,
  listTreatmentOfAccount,
  listTreatmentOfAccountInEvent,
  listTreatmentWindows,
  listUnknownEnrollments,
  listUnknownGroups,
  listVehicleLabels,
  lockEvent,
  markAssigned,
  markNotified,
  markParticipantNotified,
  setOptOutExplicit,
  transitionEvent,
  upsertPreference,
  type DrEventRow,
  type DrPreferenceRow,
  type DrScheduleRow,
  type EligibleRow,
  type MyEventRow,
  type ParticipantCounts,
} from './demand.repository.js';
import { participantsCsv } from './export.js';
import type { DrEventResult } from './measure.js';
import type { DemandMeasurement } from './measurement.service.js';
import { calledSince, expandSchedule } from './schedule.js';

/** An event is measured this long after its end: the participants' windows (≤ 1 h later) and 2 h of rebound. */
export const MEASURE_AFTER_MS = 3 * HOUR_MS;
/** Home is where a car charged (AC) over this many days before the notice. */
export const HOME_LOOKBACK_DAYS = 90;

export type DrStatus = DrEventRow['status'];

export interface DrEventJson {
  readonly id: number;
  readonly programSlug: string;
  readonly name: string;
  readonly source: DrEventRow['source'];
  readonly status: DrStatus;
  readonly target: DrEventRow['target'];
  readonly capKw: number | null;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly noticeAt: string;
  readonly randomizeMinutes: number;
  readonly scope: TEventScope;
  readonly controlShare: number;
  readonly assignmentSeed: string;
  readonly createdAt: string;
  readonly assignedAt: string | null;
  readonly notifiedAt: string | null;
  readonly cancelledAt: string | null;
  readonly measuredAt: string | null;
  readonly counts: ParticipantCounts;
  readonly result: DrEventResult | null;
}

export interface MyEventJson {
  readonly id: number;
  readonly programSlug: string;
  readonly programName: string;
  readonly name: string;
  readonly target: DrEventRow['target'];
  readonly capKw: number | null;
  /** This vehicle's own window (the event's, each end moved by its offset). */
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: DrStatus;
  readonly vehicle: { readonly id: number; readonly label: string };
  readonly optedOut: null | 'explicit' | 'charging';
  readonly optedOutAt: string | null;
  readonly canOptOut: boolean;
}

export interface OptOutByTokenJson {
  readonly event: {
    readonly id: number;
    readonly name: string;
    readonly startsAt: string;
    readonly endsAt: string;
    readonly status: DrStatus;
  };
  readonly vehicleLabel: string;
  readonly optedOutAt: string | null;
  readonly canOptOut: boolean;
}

export interface PreferencesJson {
  readonly readyBy: string | null;
  readonly minSocPct: number | null;
  readonly notifyMail: boolean;
}

export interface DrScheduleJson {
  readonly id: number;
  readonly programSlug: string;
  readonly name: string;
  readonly target: DrEventRow['target'];
  readonly capKw: number | null;
  readonly days: DrScheduleRow['days'];
  /** Local 'HH:MM'; `to` may be '24:00'. */
  readonly from: string;
  readonly to: string;
  readonly activeFrom: string;
  readonly activeTo: string | null;
  readonly months: readonly number[] | null;
  readonly noticeMinutes: number;
  readonly randomizeMinutes: number;
  readonly controlShare: number;
  readonly maxPerYear: number | null;
  readonly createdAt: string;
  readonly disabledAt: string | null;
}

/** What one tick did: events called by schedules, assigned, started, completed, measured; notices sent. */
export interface TickSummary {
  readonly expanded: number;
  readonly assigned: number;
  /** Participants told (notices recorded). */
  readonly notified: number;
  readonly started: number;
  readonly completed: number;
  readonly measured: number;
}

const ZEventRange = z.object({
  from: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time' }).optional(),
});

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null) => (d === null ? null : iso(d));
const num = (x: number | string | null) => (x === null ? null : Number(x));

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const formats = new Map<string, { day: Intl.DateTimeFormat; time: Intl.DateTimeFormat }>();
/** "Tue 14 Jul" and "17:00" in a zone. */
function formatsOf(timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = {
      day: new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short' }),
      time: new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    };
    formats.set(timeZone, f);
  }
  return f;
}

/** "Tue 14 Jul, 17:00–20:00" (the end's day too when it is another day). */
export function windowText(startMs: number, endMs: number, timeZone: string): string {
  const f = formatsOf(timeZone);
  const startDay = f.day.format(startMs).replace(',', '');
  const endDay = f.day.format(endMs).replace(',', '');
  const end = startDay === endDay ? f.time.format(endMs) : `${endDay} ${f.time.format(endMs)}`;
  return `${startDay}, ${f.time.format(startMs)}–${end}`;
}

function askOf(target: DrEventRow['target'], capKw: number | null): string {
  if (target === 'curtail') return 'please do not charge';
  if (target === 'shift') return 'please wait to charge';
  return `please charge at ${capKw} kW or less`;
}

export class DemandService {
  constructor(
    private readonly db: Database,
    private readonly programs: ProgramService,
    private readonly notifications: NotificationService,
    private readonly measurement: DemandMeasurement,
    private readonly settings: { readonly publicUrl: string },
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  // ---- Staff: events ----

  async createEvent(actor: Actor, slug: string, input: unknown): Promise<DrEventJson> {
    const program = await this.programs.getProgram(actor, slug);
    const value = parseInput(ZNewEventSchema, input);
    const now = this.clock();
    if (Date.parse(value.startsAt) <= now.getTime()) {
      throw new AppError('invalid_input', `startsAt: the event must start in the future (it is ${iso(now)} now).`, {
        details: [{ field: 'startsAt', message: 'must be in the future' }],
      });
    }
    await this.checkScope(program, value.scope);
    const row = await insertEvent(this.db, {
      programId: program.id,
      source: 'admin',
      name: value.name,
      target: value.target,
      capKw: value.capKw ?? null,
      startsAt: new Date(value.startsAt),
      endsAt: new Date(value.endsAt),
      noticeAt: noticeAtOf(value),
      randomizeS: value.randomizeMinutes * 60,
      scope: value.scope,
      controlShare: value.controlShare,
      assignmentSeed: newAssignmentSeed(),
      createdBy: accountIdOf(actor) ?? null,
    });
    this.log.info({ event: row.id, program: program.slug }, 'demand-response event called');
    // The notice time has come already: told now, by the same path as the tick's.
    if (row.notice_at.getTime() <= now.getTime()) await this.assignAndNotify(program, row.id, now);
    return this.getEvent(actor, slug, row.id);
  }

  /** Scope ids must be the program's: unknown ones are named. */
  private async checkScope(program: Program, scope: TEventScope): Promise<void> {
    if (scope.kind === 'enrollments') {
      const unknown = await listUnknownEnrollments(this.db, program.id, scope.ids);
      if (unknown.length > 0) {
        throw new AppError(
          'invalid_input',
          `scope.ids: ${program.name} has no enrollment ${unknown.join(', ')}; name the program's enrollments.`,
          { details: [{ field: 'scope.ids', message: `unknown enrollment ids: ${unknown.join(', ')}` }] },
        );
      }
    }
    if (scope.kind === 'groups') {
      const unknown = await listUnknownGroups(this.db, program.id, scope.ids);
      if (unknown.length > 0) {
        throw new AppError(
          'invalid_input',
          `scope.ids: ${program.name} has no grid group ${unknown.join(', ')}; upload the grid first or name its groups.`,
          { details: [{ field: 'scope.ids', message: `unknown group ids: ${unknown.join(', ')}` }] },
        );
      }
    }
  }

  async listEvents(actor: Actor, slug: string, range: unknown = {}): Promise<DrEventJson[]> {
    const program = await this.programs.getProgram(actor, slug);
    const { from, to } = parseInput(ZEventRange, range ?? {});
    const rows = await listEventsOfProgram(this.db, program.id, from ? new Date(from) : null, to ? new Date(to) : null);
    return this.toEventJson(program, rows);
  }

  async getEvent(actor: Actor, slug: string, id: number): Promise<DrEventJson> {
    const { program, event } = await this.loadEvent(actor, slug, id);
    return (await this.toEventJson(program, [event]))[0]!;
  }

  /** Cancels an event not yet over; participants already told get a cancellation notice. */
  async cancelEvent(actor: Actor, slug: string, id: number, input: unknown = {}): Promise<DrEventJson> {
    const { program } = await this.loadEvent(actor, slug, id);
    const { reason } = parseInput(ZCancelEventSchema, input ?? {});
    const now = this.clock();
    const after: (() => Promise<void>)[] = [];
    await this.db.transaction(async (tx) => {
      const event = (await lockEvent(tx, id))!;
      if (!(await transitionEvent(tx, id, ['scheduled', 'active'], 'cancelled', now))) {
        throw new AppError(
          'invalid_transition',
          `Event ${id} is ${event.status}: only a scheduled or active event can be cancelled.`,
        );
      }
      const told = (await listParticipants(tx, id)).filter((p) => p.notified_at !== null);
      const prefs = await listPreferences(
        tx,
        told.map((p) => String(p.enrollment_id)),
      );
      for (const p of told) {
        const window = this.windowOf(event, p);
        const text = windowText(window.startMs, window.endMs, program.timeZone);
        after.push(
          await this.notifications.notify(
            {
              accountId: p.account_id,
              kind: 'dr_event_cancelled',
              dedupeKey: `dr-${id}-${p.vehicle_id}-cancelled`,
              subject: `Charging event ${text} is cancelled: charge as usual`,
              body: [
                `${program.name} has cancelled the charging event of ${text} (${program.timeZone} time).`,
                'Charge as you usually do; nothing is asked of you.',
                ...(reason ? [`Reason: ${reason}`] : []),
              ].join('\n'),
              mail: prefs.get(String(p.enrollment_id))?.notify_mail ?? true,
            },
            tx,
          ),
        );
      }
    });
    for (const send of after) await send();
    this.log.info({ event: id, program: program.slug }, 'demand-response event cancelled');
    return this.getEvent(actor, slug, id);
  }

  /** Measures (or measures again) an event that has ended. */
  async measureEvent(actor: Actor, slug: string, id: number): Promise<DrEventJson> {
    const { event } = await this.loadEvent(actor, slug, id);
    const now = this.clock();
    if (event.status !== 'cancelled' && event.ends_at.getTime() > now.getTime()) {
      throw new AppError('conflict', `Event ${id} ends at ${iso(event.ends_at)}: measure it after it has ended.`);
    }
    await this.measurement.measureEvent(String(id));
    return this.getEvent(actor, slug, id);
  }

  /** The evaluator's pseudonymous CSV of the event's participants. */
  async participantsCsv(actor: Actor, slug: string, id: number): Promise<string> {
    await this.loadEvent(actor, slug, id);
    const rows = await listParticipants(this.db, id);
    return participantsCsv(
      rows.map((p) => ({
        group: p.grp,
        startOffsetS: p.start_offset_s,
        endOffsetS: p.end_offset_s,
        notified: p.notified_at !== null,
        optOut: p.opt_out,
        baselineWh: num(p.baseline_wh),
        baselineDays: num(p.baseline_days),
        actualWh: num(p.actual_wh),
        shiftedWh: num(p.shifted_wh),
        reboundWh: num(p.rebound_wh),
      })),
    );
  }

  private async loadEvent(actor: Actor, slug: string, id: number): Promise<{ program: Program; event: DrEventRow }> {
    const program = await this.programs.getProgram(actor, slug);
    const event = await findEvent(this.db, id);
    if (!event || Number(event.program_id) !== program.id) {
      throw new AppError('not_found', `${program.name} has no demand-response event ${id}.`);
    }
    return { program, event };
  }

  private async toEventJson(program: Program, rows: readonly DrEventRow[]): Promise<DrEventJson[]> {
    const counts = await countParticipants(
      this.db,
      rows.map((r) => Number(r.id)),
    );
    return rows.map((r) => ({
      id: Number(r.id),
      programSlug: program.slug,
      name: r.name,
      source: r.source,
      status: r.status,
      target: r.target,
      capKw: num(r.cap_kw),
      startsAt: iso(r.starts_at),
      endsAt: iso(r.ends_at),
      noticeAt: iso(r.notice_at),
      randomizeMinutes: Math.round(r.randomize_s / 60),
      scope: r.scope as TEventScope,
      controlShare: Number(r.control_share),
      assignmentSeed: r.assignment_seed,
      createdAt: iso(r.created_at),
      assignedAt: isoOrNull(r.assigned_at),
      notifiedAt: isoOrNull(r.notified_at),
      cancelledAt: isoOrNull(r.cancelled_at),
      measuredAt: isoOrNull(r.measured_at),
      counts: counts.get(Number(r.id)) ?? { treatment: 0, control: 0, told: 0, optedOut: 0 },
      result: (r.result ?? null) as DrEventResult | null,
    }));
  }

  // ---- Staff: standing schedules ----

  async createSchedule(actor: Actor, slug: string, input: unknown): Promise<DrScheduleJson> {
    const program = await this.programs.getProgram(actor, slug);
    const v = parseInput(ZNewScheduleSchema, input);
    const row = await insertSchedule(this.db, {
      program_id: program.id,
      name: v.name,
      target: v.target,
      cap_kw: v.capKw ?? null,
      days: v.days,
      from_minute: readyByToMinute(v.from)!,
      to_minute: v.to === '24:00' ? 1440 : readyByToMinute(v.to)!,
      active_from: v.activeFrom,
      active_to: v.activeTo ?? null,
      months: v.months ?? null,
      notice_s: v.noticeMinutes * 60,
      randomize_s: v.randomizeMinutes * 60,
      control_share: v.controlShare,
      max_per_year: v.maxPerYear ?? null,
      created_by: accountIdOf(actor) ?? null,
    });
    return toScheduleJson(program, row);
  }

  async listSchedules(actor: Actor, slug: string): Promise<DrScheduleJson[]> {
    const program = await this.programs.getProgram(actor, slug);
    return (await listSchedulesOfProgram(this.db, program.id)).map((r) => toScheduleJson(program, r));
  }

  /** Stops a schedule calling new events (those it called stay; cancel them one by one). */
  async disableSchedule(actor: Actor, slug: string, id: number): Promise<DrScheduleJson> {
    const program = await this.programs.getProgram(actor, slug);
    const found = await findSchedule(this.db, id);
    if (!found || Number(found.program_id) !== program.id) {
      throw new AppError('not_found', `${program.name} has no event schedule ${id}.`);
    }
    await disableSchedule(this.db, id, this.clock());
    return toScheduleJson(program, (await findSchedule(this.db, id))!);
  }

  // ---- The state machine ----

  /**
   * One step of every event: schedules expanded for the coming week; participants assigned and told
   * at notice time; scheduled → active at the start; active → completed once the last randomised
   * window is over; measured MEASURE_AFTER_MS after the end. Each event's step is its own
   * transaction; one that fails is logged and tried again on the next tick.
   */
  async tick(now: Date = this.clock()): Promise<TickSummary> {
    let expanded = 0;
    let assigned = 0;
    let notified = 0;
    let started = 0;
    let completed = 0;
    let measured = 0;
    const attempt = async (what: string, eventId: number | undefined, step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        this.log.error({ err: error, event: eventId }, `demand response: could not ${what}`);
      }
    };
    for (const schedule of await listActiveSchedules(this.db)) {
      await attempt('expand a schedule', undefined, async () => {
        expanded += await this.expand(schedule, now);
      });
    }
    for (const event of await listEventsToAssign(this.db, now)) {
      await attempt('assign and notify', event.id, async () => {
        const program = await this.programs.getProgramInternal(Number(event.program_id));
        const told = await this.assignAndNotify(program, Number(event.id), now);
        if (told !== undefined) {
          assigned += 1;
          notified += told;
        }
      });
    }
    for (const event of await listEventsToStart(this.db, now)) {
      await attempt('start', event.id, async () => {
        if (await transitionEvent(this.db, Number(event.id), ['scheduled'], 'active', now)) started += 1;
      });
    }
    for (const event of await listEventsToComplete(this.db, now)) {
      await attempt('complete', event.id, async () => {
        if (await transitionEvent(this.db, Number(event.id), ['active'], 'completed', now)) completed += 1;
      });
    }
    for (const event of await listEventsToMeasure(this.db, now, MEASURE_AFTER_MS)) {
      await attempt('measure', event.id, async () => {
        await this.measurement.measureEvent(String(event.id));
        measured += 1;
      });
    }
    return { expanded, assigned, notified, started, completed, measured };
  }

  private async expand(schedule: DrScheduleRow & { time_zone: string }, now: Date): Promise<number> {
    const clock = createLocalClock(schedule.time_zone);
    const called = await listScheduleEventStarts(
      this.db,
      Number(schedule.id),
      new Date(calledSince(clock, now.getTime())),
    );
    const windows = expandSchedule(
      clock,
      {
        days: schedule.days,
        fromMinute: schedule.from_minute,
        toMinute: schedule.to_minute,
        activeFrom: schedule.active_from,
        activeTo: schedule.active_to,
        months: schedule.months,
        maxPerYear: schedule.max_per_year,
      },
      now.getTime(),
      called.map((c) => ({ startsAtMs: new Date(c.starts_at).getTime(), cancelled: c.cancelled })),
    );
    let inserted = 0;
    for (const w of windows) {
      const row = await insertScheduleEvent(this.db, {
        programId: Number(schedule.program_id),
        source: 'schedule',
        scheduleId: Number(schedule.id),
        name: schedule.name,
        target: schedule.target,
        capKw: num(schedule.cap_kw),
        startsAt: new Date(w.startsAtMs),
        endsAt: new Date(w.endsAtMs),
        // Told notice_s before the start, but not before the event was called.
        noticeAt: new Date(Math.max(now.getTime(), w.startsAtMs - schedule.notice_s * 1000)),
        randomizeS: schedule.randomize_s,
        scope: { kind: 'all' },
        controlShare: Number(schedule.control_share),
        assignmentSeed: newAssignmentSeed(),
        createdBy: null,
      });
      if (row) inserted += 1;
    }
    return inserted;
  }

  /**
   * Draws the event's eligible participants into treatment and control and tells the treatment
   * group (a portal notice, and mail unless they asked for none), in one transaction; mail goes
   * after it commits. Returns how many were told, or undefined when the event was assigned already
   * (another node, an earlier tick) or is no longer open.
   */
  private async assignAndNotify(program: Program, eventId: number, now: Date): Promise<number | undefined> {
    const after: (() => Promise<void>)[] = [];
    const told = await this.db.transaction(async (tx) => {
      const event = await lockEvent(tx, eventId);
      if (!event || event.assigned_at !== null || (event.status !== 'scheduled' && event.status !== 'active')) {
        return undefined;
      }
      const candidates = await this.eligibleInScope(tx, Number(event.program_id), event.scope as TEventScope, now);
      const byVehicle = new Map(candidates.map((c) => [c.vehicle_id, c]));
      const assignments = assignParticipants(
        candidates.map((c) => ({ vehicleId: c.vehicle_id })),
        { seed: event.assignment_seed, controlShare: Number(event.control_share), randomizeS: event.randomize_s },
      );
      const prefs = await listPreferences(
        tx,
        candidates.map((c) => c.enrollment_id),
      );
      const labels = await listVehicleLabels(
        tx,
        candidates.map((c) => c.vehicle_id),
      );
      // Notice time passed while no tick ran (the job was down) until after the window: drawn, but
      // nobody is told of an event that is over.
      const over = now.getTime() >= event.ends_at.getTime();
      if (over) this.log.warn({ event: eventId }, 'demand-response event reached after its end: nobody told');
      let count = 0;
      for (const a of assignments) {
        const c = byVehicle.get(a.vehicleId)!;
        const token = a.grp === 'treatment' && !over ? randomBytes(32).toString('base64url') : null;
        await insertParticipant(tx, {
          eventId,
          vehicleId: c.vehicle_id,
          enrollmentId: c.enrollment_id,
          slotId: c.slot_id,
          accountId: c.account_id,
          grp: a.grp,
          startOffsetS: a.startOffsetS,
          endOffsetS: a.endOffsetS,
          tokenHash: token === null ? null : tokenHash(token),
        });
        if (token === null) continue;
        const pref = prefs.get(c.enrollment_id);
        const notice = this.noticeOf(program, event, a, labels.get(c.vehicle_id) ?? 'vehicle', pref, token);
        after.push(
          await this.notifications.notify(
            {
              accountId: Number(c.account_id),
              kind: 'dr_event',
              dedupeKey: `dr-${eventId}-${c.vehicle_id}`,
              subject: notice.subject,
              body: notice.body,
              mail: pref?.notify_mail ?? true,
            },
            tx,
          ),
        );
        await markParticipantNotified(tx, eventId, c.vehicle_id, now);
        count += 1;
      }
      await markAssigned(tx, eventId, now);
      if (!over) await markNotified(tx, eventId, now);
      return count;
    });
    for (const send of after) await send();
    if (told !== undefined) this.log.info({ event: eventId, told }, 'demand-response event assigned and told');
    return told;
  }

  /** The program's eligible participants now, narrowed to the event's scope. */
  private async eligibleInScope(
    tx: Queryable,
    programId: number,
    scope: TEventScope,
    now: Date,
  ): Promise<EligibleRow[]> {
    const all = await listEligible(tx, programId, scope.kind === 'enrollments' ? scope.ids : null);
    if (scope.kind === 'area') {
      const homes = await listHomePositions(
        tx,
        all.map((r) => r.vehicle_id),
        new Date(now.getTime() - HOME_LOOKBACK_DAYS * DAY_MS),
      );
      return all.filter((r) => {
        const home = homes.get(r.vehicle_id);
        return home !== undefined && booleanPointInPolygon(home, scope.geometry);
      });
    }
    if (scope.kind === 'groups') {
      const points = await listServicePointsInGroups(tx, programId, scope.ids);
      return all.filter((r) => points.has(r.utility_account));
    }
    return all;
  }

  private noticeOf(
    program: Program,
    event: DrEventRow,
    a: { startOffsetS: number; endOffsetS: number },
    label: string,
    pref: DrPreferenceRow | undefined,
    token: string,
  ): { subject: string; body: string } {
    const startMs = event.starts_at.getTime() + a.startOffsetS * 1000;
    const endMs = event.ends_at.getTime() + a.endOffsetS * 1000;
    const text = windowText(startMs, endMs, program.timeZone);
    const f = formatsOf(program.timeZone);
    const ask = askOf(event.target, num(event.cap_kw));
    const what =
      event.target === 'curtail'
        ? `Please do not charge your ${label} from ${f.time.format(startMs)} to ${f.time.format(endMs)}.`
        : event.target === 'shift'
          ? `Please wait to charge your ${label} until ${f.time.format(endMs)}: plug in as usual and let it start after then (a charging timer in the car or charger does it).`
          : `Please keep your ${label} charging at ${num(event.cap_kw)} kW or less from ${f.time.format(startMs)} to ${f.time.format(endMs)}.`;
    const kept: string[] = [];
    if (pref?.ready_by_minute !== null && pref?.ready_by_minute !== undefined)
      kept.push(`charged by ${minuteToReadyBy(pref.ready_by_minute)}`);
    if (pref?.min_soc_pct !== null && pref?.min_soc_pct !== undefined) kept.push(`never below ${pref.min_soc_pct} %`);
    const link = `${this.settings.publicUrl.replace(/\/+$/, '')}/events/opt-out?token=${token}`;
    return {
      subject: `Charging event ${text}: ${ask}`,
      body: [
        `${program.name} is calling a charging event on ${text} (${program.timeZone} time), when the grid is busiest.`,
        what,
        ...(kept.length > 0 ? [`Your preferences still hold: ${kept.join(', ')}.`] : []),
        '',
        'If you need to charge anyway, opt out with one tap (no sign-in needed):',
        link,
        'You can also opt out in the portal, under Events.',
      ].join('\n'),
    };
  }

  private windowOf(
    event: Pick<DrEventRow, 'starts_at' | 'ends_at'>,
    p: { start_offset_s: number; end_offset_s: number },
  ) {
    return {
      startMs: new Date(event.starts_at).getTime() + p.start_offset_s * 1000,
      endMs: new Date(event.ends_at).getTime() + p.end_offset_s * 1000,
    };
  }

  // ---- Drivers ----

  /** The events the driver was told of (treatment only), one per vehicle, newest first. */
  async listMyEvents(actor: Actor): Promise<MyEventJson[]> {
    const accountId = requireAccount(actor);
    const now = this.clock().getTime();
    return (await listTreatmentOfAccount(this.db, accountId)).map((r) => this.toMyEvent(r, now));
  }

  /** The driver opts a vehicle out of an event they were told of (vehicleId needed when several were). */
  async optOut(actor: Actor, eventId: number, input: unknown = {}): Promise<MyEventJson> {
    const accountId = requireAccount(actor);
    const { vehicleId } = parseInput(ZOptOutSchema, input ?? {});
    const rows = await listTreatmentOfAccountInEvent(this.db, accountId, eventId);
    const chosen = vehicleId === undefined ? rows : rows.filter((r) => Number(r.vehicle_id) === vehicleId);
    if (chosen.length === 0) {
      throw new AppError(
        'not_found',
        vehicleId === undefined
          ? `You were not asked to take part in event ${eventId}.`
          : `Your vehicle ${vehicleId} was not asked to take part in event ${eventId}.`,
      );
    }
    if (chosen.length > 1) {
      throw new AppError('invalid_input', `vehicleId: several of your vehicles are in event ${eventId}; name one.`, {
        details: [{ field: 'vehicleId', message: `one of ${chosen.map((r) => r.vehicle_id).join(', ')}` }],
      });
    }
    const row = chosen[0]!;
    const now = this.clock();
    if (!this.canOptOut(row, now.getTime()) && row.opt_out !== 'explicit') {
      throw new AppError(
        'invalid_transition',
        `Event ${eventId} is ${describeOver(row)}: there is nothing to opt out of.`,
      );
    }
    await setOptOutExplicit(this.db, eventId, String(row.vehicle_id), now);
    const [after] = (await listTreatmentOfAccountInEvent(this.db, accountId, eventId)).filter(
      (r) => r.vehicle_id === row.vehicle_id,
    );
    return this.toMyEvent(after!, now.getTime());
  }

  /** What a mailed opt-out link is for (public; the token is the only credential). */
  async peekOptOutToken(token: unknown): Promise<OptOutByTokenJson> {
    const row = await this.findByToken(token);
    return this.toByToken(row, this.clock().getTime());
  }

  /** The one-tap opt-out (public). An event that is over answers canOptOut false and changes nothing. */
  async optOutByToken(token: unknown): Promise<OptOutByTokenJson> {
    const row = await this.findByToken(token);
    const now = this.clock();
    if (!this.canOptOut(row, now.getTime())) return this.toByToken(row, now.getTime());
    await setOptOutExplicit(this.db, Number(row.event_id), String(row.vehicle_id), now);
    this.log.info({ event: row.event_id }, 'demand-response opt-out by link');
    return this.toByToken(await this.findByToken(token), now.getTime());
  }

  private async findByToken(token: unknown): Promise<MyEventRow> {
    const value = parseInput(ZOptOutTokenSchema, { token });
    const row = await findMyEventByTokenHash(this.db, tokenHash(value.token));
    if (!row) throw new AppError('not_found', 'This opt-out link is not known: open it from the latest notice mail.');
    return row;
  }

  private toByToken(row: MyEventRow, nowMs: number): OptOutByTokenJson {
    const w = this.windowOf(row, row);
    return {
      event: {
        id: Number(row.event_id),
        name: row.name,
        startsAt: iso(new Date(w.startMs)),
        endsAt: iso(new Date(w.endMs)),
        status: row.status,
      },
      vehicleLabel: row.label,
      optedOutAt: row.opt_out === 'explicit' ? isoOrNull(row.opted_out_at) : null,
      canOptOut: this.canOptOut(row, nowMs),
    };
  }

  /** Open, not opted out, and the vehicle's own window not over yet. */
  private canOptOut(row: MyEventRow, nowMs: number): boolean {
    return (
      row.opt_out === null &&
      (row.status === 'scheduled' || row.status === 'active') &&
      nowMs < this.windowOf(row, row).endMs
    );
  }

  private toMyEvent(r: MyEventRow, nowMs: number): MyEventJson {
    const w = this.windowOf(r, r);
    return {
      id: Number(r.event_id),
      programSlug: r.program_slug,
      programName: r.program_name,
      name: r.name,
      target: r.target,
      capKw: num(r.cap_kw),
      startsAt: iso(new Date(w.startMs)),
      endsAt: iso(new Date(w.endMs)),
      status: r.status,
      vehicle: { id: Number(r.vehicle_id), label: r.label },
      optedOut: r.opt_out,
      optedOutAt: isoOrNull(r.opted_out_at),
      canOptOut: this.canOptOut(r, nowMs),
    };
  }

  async getPreferences(actor: Actor, enrollmentId: number): Promise<PreferencesJson> {
    await this.requireDriverOf(actor, enrollmentId);
    return toPreferences(await findPreference(this.db, enrollmentId));
  }

  async setPreferences(actor: Actor, enrollmentId: number, input: unknown): Promise<PreferencesJson> {
    await this.requireDriverOf(actor, enrollmentId);
    const v = parseInput(ZPreferencesSchema, input);
    await upsertPreference(this.db, enrollmentId, {
      readyByMinute: readyByToMinute(v.readyBy),
      minSocPct: v.minSocPct,
      notifyMail: v.notifyMail,
    });
    return toPreferences(await findPreference(this.db, enrollmentId));
  }

  private async requireDriverOf(actor: Actor, enrollmentId: number): Promise<void> {
    const owner = await findEnrollmentOwner(this.db, enrollmentId);
    if (!owner || actor.kind !== 'driver' || Number(owner.account_id) !== actor.accountId) {
      throw new AppError('not_found', `No application ${enrollmentId} is yours.`);
    }
  }

  // ---- The simulator (demo) ----

  /**
   * The told treatment participants' windows of the program's events overlapping [fromMs, toMs),
   * by device serial: what the simulated drivers respond to (DrWindowSource).
   */
  async treatmentWindows(programId: number, fromMs: number, toMs: number): Promise<Map<string, DrWindow[]>> {
    const rows = await listTreatmentWindows(this.db, programId, new Date(fromMs), new Date(toMs));
    const out = new Map<string, DrWindow[]>();
    for (const r of rows) {
      const w = this.windowOf(r, r);
      const list = out.get(r.serial) ?? [];
      list.push({
        eventId: String(r.event_id),
        startMs: w.startMs,
        endMs: w.endMs,
        target: r.target,
        ...(r.cap_kw !== null ? { capKw: Number(r.cap_kw) } : {}),
        told: true,
        optedOut: r.opt_out === 'explicit',
        ...(r.ready_by_minute !== null ? { readyByMinute: r.ready_by_minute } : {}),
        ...(r.min_soc_pct !== null ? { minSocPct: Number(r.min_soc_pct) } : {}),
      });
      out.set(r.serial, list);
    }
    return out;
  }

  /** A simulated driver's opt-out (DrWindowSource.onOptOut): recorded as if tapped. */
  async recordSimulatedOptOut(serial: string, eventId: string | number, atMs: number): Promise<void> {
    const vehicleId = await findVehicleOfSerial(this.db, serial);
    if (vehicleId === undefined) return;
    await setOptOutExplicit(this.db, Number(eventId), String(vehicleId), new Date(atMs));
  }
}

function requireAccount(actor: Actor): number {
  const accountId = accountIdOf(actor);
  if (accountId === undefined) throw new AppError('unauthenticated', 'Sign in to see your events.');
  return accountId;
}

function describeOver(row: MyEventRow): string {
  return row.status === 'scheduled' || row.status === 'active' ? 'over for your vehicle' : row.status;
}

function toPreferences(row: DrPreferenceRow | undefined): PreferencesJson {
  return {
    readyBy: minuteToReadyBy(row?.ready_by_minute ?? null),
    minSocPct: row?.min_soc_pct === null || row?.min_soc_pct === undefined ? null : Number(row.min_soc_pct),
    notifyMail: row?.notify_mail ?? true,
  };
}

function hhmm(minute: number): string {
  return minute === 1440 ? '24:00' : minuteToReadyBy(minute)!;
}

function toScheduleJson(program: Program, r: DrScheduleRow): DrScheduleJson {
  return {
    id: Number(r.id),
    programSlug: program.slug,
    name: r.name,
    target: r.target,
    capKw: num(r.cap_kw),
    days: r.days,
    from: hhmm(r.from_minute),
    to: hhmm(r.to_minute),
    activeFrom: r.active_from,
    activeTo: r.active_to,
    months: r.months,
    noticeMinutes: Math.round(r.notice_s / 60),
    randomizeMinutes: Math.round(r.randomize_s / 60),
    controlShare: Number(r.control_share),
    maxPerYear: r.max_per_year,
    createdAt: iso(r.created_at),
    disabledAt: isoOrNull(r.disabled_at),
  };
}

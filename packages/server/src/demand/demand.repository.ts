/**
 * SQL for demand response: events, participants, preferences (tables from migration 0015).
 * Ids are bigint in the database; both drivers return them as JS numbers (SELECT *), and as strings
 * where a query casts them to text (eligibility, for the seeded draw that sorts vehicle ids as text).
 */
import type { Queryable } from '../db/database.js';

export type DrEventRow = {
  id: number;
  program_id: number;
  source: 'admin' | 'schedule' | 'openadr';
  schedule_id: number | null;
  external_id: string | null;
  external_modified_at: Date | null;
  name: string;
  status: 'scheduled' | 'active' | 'completed' | 'cancelled';
  target: 'curtail' | 'shift' | 'cap';
  cap_kw: number | null;
  starts_at: Date;
  ends_at: Date;
  notice_at: Date;
  randomize_s: number;
  scope: unknown;
  control_share: number;
  assignment_seed: string;
  created_by: number | null;
  created_at: Date;
  assigned_at: Date | null;
  notified_at: Date | null;
  cancelled_at: Date | null;
  measured_at: Date | null;
  result: unknown;
};

export type NewEventRow = {
  programId: number;
  source: 'admin' | 'schedule' | 'openadr';
  scheduleId?: number | null;
  externalId?: string | null;
  externalModifiedAt?: Date | null;
  name: string;
  target: 'curtail' | 'shift' | 'cap';
  capKw: number | null;
  startsAt: Date;
  endsAt: Date;
  noticeAt: Date;
  randomizeS: number;
  scope: unknown;
  controlShare: number;
  assignmentSeed: string;
  createdBy: number | null;
};

export async function insertEvent(db: Queryable, e: NewEventRow): Promise<DrEventRow> {
  const { rows } = await db.query<DrEventRow>(
    `INSERT INTO dr_event (program_id, source, schedule_id, external_id, external_modified_at, name, status, target,
       cap_kw, starts_at, ends_at, notice_at, randomize_s, scope, control_share, assignment_seed, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, $16) RETURNING *`,
    [
      e.programId,
      e.source,
      e.scheduleId ?? null,
      e.externalId ?? null,
      e.externalModifiedAt ?? null,
      e.name,
      e.target,
      e.capKw,
      e.startsAt,
      e.endsAt,
      e.noticeAt,
      e.randomizeS,
      JSON.stringify(e.scope),
      e.controlShare,
      e.assignmentSeed,
      e.createdBy,
    ],
  );
  return rows[0]!;
}

export async function findEvent(db: Queryable, id: number): Promise<DrEventRow | undefined> {
  const { rows } = await db.query<DrEventRow>(`SELECT * FROM dr_event WHERE id = $1`, [id]);
  return rows[0];
}

export async function listEventsOfProgram(
  db: Queryable,
  programId: number,
  from: Date | null,
  to: Date | null,
): Promise<DrEventRow[]> {
  const { rows } = await db.query<DrEventRow>(
    `SELECT * FROM dr_event WHERE program_id = $1 AND ($2::timestamptz IS NULL OR ends_at > $2)
       AND ($3::timestamptz IS NULL OR starts_at < $3) ORDER BY starts_at, id`,
    [programId, from, to],
  );
  return rows;
}

export async function markAssigned(db: Queryable, id: number, at: Date): Promise<void> {
  await db.query(`UPDATE dr_event SET assigned_at = COALESCE(assigned_at, $2), updated_at = $2 WHERE id = $1`, [
    id,
    at,
  ]);
}
export async function markNotified(db: Queryable, id: number, at: Date): Promise<void> {
  await db.query(`UPDATE dr_event SET notified_at = COALESCE(notified_at, $2), updated_at = $2 WHERE id = $1`, [
    id,
    at,
  ]);
}

export type EligibleRow = {
  vehicle_id: string;
  enrollment_id: string;
  slot_id: string;
  account_id: string;
  utility_account: string;
};

/**
 * Eligible participants at a moment: approved vehicles of approved enrollments of the program with a
 * device installed (status installed or active) on the vehicle. Optionally only some enrollments.
 */
export async function listEligible(
  db: Queryable,
  programId: number,
  enrollmentIds: readonly number[] | null,
): Promise<EligibleRow[]> {
  const { rows } = await db.query<EligibleRow>(
    `SELECT DISTINCT ev.vehicle_id::text, ev.enrollment_id::text, ev.slot_id::text, e.account_id::text, e.utility_account
       FROM enrollment_vehicle ev
       JOIN enrollment e ON e.id = ev.enrollment_id
      WHERE e.program_id = $1 AND e.status = 'approved' AND ev.status = 'approved'
        AND ($2::bigint[] IS NULL OR e.id = ANY($2::bigint[]))
        AND EXISTS (SELECT 1 FROM device d WHERE d.vehicle_id = ev.vehicle_id AND d.status IN ('installed', 'active'))
      ORDER BY 1`,
    [programId, enrollmentIds === null ? null : enrollmentIds.map(String)],
  );
  return rows;
}

export type DrParticipantRow = {
  event_id: number;
  vehicle_id: number;
  enrollment_id: number;
  slot_id: number;
  account_id: number;
  grp: 'treatment' | 'control';
  start_offset_s: number;
  end_offset_s: number;
  notified_at: Date | null;
  opt_out_token_hash: string | null;
  opt_out: 'explicit' | 'charging' | null;
  opted_out_at: Date | null;
  baseline_wh: number | null;
  baseline_days: number | null;
  actual_wh: number | null;
  shifted_wh: number | null;
  rebound_wh: number | null;
  measured_at: Date | null;
};

export async function insertParticipant(
  db: Queryable,
  p: {
    eventId: number;
    vehicleId: string;
    enrollmentId: string;
    slotId: string;
    accountId: string;
    grp: 'treatment' | 'control';
    startOffsetS: number;
    endOffsetS: number;
    tokenHash: string | null;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO dr_participant (event_id, vehicle_id, enrollment_id, slot_id, account_id, grp, start_offset_s, end_offset_s, opt_out_token_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_id, vehicle_id) DO NOTHING`,
    [p.eventId, p.vehicleId, p.enrollmentId, p.slotId, p.accountId, p.grp, p.startOffsetS, p.endOffsetS, p.tokenHash],
  );
}

export async function listParticipants(db: Queryable, eventId: number): Promise<DrParticipantRow[]> {
  const { rows } = await db.query<DrParticipantRow>(
    `SELECT * FROM dr_participant WHERE event_id = $1 ORDER BY vehicle_id`,
    [eventId],
  );
  return rows;
}

export async function markParticipantNotified(
  db: Queryable,
  eventId: number,
  vehicleId: string,
  at: Date,
): Promise<void> {
  await db.query(
    `UPDATE dr_participant SET notified_at = COALESCE(notified_at, $3) WHERE event_id = $1 AND vehicle_id = $2`,
    [eventId, vehicleId, at],
  );
}

export async function findParticipantByTokenHash(db: Queryable, hash: string): Promise<DrParticipantRow | undefined> {
  const { rows } = await db.query<DrParticipantRow>(`SELECT * FROM dr_participant WHERE opt_out_token_hash = $1`, [
    hash,
  ]);
  return rows[0];
}

export async function setOptOutExplicit(db: Queryable, eventId: number, vehicleId: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE dr_participant SET opt_out = 'explicit', opted_out_at = COALESCE(opted_out_at, $3)
      WHERE event_id = $1 AND vehicle_id = $2 AND (opt_out IS NULL OR opt_out = 'explicit')`,
    [eventId, vehicleId, at],
  );
}

export type DrPreferenceRow = {
  enrollment_id: string;
  ready_by_minute: number | null;
  min_soc_pct: number | null;
  notify_mail: boolean;
};

export async function findPreference(db: Queryable, enrollmentId: number): Promise<DrPreferenceRow | undefined> {
  const { rows } = await db.query<DrPreferenceRow>(
    `SELECT enrollment_id::text, ready_by_minute, min_soc_pct, notify_mail FROM dr_preference WHERE enrollment_id = $1`,
    [enrollmentId],
  );
  return rows[0];
}

export async function upsertPreference(
  db: Queryable,
  enrollmentId: number,
  p: { readyByMinute: number | null; minSocPct: number | null; notifyMail: boolean },
): Promise<void> {
  await db.query(
    `INSERT INTO dr_preference (enrollment_id, ready_by_minute, min_soc_pct, notify_mail) VALUES ($1, $2, $3, $4)
     ON CONFLICT (enrollment_id) DO UPDATE SET ready_by_minute = $2, min_soc_pct = $3, notify_mail = $4, updated_at = now()`,
    [enrollmentId, p.readyByMinute, p.minSocPct, p.notifyMail],
  );
}

/** Locks an event for its transaction (assignment, cancellation, opt-outs read it under the lock). */
export async function lockEvent(db: Queryable, id: number): Promise<DrEventRow | undefined> {
  const { rows } = await db.query<DrEventRow>(`SELECT * FROM dr_event WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0];
}

/** Moves an event from one of `from` to `to`; false when it was in another state (someone was first). */
export async function transitionEvent(
  db: Queryable,
  id: number,
  from: readonly DrEventRow['status'][],
  to: DrEventRow['status'],
  at: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE dr_event SET status = $3::text, updated_at = $4,
            cancelled_at = CASE WHEN $3::text = 'cancelled' THEN $4 ELSE cancelled_at END
      WHERE id = $1 AND status = ANY($2::text[])`,
    [id, [...from], to, at],
  );
  return rowCount > 0;
}

/** Open events whose notice time has come and whose participants are not assigned yet. */
export async function listEventsToAssign(db: Queryable, now: Date): Promise<DrEventRow[]> {
  const { rows } = await db.query<DrEventRow>(
    `SELECT * FROM dr_event WHERE status IN ('scheduled', 'active') AND assigned_at IS NULL AND notice_at <= $1
      ORDER BY notice_at, id`,
    [now],
  );
  return rows;
}

export async function listEventsToStart(db: Queryable, now: Date): Promise<DrEventRow[]> {
  const { rows } = await db.query<DrEventRow>(
    `SELECT * FROM dr_event WHERE status = 'scheduled' AND starts_at <= $1 ORDER BY starts_at, id`,
    [now],
  );
  return rows;
}

/** Active events whose last participant's window (the end moved by up to randomize_s) is over. */
export async function listEventsToComplete(db: Queryable, now: Date): Promise<DrEventRow[]> {
  const { rows } = await db.query<DrEventRow>(
    `SELECT * FROM dr_event WHERE status = 'active' AND ends_at + randomize_s * interval '1 second' <= $1
      ORDER BY ends_at, id`,
    [now],
  );
  return rows;
}

/** Completed events not yet measured whose window ended at least `afterMs` ago (the rebound hours are in). */
export async function listEventsToMeasure(db: Queryable, now: Date, afterMs: number): Promise<DrEventRow[]> {
  const { rows } = await db.query<DrEventRow>(
    `SELECT * FROM dr_event WHERE status = 'completed' AND measured_at IS NULL AND ends_at <= $1 ORDER BY ends_at, id`,
    [new Date(now.getTime() - afterMs)],
  );
  return rows;
}

export type ParticipantCounts = { treatment: number; control: number; told: number; optedOut: number };

/** Per event: its participants by group, how many were told, how many opted out (either way). */
export async function countParticipants(
  db: Queryable,
  eventIds: readonly number[],
): Promise<Map<number, ParticipantCounts>> {
  const { rows } = await db.query<{
    event_id: number;
    treatment: number;
    control: number;
    told: number;
    opted_out: number;
  }>(
    `SELECT event_id, count(*) FILTER (WHERE grp = 'treatment')::int AS treatment,
            count(*) FILTER (WHERE grp = 'control')::int AS control,
            count(*) FILTER (WHERE notified_at IS NOT NULL)::int AS told,
            count(*) FILTER (WHERE opt_out IS NOT NULL)::int AS opted_out
       FROM dr_participant WHERE event_id = ANY($1::bigint[]) GROUP BY event_id`,
    [[...eventIds]],
  );
  return new Map(
    rows.map((r) => [
      Number(r.event_id),
      { treatment: r.treatment, control: r.control, told: r.told, optedOut: r.opted_out },
    ]),
  );
}

/** A told participant's row with what a driver sees of it: the event, its program and the vehicle. */
export type MyEventRow = DrParticipantRow & {
  name: string;
  status: DrEventRow['status'];
  target: DrEventRow['target'];
  cap_kw: number | null;
  starts_at: Date;
  ends_at: Date;
  program_slug: string;
  program_name: string;
  time_zone: string;
  label: string;
};

const MY_EVENT_SELECT = `SELECT p.*, e.name, e.status, e.target, e.cap_kw, e.starts_at, e.ends_at,
         pr.slug AS program_slug, pr.name AS program_name, pr.time_zone,
         v.model_year || ' ' || v.make || ' ' || v.model AS label
    FROM dr_participant p
    JOIN dr_event e ON e.id = p.event_id
    JOIN program pr ON pr.id = e.program_id
    JOIN vehicle v ON v.id = p.vehicle_id`;

/** The account's told treatment rows (control is never told, never listed), newest event first. */
export async function listTreatmentOfAccount(db: Queryable, accountId: number): Promise<MyEventRow[]> {
  const { rows } = await db.query<MyEventRow>(
    `${MY_EVENT_SELECT}
      WHERE p.account_id = $1 AND p.grp = 'treatment' AND p.notified_at IS NOT NULL
      ORDER BY e.starts_at DESC, p.event_id DESC, p.vehicle_id`,
    [accountId],
  );
  return rows;
}

export async function listTreatmentOfAccountInEvent(
  db: Queryable,
  accountId: number,
  eventId: number,
): Promise<MyEventRow[]> {
  const { rows } = await db.query<MyEventRow>(
    `${MY_EVENT_SELECT}
      WHERE p.account_id = $1 AND p.event_id = $2 AND p.grp = 'treatment' AND p.notified_at IS NOT NULL
      ORDER BY p.vehicle_id`,
    [accountId, eventId],
  );
  return rows;
}

export async function findMyEventByTokenHash(db: Queryable, hash: string): Promise<MyEventRow | undefined> {
  const { rows } = await db.query<MyEventRow>(`${MY_EVENT_SELECT} WHERE p.opt_out_token_hash = $1`, [hash]);
  return rows[0];
}

/** Of these enrollment ids, the ones that are not the program's. */
export async function listUnknownEnrollments(
  db: Queryable,
  programId: number,
  ids: readonly number[],
): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT x.id FROM unnest($2::bigint[]) AS x(id)
      WHERE NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.id = x.id AND e.program_id = $1) ORDER BY x.id`,
    [programId, [...ids]],
  );
  return rows.map((r) => Number(r.id));
}

/** Of these grid group ids, the ones that are not the program's. */
export async function listUnknownGroups(db: Queryable, programId: number, ids: readonly number[]): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT x.id FROM unnest($2::bigint[]) AS x(id)
      WHERE NOT EXISTS (SELECT 1 FROM grid_group g WHERE g.id = x.id AND g.program_id = $1) ORDER BY x.id`,
    [programId, [...ids]],
  );
  return rows.map((r) => Number(r.id));
}

/**
 * The service points (utility accounts) that sit in one of these groups or under one of them (a
 * feeder's transformers).
 */
export async function listServicePointsInGroups(
  db: Queryable,
  programId: number,
  groupIds: readonly number[],
): Promise<Set<string>> {
  const { rows } = await db.query<{ service_point: string }>(
    `SELECT sp.service_point FROM grid_service_point sp JOIN grid_group g ON g.id = sp.group_id
      WHERE sp.program_id = $1 AND (g.id = ANY($2::bigint[]) OR g.parent_id = ANY($2::bigint[]))`,
    [programId, [...groupIds]],
  );
  return new Set(rows.map((r) => r.service_point));
}

/**
 * Where each vehicle charges at home: the median longitude and latitude of its AC charging sessions
 * (a DC fast charge is never at home) plugged in since `since`. Vehicles without one are left out.
 */
export async function listHomePositions(
  db: Queryable,
  vehicleIds: readonly string[],
  since: Date,
): Promise<Map<string, [number, number]>> {
  const { rows } = await db.query<{ vehicle_id: string; lon: number; lat: number }>(
    `SELECT vehicle_id::text AS vehicle_id,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY lon_deg) AS lon,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY lat_deg) AS lat
       FROM charge_session
      WHERE vehicle_id = ANY($1::bigint[]) AND plugged_at >= $2 AND lat_deg IS NOT NULL AND lon_deg IS NOT NULL
        AND (level IS NULL OR level <> 'DCFC') AND (kind IS NULL OR kind = 'ac')
      GROUP BY vehicle_id`,
    [[...vehicleIds], since],
  );
  return new Map(rows.map((r) => [r.vehicle_id, [Number(r.lon), Number(r.lat)]]));
}

export async function listPreferences(
  db: Queryable,
  enrollmentIds: readonly string[],
): Promise<Map<string, DrPreferenceRow>> {
  const { rows } = await db.query<DrPreferenceRow>(
    `SELECT enrollment_id::text, ready_by_minute, min_soc_pct, notify_mail FROM dr_preference
      WHERE enrollment_id = ANY($1::bigint[])`,
    [[...enrollmentIds]],
  );
  return new Map(rows.map((r) => [r.enrollment_id, r]));
}

export async function findEnrollmentOwner(
  db: Queryable,
  enrollmentId: number,
): Promise<{ account_id: number; program_id: number } | undefined> {
  const { rows } = await db.query<{ account_id: number; program_id: number }>(
    `SELECT account_id, program_id FROM enrollment WHERE id = $1`,
    [enrollmentId],
  );
  return rows[0];
}

/** The vehicle a device (by serial) is in. */
export async function findVehicleOfSerial(db: Queryable, serial: string): Promise<number | undefined> {
  const { rows } = await db.query<{ vehicle_id: number | null }>(`SELECT vehicle_id FROM device WHERE serial = $1`, [
    serial,
  ]);
  return rows[0]?.vehicle_id ?? undefined;
}

export type TreatmentWindowRow = {
  event_id: number;
  serial: string;
  starts_at: Date;
  ends_at: Date;
  start_offset_s: number;
  end_offset_s: number;
  target: DrEventRow['target'];
  cap_kw: number | null;
  opt_out: 'explicit' | 'charging' | null;
  ready_by_minute: number | null;
  min_soc_pct: number | null;
};

/**
 * Told treatment participants of the program's events (not cancelled) overlapping [from, to), by the
 * serial of the device in their vehicle, with their preferences.
 */
export async function listTreatmentWindows(
  db: Queryable,
  programId: number,
  from: Date,
  to: Date,
): Promise<TreatmentWindowRow[]> {
  const { rows } = await db.query<TreatmentWindowRow>(
    `SELECT p.event_id, d.serial, e.starts_at, e.ends_at, p.start_offset_s, p.end_offset_s, e.target, e.cap_kw,
            p.opt_out, pref.ready_by_minute, pref.min_soc_pct
       FROM dr_participant p
       JOIN dr_event e ON e.id = p.event_id
       JOIN device d ON d.vehicle_id = p.vehicle_id AND d.status IN ('installed', 'active') AND d.revoked_at IS NULL
       LEFT JOIN dr_preference pref ON pref.enrollment_id = p.enrollment_id
      WHERE e.program_id = $1 AND e.status <> 'cancelled' AND p.grp = 'treatment' AND p.notified_at IS NOT NULL
        AND e.ends_at + p.end_offset_s * interval '1 second' > $2 AND e.starts_at < $3
      ORDER BY d.serial, e.starts_at, p.event_id`,
    [programId, from, to],
  );
  return rows;
}

// ---- Standing schedules ----

export type DrScheduleRow = {
  id: number;
  program_id: number;
  name: string;
  target: DrEventRow['target'];
  cap_kw: number | null;
  days: 'all' | 'weekdays' | 'weekends';
  from_minute: number;
  to_minute: number;
  active_from: string;
  active_to: string | null;
  months: number[] | null;
  notice_s: number;
  randomize_s: number;
  control_share: number;
  max_per_year: number | null;
  created_by: number | null;
  created_at: Date;
  disabled_at: Date | null;
};

const scheduleColumns = (
  t: string,
) => `${t}id, ${t}program_id, ${t}name, ${t}target, ${t}cap_kw, ${t}days, ${t}from_minute,
  ${t}to_minute, ${t}active_from::text AS active_from, ${t}active_to::text AS active_to, ${t}months, ${t}notice_s,
  ${t}randomize_s, ${t}control_share, ${t}max_per_year, ${t}created_by, ${t}created_at, ${t}disabled_at`;
const SCHEDULE_COLUMNS = scheduleColumns('');

export async function insertSchedule(
  db: Queryable,
  s: Omit<DrScheduleRow, 'id' | 'created_at' | 'disabled_at'>,
): Promise<DrScheduleRow> {
  const { rows } = await db.query<DrScheduleRow>(
    `INSERT INTO dr_schedule (program_id, name, target, cap_kw, days, from_minute, to_minute, active_from, active_to,
       months, notice_s, randomize_s, control_share, max_per_year, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9::date, $10::integer[], $11, $12, $13, $14, $15)
     RETURNING ${SCHEDULE_COLUMNS}`,
    [
      s.program_id,
      s.name,
      s.target,
      s.cap_kw,
      s.days,
      s.from_minute,
      s.to_minute,
      s.active_from,
      s.active_to,
      s.months,
      s.notice_s,
      s.randomize_s,
      s.control_share,
      s.max_per_year,
      s.created_by,
    ],
  );
  return rows[0]!;
}

export async function listSchedulesOfProgram(db: Queryable, programId: number): Promise<DrScheduleRow[]> {
  const { rows } = await db.query<DrScheduleRow>(
    `SELECT ${SCHEDULE_COLUMNS} FROM dr_schedule WHERE program_id = $1 ORDER BY id`,
    [programId],
  );
  return rows;
}

export async function findSchedule(db: Queryable, id: number): Promise<DrScheduleRow | undefined> {
  const { rows } = await db.query<DrScheduleRow>(`SELECT ${SCHEDULE_COLUMNS} FROM dr_schedule WHERE id = $1`, [id]);
  return rows[0];
}

export async function disableSchedule(db: Queryable, id: number, at: Date): Promise<void> {
  await db.query(`UPDATE dr_schedule SET disabled_at = COALESCE(disabled_at, $2) WHERE id = $1`, [id, at]);
}

/** Every schedule not disabled, with its program's time zone. */
export async function listActiveSchedules(db: Queryable): Promise<(DrScheduleRow & { time_zone: string })[]> {
  const { rows } = await db.query<DrScheduleRow & { time_zone: string }>(
    `SELECT ${scheduleColumns('s.')}, p.time_zone
       FROM dr_schedule s JOIN program p ON p.id = s.program_id WHERE s.disabled_at IS NULL ORDER BY s.id`,
  );
  return rows;
}

/** When the schedule's events (any status: the day is taken) started, since `since`, and whether cancelled. */
export async function listScheduleEventStarts(
  db: Queryable,
  scheduleId: number,
  since: Date,
): Promise<{ starts_at: Date; cancelled: boolean }[]> {
  const { rows } = await db.query<{ starts_at: Date; cancelled: boolean }>(
    `SELECT starts_at, status = 'cancelled' AS cancelled FROM dr_event WHERE schedule_id = $1 AND starts_at >= $2
      ORDER BY starts_at`,
    [scheduleId, since],
  );
  return rows;
}

/** A schedule's event for one day, unless that day's is there already (then undefined). */
export async function insertScheduleEvent(db: Queryable, e: NewEventRow): Promise<DrEventRow | undefined> {
  const { rows } = await db.query<DrEventRow>(
    `INSERT INTO dr_event (program_id, source, schedule_id, name, status, target, cap_kw, starts_at, ends_at, notice_at,
       randomize_s, scope, control_share, assignment_seed, created_by)
     VALUES ($1, 'schedule', $2, $3, 'scheduled', $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13)
     ON CONFLICT (schedule_id, starts_at) WHERE schedule_id IS NOT NULL DO NOTHING RETURNING *`,
    [
      e.programId,
      e.scheduleId,
      e.name,
      e.target,
      e.capKw,
      e.startsAt,
      e.endsAt,
      e.noticeAt,
      e.randomizeS,
      JSON.stringify(e.scope),
      e.controlShare,
      e.assignmentSeed,
      e.createdBy,
    ],
  );
  return rows[0];
}

/** "2021 Hyundai Kona Electric" per vehicle id. */
export async function listVehicleLabels(db: Queryable, vehicleIds: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; label: string }>(
    `SELECT id::text AS id, model_year || ' ' || make || ' ' || model AS label FROM vehicle WHERE id = ANY($1::bigint[])`,
    [[...vehicleIds]],
  );
  return new Map(rows.map((r) => [r.id, r.label]));
}

/**
 * SQL for demand response: events, participants, preferences (tables from migration 0015).
 * Ids are bigint in the database and strings here where they leave the module, like the other repositories.
 */
import type { Queryable } from '../db/database.js';

export type DrEventRow = {
  id: string;
  program_id: string;
  source: 'admin' | 'schedule' | 'openadr';
  schedule_id: string | null;
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
  created_by: string | null;
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

/** Events the job has work for: open ones whose notice time has come. */
export async function listDueEvents(db: Queryable, now: Date): Promise<DrEventRow[]> {
  const { rows } = await db.query<DrEventRow>(
    `SELECT * FROM dr_event WHERE status IN ('scheduled', 'active') AND notice_at <= $1 ORDER BY notice_at, id`,
    [now],
  );
  return rows;
}

export async function setEventStatus(db: Queryable, id: number, status: DrEventRow['status'], at: Date): Promise<void> {
  await db.query(
    `UPDATE dr_event SET status = $2, updated_at = $3, cancelled_at = CASE WHEN $2 = 'cancelled' THEN $3 ELSE cancelled_at END
      WHERE id = $1`,
    [id, status, at],
  );
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
  event_id: string;
  vehicle_id: string;
  enrollment_id: string;
  slot_id: string;
  account_id: string;
  grp: 'treatment' | 'control';
  start_offset_s: number;
  end_offset_s: number;
  notified_at: Date | null;
  opt_out_token_hash: string | null;
  opt_out: 'explicit' | 'charging' | null;
  opted_out_at: Date | null;
  shifted_wh: number | null;
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

export async function listTreatmentOfAccount(
  db: Queryable,
  accountId: number,
): Promise<(DrParticipantRow & { label: string | null })[]> {
  const { rows } = await db.query<DrParticipantRow & { label: string | null }>(
    `SELECT p.*, NULL::text AS label FROM dr_participant p
      WHERE p.account_id = $1 AND p.grp = 'treatment' AND p.notified_at IS NOT NULL ORDER BY p.event_id DESC`,
    [accountId],
  );
  return rows;
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

/**
 * SQL for the rewards ledger, and the facts reward rules are evaluated over: an enrollment's
 * vehicle slots, their devices' install and first-data times, derived charging sessions (and their
 * charging segments), and the demand-response events the slots took part in.
 * Those facts belong to other contexts (enrollment, devices, derive); this module only reads them,
 * in one place, as the rewards read model.
 */
import type { Queryable } from '../db/database.js';

export const LEDGER_KINDS = ['reward', 'adjustment', 'payout', 'payout_reversal'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntryRow {
  readonly id: number;
  readonly programId: number;
  readonly enrollmentId: number;
  readonly vehicleId: number | null;
  readonly slotId: number | null;
  readonly kind: LedgerKind;
  readonly ruleKey: string | null;
  readonly period: string | null;
  readonly points: number;
  readonly explanation: Record<string, unknown>;
  readonly reason: string | null;
  readonly createdBy: number | null;
  readonly payoutItemId: number | null;
  readonly createdAt: Date;
}

const COLUMNS = `id, program_id AS "programId", enrollment_id AS "enrollmentId", vehicle_id AS "vehicleId",
  slot_id AS "slotId", kind, rule_key AS "ruleKey", period, points, explanation, reason, created_by AS "createdBy",
  payout_item_id AS "payoutItemId", created_at AS "createdAt"`;
type R = LedgerEntryRow & Record<string, unknown>;

export interface SlotRow {
  readonly enrollmentVehicleId: number;
  readonly enrollmentId: number;
  readonly accountId: number;
  readonly vehicleId: number;
  readonly slotId: number;
  readonly status: string;
  readonly joinedAt: Date;
  readonly endedAt: Date | null;
  readonly enrollmentLeftAt: Date | null;
}

/** Every vehicle that has been in the program (approved, replaced or left), oldest first. */
export async function listProgramSlotRows(q: Queryable, programId: number): Promise<SlotRow[]> {
  const { rows } = await q.query<SlotRow & Record<string, unknown>>(
    `SELECT v.id AS "enrollmentVehicleId", v.enrollment_id AS "enrollmentId", e.account_id AS "accountId",
            v.vehicle_id AS "vehicleId", v.slot_id AS "slotId", v.status, v.joined_at AS "joinedAt",
            v.ended_at AS "endedAt", e.left_at AS "enrollmentLeftAt"
       FROM enrollment_vehicle v JOIN enrollment e ON e.id = v.enrollment_id
      WHERE e.program_id = $1 AND v.joined_at IS NOT NULL AND v.status IN ('approved', 'replaced', 'left')
      ORDER BY v.slot_id, v.joined_at`,
    [programId],
  );
  return rows;
}

/**
 * For each vehicle: when a device in it was first reported installed (or became active), and
 * when one first became active (the time of its first record), after the device was put in that vehicle.
 */
export async function listDeviceMilestones(
  q: Queryable,
  vehicleIds: readonly number[],
): Promise<{ vehicleId: number; installedAt: Date | null; activatedAt: Date | null }[]> {
  const { rows } = await q.query<{ vehicleId: number; installedAt: Date | null; activatedAt: Date | null }>(
    `SELECT a.vehicle_id AS "vehicleId",
            min(ev.at) FILTER (WHERE ev.status IN ('installed', 'active')) AS "installedAt",
            min(ev.at) FILTER (WHERE ev.status = 'active') AS "activatedAt"
       FROM device_assignment a
       JOIN device_event ev ON ev.device_id = a.device_id AND ev.kind = 'status' AND ev.at >= a.assigned_at
                           AND (a.unassigned_at IS NULL OR ev.at <= a.unassigned_at)
      WHERE a.vehicle_id = ANY($1::bigint[])
      GROUP BY a.vehicle_id`,
    [vehicleIds],
  );
  return rows;
}

export interface SessionRow {
  readonly vehicleId: number;
  readonly pluggedAt: Date;
  readonly unpluggedAt: Date;
  readonly wallWh: number;
  readonly inTerritory: boolean | null;
  readonly hourly: [number, number, number][];
  readonly complete: boolean;
}

/** Charging sessions of these vehicles plugged in at or after an instant (those still plugged in too). */
export async function listSessionFacts(
  q: Queryable,
  vehicleIds: readonly number[],
  since: Date,
): Promise<SessionRow[]> {
  const { rows } = await q.query<SessionRow & Record<string, unknown>>(
    `SELECT vehicle_id AS "vehicleId", plugged_at AS "pluggedAt", unplugged_at AS "unpluggedAt", wall_wh AS "wallWh",
            in_territory AS "inTerritory", hourly, complete
       FROM charge_session WHERE vehicle_id = ANY($1::bigint[]) AND plugged_at >= $2
      ORDER BY plugged_at`,
    [vehicleIds, since],
  );
  return rows;
}

export interface ChargingStretchRow {
  readonly vehicleId: number;
  readonly sessionPluggedAt: Date;
  readonly startedAt: Date;
  readonly endedAt: Date;
}

/** Charging segments (when energy flowed) of these vehicles' sessions plugged in at or after an instant. */
export async function listChargingStretches(
  q: Queryable,
  vehicleIds: readonly number[],
  since: Date,
): Promise<ChargingStretchRow[]> {
  const { rows } = await q.query<ChargingStretchRow & Record<string, unknown>>(
    `SELECT vehicle_id AS "vehicleId", session_plugged_at AS "sessionPluggedAt", started_at AS "startedAt",
            ended_at AS "endedAt"
       FROM charge_segment WHERE vehicle_id = ANY($1::bigint[]) AND session_plugged_at >= $2
      ORDER BY vehicle_id, started_at`,
    [vehicleIds, since],
  );
  return rows.map((r) => ({ ...r, vehicleId: Number(r.vehicleId) }));
}

export interface EventFactRow {
  readonly eventId: number;
  readonly name: string;
  readonly vehicleId: number;
  readonly status: 'scheduled' | 'active' | 'completed' | 'cancelled';
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly group: 'treatment' | 'control';
  readonly notifiedAt: Date | null;
  readonly optOut: 'explicit' | 'charging' | null;
  readonly optedOutAt: Date | null;
  readonly shiftedWh: number | null;
  readonly measuredAt: Date | null;
}

/** A slot's part in its program's demand-response events (demand context's tables), oldest first. */
export async function listEventFacts(q: Queryable, programId: number, slotId: number): Promise<EventFactRow[]> {
  const { rows } = await q.query<EventFactRow & Record<string, unknown>>(
    `SELECT e.id AS "eventId", e.name, p.vehicle_id AS "vehicleId", e.status, e.starts_at AS "startsAt",
            e.ends_at AS "endsAt", p.grp AS "group", p.notified_at AS "notifiedAt", p.opt_out AS "optOut",
            p.opted_out_at AS "optedOutAt", p.shifted_wh AS "shiftedWh", e.measured_at AS "measuredAt"
       FROM dr_participant p JOIN dr_event e ON e.id = p.event_id
      WHERE p.slot_id = $1 AND e.program_id = $2
      ORDER BY e.starts_at, e.id, p.vehicle_id`,
    [slotId, programId],
  );
  return rows.map((r) => ({
    ...r,
    eventId: Number(r.eventId),
    vehicleId: Number(r.vehicleId),
    shiftedWh: r.shiftedWh === null ? null : Number(r.shiftedWh),
  }));
}

/** Inserts a reward unless that (participant, vehicle or slot, rule, period) was already paid. */
export async function insertReward(
  q: Queryable,
  r: {
    programId: number;
    enrollmentId: number;
    vehicleId: number;
    slotId: number;
    ruleKey: string;
    period: string;
    points: number;
    explanation: unknown;
    at: Date;
  },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO ledger_entry (program_id, enrollment_id, vehicle_id, slot_id, kind, rule_key, period, points, explanation, created_at)
     VALUES ($1, $2, $3, $4, 'reward', $5, $6, $7, $8::jsonb, $9) ON CONFLICT DO NOTHING`,
    [
      r.programId,
      r.enrollmentId,
      r.vehicleId,
      r.slotId,
      r.ruleKey,
      r.period,
      r.points,
      JSON.stringify(r.explanation),
      r.at,
    ],
  );
  return rowCount > 0;
}

export async function insertEntry(
  q: Queryable,
  e: {
    programId: number;
    enrollmentId: number;
    kind: 'adjustment' | 'payout' | 'payout_reversal';
    points: number;
    explanation: unknown;
    reason: string | null;
    createdBy: number | null;
    payoutItemId: number | null;
    at: Date;
  },
): Promise<LedgerEntryRow | undefined> {
  const { rows } = await q.query<R>(
    `INSERT INTO ledger_entry (program_id, enrollment_id, kind, points, explanation, reason, created_by, payout_item_id, created_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
    [
      e.programId,
      e.enrollmentId,
      e.kind,
      e.points,
      JSON.stringify(e.explanation),
      e.reason,
      e.createdBy,
      e.payoutItemId,
      e.at,
    ],
  );
  return rows[0];
}

/** The start recorded for a slot (by the start rule's reward), if any. */
export async function findRecordedStart(
  q: Queryable,
  enrollmentId: number,
  slotId: number,
  ruleKey: string,
): Promise<Date | null> {
  const { rows } = await q.query<{ startedAt: string | null }>(
    `SELECT explanation->'facts'->>'startedAt' AS "startedAt" FROM ledger_entry
      WHERE enrollment_id = $1 AND slot_id = $2 AND rule_key = $3 AND kind = 'reward'`,
    [enrollmentId, slotId, ruleKey],
  );
  const value = rows[0]?.startedAt;
  return value ? new Date(value) : null;
}

export async function listEntries(
  q: Queryable,
  filter: { programId?: number; enrollmentId?: number; beforeId?: number; limit: number },
): Promise<LedgerEntryRow[]> {
  const { rows } = await q.query<R>(
    `SELECT ${COLUMNS} FROM ledger_entry
      WHERE ($1::bigint IS NULL OR program_id = $1) AND ($2::bigint IS NULL OR enrollment_id = $2)
        AND ($3::bigint IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [filter.programId ?? null, filter.enrollmentId ?? null, filter.beforeId ?? null, filter.limit],
  );
  return rows;
}

export async function sumBalance(q: Queryable, enrollmentId: number): Promise<number> {
  const { rows } = await q.query<{ points: number }>(
    `SELECT coalesce(sum(points), 0)::bigint AS points FROM ledger_entry WHERE enrollment_id = $1`,
    [enrollmentId],
  );
  return Number(rows[0]!.points);
}

/**
 * A participant's balance as it stood at an instant: rewards count from when they were earned (a
 * month's reward at the month's end, though the job records it later), everything else from
 * when it was recorded.
 */
export async function sumBalanceEarnedBy(q: Queryable, enrollmentId: number, at: Date): Promise<number> {
  const { rows } = await q.query<{ points: number }>(
    `SELECT coalesce(sum(points), 0)::bigint AS points FROM ledger_entry
      WHERE enrollment_id = $1
        AND CASE WHEN kind = 'reward' THEN coalesce((explanation->>'earnedAt')::timestamptz, created_at)
                 ELSE created_at END <= $2`,
    [enrollmentId, at],
  );
  return Number(rows[0]!.points);
}

export interface BalanceRow {
  readonly enrollmentId: number;
  readonly accountId: number;
  /** The participant's name and email (from their account), for the staff reading the balances. */
  readonly name: string;
  readonly email: string;
  /** approved, or left (a participant who left keeps what they earned until it is paid). */
  readonly status: 'approved' | 'left';
  readonly earned: number;
  readonly adjusted: number;
  readonly paidOut: number;
  readonly balance: number;
}

/**
 * Per participant of a program: who (name and email from the accounts context's table), earned,
 * adjusted, paid out (net of reversals) and the balance.
 */
export async function listBalances(q: Queryable, programId: number): Promise<BalanceRow[]> {
  const { rows } = await q.query<BalanceRow & Record<string, unknown>>(
    `SELECT e.id AS "enrollmentId", e.account_id AS "accountId", a.name, a.email, e.status,
            coalesce(sum(l.points) FILTER (WHERE l.kind = 'reward'), 0)::bigint AS earned,
            coalesce(sum(l.points) FILTER (WHERE l.kind = 'adjustment'), 0)::bigint AS adjusted,
            coalesce(-sum(l.points) FILTER (WHERE l.kind IN ('payout', 'payout_reversal')), 0)::bigint AS "paidOut",
            coalesce(sum(l.points), 0)::bigint AS balance
       FROM enrollment e JOIN account a ON a.id = e.account_id LEFT JOIN ledger_entry l ON l.enrollment_id = e.id
      WHERE e.program_id = $1 AND e.status IN ('approved', 'left')
      GROUP BY e.id, a.id ORDER BY e.id`,
    [programId],
  );
  return rows.map((r) => ({
    ...r,
    earned: Number(r.earned),
    adjusted: Number(r.adjusted),
    paidOut: Number(r.paidOut),
    balance: Number(r.balance),
  }));
}

/** Locks a participant's enrollment row: balance checks and debits for one participant happen one at a time. */
export async function lockEnrollment(
  q: Queryable,
  enrollmentId: number,
): Promise<{ programId: number; accountId: number } | undefined> {
  const { rows } = await q.query<{ programId: number; accountId: number }>(
    `SELECT program_id AS "programId", account_id AS "accountId" FROM enrollment WHERE id = $1 FOR UPDATE`,
    [enrollmentId],
  );
  return rows[0];
}

/**
 * The start bonuses of a program earned under each account, by enrollment: a driver who left and
 * joined again earns no second one (the bonus is for joining, once).
 */
export async function listStartBonusEnrollments(
  q: Queryable,
  programId: number,
): Promise<{ accountId: number; enrollmentId: number; earnedAt: Date }[]> {
  const { rows } = await q.query<{ accountId: number; enrollmentId: number; earnedAt: Date }>(
    `SELECT e.account_id AS "accountId", l.enrollment_id AS "enrollmentId", min(l.created_at) AS "earnedAt"
       FROM ledger_entry l JOIN enrollment e ON e.id = l.enrollment_id
      WHERE l.program_id = $1 AND l.kind = 'reward' AND l.period = 'start'
      GROUP BY e.account_id, l.enrollment_id`,
    [programId],
  );
  return rows.map((r) => ({
    accountId: Number(r.accountId),
    enrollmentId: Number(r.enrollmentId),
    earnedAt: r.earnedAt,
  }));
}

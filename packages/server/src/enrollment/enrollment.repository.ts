/**
 * SQL for enrollments (applications and participation), their vehicles, shipments and the
 * per-program counts approvals check against.
 */
import type { Queryable } from '../db/database.js';

export const ENROLLMENT_STATUSES = ['applied', 'approved', 'declined', 'withdrawn', 'left'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];
export const LEAVE_REASONS = ['moved', 'sold_vehicle', 'done', 'other'] as const;
export type LeaveReason = (typeof LEAVE_REASONS)[number];
export const ENROLLMENT_VEHICLE_STATUSES = ['pending', 'approved', 'declined', 'replaced', 'left'] as const;
export type EnrollmentVehicleStatus = (typeof ENROLLMENT_VEHICLE_STATUSES)[number];
export const SHIPMENT_KINDS = ['device', 'y_cable', 'return'] as const;
export type ShipmentKind = (typeof SHIPMENT_KINDS)[number];
export const SHIPMENT_STATUSES = ['requested', 'shipped', 'delivered', 'received', 'cancelled'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export interface HomeAddress {
  readonly line1: string;
  readonly line2?: string | undefined;
  readonly city: string;
  readonly region: string;
  readonly postalCode: string;
  readonly country: string;
}

export interface EnrollmentRow {
  readonly id: number;
  readonly programId: number;
  readonly accountId: number;
  readonly status: EnrollmentStatus;
  readonly homeAddress: HomeAddress;
  readonly utilityAccount: string;
  readonly paypalEmail: string | null;
  readonly appliedAt: Date;
  readonly decidedAt: Date | null;
  readonly decidedBy: number | null;
  readonly decisionNote: string | null;
  readonly leftAt: Date | null;
  readonly leaveReason: LeaveReason | null;
  readonly leaveNote: string | null;
}

export interface EnrollmentVehicleRow {
  readonly id: number;
  readonly enrollmentId: number;
  readonly vehicleId: number;
  readonly slotId: number;
  readonly status: EnrollmentVehicleStatus;
  readonly eligibility: unknown;
  readonly joinedAt: Date | null;
  readonly endedAt: Date | null;
}

export interface ShipmentRow {
  readonly id: number;
  readonly enrollmentVehicleId: number;
  readonly kind: ShipmentKind;
  readonly status: ShipmentStatus;
  readonly deviceId: number | null;
  readonly carrier: string | null;
  readonly trackingNumber: string | null;
  readonly note: string | null;
  readonly requestedAt: Date;
  readonly shippedAt: Date | null;
  readonly closedAt: Date | null;
}

const E_COLUMNS = `id, program_id AS "programId", account_id AS "accountId", status, home_address AS "homeAddress",
  utility_account AS "utilityAccount", paypal_email AS "paypalEmail", applied_at AS "appliedAt",
  decided_at AS "decidedAt", decided_by AS "decidedBy", decision_note AS "decisionNote", left_at AS "leftAt",
  leave_reason AS "leaveReason", leave_note AS "leaveNote"`;
const V_COLUMNS = `id, enrollment_id AS "enrollmentId", vehicle_id AS "vehicleId", slot_id AS "slotId", status,
  eligibility, joined_at AS "joinedAt", ended_at AS "endedAt"`;
const S_COLUMNS = `id, enrollment_vehicle_id AS "enrollmentVehicleId", kind, status, device_id AS "deviceId", carrier,
  tracking_number AS "trackingNumber", note, requested_at AS "requestedAt", shipped_at AS "shippedAt",
  closed_at AS "closedAt"`;

type ER = EnrollmentRow & Record<string, unknown>;
type VR = EnrollmentVehicleRow & Record<string, unknown>;
type SR = ShipmentRow & Record<string, unknown>;

export async function insertEnrollment(
  q: Queryable,
  e: {
    programId: number;
    accountId: number;
    homeAddress: HomeAddress;
    utilityAccount: string;
    paypalEmail: string | null;
    at: Date;
  },
): Promise<EnrollmentRow> {
  const { rows } = await q.query<ER>(
    `INSERT INTO enrollment (program_id, account_id, status, home_address, utility_account, paypal_email, applied_at)
     VALUES ($1, $2, 'applied', $3::jsonb, $4, $5, $6) RETURNING ${E_COLUMNS}`,
    [e.programId, e.accountId, JSON.stringify(e.homeAddress), e.utilityAccount, e.paypalEmail, e.at],
  );
  return rows[0]!;
}

export async function insertEnrollmentVehicle(
  q: Queryable,
  v: {
    enrollmentId: number;
    vehicleId: number;
    slotId: number | null;
    status: EnrollmentVehicleStatus;
    eligibility: unknown;
    joinedAt: Date | null;
  },
): Promise<EnrollmentVehicleRow> {
  // A new slot is numbered by its own row id.
  const { rows } = await q.query<VR>(
    `WITH next AS (SELECT nextval(pg_get_serial_sequence('enrollment_vehicle', 'id')) AS id)
     INSERT INTO enrollment_vehicle (id, enrollment_id, vehicle_id, slot_id, status, eligibility, joined_at)
     OVERRIDING SYSTEM VALUE
     SELECT next.id, $1, $2, coalesce($3::bigint, next.id), $4, $5::jsonb, $6 FROM next RETURNING ${V_COLUMNS}`,
    [v.enrollmentId, v.vehicleId, v.slotId, v.status, JSON.stringify(v.eligibility), v.joinedAt],
  );
  return rows[0]!;
}

export async function findEnrollment(q: Queryable, id: number): Promise<EnrollmentRow | undefined> {
  const { rows } = await q.query<ER>(`SELECT ${E_COLUMNS} FROM enrollment WHERE id = $1`, [id]);
  return rows[0];
}

export async function findEnrollmentForUpdate(q: Queryable, id: number): Promise<EnrollmentRow | undefined> {
  const { rows } = await q.query<ER>(`SELECT ${E_COLUMNS} FROM enrollment WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0];
}

export async function listEnrollmentsOfAccount(q: Queryable, accountId: number): Promise<EnrollmentRow[]> {
  const { rows } = await q.query<ER>(`SELECT ${E_COLUMNS} FROM enrollment WHERE account_id = $1 ORDER BY id`, [
    accountId,
  ]);
  return rows;
}

export async function listEnrollmentsOfProgram(
  q: Queryable,
  programId: number,
  filter: { status?: EnrollmentStatus; afterId?: number; limit: number },
): Promise<EnrollmentRow[]> {
  const { rows } = await q.query<ER>(
    `SELECT ${E_COLUMNS} FROM enrollment WHERE program_id = $1 AND ($2::text IS NULL OR status = $2) AND id > $3
      ORDER BY id LIMIT $4`,
    [programId, filter.status ?? null, filter.afterId ?? 0, filter.limit],
  );
  return rows;
}

/** Participants counted against the target: approved and not (yet) left. */
export async function countApproved(q: Queryable, programId: number): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM enrollment WHERE program_id = $1 AND status = 'approved'`,
    [programId],
  );
  return rows[0]!.n;
}

/** A program's applications by status (only the statuses that occur). */
export async function countEnrollmentsByStatus(q: Queryable, programId: number): Promise<Record<string, number>> {
  const { rows } = await q.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM enrollment WHERE program_id = $1 GROUP BY status`,
    [programId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Every vehicle that applied to a program, by its status in the enrollment. */
export async function countEnrollmentVehiclesByStatus(
  q: Queryable,
  programId: number,
): Promise<Record<string, number>> {
  const { rows } = await q.query<{ status: string; n: number }>(
    `SELECT v.status, count(*)::int AS n FROM enrollment_vehicle v JOIN enrollment e ON e.id = v.enrollment_id
      WHERE e.program_id = $1 GROUP BY v.status`,
    [programId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * The participants' vehicles (approved, in an approved enrollment) by the status of the device in
 * each now, "none" for those still waiting for one. Reads the devices context's table: the staff's
 * read model of participation, in one query rather than one per vehicle.
 */
export async function countParticipantDevicesByStatus(
  q: Queryable,
  programId: number,
): Promise<Record<string, number>> {
  const { rows } = await q.query<{ status: string; n: number }>(
    `SELECT coalesce(d.status, 'none') AS status, count(*)::int AS n
       FROM enrollment e JOIN enrollment_vehicle v ON v.enrollment_id = e.id
       LEFT JOIN device d ON d.vehicle_id = v.vehicle_id
      WHERE e.program_id = $1 AND e.status = 'approved' AND v.status = 'approved'
      GROUP BY 1`,
    [programId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** A program's open shipments (requested or shipped) by kind and status. */
export async function countOpenShipments(
  q: Queryable,
  programId: number,
): Promise<{ kind: ShipmentKind; status: 'requested' | 'shipped'; n: number }[]> {
  const { rows } = await q.query<{ kind: ShipmentKind; status: 'requested' | 'shipped'; n: number }>(
    `SELECT s.kind, s.status, count(*)::int AS n FROM shipment s
       JOIN enrollment_vehicle v ON v.id = s.enrollment_vehicle_id JOIN enrollment e ON e.id = v.enrollment_id
      WHERE e.program_id = $1 AND s.status IN ('requested', 'shipped')
      GROUP BY s.kind, s.status`,
    [programId],
  );
  return rows;
}

export async function updateDecision(
  q: Queryable,
  id: number,
  d: { status: 'approved' | 'declined' | 'withdrawn'; at: Date; by: number | null; note: string | null },
): Promise<void> {
  await q.query(
    `UPDATE enrollment SET status = $2, decided_at = $3, decided_by = $4, decision_note = $5 WHERE id = $1`,
    [id, d.status, d.at, d.by, d.note],
  );
}

export async function updateLeft(
  q: Queryable,
  id: number,
  l: { at: Date; reason: LeaveReason; note: string | null },
): Promise<void> {
  await q.query(
    `UPDATE enrollment SET status = 'left', left_at = $2, leave_reason = $3, leave_note = $4 WHERE id = $1`,
    [id, l.at, l.reason, l.note],
  );
}

export async function updatePaypalEmail(q: Queryable, id: number, paypalEmail: string | null): Promise<void> {
  await q.query(`UPDATE enrollment SET paypal_email = $2 WHERE id = $1`, [id, paypalEmail]);
}

export async function listEnrollmentVehicles(
  q: Queryable,
  enrollmentIds: readonly number[],
): Promise<EnrollmentVehicleRow[]> {
  const { rows } = await q.query<VR>(
    `SELECT ${V_COLUMNS} FROM enrollment_vehicle WHERE enrollment_id = ANY($1::bigint[]) ORDER BY id`,
    [enrollmentIds],
  );
  return rows;
}

/** The open application or participation a vehicle is in (pending or taking part), with its program's id. */
export async function findOpenEnrollmentOfVehicle(
  q: Queryable,
  vehicleId: number,
): Promise<{ enrollmentId: number; programId: number } | undefined> {
  const { rows } = await q.query<{ enrollmentId: number; programId: number }>(
    `SELECT e.id AS "enrollmentId", e.program_id AS "programId"
       FROM enrollment_vehicle v JOIN enrollment e ON e.id = v.enrollment_id
      WHERE v.vehicle_id = $1 AND v.status IN ('pending', 'approved') AND e.status IN ('applied', 'approved')
      LIMIT 1`,
    [vehicleId],
  );
  return rows[0];
}

export async function findEnrollmentVehicle(q: Queryable, id: number): Promise<EnrollmentVehicleRow | undefined> {
  const { rows } = await q.query<VR>(`SELECT ${V_COLUMNS} FROM enrollment_vehicle WHERE id = $1`, [id]);
  return rows[0];
}

export async function updateEnrollmentVehicleStatus(
  q: Queryable,
  id: number,
  status: EnrollmentVehicleStatus,
  at: Date,
): Promise<void> {
  await q.query(
    `UPDATE enrollment_vehicle SET status = $2::text,
            joined_at = CASE WHEN $2::text = 'approved' THEN $3::timestamptz ELSE joined_at END,
            ended_at = CASE WHEN $2::text IN ('replaced', 'left', 'declined') THEN $3::timestamptz ELSE ended_at END
      WHERE id = $1`,
    [id, status, at],
  );
}

/** Replaces the eligibility check kept with an enrollment vehicle (a decision made on a newer check). */
export async function updateEnrollmentVehicleEligibility(
  q: Queryable,
  id: number,
  eligibility: unknown,
): Promise<void> {
  await q.query(`UPDATE enrollment_vehicle SET eligibility = $2::jsonb WHERE id = $1`, [
    id,
    JSON.stringify(eligibility),
  ]);
}

export async function insertShipment(
  q: Queryable,
  s: {
    enrollmentVehicleId: number;
    kind: ShipmentKind;
    status: ShipmentStatus;
    deviceId: number | null;
    carrier: string | null;
    trackingNumber: string | null;
    note: string | null;
    at: Date;
  },
): Promise<ShipmentRow> {
  const { rows } = await q.query<SR>(
    `INSERT INTO shipment (enrollment_vehicle_id, kind, status, device_id, carrier, tracking_number, note, requested_at, shipped_at)
     VALUES ($1, $2::text, $3::text, $4, $5, $6, $7, $8::timestamptz, CASE WHEN $3::text = 'shipped' THEN $8::timestamptz END) RETURNING ${S_COLUMNS}`,
    [s.enrollmentVehicleId, s.kind, s.status, s.deviceId, s.carrier, s.trackingNumber, s.note, s.at],
  );
  return rows[0]!;
}

export async function findShipmentForUpdate(q: Queryable, id: number): Promise<ShipmentRow | undefined> {
  const { rows } = await q.query<SR>(`SELECT ${S_COLUMNS} FROM shipment WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0];
}

export async function updateShipment(
  q: Queryable,
  id: number,
  s: { status: ShipmentStatus; carrier: string | null; trackingNumber: string | null; at: Date },
): Promise<ShipmentRow> {
  const { rows } = await q.query<SR>(
    `UPDATE shipment SET status = $2::text, carrier = $3, tracking_number = $4,
            shipped_at = CASE WHEN $2::text = 'shipped' THEN $5::timestamptz ELSE shipped_at END,
            closed_at = CASE WHEN $2::text IN ('delivered', 'received', 'cancelled') THEN $5::timestamptz ELSE closed_at END
      WHERE id = $1 RETURNING ${S_COLUMNS}`,
    [id, s.status, s.carrier, s.trackingNumber, s.at],
  );
  return rows[0]!;
}

export async function listShipmentsOfVehicles(
  q: Queryable,
  enrollmentVehicleIds: readonly number[],
): Promise<ShipmentRow[]> {
  const { rows } = await q.query<SR>(
    `SELECT ${S_COLUMNS} FROM shipment WHERE enrollment_vehicle_id = ANY($1::bigint[]) ORDER BY id`,
    [enrollmentVehicleIds],
  );
  return rows;
}

/** A shipment as the program's staff list it: with who it is for, their vehicle and the device it carries. */
export interface ProgramShipmentRow extends ShipmentRow {
  readonly participant: {
    readonly applicationId: number;
    readonly applicationStatus: EnrollmentStatus;
    readonly accountId: number;
    readonly name: string;
    readonly email: string;
  };
  readonly vehicle: {
    readonly enrollmentVehicleId: number;
    readonly vehicleId: number;
    readonly status: EnrollmentVehicleStatus;
    readonly make: string;
    readonly model: string;
    readonly modelYear: number;
    readonly vin: string | null;
  };
  readonly device: { readonly serial: string; readonly status: string } | null;
}

/**
 * The program's shipments (filtered by kind and status), oldest first, each with the participant
 * (from the accounts context's table), the vehicle and the device: one query for the staff's queue
 * rather than three lookups per parcel.
 */
export async function listShipmentsOfProgram(
  q: Queryable,
  programId: number,
  filter: { kind?: ShipmentKind; status?: ShipmentStatus; limit: number },
): Promise<ProgramShipmentRow[]> {
  const { rows } = await q.query<
    ShipmentRow & {
      applicationId: number;
      applicationStatus: EnrollmentStatus;
      accountId: number;
      name: string;
      email: string;
      vehicleId: number;
      vehicleStatus: EnrollmentVehicleStatus;
      make: string;
      model: string;
      modelYear: number;
      vin: string | null;
      deviceSerial: string | null;
      deviceStatus: string | null;
    } & Record<string, unknown>
  >(
    `SELECT ${S_COLUMNS.replace(/(^|,\s+)([a-z_]+)/g, '$1s.$2')},
            e.id AS "applicationId", e.status AS "applicationStatus", a.id AS "accountId", a.name, a.email,
            v.vehicle_id AS "vehicleId", v.status AS "vehicleStatus", car.make, car.model,
            car.model_year AS "modelYear", car.vin, d.serial AS "deviceSerial", d.status AS "deviceStatus"
       FROM shipment s
       JOIN enrollment_vehicle v ON v.id = s.enrollment_vehicle_id
       JOIN enrollment e ON e.id = v.enrollment_id
       JOIN account a ON a.id = e.account_id
       JOIN vehicle car ON car.id = v.vehicle_id
       LEFT JOIN device d ON d.id = s.device_id
      WHERE e.program_id = $1 AND ($2::text IS NULL OR s.kind = $2) AND ($3::text IS NULL OR s.status = $3)
      ORDER BY s.requested_at, s.id LIMIT $4`,
    [programId, filter.kind ?? null, filter.status ?? null, filter.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    enrollmentVehicleId: r.enrollmentVehicleId,
    kind: r.kind,
    status: r.status,
    deviceId: r.deviceId,
    carrier: r.carrier,
    trackingNumber: r.trackingNumber,
    note: r.note,
    requestedAt: r.requestedAt,
    shippedAt: r.shippedAt,
    closedAt: r.closedAt,
    participant: {
      applicationId: r.applicationId,
      applicationStatus: r.applicationStatus,
      accountId: r.accountId,
      name: r.name,
      email: r.email,
    },
    vehicle: {
      enrollmentVehicleId: r.enrollmentVehicleId,
      vehicleId: r.vehicleId,
      status: r.vehicleStatus,
      make: r.make,
      model: r.model,
      modelYear: r.modelYear,
      vin: r.vin,
    },
    device: r.deviceSerial === null ? null : { serial: r.deviceSerial, status: r.deviceStatus! },
  }));
}

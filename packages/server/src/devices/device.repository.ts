/**
 * SQL for devices, their events and their vehicle assignments. One function, one query.
 */
import type { Queryable } from '../db/database.js';
import type { DeviceStatus } from './device-lifecycle.js';

export interface DeviceRow {
  readonly id: number;
  readonly serial: string;
  readonly secretHash: Uint8Array;
  readonly previousSecretHash: Uint8Array | null;
  readonly previousSecretExpiresAt: Date | null;
  readonly credentialIssuedAt: Date;
  readonly revokedAt: Date | null;
  readonly status: DeviceStatus;
  readonly statusChangedAt: Date;
  readonly vehicleId: number | null;
  /** Whose stock it is: a program's, or the shared stock (null). */
  readonly stockProgramId: number | null;
  readonly firstSeenAt: Date | null;
  readonly lastSeenAt: Date | null;
  readonly createdAt: Date;
}

const DEVICE_COLUMNS = `id, serial, secret_hash AS "secretHash", previous_secret_hash AS "previousSecretHash",
  previous_secret_expires_at AS "previousSecretExpiresAt", credential_issued_at AS "credentialIssuedAt",
  revoked_at AS "revokedAt", status, status_changed_at AS "statusChangedAt", vehicle_id AS "vehicleId",
  stock_program_id AS "stockProgramId", first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt", created_at AS "createdAt"`;

/** A new device, made at `at` on the platform clock (like every later step in its history). */
export async function insertDevice(
  q: Queryable,
  serial: string,
  secretHash: Uint8Array,
  at: Date,
  stockProgramId: number | null = null,
): Promise<DeviceRow> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `INSERT INTO device (serial, secret_hash, status_changed_at, created_at, stock_program_id)
     VALUES ($1, $2, $3, $3, $4) RETURNING ${DEVICE_COLUMNS}`,
    [serial, secretHash, at, stockProgramId],
  );
  return rows[0]!;
}

/** Which of these serials are already taken (by any device, whoever's stock it is). */
export async function listTakenSerials(q: Queryable, serials: readonly string[]): Promise<string[]> {
  const { rows } = await q.query<{ serial: string }>('SELECT serial FROM device WHERE serial = ANY($1::text[])', [
    serials,
  ]);
  return rows.map((row) => row.serial);
}

export async function updateStockProgram(q: Queryable, id: number, programId: number | null): Promise<DeviceRow> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `UPDATE device SET stock_program_id = $2 WHERE id = $1 RETURNING ${DEVICE_COLUMNS}`,
    [id, programId],
  );
  return rows[0]!;
}

export async function findDeviceBySerial(q: Queryable, serial: string): Promise<DeviceRow | undefined> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `SELECT ${DEVICE_COLUMNS} FROM device WHERE serial = $1`,
    [serial],
  );
  return rows[0];
}

/** Same, locking the row until the transaction ends (for read-modify-write). */
export async function findDeviceBySerialForUpdate(q: Queryable, serial: string): Promise<DeviceRow | undefined> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `SELECT ${DEVICE_COLUMNS} FROM device WHERE serial = $1 FOR UPDATE`,
    [serial],
  );
  return rows[0];
}

export async function listDevices(
  q: Queryable,
  filter: { status?: DeviceStatus; afterId?: number; limit: number },
): Promise<DeviceRow[]> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `SELECT ${DEVICE_COLUMNS} FROM device
      WHERE ($1::text IS NULL OR status = $1) AND id > $2
      ORDER BY id LIMIT $3`,
    [filter.status ?? null, filter.afterId ?? 0, filter.limit],
  );
  return rows;
}

/** Whose devices: every device, or those the staff of these programs handle (see IN_SCOPE). */
export type DeviceScope = 'all' | { readonly programIds: readonly number[] };

/**
 * Devices the staff of programs $1 handle, or every device when $1 is null: the stock (provisioned
 * and in no vehicle) that is shared (any program ships from it) or these programs' own, devices in the programs' vehicles,
 * and devices out of a vehicle whose last vehicle was one of theirs (taken out when the participant
 * left, on their way back, returned). Reads vehicle.program_id: that is how a device meets a program.
 */
const IN_SCOPE = `($1::bigint[] IS NULL
   OR (d.status = 'provisioned' AND d.vehicle_id IS NULL
       AND (d.stock_program_id IS NULL OR d.stock_program_id = ANY($1::bigint[])))
   OR d.vehicle_id IN (SELECT car.id FROM vehicle car WHERE car.program_id = ANY($1::bigint[]))
   OR (d.vehicle_id IS NULL AND (SELECT a.vehicle_id FROM device_assignment a WHERE a.device_id = d.id
                                  ORDER BY a.assigned_at DESC, a.id DESC LIMIT 1)
                                IN (SELECT car.id FROM vehicle car WHERE car.program_id = ANY($1::bigint[]))))`;

const scopeParam = (scope: DeviceScope) => (scope === 'all' ? null : [...scope.programIds]);

export async function listDevicesInScope(
  q: Queryable,
  scope: DeviceScope,
  filter: { status?: DeviceStatus; inStockOnly?: boolean; afterId?: number; limit: number },
): Promise<DeviceRow[]> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `SELECT ${DEVICE_COLUMNS.replace(/(^|,\s+)([a-z_]+)/g, '$1d.$2')} FROM device d
      WHERE ${IN_SCOPE} AND ($2::text IS NULL OR d.status = $2)
        AND (NOT $3::boolean OR (d.status = 'provisioned' AND d.vehicle_id IS NULL)) AND d.id > $4
      ORDER BY d.id LIMIT $5`,
    [scopeParam(scope), filter.status ?? null, filter.inStockOnly ?? false, filter.afterId ?? 0, filter.limit],
  );
  return rows;
}

/** One device by serial, if it is in scope (see IN_SCOPE). */
export async function findDeviceInScope(
  q: Queryable,
  scope: DeviceScope,
  serial: string,
): Promise<DeviceRow | undefined> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `SELECT ${DEVICE_COLUMNS.replace(/(^|,\s+)([a-z_]+)/g, '$1d.$2')} FROM device d WHERE ${IN_SCOPE} AND d.serial = $2`,
    [scopeParam(scope), serial],
  );
  return rows[0];
}

/** The devices in scope by status, and how many of them are in stock (provisioned, in no vehicle). */
export async function countDevicesInScope(
  q: Queryable,
  scope: DeviceScope,
): Promise<{ byStatus: Record<string, number>; inStock: number }> {
  const { rows } = await q.query<{ status: string; n: number; stock: number }>(
    `SELECT d.status, count(*)::int AS n,
            (count(*) FILTER (WHERE d.status = 'provisioned' AND d.vehicle_id IS NULL))::int AS stock
       FROM device d WHERE ${IN_SCOPE} GROUP BY d.status`,
    [scopeParam(scope)],
  );
  return {
    byStatus: Object.fromEntries(rows.map((row) => [row.status, row.n])),
    inStock: rows.reduce((sum, row) => sum + row.stock, 0),
  };
}

export async function countDevicesByStatus(q: Queryable): Promise<Record<string, number>> {
  const { rows } = await q.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM device GROUP BY status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

export async function updateCredential(
  q: Queryable,
  id: number,
  credential: { secretHash: Uint8Array; previousSecretHash: Uint8Array | null; previousSecretExpiresAt: Date | null },
): Promise<DeviceRow> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `UPDATE device SET secret_hash = $2, previous_secret_hash = $3, previous_secret_expires_at = $4,
            credential_issued_at = now(), revoked_at = NULL
      WHERE id = $1 RETURNING ${DEVICE_COLUMNS}`,
    [id, credential.secretHash, credential.previousSecretHash, credential.previousSecretExpiresAt],
  );
  return rows[0]!;
}

export async function markRevoked(q: Queryable, id: number): Promise<DeviceRow> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `UPDATE device SET revoked_at = now(), previous_secret_hash = NULL, previous_secret_expires_at = NULL
      WHERE id = $1 RETURNING ${DEVICE_COLUMNS}`,
    [id],
  );
  return rows[0]!;
}

export async function updateStatus(q: Queryable, id: number, status: DeviceStatus, at: Date): Promise<DeviceRow> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `UPDATE device SET status = $2, status_changed_at = $3 WHERE id = $1 RETURNING ${DEVICE_COLUMNS}`,
    [id, status, at],
  );
  return rows[0]!;
}

export async function updateVehicle(q: Queryable, id: number, vehicleId: number | null): Promise<DeviceRow> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `UPDATE device SET vehicle_id = $2 WHERE id = $1 RETURNING ${DEVICE_COLUMNS}`,
    [id, vehicleId],
  );
  return rows[0]!;
}

export type DeviceEventKind =
  'provisioned' | 'status' | 'credential_rotated' | 'credential_revoked' | 'assigned' | 'unassigned' | 'stock_assigned';

export interface DeviceEventRow {
  readonly at: Date;
  readonly kind: DeviceEventKind;
  readonly status: DeviceStatus | null;
  readonly vehicleId: number | null;
  readonly note: string | null;
  /** The person who did it (staff acting for a driver, say); null for the device or the platform. */
  readonly by: { readonly accountId: number; readonly name: string; readonly email: string } | null;
}

export async function insertDeviceEvent(
  q: Queryable,
  deviceId: number,
  event: {
    kind: DeviceEventKind;
    status?: DeviceStatus;
    vehicleId?: number;
    note?: string;
    at?: Date;
    byAccountId?: number;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO device_event (device_id, at, kind, status, vehicle_id, note, by_account_id)
     VALUES ($1, coalesce($6, now()), $2, $3, $4, $5, $7)`,
    [
      deviceId,
      event.kind,
      event.status ?? null,
      event.vehicleId ?? null,
      event.note ?? null,
      event.at ?? null,
      event.byAccountId ?? null,
    ],
  );
}

export async function listDeviceEvents(q: Queryable, deviceId: number): Promise<DeviceEventRow[]> {
  const { rows } = await q.query<
    Omit<DeviceEventRow, 'by'> & { byId: number | null; byName: string | null; byEmail: string | null }
  >(
    `SELECT e.at, e.kind, e.status, e.vehicle_id AS "vehicleId", e.note,
            a.id AS "byId", a.name AS "byName", a.email AS "byEmail"
       FROM device_event e LEFT JOIN account a ON a.id = e.by_account_id
      WHERE e.device_id = $1 ORDER BY e.at, e.id`,
    [deviceId],
  );
  return rows.map(({ byId, byName, byEmail, ...event }) => ({
    ...event,
    by: byId === null ? null : { accountId: Number(byId), name: byName ?? '', email: byEmail ?? '' },
  }));
}

export async function closeOpenAssignment(q: Queryable, deviceId: number, at: Date): Promise<void> {
  await q.query('UPDATE device_assignment SET unassigned_at = $2 WHERE device_id = $1 AND unassigned_at IS NULL', [
    deviceId,
    at,
  ]);
}

export async function insertAssignment(q: Queryable, deviceId: number, vehicleId: number, at: Date): Promise<void> {
  await q.query('INSERT INTO device_assignment (device_id, assigned_at, vehicle_id) VALUES ($1, $3, $2)', [
    deviceId,
    vehicleId,
    at,
  ]);
}

/** Devices by id (the ones enrollment shows a participant). */
export async function listDevicesByIds(q: Queryable, ids: readonly number[]): Promise<DeviceRow[]> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `SELECT ${DEVICE_COLUMNS} FROM device WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  return rows;
}

/** Devices installed in these vehicles now. */
export async function listDevicesInVehicles(q: Queryable, vehicleIds: readonly number[]): Promise<DeviceRow[]> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `SELECT ${DEVICE_COLUMNS} FROM device WHERE vehicle_id = ANY($1::bigint[]) ORDER BY id`,
    [vehicleIds],
  );
  return rows;
}

/** Devices of these statuses not heard from since an instant (for reminders). */
export async function listSilentDevices(
  q: Queryable,
  statuses: readonly string[],
  silentSince: Date,
): Promise<DeviceRow[]> {
  const { rows } = await q.query<DeviceRow & Record<string, unknown>>(
    `SELECT ${DEVICE_COLUMNS} FROM device
      WHERE status = ANY($1::text[]) AND vehicle_id IS NOT NULL AND coalesce(last_seen_at, status_changed_at) < $2
      ORDER BY id`,
    [statuses, silentSince],
  );
  return rows;
}

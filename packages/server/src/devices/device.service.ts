/**
 * Devices: provisioning with a secret credential (shown once), rotation and revocation,
 * lifecycle status with history, vehicle assignment, and authenticating a device's uplink.
 */
import { ZDeviceSerialSchema, type DeviceCredential } from '@smartcharge/protocol';
import { z } from 'zod';
import { requireOperator, type Actor } from '../actor.js';
import type { Database } from '../db/database.js';
import { AppError, SQLSTATE, sqlStateOf } from '../errors.js';
import { parseInput } from '../validation.js';
import type { VehicleService } from '../vehicles/index.js';
import { generateSecret, hashSecret, secretMatches } from './credential.js';
import { DeviceAuthCache } from './device-auth-cache.js';
import { checkTransition, DEVICE_STATUSES, type DeviceStatus } from './device-lifecycle.js';
import {
  closeOpenAssignment,
  countDevicesByStatus,
  countDevicesInScope,
  findDeviceBySerial,
  findDeviceBySerialForUpdate,
  findDeviceInScope,
  insertAssignment,
  insertDevice,
  insertDeviceEvent,
  listDeviceEvents,
  listDevices,
  listDevicesByIds,
  listDevicesInScope,
  listDevicesInVehicles,
  listSilentDevices,
  listTakenSerials,
  markRevoked,
  updateCredential,
  updateStatus,
  updateStockProgram,
  updateVehicle,
  type DeviceEventRow,
  type DeviceRow,
  type DeviceScope,
} from './device.repository.js';

/** A device as shown to operators: never the secret or its hash. */
export interface Device {
  readonly id: number;
  readonly serial: string;
  readonly status: DeviceStatus;
  readonly statusChangedAt: Date;
  readonly vehicleId: number | null;
  /** Whose stock it is: a program's (its staff ship it), or the shared stock (null: any program's). */
  readonly stockProgramId: number | null;
  readonly credentialIssuedAt: Date;
  readonly revokedAt: Date | null;
  /** After a rotation with a grace period: when the previous secret stops working. */
  readonly previousCredentialExpiresAt: Date | null;
  readonly firstSeenAt: Date | null;
  readonly lastSeenAt: Date | null;
  readonly createdAt: Date;
}

export interface DeviceWithHistory extends Device {
  readonly events: readonly DeviceEventRow[];
}

export interface IssuedCredential {
  readonly device: Device;
  /** The secret, shown this once. */
  readonly secret: string;
}

export type DeviceAuthFailure = 'unknown_device' | 'invalid_credential' | 'revoked_credential' | 'device_returned';

export type DeviceAuthResult =
  | { readonly ok: true; readonly device: { readonly id: number; readonly serial: string } }
  | { readonly ok: false; readonly reason: DeviceAuthFailure };

export const ZProvisionDeviceSchema = z.strictObject({
  serial: ZDeviceSerialSchema,
  vehicleId: z.number().int().positive().optional(),
});

export const ZRotateCredentialSchema = z.strictObject({
  /** How long the previous secret keeps working, so a device in the field can be updated. */
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(90 * 86_400)
    .default(0),
});

export const ZSetStatusSchema = z.strictObject({
  status: z.enum(DEVICE_STATUSES),
  note: z.string().trim().max(500).optional(),
});

function toDevice(row: DeviceRow): Device {
  return {
    id: row.id,
    serial: row.serial,
    status: row.status,
    statusChangedAt: row.statusChangedAt,
    vehicleId: row.vehicleId,
    stockProgramId: row.stockProgramId,
    credentialIssuedAt: row.credentialIssuedAt,
    revokedAt: row.revokedAt,
    previousCredentialExpiresAt: row.previousSecretHash ? row.previousSecretExpiresAt : null,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    createdAt: row.createdAt,
  };
}

/** How long a device row is reused for authenticating its uplinks (see device-auth-cache.ts). */
export const DEVICE_AUTH_CACHE_MS = 5000;

export class DeviceService {
  private readonly revocationListeners = new Set<(serial: string) => void>();
  private readonly authCache: DeviceAuthCache;

  constructor(
    private readonly db: Database,
    private readonly vehicles: VehicleService,
    private readonly clock: () => Date = () => new Date(),
    options: { authCacheMs?: number } = {},
  ) {
    this.authCache = new DeviceAuthCache(options.authCacheMs ?? DEVICE_AUTH_CACHE_MS, () => this.clock().getTime());
  }

  /** Called after a device's credential stops working (revoked, or rotated without grace). */
  onCredentialRevoked(listener: (serial: string) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  async provisionDevice(actor: Actor, input: z.input<typeof ZProvisionDeviceSchema>): Promise<IssuedCredential> {
    requireOperator(actor);
    const { serial, vehicleId } = parseInput(ZProvisionDeviceSchema, input);
    if (vehicleId !== undefined) await this.vehicles.getVehicle(actor, vehicleId);
    const secret = generateSecret();
    try {
      const row = await this.db.transaction(async (tx) => {
        let device = await insertDevice(tx, serial, hashSecret(secret), this.clock());
        await insertDeviceEvent(tx, device.id, { kind: 'provisioned', status: 'provisioned', at: this.clock() });
        if (vehicleId !== undefined) {
          device = await updateVehicle(tx, device.id, vehicleId);
          await insertAssignment(tx, device.id, vehicleId, this.clock());
          await insertDeviceEvent(tx, device.id, { kind: 'assigned', vehicleId, at: this.clock() });
        }
        return device;
      });
      this.authCache.forget(serial);
      return { device: toDevice(row), secret };
    } catch (error) {
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation) {
        throw new AppError('conflict', `A device with serial ${serial} already exists.`);
      }
      throw error;
    }
  }

  async getDevice(actor: Actor, serial: string): Promise<DeviceWithHistory> {
    requireOperator(actor);
    const row = await findDeviceBySerial(this.db, serial);
    if (!row) throw notFound(serial);
    return { ...toDevice(row), events: await listDeviceEvents(this.db, row.id) };
  }

  async listDevices(
    actor: Actor,
    filter: { status?: DeviceStatus; afterId?: number; limit?: number } = {},
  ): Promise<Device[]> {
    requireOperator(actor);
    const rows = await listDevices(this.db, { ...filter, limit: Math.min(filter.limit ?? 100, 1000) });
    return rows.map(toDevice);
  }

  async countDevicesByStatus(actor: Actor): Promise<Record<string, number>> {
    requireOperator(actor);
    return countDevicesByStatus(this.db);
  }

  /** Issues a new secret. With a grace period the previous one keeps working until it ends. */
  async rotateCredential(
    actor: Actor,
    serial: string,
    input: z.input<typeof ZRotateCredentialSchema> = {},
  ): Promise<IssuedCredential> {
    requireOperator(actor);
    const { graceSeconds } = parseInput(ZRotateCredentialSchema, input);
    const secret = generateSecret();
    const now = this.clock();
    const row = await this.db.transaction(async (tx) => {
      const current = await findDeviceBySerialForUpdate(tx, serial);
      if (!current) throw notFound(serial);
      const keepPrevious = graceSeconds > 0 && current.revokedAt === null;
      const updated = await updateCredential(tx, current.id, {
        secretHash: hashSecret(secret),
        previousSecretHash: keepPrevious ? current.secretHash : null,
        previousSecretExpiresAt: keepPrevious ? new Date(now.getTime() + graceSeconds * 1000) : null,
      });
      await insertDeviceEvent(tx, current.id, {
        kind: 'credential_rotated',
        at: now,
        note: keepPrevious ? `previous secret valid for ${graceSeconds} s` : 'previous secret no longer valid',
      });
      return updated;
    });
    this.authCache.forget(serial);
    if (graceSeconds === 0) this.emitRevoked(serial);
    return { device: toDevice(row), secret };
  }

  async revokeCredential(actor: Actor, serial: string, note?: string): Promise<Device> {
    requireOperator(actor);
    const row = await this.db.transaction(async (tx) => {
      const current = await findDeviceBySerialForUpdate(tx, serial);
      if (!current) throw notFound(serial);
      if (current.revokedAt) {
        throw new AppError(
          'invalid_transition',
          `Device ${serial}'s credential is already revoked; rotate to issue a new one.`,
        );
      }
      const updated = await markRevoked(tx, current.id);
      await insertDeviceEvent(tx, current.id, {
        kind: 'credential_revoked',
        at: this.clock(),
        ...(note ? { note } : {}),
      });
      return updated;
    });
    this.authCache.forget(serial);
    this.emitRevoked(serial);
    return toDevice(row);
  }

  /** `byAccountId`: the person who did it, when one did (staff acting on a driver's behalf). */
  async setStatus(
    actor: Actor,
    serial: string,
    input: z.input<typeof ZSetStatusSchema>,
    options: { byAccountId?: number } = {},
  ): Promise<Device> {
    requireOperator(actor);
    const { status, note } = parseInput(ZSetStatusSchema, input);
    const row = await this.db.transaction(async (tx) => {
      const current = await findDeviceBySerialForUpdate(tx, serial);
      if (!current) throw notFound(serial);
      checkTransition(serial, current.status, status);
      const updated = await updateStatus(tx, current.id, status, this.clock());
      await insertDeviceEvent(tx, current.id, {
        kind: 'status',
        status,
        at: this.clock(),
        ...(note ? { note } : {}),
        ...(options.byAccountId === undefined ? {} : { byAccountId: options.byAccountId }),
      });
      return updated;
    });
    this.authCache.forget(serial);
    return toDevice(row);
  }

  /** Puts the device in a vehicle (closing the previous assignment), or takes it out with null. */
  async assignVehicle(actor: Actor, serial: string, vehicleId: number | null): Promise<Device> {
    requireOperator(actor);
    if (vehicleId !== null) await this.vehicles.getVehicle(actor, vehicleId);
    const row = await this.db.transaction(async (tx) => {
      const current = await findDeviceBySerialForUpdate(tx, serial);
      if (!current) throw notFound(serial);
      if (current.vehicleId === vehicleId) {
        throw new AppError(
          'invalid_transition',
          vehicleId === null
            ? `Device ${serial} is not in a vehicle.`
            : `Device ${serial} is already in vehicle ${vehicleId}.`,
        );
      }
      if (current.vehicleId !== null) {
        await closeOpenAssignment(tx, current.id, this.clock());
        await insertDeviceEvent(tx, current.id, { kind: 'unassigned', vehicleId: current.vehicleId, at: this.clock() });
      }
      if (vehicleId !== null) {
        await insertAssignment(tx, current.id, vehicleId, this.clock());
        await insertDeviceEvent(tx, current.id, { kind: 'assigned', vehicleId, at: this.clock() });
      }
      return updateVehicle(tx, current.id, vehicleId);
    });
    return toDevice(row);
  }

  /**
   * Adds devices to stock (a program's, or the shared stock with null), each with a new secret:
   * all of them or, when any serial is taken, none (a list is sent again whole once fixed, and no
   * secret is issued that nobody saw). For other contexts, after they checked the caller.
   */
  async provisionStock(
    serials: readonly string[],
    stockProgramId: number | null,
    options: { byAccountId?: number } = {},
  ): Promise<{ issued: IssuedCredential[]; taken: string[] }> {
    const taken = await listTakenSerials(this.db, serials);
    if (taken.length > 0) return { issued: [], taken };
    const secrets = serials.map(() => generateSecret());
    try {
      const rows = await this.db.transaction(async (tx) => {
        const made = [];
        for (const [index, serial] of serials.entries()) {
          const at = this.clock();
          const device = await insertDevice(tx, serial, hashSecret(secrets[index]!), at, stockProgramId);
          await insertDeviceEvent(tx, device.id, {
            kind: 'provisioned',
            status: 'provisioned',
            at,
            ...(options.byAccountId === undefined ? {} : { byAccountId: options.byAccountId }),
          });
          made.push(device);
        }
        return made;
      });
      for (const serial of serials) this.authCache.forget(serial);
      return { issued: rows.map((row, index) => ({ device: toDevice(row), secret: secrets[index]! })), taken: [] };
    } catch (error) {
      // Someone added one of these serials between the check and the insert: nothing was added.
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation) {
        return { issued: [], taken: await listTakenSerials(this.db, serials) };
      }
      throw error;
    }
  }

  /** Moves a device in stock to a program's stock, or back to the shared stock (null). */
  async assignStock(
    actor: Actor,
    serial: string,
    stockProgramId: number | null,
    note: string,
    options: { byAccountId?: number } = {},
  ): Promise<Device> {
    requireOperator(actor);
    const row = await this.db.transaction(async (tx) => {
      const current = await findDeviceBySerialForUpdate(tx, serial);
      if (!current) throw notFound(serial);
      if (current.status !== 'provisioned' || current.vehicleId !== null) {
        throw new AppError(
          'invalid_transition',
          `Device ${serial} is ${current.status}${current.vehicleId ? ` and in vehicle ${current.vehicleId}` : ''}, not in stock; only stock moves between programs.`,
        );
      }
      const updated = await updateStockProgram(tx, current.id, stockProgramId);
      await insertDeviceEvent(tx, current.id, {
        kind: 'stock_assigned',
        at: this.clock(),
        note,
        ...(options.byAccountId === undefined ? {} : { byAccountId: options.byAccountId }),
      });
      return updated;
    });
    return toDevice(row);
  }

  /** One device with its history, if it is in scope (see listDevicesInScope); after the caller was checked. */
  async findDeviceInScope(scope: DeviceScope, serial: string): Promise<DeviceWithHistory | undefined> {
    const row = await findDeviceInScope(this.db, scope, serial);
    if (!row) return undefined;
    return { ...toDevice(row), events: await listDeviceEvents(this.db, row.id) };
  }

  /** Devices in these vehicles now (for other contexts, after they checked the caller). */
  async listDevicesInVehicles(vehicleIds: readonly number[]): Promise<Device[]> {
    if (vehicleIds.length === 0) return [];
    return (await listDevicesInVehicles(this.db, vehicleIds)).map(toDevice);
  }

  /**
   * Every device, or those the staff of these programs handle (the shared stock, their vehicles'
   * devices, devices that left their vehicles): for other contexts, after they checked the caller.
   */
  async listDevicesInScope(
    scope: DeviceScope,
    filter: { status?: DeviceStatus; inStockOnly?: boolean; afterId?: number; limit?: number } = {},
  ): Promise<Device[]> {
    const rows = await listDevicesInScope(this.db, scope, { ...filter, limit: Math.min(filter.limit ?? 100, 1000) });
    return rows.map(toDevice);
  }

  /** The devices in scope by status (every status, 0 when none), and how many are in stock. */
  async countDevicesInScope(scope: DeviceScope): Promise<{ byStatus: Record<DeviceStatus, number>; inStock: number }> {
    const { byStatus, inStock } = await countDevicesInScope(this.db, scope);
    return {
      byStatus: Object.fromEntries(DEVICE_STATUSES.map((status) => [status, byStatus[status] ?? 0])) as Record<
        DeviceStatus,
        number
      >,
      inStock,
    };
  }

  async listDevicesByIds(ids: readonly number[]): Promise<Device[]> {
    if (ids.length === 0) return [];
    return (await listDevicesByIds(this.db, ids)).map(toDevice);
  }

  /** Devices in a vehicle, of these statuses, silent since an instant (reminders). */
  async listSilentDevices(statuses: readonly DeviceStatus[], silentSince: Date): Promise<Device[]> {
    return (await listSilentDevices(this.db, statuses, silentSince)).map(toDevice);
  }

  /**
   * Checks a device's serial and secret (current, or previous within its grace period). The secret is
   * checked first: a caller who does not hold it learns nothing about the serial — an unknown serial, a
   * revoked device and a wrong secret all answer invalid_credential (and cost the same hash). Only a
   * caller with the right secret is told that the credential was revoked or the device returned.
   */
  async authenticate(credential: DeviceCredential): Promise<DeviceAuthResult> {
    const row = await this.authCache.get(credential.serial, () => findDeviceBySerial(this.db, credential.serial));
    if (!row) {
      secretMatches(credential.secret, UNKNOWN_DEVICE_HASH);
      return { ok: false, reason: 'invalid_credential' };
    }
    const now = this.clock();
    const inGrace = row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
    const matchesCurrent = secretMatches(credential.secret, row.secretHash);
    const matchesPrevious = inGrace && secretMatches(credential.secret, row.previousSecretHash);
    if (!matchesCurrent && !matchesPrevious) return { ok: false, reason: 'invalid_credential' };
    if (row.revokedAt) return { ok: false, reason: 'revoked_credential' };
    if (row.status === 'returned') return { ok: false, reason: 'device_returned' };
    return { ok: true, device: { id: row.id, serial: row.serial } };
  }

  /** For traffic a trusted broker has already authenticated: the device must exist and be usable. */
  async authenticateByBroker(serial: string): Promise<DeviceAuthResult> {
    const row = await this.authCache.get(serial, () => findDeviceBySerial(this.db, serial));
    if (!row) return { ok: false, reason: 'unknown_device' };
    if (row.revokedAt) return { ok: false, reason: 'revoked_credential' };
    if (row.status === 'returned') return { ok: false, reason: 'device_returned' };
    return { ok: true, device: { id: row.id, serial: row.serial } };
  }

  private emitRevoked(serial: string): void {
    for (const listener of this.revocationListeners) listener(serial);
  }
}

/** Compared against when a serial is unknown, so that answer costs what a wrong secret costs. */
const UNKNOWN_DEVICE_HASH = hashSecret(generateSecret());

function notFound(serial: string): AppError {
  return new AppError('not_found', `No device has serial ${serial}.`);
}

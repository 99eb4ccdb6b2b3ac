/**
 * A participant's device, from the program's side: shipped with tracking, installed (the driver
 * says so, or its first data does), temporarily removed (an auto shop unplugged it: no penalty, a
 * reminder), a free Y-cable when another device needs the port, a changed vehicle (checked against
 * the program's list before the device moves), and reminders for devices gone quiet.
 */
import type { z } from 'zod';
import { accountIdOf, requireStaff, SYSTEM, type Actor } from '../actor.js';
import type { Database } from '../db/database.js';
import type { Device, DeviceService, DeviceStatus } from '../devices/index.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NotificationService } from '../notifications/index.js';
import type { ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import type { VehicleService } from '../vehicles/index.js';
import { checkVehicle } from './eligibility.js';
import {
  findEnrollmentVehicle,
  findShipmentForUpdate,
  insertEnrollmentVehicle,
  insertShipment,
  listEnrollmentVehicles,
  listShipmentsOfProgram,
  listShipmentsOfVehicles,
  updateEnrollmentVehicleStatus,
  updateShipment,
  type EnrollmentVehicleRow,
  type ShipmentRow,
  type ShipmentStatus,
} from './enrollment.repository.js';
import {
  ZChangeVehicleSchema,
  ZNoteSchema,
  ZShipDeviceSchema,
  ZShipmentQuerySchema,
  ZUpdateShipmentSchema,
} from './enrollment.schema.js';
import { eligibilityTermsOf, runAfterCommit, type EnrollmentService } from './enrollment.service.js';

/** Days a device may be unplugged ("removed") before the participant is reminded. */
export const REMOVED_REMINDER_DAYS = 3;
/** Days an installed device may stay silent before the participant is reminded. */
export const SILENT_REMINDER_DAYS = 7;

const SHIPMENT_NEXT: Readonly<Record<ShipmentStatus, readonly ShipmentStatus[]>> = {
  requested: ['shipped', 'received', 'cancelled'],
  shipped: ['delivered', 'received', 'cancelled'],
  delivered: [],
  received: [],
  cancelled: [],
};

/** A device as program staff see it in the inventory: no credential details beyond whether it was revoked. */
export interface InventoryDevice {
  readonly id: number;
  readonly serial: string;
  readonly status: DeviceStatus;
  readonly statusChangedAt: Date;
  /** Provisioned and in no vehicle: any program may ship it. */
  readonly inStock: boolean;
  readonly vehicleId: number | null;
  readonly firstSeenAt: Date | null;
  readonly lastSeenAt: Date | null;
  readonly revoked: boolean;
}

export interface DeviceInventory {
  /** all: an operator's view of every device; utility: a program administrator's. */
  readonly scope: 'all' | 'utility';
  readonly utility: string | null;
  /** Devices in stock (provisioned, in no vehicle), ready to ship. */
  readonly inStock: number;
  /** The devices in scope by status. */
  readonly counts: Readonly<Record<DeviceStatus, number>>;
  /** A page of them, by id. */
  readonly devices: readonly InventoryDevice[];
}

function toInventoryDevice(device: Device): InventoryDevice {
  return {
    id: device.id,
    serial: device.serial,
    status: device.status,
    statusChangedAt: device.statusChangedAt,
    inStock: device.status === 'provisioned' && device.vehicleId === null,
    vehicleId: device.vehicleId,
    firstSeenAt: device.firstSeenAt,
    lastSeenAt: device.lastSeenAt,
    revoked: device.revokedAt !== null,
  };
}

export class ParticipationService {
  constructor(
    private readonly db: Database,
    private readonly enrollment: EnrollmentService,
    private readonly programs: ProgramService,
    private readonly vehicles: VehicleService,
    private readonly devices: DeviceService,
    private readonly notifications: NotificationService,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Ships a device from stock to an approved vehicle, with tracking. */
  async shipDevice(
    actor: Actor,
    enrollmentVehicleId: number,
    input: z.input<typeof ZShipDeviceSchema>,
  ): Promise<ShipmentRow> {
    requireStaff(actor);
    const value = parseInput(ZShipDeviceSchema, input);
    const { ev, enrollment, program } = await this.load(actor, enrollmentVehicleId);
    if (ev.status !== 'approved') {
      throw new AppError(
        'invalid_transition',
        `Vehicle ${ev.id} is ${ev.status}; devices go to approved vehicles only.`,
      );
    }
    const device = await this.devices.getDevice(SYSTEM, value.serial);
    // Another program's stock is not this program's to ship (nor to learn of): as if unknown.
    if (device.stockProgramId !== null && device.stockProgramId !== program.id) {
      throw new AppError('not_found', `No device has serial ${value.serial}.`);
    }
    if (device.status !== 'provisioned' || device.vehicleId !== null) {
      throw new AppError(
        'conflict',
        `Device ${device.serial} is ${device.status}${device.vehicleId ? ` and in vehicle ${device.vehicleId}` : ''}; ship a device that is in stock (provisioned).`,
      );
    }
    const [inCar] = await this.devices.listDevicesInVehicles([ev.vehicleId]);
    if (inCar) throw new AppError('conflict', `Vehicle ${ev.vehicleId} already has device ${inCar.serial}.`);
    await this.devices.assignVehicle(SYSTEM, device.serial, ev.vehicleId);
    await this.devices.setStatus(SYSTEM, device.serial, {
      status: 'shipped',
      note: `${value.carrier} ${value.trackingNumber}`,
    });
    const after: (() => Promise<void>)[] = [];
    const shipment = await this.db.transaction(async (tx) => {
      const row = await insertShipment(tx, {
        enrollmentVehicleId: ev.id,
        kind: 'device',
        status: 'shipped',
        deviceId: device.id,
        carrier: value.carrier,
        trackingNumber: value.trackingNumber,
        note: null,
        at: this.clock(),
      });
      after.push(
        await this.notifications.notify(
          {
            accountId: enrollment.accountId,
            kind: 'device_shipped',
            subject: `Your C2 device is on its way`,
            body: [
              `Your ${program.name} device (${device.serial}) has shipped: ${value.carrier}, tracking number ${value.trackingNumber}.`,
              'When it arrives, plug it into the OBD-II port below the steering wheel (or the Tesla diagnostic connector) and tell us it is installed. It activates by itself with its first data.',
            ].join('\n'),
          },
          tx,
        ),
      );
      return row;
    });
    await runAfterCommit(after);
    return shipment;
  }

  /**
   * The device inventory staff ship from. Operators see every device. A program administrator sees
   * the shared stock (devices are not bought per utility: any program ships from it, and shipDevice
   * takes any device in stock) and the devices that are or were in their utility's programs'
   * vehicles, never another utility's participants' devices.
   */
  async listDeviceInventory(
    actor: Actor,
    filter: { status?: DeviceStatus; inStockOnly?: boolean; afterId?: number; limit?: number } = {},
  ): Promise<DeviceInventory> {
    requireStaff(actor);
    const scope =
      actor.kind === 'operator'
        ? ('all' as const)
        : { programIds: (await this.programs.listPrograms(actor)).map((program) => program.id) };
    const counts = await this.devices.countDevicesInScope(scope);
    const devices = await this.devices.listDevicesInScope(scope, filter);
    return {
      scope: actor.kind === 'operator' ? 'all' : 'utility',
      utility: actor.kind === 'program_admin' ? actor.utility : null,
      inStock: counts.inStock,
      counts: counts.byStatus,
      devices: devices.map(toInventoryDevice),
    };
  }

  /** The driver plugged the device in. (Its first data makes it active either way.) */
  async confirmInstalled(actor: Actor, enrollmentVehicleId: number): Promise<{ serial: string; status: string }> {
    const { ev } = await this.load(actor, enrollmentVehicleId);
    const device = await this.deviceOf(ev);
    if (device.status === 'active') return { serial: device.serial, status: device.status };
    if (device.status !== 'shipped' && device.status !== 'removed' && device.status !== 'provisioned') {
      throw new AppError(
        'invalid_transition',
        `Device ${device.serial} is ${device.status}; it cannot be installed now.`,
      );
    }
    const updated = await this.devices.setStatus(SYSTEM, device.serial, {
      status: 'installed',
      note: 'participant installed it',
    });
    return { serial: updated.serial, status: updated.status };
  }

  /**
   * Staff mark the device installed for the driver (a support call: the driver says it is plugged
   * in), with a note; the device's history records who did it.
   */
  async markInstalledForDriver(
    actor: Actor,
    enrollmentVehicleId: number,
    input: z.input<typeof ZNoteSchema>,
  ): Promise<{ serial: string; status: string }> {
    requireStaff(actor);
    const { note } = parseInput(ZNoteSchema, input);
    if (!note) {
      throw new AppError('invalid_input', 'Say why (the support call), so the history tells what happened.', {
        details: [{ field: 'note', message: 'Say why: what the driver told you.' }],
      });
    }
    const { ev } = await this.load(actor, enrollmentVehicleId);
    const device = await this.deviceOf(ev);
    if (device.status !== 'shipped' && device.status !== 'removed' && device.status !== 'provisioned') {
      throw new AppError(
        'invalid_transition',
        `Device ${device.serial} is ${device.status}; only a shipped or unplugged device can be marked installed.`,
      );
    }
    const by = accountIdOf(actor);
    const updated = await this.devices.setStatus(
      SYSTEM,
      device.serial,
      { status: 'installed', note: `installed for the driver: ${note}` },
      by === undefined ? {} : { byAccountId: by },
    );
    return { serial: updated.serial, status: updated.status };
  }

  /** Unplugged for a while (an auto shop's diagnostics): no penalty, and a reminder to plug it back. */
  async reportRemoved(actor: Actor, enrollmentVehicleId: number, input: z.input<typeof ZNoteSchema> = {}) {
    const { note } = parseInput(ZNoteSchema, input);
    const { ev, enrollment, program } = await this.load(actor, enrollmentVehicleId);
    const device = await this.deviceOf(ev);
    if (device.status !== 'active' && device.status !== 'installed') {
      throw new AppError('invalid_transition', `Device ${device.serial} is ${device.status}, not installed.`);
    }
    const updated = await this.devices.setStatus(SYSTEM, device.serial, {
      status: 'removed',
      note: note ?? 'temporarily removed',
    });
    const send = await this.notifications.notify({
      accountId: enrollment.accountId,
      kind: 'device_removed',
      dedupeKey: `device-removed:${device.id}:${this.clock().toISOString().slice(0, 10)}`,
      subject: 'Remember to plug your C2 back in',
      body: `It is fine for an auto shop to unplug your ${program.name} device (${device.serial}) for diagnostics: there is no penalty. Please plug it back in afterwards so your monthly rewards continue; it picks up where it left off.`,
    });
    await send();
    return { serial: updated.serial, status: updated.status };
  }

  /** Another device needs the OBD-II port: a free Y-cable lets both stay connected. */
  async requestYCable(
    actor: Actor,
    enrollmentVehicleId: number,
    input: z.input<typeof ZNoteSchema> = {},
  ): Promise<ShipmentRow> {
    const { note } = parseInput(ZNoteSchema, input);
    const { ev } = await this.load(actor, enrollmentVehicleId);
    if (ev.status !== 'approved')
      throw new AppError('invalid_transition', `Vehicle ${ev.id} is ${ev.status}, not in the program.`);
    const open = (await listShipmentsOfVehicles(this.db, [ev.id])).find(
      (s) => s.kind === 'y_cable' && (s.status === 'requested' || s.status === 'shipped'),
    );
    if (open)
      throw new AppError('conflict', `A Y-cable is already ${open.status} for this vehicle (request ${open.id}).`);
    return insertShipment(this.db, {
      enrollmentVehicleId: ev.id,
      kind: 'y_cable',
      status: 'requested',
      deviceId: null,
      carrier: null,
      trackingNumber: null,
      note: note ?? null,
      at: this.clock(),
    });
  }

  /** Staff move a shipment along: a Y-cable or return shipped, delivered, a returned device received. */
  async updateShipment(
    actor: Actor,
    shipmentId: number,
    input: z.input<typeof ZUpdateShipmentSchema>,
  ): Promise<ShipmentRow> {
    requireStaff(actor);
    const value = parseInput(ZUpdateShipmentSchema, input);
    const current = await findShipmentForUpdate(this.db, shipmentId);
    if (!current) throw new AppError('not_found', `No shipment has id ${shipmentId}.`);
    const { enrollment, program } = await this.load(actor, current.enrollmentVehicleId);
    if (!SHIPMENT_NEXT[current.status].includes(value.status)) {
      const next = SHIPMENT_NEXT[current.status];
      throw new AppError(
        'invalid_transition',
        `Shipment ${shipmentId} is ${current.status}; it can become ${next.length ? next.join(' or ') : 'nothing else'}, not ${value.status}.`,
      );
    }
    if (value.status === 'received' && current.kind !== 'return') {
      throw new AppError(
        'invalid_transition',
        `Only returns are received; shipment ${shipmentId} is a ${current.kind}.`,
      );
    }
    if (value.status === 'shipped' && !(value.trackingNumber ?? current.trackingNumber)) {
      throw new AppError('invalid_input', 'A shipped parcel needs its tracking number.', {
        details: [{ field: 'trackingNumber', message: 'required when shipping' }],
      });
    }
    const updated = await updateShipment(this.db, shipmentId, {
      status: value.status,
      carrier: value.carrier ?? current.carrier,
      trackingNumber: value.trackingNumber ?? current.trackingNumber,
      at: this.clock(),
    });
    if (current.kind === 'return' && value.status === 'received' && current.deviceId !== null) {
      const [device] = await this.devices.listDevicesByIds([current.deviceId]);
      if (device && device.status !== 'returned') {
        await this.devices.setStatus(SYSTEM, device.serial, {
          status: 'returned',
          note: `return ${shipmentId} received`,
        });
      }
    }
    if (current.kind === 'y_cable' && value.status === 'shipped') {
      await (
        await this.notifications.notify({
          accountId: enrollment.accountId,
          kind: 'y_cable_shipped',
          subject: 'Your free Y-cable is on its way',
          body: `Your Y-cable for ${program.name} has shipped: ${updated.carrier ?? ''} tracking number ${updated.trackingNumber}. Plug it into the OBD-II port, then both devices into it.`,
        })
      )();
    }
    return updated;
  }

  async listShipments(actor: Actor, programSlug: string, query: z.input<typeof ZShipmentQuerySchema> = {}) {
    const program = await this.programs.getProgram(actor, programSlug);
    const filter = parseInput(ZShipmentQuerySchema, query);
    return listShipmentsOfProgram(this.db, program.id, { ...filter, limit: 500 });
  }

  /**
   * The participant changed cars. The new one is checked against the program's list first; if it
   * qualifies, it takes the old one's place (same slot: rewards continue, no second start bonus)
   * and the device moves with it.
   */
  async changeVehicle(actor: Actor, enrollmentVehicleId: number, input: z.input<typeof ZChangeVehicleSchema>) {
    if (actor.kind !== 'driver') throw new AppError('forbidden', 'The participant changes their own vehicle.');
    const value = parseInput(ZChangeVehicleSchema, input);
    const { ev, program } = await this.load(actor, enrollmentVehicleId);
    if (ev.status !== 'approved')
      throw new AppError('invalid_transition', `Vehicle ${ev.id} is ${ev.status}, not in the program.`);
    const check = checkVehicle(eligibilityTermsOf(program), value);
    if (!check.eligible) {
      const reasons = check.reasons.filter((r) => !r.ok).map((r) => r.message);
      throw new AppError('invalid_input', `Please do not install the device in this vehicle: ${reasons.join(' ')}`, {
        details: reasons.map((message) => ({ field: 'vehicle', message })),
      });
    }
    if (check.needsReview) {
      const support = [program.supportEmail, program.supportPhone].filter(Boolean).join(' or ') || 'program support';
      throw new AppError(
        'conflict',
        `The ${value.modelYear} ${value.make} ${value.model} is not on ${program.name}'s supported list; contact ${support} before installing the device in it.`,
      );
    }
    const now = this.clock();
    const replacement = await this.db.transaction(async (tx) => {
      const vehicle = await this.vehicles.createOwnedVehicle(tx, actor.accountId, value);
      const row = await insertEnrollmentVehicle(tx, {
        enrollmentId: ev.enrollmentId,
        vehicleId: vehicle.id,
        slotId: ev.slotId,
        status: 'approved',
        eligibility: check,
        joinedAt: now,
      });
      await updateEnrollmentVehicleStatus(tx, ev.id, 'replaced', now);
      await this.vehicles.setVehicleProgram(tx, vehicle.id, program.id);
      return row;
    });
    for (const device of await this.devices.listDevicesInVehicles([ev.vehicleId])) {
      await this.devices.assignVehicle(SYSTEM, device.serial, replacement.vehicleId);
    }
    this.log.info({ enrollmentVehicle: ev.id, replacement: replacement.id }, 'participant changed vehicle');
    return this.enrollment.getApplication(actor, ev.enrollmentId);
  }

  /**
   * Reminders for devices unplugged for days, or installed but silent for a week. One per device
   * per week (the dedupe key), however often the job runs.
   */
  async sendReminders(): Promise<{ reminded: number }> {
    const now = this.clock();
    const week = isoWeek(now);
    const removed = await this.devices.listSilentDevices(
      ['removed'],
      new Date(now.getTime() - REMOVED_REMINDER_DAYS * 86_400_000),
    );
    const silent = await this.devices.listSilentDevices(
      ['active', 'installed'],
      new Date(now.getTime() - SILENT_REMINDER_DAYS * 86_400_000),
    );
    let reminded = 0;
    for (const device of [...removed, ...silent]) {
      const vehicle = await this.vehicles.getVehicleInternal(this.db, device.vehicleId!);
      if (vehicle.ownerAccountId === null) continue;
      const send = await this.notifications.notify({
        accountId: vehicle.ownerAccountId,
        kind: 'device_reminder',
        dedupeKey: `device-reminder:${device.id}:${week}`,
        subject: 'We have not heard from your C2 device',
        body: [
          `Your device ${device.serial} in your ${vehicle.modelYear} ${vehicle.make} ${vehicle.model} has not sent data since ${(device.lastSeenAt ?? device.statusChangedAt).toISOString().slice(0, 10)}.`,
          'If it was unplugged (at an auto shop, say), please plug it back into the OBD-II port: monthly rewards need it installed. No penalty for the time it was out.',
        ].join('\n'),
      });
      await send();
      reminded += 1;
    }
    return { reminded };
  }

  private async load(actor: Actor, enrollmentVehicleId: number) {
    const ev = await findEnrollmentVehicle(this.db, enrollmentVehicleId);
    if (!ev) throw new AppError('not_found', `No enrolled vehicle ${enrollmentVehicleId} is yours to see.`);
    const { enrollment, program } = await this.enrollment.loadFor(actor, ev.enrollmentId);
    return { ev, enrollment, program };
  }

  private async deviceOf(ev: EnrollmentVehicleRow) {
    const [device] = await this.devices.listDevicesInVehicles([ev.vehicleId]);
    if (!device)
      throw new AppError('invalid_transition', `Vehicle ${ev.vehicleId} has no device yet: it has not shipped.`);
    return device;
  }

  /** Every vehicle slot of an enrollment (for rewards). */
  async listSlots(enrollmentId: number): Promise<EnrollmentVehicleRow[]> {
    return listEnrollmentVehicles(this.db, [enrollmentId]);
  }
}

function isoWeek(at: Date): string {
  const day = Math.floor(at.getTime() / 86_400_000);
  // Weeks since the Monday 1970-01-05: stable and only needs to change weekly.
  return `w${Math.floor((day - 4) / 7)}`;
}

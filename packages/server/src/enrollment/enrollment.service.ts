/**
 * Enrollment: a driver applies to a program with one or more vehicles; eligibility is checked
 * and explained; a program administrator approves or declines (within the participant target);
 * the driver may withdraw an application, change their PayPal address, or leave the program.
 * Device shipments and the device's life in the car are in participation.service.ts.
 */
import { createLocalClock } from '@smartcharge/protocol';
import type { z } from 'zod';
import { requireStaff, SYSTEM, type Actor } from '../actor.js';
import type { Database, Queryable } from '../db/database.js';
import { DEVICE_STATUSES, type Device, type DeviceService, type DeviceStatus } from '../devices/index.js';
import { AppError, SQLSTATE, sqlStateOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NotificationService } from '../notifications/index.js';
import { homeAddressProblems, type Program, type ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import type { Vehicle, VehicleService } from '../vehicles/index.js';
import type { AccountService } from '../accounts/index.js';
import {
  checkProgramOpen,
  checkUtilityAccount,
  checkVehicle,
  type EligibilityTerms,
  type VehicleEligibility,
} from './eligibility.js';
import {
  countApproved,
  countEnrollmentsByStatus,
  countEnrollmentVehiclesByStatus,
  countOpenShipments,
  countParticipantDevicesByStatus,
  ENROLLMENT_STATUSES,
  ENROLLMENT_VEHICLE_STATUSES,
  SHIPMENT_KINDS,
  findEnrollment,
  findEnrollmentForUpdate,
  findOpenEnrollmentOfVehicle,
  insertEnrollment,
  insertEnrollmentVehicle,
  insertShipment,
  listEnrollmentsOfAccount,
  listEnrollmentsOfProgram,
  listEnrollmentVehicles,
  listShipmentsOfVehicles,
  updateShipment,
  updateDecision,
  updateEnrollmentVehicleEligibility,
  updateEnrollmentVehicleStatus,
  updateLeft,
  updatePaypalEmail,
  type EnrollmentRow,
  type EnrollmentStatus,
  type EnrollmentVehicleRow,
  type EnrollmentVehicleStatus,
  type HomeAddress,
  type ShipmentKind,
  type ShipmentRow,
} from './enrollment.repository.js';
import {
  ZApplySchema,
  ZDecisionSchema,
  ZDeclineSchema,
  ZEligibilityQuerySchema,
  ZLeaveSchema,
  ZPaypalSchema,
  type TApply,
} from './enrollment.schema.js';

export interface ApplicationVehicle {
  /** The enrollment vehicle's id: what shipments, installs and changes refer to. */
  readonly id: number;
  readonly slotId: number;
  readonly vehicleId: number;
  readonly make: string;
  readonly model: string;
  readonly modelYear: number;
  readonly vin: string | null;
  readonly status: EnrollmentVehicleRow['status'];
  readonly eligibility: VehicleEligibility;
  readonly joinedAt: Date | null;
  readonly endedAt: Date | null;
  readonly device: Pick<Device, 'serial' | 'status' | 'firstSeenAt' | 'lastSeenAt' | 'statusChangedAt'> | null;
  readonly shipments: readonly ShipmentRow[];
  /** After leaving, what to do with the vehicle's device: send it back (never activated) or keep it. */
  readonly deviceReturn: DeviceReturn | null;
}

/** What a participant who left does with one device. */
export interface DeviceReturn {
  readonly serial: string;
  /** A device that never sent data comes back; one that did may be kept or recycled. */
  readonly mustReturn: boolean;
  /** In words: how to send it back, or that it need not be. */
  readonly instructions: string;
  /** The return parcel's status (requested: waiting for it; received), when one is expected. */
  readonly returnStatus: ShipmentRow['status'] | null;
  readonly returnReceivedAt: Date | null;
}

/**
 * How a device that must come back is returned: the program's own instructions (an address, a
 * label service), or a standard text naming its support contacts.
 */
export function deviceReturnInstructionsOf(
  program: Pick<Program, 'name' | 'supportEmail' | 'supportPhone' | 'deviceReturnInstructions'>,
): string {
  if (program.deviceReturnInstructions) return program.deviceReturnInstructions;
  const support = [program.supportEmail, program.supportPhone].filter(Boolean).join(' or ');
  return (
    'Unplug it, pack it in the box it came in, and ' +
    (support
      ? `contact ${program.name} support (${support}) for a prepaid return label.`
      : `reply to the e-mail we sent when you left ${program.name} for a prepaid return label.`)
  );
}

const KEEP_DEVICE =
  'It sent data, so it does not need to come back: unplug it and keep or recycle it. It no longer sends anything.';

export interface Application {
  readonly id: number;
  readonly program: { readonly id: number; readonly slug: string; readonly name: string; readonly utility: string };
  readonly status: EnrollmentStatus;
  readonly appliedAt: Date;
  readonly decidedAt: Date | null;
  readonly decisionNote: string | null;
  readonly homeAddress: HomeAddress;
  readonly utilityAccount: string;
  readonly paypalEmail: string | null;
  readonly leftAt: Date | null;
  readonly leaveReason: string | null;
  readonly leaveNote: string | null;
  /** Staff only: who applied. */
  readonly applicant?: { readonly id: number; readonly name: string; readonly email: string };
  readonly vehicles: readonly ApplicationVehicle[];
}

/** How many of a program's applications, vehicles, devices and parcels are where: the staff's counts. */
export interface ProgramSummary {
  readonly program: string;
  readonly participantTarget: number | null;
  /** applied: waiting for a decision; approved: the participants; then declined, withdrawn, left. */
  readonly applications: Readonly<Record<EnrollmentStatus, number>>;
  /** Every vehicle that applied, by its status in its enrollment. */
  readonly vehicles: Readonly<Record<EnrollmentVehicleStatus, number>>;
  /** The participants' vehicles by the status of the device in each now; none: waiting for a device. */
  readonly devices: Readonly<Record<DeviceStatus | 'none', number>>;
  /** Open parcels by kind: requested (to send) and shipped (on their way). */
  readonly shipments: Readonly<Record<'requested' | 'shipped', Readonly<Record<ShipmentKind, number>>>>;
}

/** Every key with its count, 0 when the database had none. */
function countsOf<K extends string>(keys: readonly K[], found: Readonly<Record<string, number>>): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, found[key] ?? 0])) as Record<K, number>;
}

export function eligibilityTermsOf(program: Program): EligibilityTerms {
  return {
    programName: program.name,
    utility: program.utility,
    eligibility: program.eligibility,
    vehicleList: program.vehicleList,
    unlistedVehiclesMayApply: program.unlistedVehiclesMayApply,
    ...(program.applicationsOpenOn ? { applicationsOpenOn: program.applicationsOpenOn } : {}),
    ...(program.applicationsCloseOn ? { applicationsCloseOn: program.applicationsCloseOn } : {}),
    ...(program.participantTarget ? { participantTarget: program.participantTarget } : {}),
  };
}

/** The failed checks of a vehicle that cannot take part, as sentences. */
function whyNot(check: VehicleEligibility): string {
  return check.reasons
    .filter((r) => !r.ok)
    .map((r) => r.message)
    .join(' ');
}

function deviceReturnOf(
  program: Program,
  serial: string,
  firstSeenAt: Date | null,
  shipments: readonly ShipmentRow[],
): DeviceReturn {
  const parcel = shipments.filter((s) => s.kind === 'return' && s.status !== 'cancelled').at(-1);
  const mustReturn = parcel !== undefined || firstSeenAt === null;
  return {
    serial,
    mustReturn,
    instructions: mustReturn ? deviceReturnInstructionsOf(program) : KEEP_DEVICE,
    returnStatus: parcel?.status ?? null,
    returnReceivedAt: parcel?.status === 'received' ? parcel.closedAt : null,
  };
}

/** Runs the callbacks (mail after commit) without letting one failure stop the others. */
export async function runAfterCommit(callbacks: readonly (() => Promise<void>)[]): Promise<void> {
  for (const callback of callbacks) await callback();
}

export class EnrollmentService {
  constructor(
    private readonly db: Database,
    private readonly programs: ProgramService,
    private readonly vehicles: VehicleService,
    private readonly devices: DeviceService,
    private readonly accounts: AccountService,
    private readonly notifications: NotificationService,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Anyone may ask whether a vehicle can take part, before applying. */
  async checkEligibility(programSlug: string, input: z.input<typeof ZEligibilityQuerySchema>) {
    const program = await this.programs.getProgramInternal(programSlug);
    const vehicle = parseInput(ZEligibilityQuerySchema, input);
    const terms = eligibilityTermsOf(program);
    const approved = await countApproved(this.db, program.id);
    return {
      program: program.slug,
      openness: checkProgramOpen(terms, this.today(program), approved),
      vehicle: checkVehicle(terms, vehicle),
    };
  }

  async apply(actor: Actor, programSlug: string, input: TApply): Promise<Application> {
    if (actor.kind !== 'driver') throw new AppError('forbidden', 'Sign in with a driver account to apply.');
    const program = await this.programs.getProgramInternal(programSlug);
    const value = parseInput(ZApplySchema, input);
    const terms = eligibilityTermsOf(program);
    const openness = checkProgramOpen(terms, this.today(program), await countApproved(this.db, program.id));
    if (!openness.open) throw new AppError('conflict', openness.message);
    // Only a country the terms name: the currency (USD by default) is no proof of where homes are.
    const home = homeAddressProblems(
      program.name,
      program.eligibility.homeCountry,
      program.eligibility.homeRegions,
      value.homeAddress,
    );
    if (home.length > 0) {
      throw new AppError('invalid_input', home.map((p) => p.message).join(' '), { details: home });
    }
    const account = checkUtilityAccount(terms, value.utilityAccount);
    if (!account.ok) {
      throw new AppError('invalid_input', account.message, {
        details: [{ field: 'utilityAccount', message: account.message }],
      });
    }
    const checks = value.vehicles.map((vehicle) => checkVehicle(terms, vehicle));
    if (!checks.some((check) => check.eligible)) {
      const details = checks.flatMap((check, i) =>
        check.reasons.filter((r) => !r.ok).map((r) => ({ field: `vehicles[${i}]`, message: r.message })),
      );
      throw new AppError(
        'invalid_input',
        `None of the vehicles can take part in ${program.name}: ${details.map((d) => d.message).join(' ')}`,
        { details },
      );
    }
    const known = await this.knownVehiclesOf(actor.accountId, program, value.vehicles);
    const now = this.clock();
    const after: (() => Promise<void>)[] = [];
    let enrollmentId: number;
    try {
      enrollmentId = await this.db.transaction(async (tx) => {
        const enrollment = await insertEnrollment(tx, {
          programId: program.id,
          accountId: actor.accountId,
          homeAddress: value.homeAddress,
          utilityAccount: value.utilityAccount,
          paypalEmail: value.paypalEmail ?? null,
          at: now,
        });
        for (const [i, vehicle] of value.vehicles.entries()) {
          const row = known[i] ?? (await this.vehicles.createOwnedVehicle(tx, actor.accountId, vehicle));
          await insertEnrollmentVehicle(tx, {
            enrollmentId: enrollment.id,
            vehicleId: row.id,
            slotId: null,
            // A vehicle that cannot take part is kept with its reasons, so the applicant sees why.
            status: checks[i]!.eligible ? 'pending' : 'declined',
            eligibility: checks[i],
            joinedAt: null,
          });
        }
        const eligible = checks.filter((c) => c.eligible).length;
        after.push(
          await this.notifications.notify(
            {
              accountId: actor.accountId,
              kind: 'application_received',
              subject: `Your application to ${program.name}`,
              body: [
                `We have your application to ${program.name} with ${eligible} eligible vehicle${eligible === 1 ? '' : 's'}.`,
                checks.some((c) => c.needsReview)
                  ? 'A member of the program team will confirm your vehicle and decide soon.'
                  : 'The program team will decide soon; we will write to you.',
              ].join('\n'),
            },
            tx,
          ),
        );
        return enrollment.id;
      });
    } catch (error) {
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation) {
        throw new AppError(
          'conflict',
          `You already have an application to or a place in ${program.name}. To add a vehicle, contact support.`,
        );
      }
      throw error;
    }
    await runAfterCommit(after);
    this.log.info({ enrollment: enrollmentId, program: program.slug }, 'application received');
    return this.getApplication(actor, enrollmentId);
  }

  /**
   * The driver's registered vehicles an application names again (they left a program, or one
   * declined them, and apply with the same car), by position; a new car has none. A car in another
   * open application or participation is not put in a second one. Read before the application's
   * transaction: the embedded database has one connection, which the transaction holds.
   */
  private async knownVehiclesOf(
    accountId: number,
    program: Program,
    vehicles: readonly { readonly vin?: string | undefined }[],
  ): Promise<(Vehicle | undefined)[]> {
    const out: (Vehicle | undefined)[] = [];
    for (const vehicle of vehicles) {
      const known = vehicle.vin
        ? await this.vehicles.findOwnedVehicleByVin(this.db, accountId, vehicle.vin)
        : undefined;
      const open = known ? await findOpenEnrollmentOfVehicle(this.db, known.id) : undefined;
      if (open) {
        const where =
          open.programId === program.id ? program.name : (await this.programs.getProgramInternal(open.programId)).name;
        throw new AppError(
          'conflict',
          `Your vehicle with VIN ${vehicle.vin} is already in an application to or a place in ${where}; a vehicle takes part in one program at a time.`,
          { details: [{ field: 'vin', message: `already in ${where}` }] },
        );
      }
      out.push(known);
    }
    return out;
  }

  async getApplication(actor: Actor, id: number): Promise<Application> {
    const { enrollment, program } = await this.loadFor(actor, id);
    return (await this.toApplications([enrollment], new Map([[program.id, program]]), actor.kind !== 'driver'))[0]!;
  }

  async listMine(actor: Actor): Promise<Application[]> {
    if (actor.kind !== 'driver') throw new AppError('forbidden', 'Only drivers have applications.');
    const rows = await listEnrollmentsOfAccount(this.db, actor.accountId);
    const programs = new Map<number, Program>();
    for (const row of rows) {
      if (!programs.has(row.programId))
        programs.set(row.programId, await this.programs.getProgramInternal(row.programId));
    }
    return this.toApplications(rows, programs, false);
  }

  async listApplications(
    actor: Actor,
    programSlug: string,
    filter: { status?: EnrollmentStatus; afterId?: number; limit?: number } = {},
  ): Promise<Application[]> {
    const program = await this.programs.getProgram(actor, programSlug);
    const rows = await listEnrollmentsOfProgram(this.db, program.id, {
      ...filter,
      limit: Math.min(filter.limit ?? 100, 500),
    });
    return this.toApplications(rows, new Map([[program.id, program]]), true);
  }

  /** The program's counts by status, for its staff (operators, or administrators of its utility). */
  async getProgramSummary(actor: Actor, programSlug: string): Promise<ProgramSummary> {
    const program = await this.programs.getProgram(actor, programSlug);
    const applications = await countEnrollmentsByStatus(this.db, program.id);
    const vehicles = await countEnrollmentVehiclesByStatus(this.db, program.id);
    const devices = await countParticipantDevicesByStatus(this.db, program.id);
    const open = await countOpenShipments(this.db, program.id);
    const parcels = (status: 'requested' | 'shipped') =>
      countsOf(
        SHIPMENT_KINDS,
        Object.fromEntries(open.filter((row) => row.status === status).map((row) => [row.kind, row.n])),
      );
    return {
      program: program.slug,
      participantTarget: program.participantTarget,
      applications: countsOf(ENROLLMENT_STATUSES, applications),
      vehicles: countsOf(ENROLLMENT_VEHICLE_STATUSES, vehicles),
      devices: countsOf(['none', ...DEVICE_STATUSES], devices),
      shipments: { requested: parcels('requested'), shipped: parcels('shipped') },
    };
  }

  async approve(actor: Actor, id: number, input: z.input<typeof ZDecisionSchema> = {}): Promise<Application> {
    requireStaff(actor);
    const value = parseInput(ZDecisionSchema, input);
    const { program } = await this.loadFor(actor, id);
    const now = this.clock();
    const after: (() => Promise<void>)[] = [];
    await this.db.transaction(async (tx) => {
      const enrollment = await this.lockApplied(tx, id);
      // Serialises approvals of one program, so two administrators cannot both take the last place.
      await this.programs.lockProgram(tx, program.id);
      const approved = await countApproved(tx, program.id);
      if (program.participantTarget !== null && approved >= program.participantTarget) {
        throw new AppError(
          'conflict',
          `${program.name} has reached its target of ${program.participantTarget} participants; raise the target to approve more.`,
        );
      }
      const vehicles = await listEnrollmentVehicles(tx, [enrollment.id]);
      const pending = await this.checkPendingAgain(tx, program, vehicles);
      const ineligible = pending.filter((v) => !v.now.eligible);
      // By default every vehicle that can take part under the program's terms as they are today.
      const chosen = value.vehicles ?? pending.filter((v) => v.now.eligible).map((v) => v.row.id);
      for (const evId of chosen) {
        const found = pending.find((v) => v.row.id === evId);
        if (!found) {
          throw new AppError('invalid_input', `Vehicle ${evId} is not a pending vehicle of application ${id}.`, {
            details: [{ field: 'vehicles', message: `${evId} is not pending in this application` }],
          });
        }
        if (!found.now.eligible) {
          const why = whyNot(found.now);
          throw new AppError(
            'invalid_input',
            `Vehicle ${evId} (${found.name}) cannot take part in ${program.name} under its terms now: ${why} Leave it out, or change the program's terms first.`,
            { details: [{ field: 'vehicles', message: `${evId}: ${why}` }] },
          );
        }
      }
      if (chosen.length === 0) {
        throw new AppError(
          'invalid_input',
          ineligible.length > 0 && value.vehicles === undefined
            ? `None of the vehicles of application ${id} can take part in ${program.name} under its terms now: ${ineligible.map((v) => `${v.name}: ${whyNot(v.now)}`).join(' ')} Decline the application instead.`
            : `Application ${id} has no vehicle to approve; decline it instead.`,
        );
      }
      for (const v of pending) {
        const approve = chosen.includes(v.row.id);
        // A vehicle the terms no longer admit keeps the check that refused it, so the applicant sees why.
        if (!v.now.eligible) await updateEnrollmentVehicleEligibility(tx, v.row.id, v.now);
        await updateEnrollmentVehicleStatus(tx, v.row.id, approve ? 'approved' : 'declined', now);
        if (approve) await this.vehicles.setVehicleProgram(tx, v.row.vehicleId, program.id);
      }
      const refused = ineligible.map((v) => `Your ${v.name} cannot take part: ${whyNot(v.now)}`);
      await updateDecision(tx, enrollment.id, {
        status: 'approved',
        at: now,
        by: 'accountId' in actor ? (actor.accountId ?? null) : null,
        note: value.note ?? null,
      });
      after.push(
        await this.notifications.notify(
          {
            accountId: enrollment.accountId,
            kind: 'application_approved',
            subject: `Welcome to ${program.name}`,
            body: [
              `Your application to ${program.name} is approved for ${chosen.length} vehicle${chosen.length === 1 ? '' : 's'}.`,
              ...refused,
              'We will ship your C2 device with a tracking number. Plug it into the OBD-II port (below the steering wheel) and drive as usual: it activates with its first data.',
              value.note ? `Note from the program team: ${value.note}` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          },
          tx,
        ),
      );
    });
    await runAfterCommit(after);
    return this.getApplication(actor, id);
  }

  async decline(actor: Actor, id: number, input: z.input<typeof ZDeclineSchema>): Promise<Application> {
    requireStaff(actor);
    const { reason } = parseInput(ZDeclineSchema, input);
    const { program } = await this.loadFor(actor, id);
    const now = this.clock();
    const after: (() => Promise<void>)[] = [];
    await this.db.transaction(async (tx) => {
      const enrollment = await this.lockApplied(tx, id);
      for (const v of await listEnrollmentVehicles(tx, [id])) {
        if (v.status === 'pending') await updateEnrollmentVehicleStatus(tx, v.id, 'declined', now);
      }
      await updateDecision(tx, id, {
        status: 'declined',
        at: now,
        by: 'accountId' in actor ? (actor.accountId ?? null) : null,
        note: reason,
      });
      after.push(
        await this.notifications.notify(
          {
            accountId: enrollment.accountId,
            kind: 'application_declined',
            subject: `Your application to ${program.name}`,
            body: `We are sorry: your application to ${program.name} was not accepted.\nReason: ${reason}`,
          },
          tx,
        ),
      );
    });
    await runAfterCommit(after);
    return this.getApplication(actor, id);
  }

  async withdraw(actor: Actor, id: number): Promise<Application> {
    const { enrollment } = await this.loadFor(actor, id);
    if (actor.kind !== 'driver') throw new AppError('forbidden', 'Only the applicant may withdraw an application.');
    const now = this.clock();
    await this.db.transaction(async (tx) => {
      await this.lockApplied(tx, enrollment.id);
      for (const v of await listEnrollmentVehicles(tx, [id])) {
        if (v.status === 'pending') await updateEnrollmentVehicleStatus(tx, v.id, 'declined', now);
      }
      await updateDecision(tx, id, {
        status: 'withdrawn',
        at: now,
        by: actor.accountId,
        note: 'withdrawn by the applicant',
      });
    });
    return this.getApplication(actor, id);
  }

  async setPaypalEmail(actor: Actor, id: number, input: z.input<typeof ZPaypalSchema>): Promise<Application> {
    const { enrollment } = await this.loadFor(actor, id);
    if (actor.kind !== 'driver') throw new AppError('forbidden', 'Only the participant may set where they are paid.');
    const { paypalEmail } = parseInput(ZPaypalSchema, input);
    if (enrollment.status !== 'applied' && enrollment.status !== 'approved') {
      throw new AppError(
        'invalid_transition',
        `Enrollment ${id} is ${enrollment.status}: there is nothing more to pay into.`,
      );
    }
    await updatePaypalEmail(this.db, id, paypalEmail);
    return this.getApplication(actor, id);
  }

  /**
   * Leaving (moved, sold the car, or done). Devices that never sent data are to be returned
   * (the participant gets instructions); devices that did are taken out of the vehicle and their
   * credential revoked, so nothing more is attributed to the participant.
   */
  async leave(actor: Actor, id: number, input: z.input<typeof ZLeaveSchema>): Promise<Application> {
    const { program } = await this.loadFor(actor, id);
    const value = parseInput(ZLeaveSchema, input);
    const now = this.clock();
    const after: (() => Promise<void>)[] = [];
    const devicesToRelease: { serial: string; activated: boolean }[] = [];
    // Read before the transaction: the embedded database has one connection, held by the transaction.
    const current = await listEnrollmentVehicles(this.db, [id]);
    const devicesNow = await this.devices.listDevicesInVehicles(current.map((v) => v.vehicleId));
    await this.db.transaction(async (tx) => {
      const enrollment = await findEnrollmentForUpdate(tx, id);
      if (!enrollment || enrollment.status !== 'approved') {
        throw new AppError(
          'invalid_transition',
          `Enrollment ${id} is ${enrollment?.status ?? 'missing'}; only participants (approved) can leave. An open application can be withdrawn.`,
        );
      }
      const vehicles = (await listEnrollmentVehicles(tx, [id])).filter((v) => v.status === 'approved');
      const returns: string[] = [];
      // A Y-cable nobody has sent yet is no longer wanted (one already on its way stays as it is).
      for (const shipment of await listShipmentsOfVehicles(
        tx,
        vehicles.map((v) => v.id),
      )) {
        if (shipment.kind !== 'y_cable' || shipment.status !== 'requested') continue;
        await updateShipment(tx, shipment.id, {
          status: 'cancelled',
          carrier: shipment.carrier,
          trackingNumber: shipment.trackingNumber,
          at: now,
        });
      }
      for (const v of vehicles) {
        await updateEnrollmentVehicleStatus(tx, v.id, 'left', now);
        for (const device of devicesNow.filter((d) => d.vehicleId === v.vehicleId)) {
          const activated = device.firstSeenAt !== null;
          devicesToRelease.push({ serial: device.serial, activated });
          if (!activated) {
            await insertShipment(tx, {
              enrollmentVehicleId: v.id,
              kind: 'return',
              status: 'requested',
              deviceId: device.id,
              carrier: null,
              trackingNumber: null,
              note: `participant left: ${value.reason}`,
              at: now,
            });
            returns.push(device.serial);
          }
        }
      }
      await updateLeft(tx, id, { at: now, reason: value.reason, note: value.note ?? null });
      after.push(
        await this.notifications.notify(
          {
            accountId: enrollment.accountId,
            kind: 'left_program',
            subject: `You have left ${program.name}`,
            body: [
              `Your participation in ${program.name} has ended. Thank you for taking part.`,
              'Rewards you have earned stay yours and are paid as usual.',
              returns.length > 0
                ? `Your device${returns.length > 1 ? 's' : ''} (${returns.join(', ')}) never sent data, so please return ${returns.length > 1 ? 'them' : 'it'}. ${deviceReturnInstructionsOf(program)}`
                : 'Your device does not need to be returned; you may unplug it and keep or recycle it.',
            ].join('\n'),
          },
          tx,
        ),
      );
    });
    for (const device of devicesToRelease) {
      await this.devices.assignVehicle(SYSTEM, device.serial, null);
      if (device.activated) {
        await this.devices.setStatus(SYSTEM, device.serial, {
          status: 'removed',
          note: 'participant left the program',
        });
        await this.devices.revokeCredential(SYSTEM, device.serial, 'participant left the program');
      }
    }
    await runAfterCommit(after);
    return this.getApplication(actor, id);
  }

  /**
   * The enrollment with its program, if the actor may see it: the driver who applied, an
   * administrator of the program's utility, or an operator. Others get "not found".
   */
  async loadFor(actor: Actor, id: number): Promise<{ enrollment: EnrollmentRow; program: Program }> {
    const enrollment = await findEnrollment(this.db, id);
    const program = enrollment ? await this.programs.getProgramInternal(enrollment.programId) : undefined;
    const visible =
      enrollment !== undefined &&
      program !== undefined &&
      ((actor.kind === 'driver' && actor.accountId === enrollment.accountId) ||
        (actor.kind === 'program_admin' && actor.utility === program.utility) ||
        actor.kind === 'operator');
    if (!visible) throw new AppError('not_found', `No application or enrollment ${id} is yours to see.`);
    return { enrollment: enrollment, program: program };
  }

  /**
   * The pending vehicles, each checked again against the program's terms as they are now: an
   * administrator may have changed the vehicle list or the powertrains since the driver applied.
   */
  private async checkPendingAgain(
    tx: Queryable,
    program: Program,
    vehicles: readonly EnrollmentVehicleRow[],
  ): Promise<{ row: EnrollmentVehicleRow; name: string; now: VehicleEligibility }[]> {
    const terms = eligibilityTermsOf(program);
    const out: { row: EnrollmentVehicleRow; name: string; now: VehicleEligibility }[] = [];
    for (const row of vehicles.filter((v) => v.status === 'pending')) {
      const vehicle = await this.vehicles.getVehicleInternal(tx, row.vehicleId);
      out.push({
        row,
        name: `${vehicle.modelYear} ${vehicle.make} ${vehicle.model}`,
        now: checkVehicle(terms, vehicle),
      });
    }
    return out;
  }

  private async lockApplied(tx: Queryable, id: number): Promise<EnrollmentRow> {
    const enrollment = await findEnrollmentForUpdate(tx, id);
    if (!enrollment || enrollment.status !== 'applied') {
      throw new AppError(
        'invalid_transition',
        `Application ${id} is ${enrollment?.status ?? 'missing'}: only an open application (applied) can be decided or withdrawn.`,
      );
    }
    return enrollment;
  }

  private today(program: Program): string {
    return createLocalClock(program.timeZone).localDateKey(this.clock().getTime());
  }

  private async toApplications(
    rows: readonly EnrollmentRow[],
    programs: ReadonlyMap<number, Program>,
    staff: boolean,
  ): Promise<Application[]> {
    if (rows.length === 0) return [];
    const vehicles = await listEnrollmentVehicles(
      this.db,
      rows.map((r) => r.id),
    );
    const shipments = await listShipmentsOfVehicles(
      this.db,
      vehicles.map((v) => v.id),
    );
    const shippedDeviceIds = [...new Set(shipments.flatMap((s) => (s.deviceId === null ? [] : [s.deviceId])))];
    const devicesById = new Map((await this.devices.listDevicesByIds(shippedDeviceIds)).map((d) => [d.id, d]));
    const inVehicles = await this.devices.listDevicesInVehicles(vehicles.map((v) => v.vehicleId));
    const out: Application[] = [];
    for (const row of rows) {
      const program = programs.get(row.programId)!;
      const mine = vehicles.filter((v) => v.enrollmentId === row.id);
      const views: ApplicationVehicle[] = [];
      for (const v of mine) {
        const vehicle = await this.vehicles.getVehicleInternal(this.db, v.vehicleId);
        const own = shipments.filter((s) => s.enrollmentVehicleId === v.id);
        const shippedId = own.filter((s) => s.kind === 'device' && s.deviceId !== null).at(-1)?.deviceId;
        const device =
          inVehicles.find((d) => d.vehicleId === v.vehicleId) ?? (shippedId ? devicesById.get(shippedId) : undefined);
        views.push({
          id: v.id,
          slotId: v.slotId,
          vehicleId: v.vehicleId,
          make: vehicle.make,
          model: vehicle.model,
          modelYear: vehicle.modelYear,
          vin: vehicle.vin,
          status: v.status,
          eligibility: v.eligibility as VehicleEligibility,
          joinedAt: v.joinedAt,
          endedAt: v.endedAt,
          device: device
            ? {
                serial: device.serial,
                status: device.status,
                firstSeenAt: device.firstSeenAt,
                lastSeenAt: device.lastSeenAt,
                statusChangedAt: device.statusChangedAt,
              }
            : null,
          shipments: own,
          deviceReturn:
            v.status === 'left' && device ? deviceReturnOf(program, device.serial, device.firstSeenAt, own) : null,
        });
      }
      const applicant = staff ? await this.accounts.getAccount(SYSTEM, row.accountId) : undefined;
      out.push({
        id: row.id,
        program: { id: program.id, slug: program.slug, name: program.name, utility: program.utility },
        status: row.status,
        appliedAt: row.appliedAt,
        decidedAt: row.decidedAt,
        decisionNote: row.decisionNote,
        homeAddress: row.homeAddress,
        utilityAccount: row.utilityAccount,
        paypalEmail: row.paypalEmail,
        leftAt: row.leftAt,
        leaveReason: row.leaveReason,
        leaveNote: row.leaveNote,
        ...(applicant ? { applicant: { id: applicant.id, name: applicant.name, email: applicant.email } } : {}),
        vehicles: views,
      });
    }
    return out;
  }
}

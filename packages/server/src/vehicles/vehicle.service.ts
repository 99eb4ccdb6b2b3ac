/**
 * Vehicles: add one, look one up, list them. A vehicle is matched to the catalog (for its new
 * battery capacity and pack voltage) and may belong to a utility program.
 */
import { findModel, findVariant } from '@smartcharge/catalog';
import { z } from 'zod';
import { requireOperator, type Actor } from '../actor.js';
import type { Queryable } from '../db/database.js';
import { AppError, SQLSTATE, sqlStateOf } from '../errors.js';
import type { ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import {
  findVehicleById,
  findVehicleByVin,
  insertVehicle,
  listVehicles,
  updateVehicleProgram,
  type VehicleRow,
} from './vehicle.repository.js';

export type Vehicle = VehicleRow;

export const ZCreateVehicleSchema = z.strictObject({
  vin: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-HJ-NPR-Z0-9]{17}$/, 'a VIN is 17 letters and digits, without I, O or Q')
    .optional(),
  make: z.string().trim().min(1).max(60),
  model: z.string().trim().min(1).max(80),
  modelYear: z.coerce.number().int().min(1990).max(2100),
  /** The battery option, where a year had several ("62 kWh", "Long Range"). */
  variant: z.string().trim().min(1).max(80).optional(),
  /** The program, by slug or id. */
  program: z.union([z.string().trim().min(1).max(63), z.number().int().positive()]).optional(),
});
export type TCreateVehicle = z.input<typeof ZCreateVehicleSchema>;

export class VehicleService {
  constructor(
    private readonly db: Queryable,
    private readonly programs: ProgramService,
  ) {}

  async createVehicle(actor: Actor, input: TCreateVehicle): Promise<Vehicle> {
    requireOperator(actor);
    const vehicle = parseInput(ZCreateVehicleSchema, input);
    const program = vehicle.program === undefined ? undefined : await this.programs.getProgram(actor, vehicle.program);
    // Unknown to the catalog is allowed (derivation then has no new capacity to compare with).
    const model = findModel(vehicle.make, vehicle.model);
    const variant = model ? findVariant(vehicle.make, vehicle.model, vehicle.modelYear, vehicle.variant) : undefined;
    try {
      return await insertVehicle(this.db, {
        vin: vehicle.vin ?? null,
        make: vehicle.make,
        model: vehicle.model,
        modelYear: vehicle.modelYear,
        programId: program?.id ?? null,
        catalogModelId: model?.id ?? null,
        catalogVariant: variant?.name ?? null,
        ownerAccountId: null,
      });
    } catch (error) {
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation) {
        throw new AppError('conflict', `A vehicle with VIN ${vehicle.vin} already exists.`);
      }
      throw error;
    }
  }

  /**
   * A driver's vehicle, made as part of an application (inside its transaction). The caller has
   * checked the driver; a VIN already registered to someone else is a conflict.
   */
  async createOwnedVehicle(
    tx: Queryable,
    ownerAccountId: number,
    input: { make: string; model: string; modelYear: number; vin?: string | undefined; variant?: string | undefined },
  ): Promise<Vehicle> {
    if (input.vin) {
      const existing = await findVehicleByVin(tx, input.vin);
      if (existing) {
        throw new AppError(
          'conflict',
          existing.ownerAccountId === ownerAccountId
            ? `You have already registered the vehicle with VIN ${input.vin}.`
            : `A vehicle with VIN ${input.vin} is already registered. If it is yours (bought from its previous owner), contact support.`,
          { details: [{ field: 'vin', message: 'already registered' }] },
        );
      }
    }
    const model = findModel(input.make, input.model);
    const variant = model ? findVariant(input.make, input.model, input.modelYear, input.variant) : undefined;
    return insertVehicle(tx, {
      vin: input.vin ?? null,
      make: input.make,
      model: input.model,
      modelYear: input.modelYear,
      programId: null,
      catalogModelId: model?.id ?? null,
      catalogVariant: variant?.name ?? null,
      ownerAccountId,
    });
  }

  /** The driver's own vehicle with this VIN, if they registered it before (for a driver who applies again). */
  async findOwnedVehicleByVin(q: Queryable, ownerAccountId: number, vin: string): Promise<Vehicle | undefined> {
    const vehicle = await findVehicleByVin(q, vin);
    return vehicle?.ownerAccountId === ownerAccountId ? vehicle : undefined;
  }

  /** Puts a vehicle in a program (approval) or takes it out (leaving); the caller checked the actor. */
  async setVehicleProgram(tx: Queryable, vehicleId: number, programId: number | null): Promise<void> {
    await updateVehicleProgram(tx, vehicleId, programId);
  }

  /** For other contexts acting on a checked caller's behalf. */
  async getVehicleInternal(q: Queryable, id: number): Promise<Vehicle> {
    const vehicle = await findVehicleById(q, id);
    if (!vehicle) throw new AppError('not_found', `No vehicle has id ${id}.`);
    return vehicle;
  }

  /**
   * The vehicle, when the caller may read its data: operators any; its driver; the administrators of
   * its program's utility; a share link's holder that one. Anyone else is told it does not exist,
   * the same answer as for a vehicle that does not.
   */
  async requireVehicleAccess(actor: Actor, id: number): Promise<Vehicle> {
    const vehicle = await findVehicleById(this.db, id);
    const allowed =
      vehicle !== undefined &&
      (actor.kind === 'operator' ||
        (actor.kind === 'driver' && vehicle.ownerAccountId === actor.accountId) ||
        (actor.kind === 'viewer' && actor.vehicleId === id) ||
        (actor.kind === 'program_admin' &&
          vehicle.programId !== null &&
          (await this.programs.getProgramInternal(vehicle.programId)).utility === actor.utility));
    if (!allowed) {
      throw new AppError(actor.kind === 'public' ? 'unauthenticated' : 'not_found', `No vehicle has id ${id}.`);
    }
    return vehicle;
  }

  async getVehicle(actor: Actor, id: number): Promise<Vehicle> {
    requireOperator(actor);
    const vehicle = await findVehicleById(this.db, id);
    if (!vehicle) throw new AppError('not_found', `No vehicle has id ${id}.`);
    return vehicle;
  }

  async listVehicles(actor: Actor, page: { afterId?: number; limit?: number } = {}): Promise<Vehicle[]> {
    requireOperator(actor);
    return listVehicles(this.db, { ...page, limit: Math.min(page.limit ?? 100, 1000) });
  }
}

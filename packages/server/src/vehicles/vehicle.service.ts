/**
 * Vehicles: add one, look one up, list them.
 */
import { z } from 'zod';
import { requireOperator, type Actor } from '../actor.js';
import type { Queryable } from '../db/database.js';
import { AppError, SQLSTATE, sqlStateOf } from '../errors.js';
import { parseInput } from '../validation.js';
import { findVehicleById, insertVehicle, listVehicles, type VehicleRow } from './vehicle.repository.js';

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
});
export type TCreateVehicle = z.input<typeof ZCreateVehicleSchema>;

export class VehicleService {
  constructor(private readonly db: Queryable) {}

  async createVehicle(actor: Actor, input: TCreateVehicle): Promise<Vehicle> {
    requireOperator(actor);
    const vehicle = parseInput(ZCreateVehicleSchema, input);
    try {
      return await insertVehicle(this.db, { ...vehicle, vin: vehicle.vin ?? null });
    } catch (error) {
      if (sqlStateOf(error) === SQLSTATE.uniqueViolation) {
        throw new AppError('conflict', `A vehicle with VIN ${vehicle.vin} already exists.`);
      }
      throw error;
    }
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

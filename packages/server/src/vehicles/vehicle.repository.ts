/**
 * SQL for vehicles. The catalog of supported models and enrollment arrive with later contexts;
 * this is the vehicle a device is installed in.
 */
import type { Queryable } from '../db/database.js';

export interface VehicleRow {
  readonly id: number;
  readonly vin: string | null;
  readonly make: string;
  readonly model: string;
  readonly modelYear: number;
  /** The utility program the vehicle is in (its time zone, territory, rates and grid factors apply). */
  readonly programId: number | null;
  /** The catalog model and variant the make, model and year matched (new capacity, pack voltage). */
  readonly catalogModelId: string | null;
  readonly catalogVariant: string | null;
  /** The driver who owns or leases it, when it came through an application. */
  readonly ownerAccountId: number | null;
  readonly createdAt: Date;
}

const VEHICLE_COLUMNS = `id, vin, make, model, model_year AS "modelYear", program_id AS "programId",
  catalog_model_id AS "catalogModelId", catalog_variant AS "catalogVariant", owner_account_id AS "ownerAccountId", created_at AS "createdAt"`;

export async function insertVehicle(q: Queryable, vehicle: Omit<VehicleRow, 'id' | 'createdAt'>): Promise<VehicleRow> {
  const { rows } = await q.query<VehicleRow & Record<string, unknown>>(
    `INSERT INTO vehicle (vin, make, model, model_year, program_id, catalog_model_id, catalog_variant, owner_account_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${VEHICLE_COLUMNS}`,
    [
      vehicle.vin,
      vehicle.make,
      vehicle.model,
      vehicle.modelYear,
      vehicle.programId,
      vehicle.catalogModelId,
      vehicle.catalogVariant,
      vehicle.ownerAccountId,
    ],
  );
  return rows[0]!;
}

export async function findVehicleById(q: Queryable, id: number): Promise<VehicleRow | undefined> {
  const { rows } = await q.query<VehicleRow & Record<string, unknown>>(
    `SELECT ${VEHICLE_COLUMNS} FROM vehicle WHERE id = $1`,
    [id],
  );
  return rows[0];
}

export async function listVehicles(q: Queryable, filter: { afterId?: number; limit: number }): Promise<VehicleRow[]> {
  const { rows } = await q.query<VehicleRow & Record<string, unknown>>(
    `SELECT ${VEHICLE_COLUMNS} FROM vehicle WHERE id > $1 ORDER BY id LIMIT $2`,
    [filter.afterId ?? 0, filter.limit],
  );
  return rows;
}

export async function findVehicleByVin(q: Queryable, vin: string): Promise<VehicleRow | undefined> {
  const { rows } = await q.query<VehicleRow & Record<string, unknown>>(
    `SELECT ${VEHICLE_COLUMNS} FROM vehicle WHERE vin = $1`,
    [vin],
  );
  return rows[0];
}

export async function updateVehicleProgram(q: Queryable, id: number, programId: number | null): Promise<void> {
  await q.query(`UPDATE vehicle SET program_id = $2 WHERE id = $1`, [id, programId]);
}

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
  readonly createdAt: Date;
}

const VEHICLE_COLUMNS = 'id, vin, make, model, model_year AS "modelYear", created_at AS "createdAt"';

export async function insertVehicle(
  q: Queryable,
  vehicle: { vin: string | null; make: string; model: string; modelYear: number },
): Promise<VehicleRow> {
  const { rows } = await q.query<VehicleRow & Record<string, unknown>>(
    `INSERT INTO vehicle (vin, make, model, model_year) VALUES ($1, $2, $3, $4) RETURNING ${VEHICLE_COLUMNS}`,
    [vehicle.vin, vehicle.make, vehicle.model, vehicle.modelYear],
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

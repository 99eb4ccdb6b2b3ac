/** SQL for the utility's grid view: per-vehicle contributions and per-program totals over daily rollups. */
import type { Queryable } from '../db/database.js';

export interface VehicleContributionRow {
  readonly vehicleId: number;
  readonly make: string;
  readonly model: string;
  readonly modelYear: number;
  readonly days: number;
  readonly chargeDays: number;
  readonly wallWh: number;
  /** Wall energy in the local hour of day `peakHour` (0–23), summed over the days. */
  readonly peakHourWh: number;
  /** Wall energy in the time-of-use period given (e.g. on_peak). */
  readonly peakPeriodWh: number;
  readonly dcfcWh: number;
  readonly inTerritoryWh: number;
  /** How many vehicles have days in the range (all of them, not only those returned). */
  readonly vehiclesInRange: number;
}

export async function vehicleContributions(
  q: Queryable,
  programId: number,
  fromDay: string,
  toDay: string,
  peakHour: number,
  peakPeriod: string,
  limit: number,
): Promise<VehicleContributionRow[]> {
  const { rows } = await q.query<VehicleContributionRow & Record<string, unknown>>(
    `SELECT d.vehicle_id AS "vehicleId", v.make, v.model, v.model_year AS "modelYear",
            count(*)::int AS days, count(*) FILTER (WHERE d.sessions > 0)::int AS "chargeDays",
            sum(d.charge_wall_wh)::float8 AS "wallWh",
            sum(d.charge_hourly_wh[$4 + 1])::float8 AS "peakHourWh",
            sum(coalesce((d.charge_tou_wh ->> $5)::float8, 0))::float8 AS "peakPeriodWh",
            sum(d.charge_dcfc_wh)::float8 AS "dcfcWh",
            sum(d.charge_in_territory_wh)::float8 AS "inTerritoryWh",
            (count(*) OVER ())::int AS "vehiclesInRange"
       FROM vehicle_day d JOIN vehicle v ON v.id = d.vehicle_id
      WHERE d.program_id = $1 AND d.day >= $2 AND d.day < $3
      GROUP BY d.vehicle_id, v.make, v.model, v.model_year
      ORDER BY "peakHourWh" DESC, d.vehicle_id
      LIMIT $6`,
    [programId, fromDay, toDay, peakHour, peakPeriod, limit],
  );
  return rows;
}

export interface ProgramTotalsRow {
  readonly programId: number;
  readonly vehicles: number;
  readonly distanceM: number;
  readonly wallWh: number;
  readonly l1Wh: number;
  readonly l2Wh: number;
  readonly dcfcWh: number;
  readonly inTerritoryWh: number;
  readonly co2AvoidedG: number;
}

export async function programTotals(
  q: Queryable,
  programIds: readonly number[],
  fromDay: string,
  toDay: string,
): Promise<ProgramTotalsRow[]> {
  const { rows } = await q.query<ProgramTotalsRow & Record<string, unknown>>(
    `SELECT program_id AS "programId", count(DISTINCT vehicle_id)::int AS vehicles,
            sum(distance_m)::float8 AS "distanceM", sum(charge_wall_wh)::float8 AS "wallWh",
            sum(charge_l1_wh)::float8 AS "l1Wh", sum(charge_l2_wh)::float8 AS "l2Wh",
            sum(charge_dcfc_wh)::float8 AS "dcfcWh", sum(charge_in_territory_wh)::float8 AS "inTerritoryWh",
            sum(co2_avoided_g)::float8 AS "co2AvoidedG"
       FROM vehicle_day WHERE program_id = ANY($1::bigint[]) AND day >= $2 AND day < $3
      GROUP BY program_id ORDER BY program_id`,
    [programIds, fromDay, toDay],
  );
  return rows;
}

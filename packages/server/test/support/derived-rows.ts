/**
 * Every derived row, in key order, as JSON-comparable values: what live derivation, a queue worker
 * and a rebuild must agree on. Optionally only some vehicles', and with the program-day rollups.
 */
import type { Queryable } from '../../src/db/database.js';

const VEHICLE_TABLES = [
  ['trips', 'trip', 'started_at'],
  ['sessions', 'charge_session', 'plugged_at'],
  ['segments', 'charge_segment', 'started_at'],
  ['days', 'vehicle_day', 'day'],
  ['health', 'battery_health', 'week_start'],
] as const;

type Rows = unknown[];
type VehicleRows = Record<(typeof VEHICLE_TABLES)[number][0], Rows>;

export async function derivedRows(q: Queryable, options: { vehicleIds?: readonly number[] }): Promise<VehicleRows>;
export async function derivedRows(
  q: Queryable,
  options: { vehicleIds?: readonly number[]; programDays: true },
): Promise<VehicleRows & { programDays: Rows }>;
export async function derivedRows(
  q: Queryable,
  options: { vehicleIds?: readonly number[]; programDays?: boolean } = {},
): Promise<VehicleRows & { programDays?: Rows }> {
  const json = (rows: readonly unknown[]) => rows.map((r) => JSON.parse(JSON.stringify(r)) as unknown);
  const out = {} as VehicleRows & { programDays?: Rows };
  for (const [key, table, order] of VEHICLE_TABLES) {
    const { rows } = options.vehicleIds
      ? await q.query(`SELECT * FROM ${table} WHERE vehicle_id = ANY($1) ORDER BY vehicle_id, ${order}`, [
          options.vehicleIds,
        ])
      : await q.query(`SELECT * FROM ${table} ORDER BY vehicle_id, ${order}`);
    out[key] = json(rows);
  }
  if (options.programDays) {
    out.programDays = json((await q.query('SELECT * FROM program_day ORDER BY program_id, day')).rows);
  }
  return out;
}

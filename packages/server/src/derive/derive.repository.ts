/**
 * SQL for derived data. Writes go through jsonb_populate_recordset: one statement per table
 * however many rows, identical on PGlite and PostgreSQL. Reads return camelCase rows.
 */
import type { Queryable, Row } from '../db/database.js';
import type { HealthWeek } from './health.js';
import type { SegmentItem, SessionItem, TripItem } from './items.js';
import type { VehicleDayRow } from './rollup.js';

const iso = (ms: number) => new Date(ms).toISOString();

const camelKeys = new Map<string, string>();

/** snake_case column names to camelCase keys (each name converted once); values as they come. */
function camel<T>(row: Row): T {
  const out: Record<string, unknown> = {};
  for (const key in row) {
    let name = camelKeys.get(key);
    if (name === undefined) {
      name = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      camelKeys.set(key, name);
    }
    out[name] = row[key];
  }
  return out as T;
}

async function insertRows(q: Queryable, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  // Bounded statements: a vehicle-year of trips is a few thousand rows.
  for (let i = 0; i < rows.length; i += 2000) {
    await q.query(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [
      JSON.stringify(rows.slice(i, i + 2000)),
    ]);
  }
}

// -------------------------------------------------------------------------------------------------
// What derivation needs to know of a vehicle

export interface VehicleDeriveRow {
  readonly id: number;
  readonly programId: number | null;
  readonly catalogModelId: string | null;
  readonly catalogVariant: string | null;
}

export async function findVehicleForDerive(q: Queryable, vehicleId: number): Promise<VehicleDeriveRow | undefined> {
  const { rows } = await q.query(
    `SELECT id, program_id, catalog_model_id, catalog_variant FROM vehicle WHERE id = $1`,
    [vehicleId],
  );
  return rows[0] ? camel<VehicleDeriveRow>(rows[0]) : undefined;
}

export async function listVehicleIds(q: Queryable): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>('SELECT id FROM vehicle ORDER BY id');
  return rows.map((r) => r.id);
}

/**
 * Which device reported for the vehicle when. A device's readings from before its first
 * assignment count for the vehicle of that first assignment (installs are often recorded after
 * the device starts reporting); after an unassignment they count for no one.
 */
export interface DeviceWindow {
  readonly deviceId: number;
  readonly fromMs: number;
  readonly toMs: number;
}

export async function vehicleDeviceWindows(q: Queryable, vehicleId: number): Promise<DeviceWindow[]> {
  const { rows } = await q.query<{ deviceId: number; assignedAt: Date; unassignedAt: Date | null; first: boolean }>(
    `SELECT a.device_id AS "deviceId", a.assigned_at AS "assignedAt", a.unassigned_at AS "unassignedAt",
            NOT EXISTS (SELECT 1 FROM device_assignment b
                         WHERE b.device_id = a.device_id
                           AND (b.assigned_at, b.id) < (a.assigned_at, a.id)) AS first
       FROM device_assignment a WHERE a.vehicle_id = $1 ORDER BY a.assigned_at, a.id`,
    [vehicleId],
  );
  return rows.map((r) => ({
    deviceId: r.deviceId,
    fromMs: r.first ? -Infinity : r.assignedAt.getTime(),
    toMs: r.unassignedAt?.getTime() ?? Infinity,
  }));
}

/** The vehicles a device's readings at these times belong to, with the earliest such time for each. */
export async function deviceVehicleWindows(
  q: Queryable,
  deviceId: number,
): Promise<{ vehicleId: number; fromMs: number; toMs: number }[]> {
  const { rows } = await q.query<{ vehicleId: number; assignedAt: Date; unassignedAt: Date | null }>(
    `SELECT vehicle_id AS "vehicleId", assigned_at AS "assignedAt", unassigned_at AS "unassignedAt"
       FROM device_assignment WHERE device_id = $1 ORDER BY assigned_at, id`,
    [deviceId],
  );
  return rows.map((r, i) => ({
    vehicleId: r.vehicleId,
    fromMs: i === 0 ? -Infinity : r.assignedAt.getTime(),
    toMs: r.unassignedAt?.getTime() ?? Infinity,
  }));
}

/** First and last reading time of a device's stored chunks (ms), or undefined without any. */
export async function deviceDataSpan(
  q: Queryable,
  deviceId: number,
): Promise<{ fromMs: number; toMs: number } | undefined> {
  const { rows } = await q.query<{ first: Date | null; last: Date | null }>(
    'SELECT min(started_at) AS first, max(ended_at) AS last FROM telemetry_chunk WHERE device_id = $1',
    [deviceId],
  );
  const row = rows[0];
  if (!row?.first || !row.last) return undefined;
  return { fromMs: row.first.getTime(), toMs: row.last.getTime() };
}

/** Start of the latest trip or session starting at or before `atMs` (ms), if any. */
export async function latestItemStartAtOrBefore(
  q: Queryable,
  vehicleId: number,
  atMs: number,
): Promise<number | undefined> {
  const { rows } = await q.query<{ at: Date | null }>(
    `SELECT greatest(
       (SELECT max(started_at) FROM trip WHERE vehicle_id = $1 AND started_at <= $2),
       (SELECT max(plugged_at) FROM charge_session WHERE vehicle_id = $1 AND plugged_at <= $2)) AS at`,
    [vehicleId, iso(atMs)],
  );
  return rows[0]?.at?.getTime();
}

// -------------------------------------------------------------------------------------------------
// Replacing derived rows from a moment on

export async function deleteItemsFrom(q: Queryable, vehicleId: number, fromMs: number): Promise<void> {
  const from = Number.isFinite(fromMs) ? iso(fromMs) : '-infinity';
  await q.query('DELETE FROM trip WHERE vehicle_id = $1 AND started_at >= $2', [vehicleId, from]);
  await q.query('DELETE FROM charge_segment WHERE vehicle_id = $1 AND session_plugged_at >= $2', [vehicleId, from]);
  await q.query('DELETE FROM charge_session WHERE vehicle_id = $1 AND plugged_at >= $2', [vehicleId, from]);
}

export async function insertTrips(q: Queryable, vehicleId: number, trips: readonly TripItem[]): Promise<void> {
  await insertRows(
    q,
    'trip',
    trips.map((t) => ({
      vehicle_id: vehicleId,
      started_at: iso(t.startMs),
      ended_at: iso(t.endMs),
      complete: t.complete,
      local_date: t.localDate,
      readings: t.readings,
      gap_s: t.gapS,
      distance_m: t.distanceM,
      electric_distance_m: t.electricDistanceM,
      odometer_start_m: t.odometerStartM,
      energy_wh: t.energyWh,
      hvac_wh: t.hvacWh,
      aux_wh: t.auxWh,
      soc_start_pct: t.socStartPct,
      soc_end_pct: t.socEndPct,
      ambient_mean_c: t.ambientMeanC,
      ambient_min_c: t.ambientMinC,
      ambient_max_c: t.ambientMaxC,
      resistance_mohm_25c: t.resistanceMohm25c,
      resistance_samples: t.resistanceSamples,
      bms_soh_pct: t.bmsSohPct,
      co2_g: t.co2G,
      fuel_co2_g: t.fuelCo2G,
      co2_avoided_g: t.co2AvoidedG,
    })),
  );
}

export async function insertSessions(q: Queryable, vehicleId: number, sessions: readonly SessionItem[]): Promise<void> {
  await insertRows(
    q,
    'charge_session',
    sessions.map((s) => ({
      vehicle_id: vehicleId,
      plugged_at: iso(s.startMs),
      unplugged_at: iso(s.endMs),
      complete: s.complete,
      local_date: s.localDate,
      readings: s.readings,
      gap_s: s.gapS,
      kind: s.kind,
      level: s.level,
      level_basis: s.levelBasis,
      ac_line_voltage_v: s.acLineVoltageV,
      charging_s: s.chargingS,
      segments: s.segments.length,
      battery_wh: s.batteryWh,
      wall_wh: s.wallWh,
      battery_measured: s.batteryMeasured,
      wall_measured: s.wallMeasured,
      peak_w: s.peakW,
      avg_w: s.avgW,
      soc_start_pct: s.socStartPct,
      soc_end_pct: s.socEndPct,
      lat_deg: s.latDeg,
      lon_deg: s.lonDeg,
      in_territory: s.inTerritory,
      hourly: s.hourly,
      tou_wh: s.touWh,
      below_minimum: s.belowMinimum,
      ambient_mean_c: s.ambientMeanC,
      ambient_min_c: s.ambientMinC,
      ambient_max_c: s.ambientMaxC,
      hvac_wh: s.hvacWh,
      aux_wh: s.auxWh,
      co2_g: s.co2G,
    })),
  );
  await insertRows(
    q,
    'charge_segment',
    sessions.flatMap((s) =>
      s.segments.map((g: SegmentItem) => ({
        vehicle_id: vehicleId,
        started_at: iso(g.startMs),
        ended_at: iso(g.endMs),
        session_plugged_at: iso(s.startMs),
        kind: g.kind,
        battery_wh: g.batteryWh,
        wall_wh: g.wallWh,
        peak_w: g.peakW,
        soc_start_pct: g.socStartPct,
        soc_end_pct: g.socEndPct,
        battery_temp_mean_c: g.batteryTempMeanC,
        capacity_wh: g.capacityWh,
        capacity_soc_delta: g.capacitySocDelta,
      })),
    ),
  );
}

/** The daily rollup's sums that program_day keeps per program and day. */
const PROGRAM_DAY_SUMS = [
  ['trips', 'trips'],
  ['distance_m', 'distanceM'],
  ['electric_distance_m', 'electricDistanceM'],
  ['drive_wh', 'driveWh'],
  ['sessions', 'sessions'],
  ['charge_battery_wh', 'chargeBatteryWh'],
  ['charge_wall_wh', 'chargeWallWh'],
  ['charge_l1_wh', 'chargeL1Wh'],
  ['charge_l2_wh', 'chargeL2Wh'],
  ['charge_dcfc_wh', 'chargeDcfcWh'],
  ['charge_in_territory_wh', 'chargeInTerritoryWh'],
  ['co2_g', 'co2G'],
  ['fuel_co2_g', 'fuelCo2G'],
  ['co2_avoided_g', 'co2AvoidedG'],
] as const;
type ProgramDaySum = (typeof PROGRAM_DAY_SUMS)[number][1];

interface ProgramDayDelta {
  program_id: number;
  day: string;
  vehicles: number;
  sums: Record<ProgramDaySum, number>;
  hourly: number[];
  tou: Record<string, number>;
}

/** Adds `sign` × one vehicle's day to its program's day in `deltas`. */
function addDelta(
  deltas: Map<string, ProgramDayDelta>,
  sign: 1 | -1,
  day: Pick<VehicleDayRow, 'day' | 'programId' | ProgramDaySum | 'chargeHourlyWh' | 'chargeTouWh'>,
): void {
  if (day.programId === null) return;
  const key = `${day.programId}|${day.day}`;
  let delta = deltas.get(key);
  if (!delta) {
    delta = {
      program_id: Number(day.programId),
      day: day.day,
      vehicles: 0,
      sums: Object.fromEntries(PROGRAM_DAY_SUMS.map(([, k]) => [k, 0])) as Record<ProgramDaySum, number>,
      hourly: new Array<number>(24).fill(0),
      tou: {},
    };
    deltas.set(key, delta);
  }
  delta.vehicles += sign;
  for (const [, k] of PROGRAM_DAY_SUMS) delta.sums[k] += sign * Number(day[k]);
  for (let h = 0; h < 24; h++) delta.hourly[h]! += sign * Number(day.chargeHourlyWh[h] ?? 0);
  for (const [period, wh] of Object.entries(day.chargeTouWh)) delta.tou[period] = (delta.tou[period] ?? 0) + sign * wh;
}

/**
 * Replaces a vehicle's daily rollups from `fromDay` on, and moves its programs' daily totals
 * (program_day) by the difference: new values less old ones, in (program, day) order, so
 * concurrent vehicles' updates lock rows in one order and add up whatever their order.
 */
export async function replaceDays(
  q: Queryable,
  vehicleId: number,
  fromDay: string,
  days: readonly VehicleDayRow[],
): Promise<void> {
  const deltas = new Map<string, ProgramDayDelta>();
  const { rows: old } = await q.query(
    `DELETE FROM vehicle_day WHERE vehicle_id = $1 AND day >= $2
     RETURNING day::text AS day, program_id, ${PROGRAM_DAY_SUMS.map(([c]) => c).join(', ')}, charge_hourly_wh, charge_tou_wh`,
    [vehicleId, fromDay],
  );
  for (const row of old) {
    addDelta(deltas, -1, camel<VehicleDayRow>(row));
  }
  for (const d of days) addDelta(deltas, 1, d);
  await insertRows(
    q,
    'vehicle_day',
    days.map((d) => ({
      vehicle_id: vehicleId,
      day: d.day,
      program_id: d.programId,
      trips: d.trips,
      distance_m: d.distanceM,
      electric_distance_m: d.electricDistanceM,
      drive_wh: d.driveWh,
      drive_hvac_wh: d.driveHvacWh,
      drive_aux_wh: d.driveAuxWh,
      sessions: d.sessions,
      charge_battery_wh: d.chargeBatteryWh,
      charge_wall_wh: d.chargeWallWh,
      charge_l1_wh: d.chargeL1Wh,
      charge_l2_wh: d.chargeL2Wh,
      charge_dcfc_wh: d.chargeDcfcWh,
      charge_in_territory_wh: d.chargeInTerritoryWh,
      charge_hvac_wh: d.chargeHvacWh,
      charge_aux_wh: d.chargeAuxWh,
      charge_tou_wh: d.chargeTouWh,
      charge_hourly_wh: d.chargeHourlyWh,
      co2_g: d.co2G,
      fuel_co2_g: d.fuelCo2G,
      co2_avoided_g: d.co2AvoidedG,
      readings: d.readings,
      ambient_mean_c: d.ambientMeanC,
      ambient_min_c: d.ambientMinC,
      ambient_max_c: d.ambientMaxC,
    })),
  );
  await addProgramDays(
    q,
    [...deltas.values()].sort((a, b) => a.program_id - b.program_id || a.day.localeCompare(b.day)),
  );
}

async function addProgramDays(q: Queryable, deltas: readonly ProgramDayDelta[]): Promise<void> {
  const columns = PROGRAM_DAY_SUMS.map(([c]) => c);
  for (let i = 0; i < deltas.length; i += 1000) {
    const rows = deltas.slice(i, i + 1000).map((d) => ({
      program_id: d.program_id,
      day: d.day,
      vehicles: d.vehicles,
      ...Object.fromEntries(PROGRAM_DAY_SUMS.map(([c, k]) => [c, d.sums[k]])),
      charge_hourly_wh: d.hourly,
      charge_tou_wh: d.tou,
    }));
    await q.query(
      `INSERT INTO program_day AS p
       SELECT * FROM jsonb_populate_recordset(NULL::program_day, $1::jsonb) ORDER BY program_id, day
       ON CONFLICT (program_id, day) DO UPDATE SET
         vehicles = p.vehicles + excluded.vehicles,
         ${columns.map((c) => `${c} = p.${c} + excluded.${c}`).join(',\n         ')},
         charge_hourly_wh = ARRAY(
           SELECT a + b FROM unnest(p.charge_hourly_wh, excluded.charge_hourly_wh) WITH ORDINALITY AS u(a, b, i)
            ORDER BY i),
         charge_tou_wh = (
           SELECT coalesce(jsonb_object_agg(e.key, e.total), '{}') FROM (
             SELECT key, sum(value::float8) AS total FROM (
               SELECT * FROM jsonb_each_text(p.charge_tou_wh)
               UNION ALL SELECT * FROM jsonb_each_text(excluded.charge_tou_wh)) AS both_sides
             GROUP BY key) AS e)`,
      [JSON.stringify(rows)],
    );
  }
}

export async function replaceHealth(
  q: Queryable,
  vehicleId: number,
  fromWeek: string,
  weeks: readonly HealthWeek[],
): Promise<void> {
  await q.query('DELETE FROM battery_health WHERE vehicle_id = $1 AND week_start >= $2', [vehicleId, fromWeek]);
  await insertRows(
    q,
    'battery_health',
    weeks.map((w) => ({
      vehicle_id: vehicleId,
      week_start: w.weekStart,
      window_days: w.windowDays,
      capacity_ac_wh: w.capacityAc?.value ?? null,
      capacity_ac_low_wh: w.capacityAc?.low ?? null,
      capacity_ac_high_wh: w.capacityAc?.high ?? null,
      capacity_ac_estimates: w.capacityAcEstimates,
      capacity_dc_wh: w.capacityDc?.value ?? null,
      capacity_dc_low_wh: w.capacityDc?.low ?? null,
      capacity_dc_high_wh: w.capacityDc?.high ?? null,
      capacity_dc_estimates: w.capacityDcEstimates,
      soh_pct: w.soh?.value ?? null,
      soh_low_pct: w.soh?.low ?? null,
      soh_high_pct: w.soh?.high ?? null,
      soh_basis: w.sohBasis,
      power_capacity_pct: w.powerCapacity?.value ?? null,
      power_capacity_low_pct: w.powerCapacity?.low ?? null,
      power_capacity_high_pct: w.powerCapacity?.high ?? null,
      resistance_trips: w.resistanceTrips,
      bms_soh_pct: w.bmsSohPct,
    })),
  );
}

// -------------------------------------------------------------------------------------------------
// Reading back what rollups and health need

/** Trips starting on or after a local day (for its rollup): the fields a day adds up. */
export async function tripsForRollup(q: Queryable, vehicleId: number, fromDay: string) {
  const { rows } = await q.query(
    `SELECT local_date::text AS local_date, distance_m, electric_distance_m, energy_wh, hvac_wh, aux_wh,
            fuel_co2_g, co2_avoided_g
       FROM trip WHERE vehicle_id = $1 AND local_date >= $2`,
    [vehicleId, fromDay],
  );
  return rows.map((r) =>
    camel<{
      localDate: string;
      distanceM: number;
      electricDistanceM: number;
      energyWh: number;
      hvacWh: number;
      auxWh: number;
      fuelCo2G: number | null;
      co2AvoidedG: number | null;
    }>(r),
  );
}

/** Sessions with energy on or after an instant (their hourly energy may reach into the day). */
export async function sessionsForRollup(q: Queryable, vehicleId: number, fromMs: number) {
  const { rows } = await q.query(
    `SELECT local_date::text AS local_date, level, in_territory, hourly, hvac_wh, aux_wh
       FROM charge_session WHERE vehicle_id = $1 AND unplugged_at >= $2`,
    [vehicleId, iso(fromMs)],
  );
  return rows.map((r) =>
    camel<{
      localDate: string;
      level: 'L1' | 'L2' | 'DCFC' | null;
      inTerritory: boolean | null;
      hourly: [number, number, number][];
      hvacWh: number;
      auxWh: number;
    }>(r),
  );
}

/** Capacity, resistance and BMS estimates from an instant on, in time order (for weekly health). */
export async function healthInputs(q: Queryable, vehicleId: number, fromMs: number) {
  const from = iso(fromMs);
  const capacity = await q.query<{ atMs: number; kind: 'ac' | 'dc'; capacityWh: number }>(
    `SELECT (extract(epoch FROM ended_at) * 1000)::float8 AS "atMs", kind, capacity_wh AS "capacityWh"
       FROM charge_segment
      WHERE vehicle_id = $1 AND ended_at >= $2 AND capacity_wh IS NOT NULL AND kind IS NOT NULL
      ORDER BY ended_at`,
    [vehicleId, from],
  );
  const trips = await q.query<{ atMs: number; mohm25c: number | null; sohPct: number | null }>(
    `SELECT (extract(epoch FROM ended_at) * 1000)::float8 AS "atMs", resistance_mohm_25c AS mohm25c, bms_soh_pct AS "sohPct"
       FROM trip
      WHERE vehicle_id = $1 AND ended_at >= $2 AND (resistance_mohm_25c IS NOT NULL OR bms_soh_pct IS NOT NULL)
      ORDER BY ended_at`,
    [vehicleId, from],
  );
  return {
    capacity: capacity.rows,
    resistance: trips.rows.flatMap((r) => (r.mohm25c === null ? [] : [{ atMs: r.atMs, mohm25c: r.mohm25c }])),
    bms: trips.rows.flatMap((r) => (r.sohPct === null ? [] : [{ atMs: r.atMs, sohPct: r.sohPct }])),
  };
}

// -------------------------------------------------------------------------------------------------
// Reads for the API

export interface Page {
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly limit: number;
}

function range(column: string, page: Page, params: unknown[]): string {
  const clauses: string[] = [];
  if (page.fromMs !== undefined) {
    params.push(iso(page.fromMs));
    clauses.push(`${column} >= $${params.length}`);
  }
  if (page.toMs !== undefined) {
    params.push(iso(page.toMs));
    clauses.push(`${column} < $${params.length}`);
  }
  return clauses.map((c) => ` AND ${c}`).join('');
}

export async function listTrips(q: Queryable, vehicleId: number, page: Page): Promise<Row[]> {
  const params: unknown[] = [vehicleId];
  const where = range('started_at', page, params);
  params.push(page.limit);
  const { rows } = await q.query(
    `SELECT *, local_date::text AS local_date FROM trip WHERE vehicle_id = $1${where}
      ORDER BY started_at DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => camel(r));
}

export async function listSessions(q: Queryable, vehicleId: number, page: Page): Promise<Row[]> {
  const params: unknown[] = [vehicleId];
  const where = range('plugged_at', page, params);
  params.push(page.limit);
  const { rows } = await q.query(
    `SELECT s.*, s.local_date::text AS local_date,
            coalesce((SELECT jsonb_agg(to_jsonb(g) - 'vehicle_id' - 'session_plugged_at' ORDER BY g.started_at)
                        FROM charge_segment g
                       WHERE g.vehicle_id = s.vehicle_id AND g.session_plugged_at = s.plugged_at), '[]') AS segment_list
       FROM charge_session s WHERE s.vehicle_id = $1${where}
      ORDER BY s.plugged_at DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => {
    const row = camel<Row & { segmentList: Row[] }>(r);
    const { segmentList, ...rest } = row;
    return { ...rest, segmentList: segmentList.map((g) => camel(g)) };
  });
}

export async function listHealth(q: Queryable, vehicleId: number, limit: number): Promise<Row[]> {
  const { rows } = await q.query(
    `SELECT *, week_start::text AS week_start FROM battery_health WHERE vehicle_id = $1
      ORDER BY battery_health.week_start DESC LIMIT $2`,
    [vehicleId, limit],
  );
  return rows.map((r) => camel(r));
}

export async function listDays(q: Queryable, vehicleId: number, fromDay: string, toDay: string): Promise<Row[]> {
  const { rows } = await q.query(
    `SELECT *, day::text AS day FROM vehicle_day WHERE vehicle_id = $1 AND day >= $2 AND day < $3 ORDER BY vehicle_day.day`,
    [vehicleId, fromDay, toDay],
  );
  return rows.map((r) => camel(r));
}

/**
 * How far a vehicle's data has come: the readings its devices sent (first and last time), and
 * what derivation made of them (how many trips and sessions, the latest end, the latest day).
 */
export async function vehicleDataProgress(q: Queryable, vehicleId: number) {
  const { rows } = await q.query<{
    receivedFrom: Date | null;
    receivedTo: Date | null;
    tripsTo: Date | null;
    sessionsTo: Date | null;
    trips: number;
    sessions: number;
    lastDay: string | null;
  }>(
    `WITH devices AS (SELECT DISTINCT device_id FROM device_assignment WHERE vehicle_id = $1)
     SELECT (SELECT min(c.started_at) FROM telemetry_chunk c JOIN devices d USING (device_id)) AS "receivedFrom",
            (SELECT max(c.ended_at) FROM telemetry_chunk c JOIN devices d USING (device_id)) AS "receivedTo",
            (SELECT max(ended_at) FROM trip WHERE vehicle_id = $1) AS "tripsTo",
            (SELECT max(unplugged_at) FROM charge_session WHERE vehicle_id = $1) AS "sessionsTo",
            (SELECT count(*) FROM trip WHERE vehicle_id = $1)::int AS trips,
            (SELECT count(*) FROM charge_session WHERE vehicle_id = $1)::int AS sessions,
            (SELECT max(day) FROM vehicle_day WHERE vehicle_id = $1)::text AS "lastDay"`,
    [vehicleId],
  );
  return rows[0]!;
}

/** Per program and local day: the sum over its vehicles (kept by replaceDays in program_day). */
export async function programDays(q: Queryable, programId: number, fromDay: string, toDay: string): Promise<Row[]> {
  const { rows } = await q.query(
    `SELECT day::text AS day, vehicles, trips, distance_m, electric_distance_m, drive_wh, sessions,
            charge_battery_wh, charge_wall_wh, charge_l1_wh, charge_l2_wh, charge_dcfc_wh,
            charge_in_territory_wh, co2_g, fuel_co2_g, co2_avoided_g, charge_hourly_wh, charge_tou_wh
       FROM program_day WHERE program_id = $1 AND day >= $2 AND day < $3 AND vehicles > 0
      ORDER BY day`,
    [programId, fromDay, toDay],
  );
  return rows.map((r) => camel(r));
}

/** SQL for the distribution grid: a program's feeders and transformers, its service points, where participants charge at home, and each group's load by hour. */
import type { Queryable } from '../db/database.js';
import type { GroupKind, TGridArea, UploadedGroup } from './distribution.schema.js';

export interface GridGroupRow {
  readonly id: number;
  readonly kind: GroupKind;
  readonly code: string;
  readonly name: string | null;
  readonly ratingKva: number | null;
  readonly parentId: number | null;
  readonly parentCode: string | null;
  readonly geometry: TGridArea | null;
  readonly uploadedAt: Date;
  readonly servicePoints: number;
}

export async function listGroups(q: Queryable, programId: number): Promise<GridGroupRow[]> {
  const { rows } = await q.query<GridGroupRow & Record<string, unknown>>(
    `SELECT g.id, g.kind, g.code, g.name, g.rating_kva AS "ratingKva", g.parent_id AS "parentId",
            p.code AS "parentCode", g.geometry, g.uploaded_at AS "uploadedAt",
            (SELECT count(*) FROM grid_service_point s WHERE s.group_id = g.id)::int AS "servicePoints"
       FROM grid_group g LEFT JOIN grid_group p ON p.id = g.parent_id
      WHERE g.program_id = $1
      ORDER BY g.kind, g.code`,
    [programId],
  );
  return rows;
}

/** Service point → group, for the program. */
export async function listServicePoints(
  q: Queryable,
  programId: number,
): Promise<{ servicePoint: string; groupId: number }[]> {
  const { rows } = await q.query<{ servicePoint: string; groupId: number }>(
    `SELECT service_point AS "servicePoint", group_id AS "groupId" FROM grid_service_point WHERE program_id = $1`,
    [programId],
  );
  return rows;
}

export async function deleteServicePoints(q: Queryable, programId: number): Promise<void> {
  await q.query(`DELETE FROM grid_service_point WHERE program_id = $1`, [programId]);
}

/**
 * Inserts or updates the upload's groups by (kind, code), so a group that stays keeps its id (events
 * name groups by id), with no parent yet. Returns every upserted group's id.
 */
export async function upsertGroups(
  q: Queryable,
  programId: number,
  groups: readonly UploadedGroup[],
  at: Date,
): Promise<{ id: number; kind: GroupKind; code: string }[]> {
  const { rows } = await q.query<{ id: number; kind: GroupKind; code: string }>(
    `INSERT INTO grid_group (program_id, kind, code, name, rating_kva, geometry, uploaded_at)
     SELECT $1, u.kind, u.code, u.name, u.rating_kva, u.geometry::jsonb, $7
       FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::text[]) AS u(kind, code, name, rating_kva, geometry)
     ON CONFLICT (program_id, kind, code) DO UPDATE
        SET name = excluded.name, rating_kva = excluded.rating_kva, geometry = excluded.geometry,
            parent_id = NULL, uploaded_at = excluded.uploaded_at
     RETURNING id, kind, code`,
    [
      programId,
      groups.map((g) => g.kind),
      groups.map((g) => g.code),
      groups.map((g) => g.name),
      groups.map((g) => g.ratingKva),
      groups.map((g) => (g.geometry === null ? null : JSON.stringify(g.geometry))),
      at,
    ],
  );
  return rows;
}

/** Hangs transformers from their feeders (by code). */
export async function setParents(
  q: Queryable,
  programId: number,
  links: readonly { code: string; parentCode: string }[],
): Promise<void> {
  if (links.length === 0) return;
  await q.query(
    `UPDATE grid_group c SET parent_id = p.id
       FROM unnest($2::text[], $3::text[]) AS u(code, parent_code)
       JOIN grid_group p ON p.program_id = $1 AND p.kind = 'feeder' AND p.code = u.parent_code
      WHERE c.program_id = $1 AND c.kind = 'transformer' AND c.code = u.code`,
    [programId, links.map((l) => l.code), links.map((l) => l.parentCode)],
  );
}

/**
 * Removes the program's groups that are not in `keepIds` (their service points are already gone, and
 * a kept transformer has no parent until setParents): one statement, so a removed feeder goes with
 * its removed transformers.
 */
export async function deleteGroupsExcept(q: Queryable, programId: number, keepIds: readonly number[]): Promise<void> {
  await q.query(`DELETE FROM grid_group WHERE program_id = $1 AND NOT (id = ANY($2::bigint[]))`, [programId, keepIds]);
}

export async function insertServicePoints(
  q: Queryable,
  programId: number,
  points: readonly { servicePoint: string; groupId: number }[],
): Promise<void> {
  if (points.length === 0) return;
  await q.query(
    `INSERT INTO grid_service_point (program_id, service_point, group_id)
     SELECT $1, u.sp, u.g FROM unnest($2::text[], $3::bigint[]) AS u(sp, g)`,
    [programId, points.map((p) => p.servicePoint), points.map((p) => p.groupId)],
  );
}

/** Of these service points, those no enrollment of the program names as its utility account. */
export async function unmatchedServicePoints(
  q: Queryable,
  programId: number,
  servicePoints: readonly string[],
): Promise<string[]> {
  const { rows } = await q.query<{ sp: string }>(
    `SELECT u.sp FROM unnest($2::text[]) AS u(sp)
      WHERE NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.program_id = $1 AND btrim(e.utility_account) = u.sp)
      ORDER BY u.sp`,
    [programId, servicePoints],
  );
  return rows.map((r) => r.sp);
}

export interface ParticipantRow {
  readonly enrollmentId: number;
  readonly utilityAccount: string;
  readonly vehicleIds: number[];
}

/** The program's participants now (approved enrollments) and their vehicles in the program. */
export async function listParticipants(q: Queryable, programId: number): Promise<ParticipantRow[]> {
  const { rows } = await q.query<ParticipantRow & Record<string, unknown>>(
    `SELECT e.id AS "enrollmentId", btrim(e.utility_account) AS "utilityAccount",
            coalesce(array_agg(DISTINCT ev.vehicle_id) FILTER (WHERE ev.vehicle_id IS NOT NULL), '{}') AS "vehicleIds"
       FROM enrollment e
       LEFT JOIN enrollment_vehicle ev ON ev.enrollment_id = e.id AND ev.status IN ('approved', 'replaced')
      WHERE e.program_id = $1 AND e.status = 'approved'
      GROUP BY e.id ORDER BY e.id`,
    [programId],
  );
  return rows.map((r) => ({ ...r, vehicleIds: (r.vehicleIds as unknown[]).map(Number) }));
}

/**
 * Where each participant charges at home: the ~100 m cell (latitude and longitude to 3 decimals)
 * holding most of the AC charging sessions of their vehicles, as the mean position in that cell.
 */
export async function homePlaces(
  q: Queryable,
  programId: number,
): Promise<{ enrollmentId: number; latDeg: number; lonDeg: number }[]> {
  const { rows } = await q.query<{ enrollmentId: number; latDeg: number; lonDeg: number }>(
    `SELECT DISTINCT ON (c.enrollment_id) c.enrollment_id AS "enrollmentId", c.lat AS "latDeg", c.lon AS "lonDeg"
       FROM (
         SELECT e.id AS enrollment_id, avg(s.lat_deg) AS lat, avg(s.lon_deg) AS lon, count(*) AS sessions,
                sum(s.wall_wh) AS wall_wh
           FROM enrollment e
           JOIN enrollment_vehicle ev ON ev.enrollment_id = e.id AND ev.status IN ('approved', 'replaced')
           JOIN charge_session s ON s.vehicle_id = ev.vehicle_id
          WHERE e.program_id = $1 AND e.status = 'approved' AND s.lat_deg IS NOT NULL AND s.lon_deg IS NOT NULL
            AND s.kind IS DISTINCT FROM 'dc' AND s.level IS DISTINCT FROM 'DCFC'
          GROUP BY e.id, round(s.lat_deg::numeric, 3), round(s.lon_deg::numeric, 3)
       ) c
      ORDER BY c.enrollment_id, c.sessions DESC, c.wall_wh DESC`,
    [programId],
  );
  return rows;
}

export interface GroupLoadRow {
  readonly groupId: number;
  /** The hour (its start, epoch ms) with the most energy, and that energy (Wh in the hour = mean W). */
  readonly peakHourMs: number;
  readonly peakWh: number;
  /** Hours whose energy exceeded `limitWh` of the group (its rating for one hour at power factor 1). */
  readonly hoursAbove: number;
}

/**
 * Each group's home charging by clock hour over [fromMs, toMs): the hourly wall energy of its members'
 * sessions (charge_session.hourly, [hour start ms, wall Wh, battery Wh] …) summed across members,
 * then the peak hour and the hours above the group's limit. A member's session counts when it is AC
 * and at home: within `homeRadiusM` of the member's home position, or without a position (or when
 * the member's home is not known). A vehicle may be a member of several groups (a transformer and its feeder).
 */
export async function groupLoads(
  q: Queryable,
  members: readonly {
    vehicleId: number;
    groupId: number;
    homeLatDeg: number | null;
    homeLonDeg: number | null;
    limitWh: number | null;
  }[],
  fromMs: number,
  toMs: number,
  homeRadiusM: number,
): Promise<GroupLoadRow[]> {
  if (members.length === 0) return [];
  const { rows } = await q.query<GroupLoadRow & Record<string, unknown>>(
    `WITH m AS (
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[], $5::float8[])
                  AS m(vehicle_id, group_id, home_lat, home_lon, limit_wh)
     ), v AS (
       -- Each vehicle's sessions are read once, however many groups it counts in.
       SELECT DISTINCT ON (vehicle_id) vehicle_id, home_lat, home_lon FROM m ORDER BY vehicle_id
     ), vh AS (
       SELECT v.vehicle_id, (x.value ->> 0)::float8 AS hour_ms, sum((x.value ->> 1)::float8) AS wh
         FROM v
         JOIN charge_session s ON s.vehicle_id = v.vehicle_id
         CROSS JOIN LATERAL jsonb_array_elements(s.hourly) AS x(value)
        WHERE s.plugged_at < to_timestamp($7::float8 / 1000) AND s.unplugged_at > to_timestamp($6::float8 / 1000)
          AND s.kind IS DISTINCT FROM 'dc' AND s.level IS DISTINCT FROM 'DCFC'
          AND (v.home_lat IS NULL OR s.lat_deg IS NULL OR s.lon_deg IS NULL
               OR power((s.lat_deg - v.home_lat) * 111320, 2)
                  + power((s.lon_deg - v.home_lon) * 111320 * cos(radians(v.home_lat)), 2) <= power($8::float8, 2))
          AND (x.value ->> 0)::float8 >= $6::float8 AND (x.value ->> 0)::float8 < $7::float8
        GROUP BY v.vehicle_id, (x.value ->> 0)::float8
     ), h AS (
       SELECT m.group_id, min(m.limit_wh) AS limit_wh, vh.hour_ms, sum(vh.wh) AS wh
         FROM m JOIN vh ON vh.vehicle_id = m.vehicle_id
        GROUP BY m.group_id, vh.hour_ms
     ), above AS (
       SELECT group_id, count(*) FILTER (WHERE wh > limit_wh) AS hours FROM h GROUP BY group_id
     )
     SELECT p.group_id AS "groupId", p.hour_ms AS "peakHourMs", p.wh AS "peakWh", above.hours::int AS "hoursAbove"
       FROM (SELECT DISTINCT ON (group_id) group_id, hour_ms, wh FROM h ORDER BY group_id, wh DESC, hour_ms) p
       JOIN above ON above.group_id = p.group_id
      ORDER BY p.group_id`,
    [
      members.map((m) => m.vehicleId),
      members.map((m) => m.groupId),
      members.map((m) => m.homeLatDeg),
      members.map((m) => m.homeLonDeg),
      members.map((m) => m.limitWh),
      fromMs,
      toMs,
      homeRadiusM,
    ],
  );
  return rows.map((r) => ({
    groupId: Number(r.groupId),
    peakHourMs: Number(r.peakHourMs),
    peakWh: Number(r.peakWh),
    hoursAbove: Number(r.hoursAbove),
  }));
}

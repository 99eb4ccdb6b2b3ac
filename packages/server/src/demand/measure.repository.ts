/**
 * The queries measurement needs (one per method): an event and its program's zone, its participants,
 * their charge segments around the event, their other events, and the measured columns written back.
 */
import type { Queryable } from '../db/database.js';
import type { DrEventResult, Group, OptOut, ParticipantMeasurement, Segment, Target } from './measure.js';

export interface MeasuredEventRow {
  readonly id: string;
  readonly programId: string;
  readonly timeZone: string;
  readonly status: string;
  readonly target: Target;
  readonly capKw: number | null;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly randomizeS: number;
}

export interface ParticipantRow {
  readonly vehicleId: string;
  readonly group: Group;
  readonly startOffsetS: number;
  readonly endOffsetS: number;
  readonly notifiedAt: Date | null;
  readonly optOut: OptOut;
}

export async function findEventForMeasurement(db: Queryable, eventId: string): Promise<MeasuredEventRow | undefined> {
  const { rows } = await db.query<MeasuredEventRow & Record<string, unknown>>(
    `SELECT e.id::text AS id, e.program_id::text AS "programId", p.time_zone AS "timeZone", e.status, e.target,
            e.cap_kw AS "capKw", e.starts_at AS "startsAt", e.ends_at AS "endsAt", e.randomize_s AS "randomizeS"
       FROM dr_event e JOIN program p ON p.id = e.program_id WHERE e.id = $1 FOR UPDATE OF e`,
    [eventId],
  );
  return rows[0];
}

export async function listParticipants(db: Queryable, eventId: string): Promise<ParticipantRow[]> {
  const { rows } = await db.query<ParticipantRow & Record<string, unknown>>(
    `SELECT vehicle_id::text AS "vehicleId", grp AS "group", start_offset_s AS "startOffsetS", end_offset_s AS "endOffsetS",
            notified_at AS "notifiedAt", opt_out AS "optOut"
       FROM dr_participant WHERE event_id = $1 ORDER BY vehicle_id`,
    [eventId],
  );
  return rows;
}

/** Charge segments of these vehicles that overlap [from, to). */
export async function listSegments(
  db: Queryable,
  vehicleIds: readonly string[],
  from: Date,
  to: Date,
): Promise<Map<string, Segment[]>> {
  const { rows } = await db.query<{ vehicleId: string; startedAt: Date; endedAt: Date; wallWh: number }>(
    `SELECT vehicle_id::text AS "vehicleId", started_at AS "startedAt", ended_at AS "endedAt", wall_wh AS "wallWh"
       FROM charge_segment WHERE vehicle_id = ANY($1::bigint[]) AND ended_at >= $2 AND started_at < $3
      ORDER BY vehicle_id, started_at`,
    [vehicleIds, from, to],
  );
  const out = new Map<string, Segment[]>();
  for (const r of rows) {
    const list = out.get(r.vehicleId) ?? [];
    list.push({
      startedAtMs: new Date(r.startedAt).getTime(),
      endedAtMs: new Date(r.endedAt).getTime(),
      wallWh: Number(r.wallWh),
    });
    out.set(r.vehicleId, list);
  }
  return out;
}

/** Windows of the other (not cancelled) events these vehicles took part in between from and to. */
export async function listOtherEventWindows(
  db: Queryable,
  eventId: string,
  vehicleIds: readonly string[],
  from: Date,
  to: Date,
): Promise<Map<string, { startMs: number; endMs: number }[]>> {
  const { rows } = await db.query<{ vehicleId: string; startsAt: Date; endsAt: Date }>(
    `SELECT dp.vehicle_id::text AS "vehicleId", e.starts_at AS "startsAt", e.ends_at AS "endsAt"
       FROM dr_participant dp JOIN dr_event e ON e.id = dp.event_id
      WHERE dp.vehicle_id = ANY($2::bigint[]) AND dp.event_id <> $1 AND e.status <> 'cancelled'
        AND e.ends_at >= $3 AND e.starts_at < $4`,
    [eventId, vehicleIds, from, to],
  );
  const out = new Map<string, { startMs: number; endMs: number }[]>();
  for (const r of rows) {
    const list = out.get(r.vehicleId) ?? [];
    list.push({ startMs: new Date(r.startsAt).getTime(), endMs: new Date(r.endsAt).getTime() });
    out.set(r.vehicleId, list);
  }
  return out;
}

/** The participant's measured columns; opt_out becomes 'charging' only where it was not already 'explicit'. */
export async function updateParticipantMeasurement(
  db: Queryable,
  eventId: string,
  m: ParticipantMeasurement,
  at: Date,
): Promise<void> {
  await db.query(
    `UPDATE dr_participant SET baseline_wh = $3, baseline_days = $4, actual_wh = $5, shifted_wh = $6, rebound_wh = $7,
            measured_at = $8,
            opt_out = CASE WHEN opt_out = 'explicit' THEN opt_out WHEN $9::text = 'charging' THEN 'charging' ELSE NULL END,
            opted_out_at = CASE WHEN opt_out = 'explicit' THEN opted_out_at WHEN $9::text = 'charging' THEN COALESCE(opted_out_at, $10) ELSE NULL END
      WHERE event_id = $1 AND vehicle_id = $2`,
    [
      eventId,
      m.vehicleId,
      m.baselineWh,
      m.baselineDays,
      m.actualWh,
      m.shiftedWh,
      m.reboundWh,
      at,
      m.optOut,
      new Date(m.windowStartMs),
    ],
  );
}

export async function updateEventResult(
  db: Queryable,
  eventId: string,
  result: DrEventResult,
  at: Date,
): Promise<void> {
  await db.query(`UPDATE dr_event SET result = $2::jsonb, measured_at = $3, updated_at = $3 WHERE id = $1`, [
    eventId,
    JSON.stringify(result),
    at,
  ]);
}

/**
 * SQL for the derivation queue (migration 0014): claiming vehicles, keeping and giving back claims,
 * and taking a vehicle off the queue once derived. Requests are added by the telemetry writer
 * (queueDerivation in telemetry.repository.ts), in the transaction that stores their readings.
 *
 * Every lease is measured on the database's clock (clock_timestamp()): the one clock all nodes
 * share, so a node whose own clock is off cannot take a claim early or hold one too long.
 */
import type { Queryable } from '../db/database.js';

export interface QueueClaim {
  readonly vehicleId: number;
  /** Replay from this reading time (ms). */
  readonly fromMs: number;
  /** The row's version when claimed: it is deleted only if still at it. */
  readonly version: number;
  /** The claim was taken over from a worker whose lease ran out. */
  readonly takenOver: boolean;
}

/**
 * Claims up to `limit` vehicles no other worker holds (or whose worker's lease ran out), oldest
 * request first, for `leaseMs`. Rows another worker is claiming at this moment are skipped, not
 * waited for. What was asked until now moves to the claim; requests arriving later gather in
 * from_ms again, for the next round.
 */
export async function claimQueuedVehicles(
  q: Queryable,
  worker: string,
  limit: number,
  leaseMs: number,
): Promise<QueueClaim[]> {
  const { rows } = await q.query<QueueClaim & Record<string, unknown>>(
    `WITH picked AS (
       SELECT vehicle_id, claimed_by IS NOT NULL AS taken_over FROM derive_queue
        WHERE claim_until IS NULL OR claim_until < clock_timestamp()
        ORDER BY queued_at, vehicle_id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
     )
     UPDATE derive_queue q SET
       claimed_by = $1,
       claim_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000),
       claimed_from_ms = LEAST(q.from_ms, CASE WHEN q.claimed_by IS NOT NULL THEN q.claimed_from_ms END),
       claimed_version = q.version,
       from_ms = NULL
       FROM picked p
      WHERE q.vehicle_id = p.vehicle_id
     RETURNING q.vehicle_id AS "vehicleId", q.claimed_from_ms AS "fromMs", q.version, p.taken_over AS "takenOver"`,
    [worker, limit, leaseMs],
  );
  return rows.sort((a, b) => a.vehicleId - b.vehicleId);
}

/** Extends the lease of the claims this worker still holds (a long replay keeps its vehicles). */
export async function renewClaims(
  q: Queryable,
  worker: string,
  vehicleIds: readonly number[],
  leaseMs: number,
): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE derive_queue SET claim_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
      WHERE claimed_by = $1 AND vehicle_id = ANY($2::bigint[])`,
    [worker, vehicleIds, leaseMs],
  );
  return rowCount;
}

/**
 * The vehicle is derived: the row goes if nothing was asked since the claim; otherwise the claim
 * ends and the newer requests (already in from_ms) wait for the next round. A worker whose claim
 * was taken over changes nothing. Runs in the replay's transaction.
 */
export async function completeClaim(q: Queryable, worker: string, claim: QueueClaim): Promise<void> {
  const { rowCount } = await q.query(
    'DELETE FROM derive_queue WHERE vehicle_id = $1 AND claimed_by = $2 AND version = $3',
    [claim.vehicleId, worker, claim.version],
  );
  if (rowCount > 0) return;
  await q.query(
    `UPDATE derive_queue SET claimed_by = NULL, claim_until = NULL, claimed_from_ms = NULL, claimed_version = NULL
      WHERE vehicle_id = $1 AND claimed_by = $2`,
    [claim.vehicleId, worker],
  );
}

/**
 * Gives claims back unfinished: their work returns to from_ms. `retryAfterMs` 0 makes them
 * claimable at once (a worker shutting down); more holds them back that long (a failed replay).
 */
export async function releaseClaims(
  q: Queryable,
  worker: string,
  vehicleIds: readonly number[],
  retryAfterMs = 0,
): Promise<void> {
  await q.query(
    `UPDATE derive_queue SET
       from_ms = LEAST(from_ms, claimed_from_ms),
       claimed_by = NULL, claimed_from_ms = NULL, claimed_version = NULL,
       claim_until = CASE WHEN $3::double precision > 0
                          THEN clock_timestamp() + make_interval(secs => $3::double precision / 1000) END
      WHERE claimed_by = $1 AND vehicle_id = ANY($2::bigint[])`,
    [worker, vehicleIds, retryAfterMs],
  );
}

/** Drops a claimed vehicle from the queue whatever was asked since (it no longer exists). */
export async function dropQueuedVehicle(q: Queryable, worker: string, vehicleId: number): Promise<void> {
  await q.query('DELETE FROM derive_queue WHERE vehicle_id = $1 AND claimed_by = $2', [vehicleId, worker]);
}

/** Whether derivation is waiting or running for the vehicle on any node. */
export async function isVehicleQueued(q: Queryable, vehicleId: number): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM derive_queue WHERE vehicle_id = $1', [vehicleId]);
  return rows.length > 0;
}

export interface QueueRow {
  readonly vehicleId: number;
  readonly fromMs: number | null;
  readonly version: number;
  readonly claimedBy: string | null;
  readonly claimedFromMs: number | null;
}

/** The whole queue, by vehicle (tests, the operator's view). */
export async function listQueue(q: Queryable): Promise<QueueRow[]> {
  const { rows } = await q.query<QueueRow & Record<string, unknown>>(
    `SELECT vehicle_id AS "vehicleId", from_ms AS "fromMs", version, claimed_by AS "claimedBy",
            claimed_from_ms AS "claimedFromMs"
       FROM derive_queue ORDER BY vehicle_id`,
  );
  return rows;
}

/** How much the queue holds, for /metrics: vehicles waiting and claimed, and the oldest request's age. */
export async function queueDepth(q: Queryable): Promise<{ waiting: number; claimed: number; oldestS: number }> {
  const { rows } = await q.query<{ waiting: number; claimed: number; oldest_s: number | null }>(
    `SELECT count(*) FILTER (WHERE claimed_by IS NULL)::int AS waiting,
            count(*) FILTER (WHERE claimed_by IS NOT NULL)::int AS claimed,
            extract(epoch FROM clock_timestamp() - min(queued_at))::float8 AS oldest_s
       FROM derive_queue`,
  );
  const row = rows[0];
  return { waiting: row?.waiting ?? 0, claimed: row?.claimed ?? 0, oldestS: Math.max(0, row?.oldest_s ?? 0) };
}

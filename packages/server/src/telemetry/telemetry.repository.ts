/**
 * SQL for raw telemetry: chunks, per-boot sequence coverage, month partitions, and the device
 * bookkeeping that an accepted batch implies. One function, one query.
 */
import type { Queryable } from '../db/database.js';

export interface ChunkInsert {
  readonly deviceId: number;
  readonly bootId: number;
  readonly seqFirst: number;
  readonly seqLast: number;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly recordCount: number;
  readonly payload: Uint8Array;
}

export interface StreamUpdate {
  readonly deviceId: number;
  readonly bootId: number;
  /** int8multirange text of the newly stored sequence numbers. */
  readonly seqs: string;
  readonly recordCount: number;
  readonly firstAt: Date;
  readonly lastAt: Date;
}

export interface StreamCoverageRow {
  readonly deviceId: number;
  readonly bootId: number;
  readonly seqs: string;
}

export interface ChunkRow {
  readonly bootId: number;
  readonly seqFirst: number;
  readonly startedAt: Date;
  readonly payload: Uint8Array;
}

/** Serialises concurrent writers (threads or processes) per device until the transaction ends. */
export async function lockDevices(q: Queryable, deviceIds: readonly number[]): Promise<void> {
  await q.query('SELECT id FROM device WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE', [deviceIds]);
}

export async function findStreamCoverage(
  q: Queryable,
  pairs: readonly { deviceId: number; bootId: number }[],
): Promise<StreamCoverageRow[]> {
  const { rows } = await q.query<StreamCoverageRow & Record<string, unknown>>(
    `SELECT s.device_id AS "deviceId", s.boot_id AS "bootId", s.seqs::text AS seqs
       FROM telemetry_stream s
       JOIN unnest($1::bigint[], $2::bigint[]) AS p(device_id, boot_id)
         ON s.device_id = p.device_id AND s.boot_id = p.boot_id`,
    [pairs.map((p) => p.deviceId), pairs.map((p) => p.bootId)],
  );
  return rows;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * One multi-row INSERT. Payloads go as top-level parameters, which node-postgres sends in binary;
 * inside an array they would travel as hex text, twice the size.
 */
export async function insertChunks(q: Queryable, chunks: readonly ChunkInsert[]): Promise<void> {
  // PostgreSQL takes at most 65,535 parameters per statement: 1,000 chunks (8,000) at a time.
  for (let start = 0; start < chunks.length; start += 1000) {
    await insertChunkRows(q, chunks.slice(start, start + 1000));
  }
}

async function insertChunkRows(q: Queryable, chunks: readonly ChunkInsert[]): Promise<void> {
  const params: unknown[] = [];
  const rows: string[] = [];
  for (const c of chunks) {
    const n = params.length;
    rows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})`);
    params.push(
      c.deviceId,
      c.startedAt,
      c.bootId,
      c.seqFirst,
      c.seqLast,
      c.endedAt,
      c.recordCount,
      asBuffer(c.payload),
    );
  }
  await q.query(
    `INSERT INTO telemetry_chunk (device_id, started_at, boot_id, seq_first, seq_last, ended_at, record_count, payload)
     VALUES ${rows.join(', ')}`,
    params,
  );
}

export async function upsertStreams(q: Queryable, updates: readonly StreamUpdate[]): Promise<void> {
  await q.query(
    `INSERT INTO telemetry_stream (device_id, boot_id, seqs, record_count, first_at, last_at)
     SELECT d, b, s::int8multirange, n, f, l
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[])
         AS u(d, b, s, n, f, l)
     ON CONFLICT (device_id, boot_id) DO UPDATE SET
       seqs = telemetry_stream.seqs + EXCLUDED.seqs,
       record_count = telemetry_stream.record_count + EXCLUDED.record_count,
       first_at = LEAST(telemetry_stream.first_at, EXCLUDED.first_at),
       last_at = GREATEST(telemetry_stream.last_at, EXCLUDED.last_at),
       updated_at = now()`,
    [
      updates.map((u) => u.deviceId),
      updates.map((u) => u.bootId),
      updates.map((u) => u.seqs),
      updates.map((u) => u.recordCount),
      updates.map((u) => u.firstAt),
      updates.map((u) => u.lastAt),
    ],
  );
}

/**
 * Records that the devices were heard from now; a device not yet active (or removed) becomes
 * active, with a lifecycle event: data arriving means it is installed and working.
 *
 * A device records before its upload arrives (it buffers out of coverage), so it became active
 * when it recorded, not when we heard: at `firstRecordAt`, the earliest record newly stored for it
 * (null when it sent only records stored before: then now). Never before its last lifecycle step
 * (provisioned, shipped, put in or taken out of a vehicle, removed: data stamped before that was
 * not recorded in the car), and never after now (device clocks run ahead). The participant's
 * "installed" is not such a step: it often comes after the device was plugged in, and the
 * device's own data is the better witness of when that was.
 */
export async function markDevicesSeen(
  q: Queryable,
  devices: readonly { readonly deviceId: number; readonly firstRecordAt: Date | null }[],
  activatedFrom: readonly string[],
  now: Date,
): Promise<void> {
  await q.query(
    `WITH target AS (
       SELECT d.id, d.status AS old_status,
              CASE WHEN d.status = ANY($3::text[]) THEN
                LEAST($4::timestamptz, GREATEST(coalesce(u.first_record_at, $4::timestamptz),
                  (SELECT max(e.at) FROM device_event e
                    WHERE e.device_id = d.id
                      AND (e.kind IN ('provisioned', 'assigned', 'unassigned')
                           OR (e.kind = 'status' AND e.status <> 'installed')))))
              END AS activated_at
         FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, first_record_at) JOIN device d ON d.id = u.id
     ), updated AS (
       UPDATE device d SET
         last_seen_at = $4,
         first_seen_at = COALESCE(d.first_seen_at, $4),
         status = CASE WHEN t.old_status = ANY($3::text[]) THEN 'active' ELSE d.status END,
         status_changed_at = CASE WHEN t.old_status = ANY($3::text[]) THEN t.activated_at ELSE d.status_changed_at END
       FROM target t WHERE d.id = t.id
       RETURNING d.id, t.old_status, t.activated_at
     )
     INSERT INTO device_event (device_id, at, kind, status, note)
     SELECT id, activated_at, 'status', 'active',
            CASE WHEN old_status = 'removed' THEN 'data received again' ELSE 'first data received' END
       FROM updated WHERE old_status = ANY($3::text[])`,
    [devices.map((d) => d.deviceId), devices.map((d) => d.firstRecordAt), activatedFrom, now],
  );
}

/**
 * Queues the vehicles whose readings these chunks are for derivation (the derivation queue of
 * migration 0014), in the transaction that stores them: one statement per group. A device's
 * readings belong to the vehicle it was assigned to when they were taken (its first assignment
 * also takes what it recorded before: the same windows as derivation reads, see
 * vehicleDeviceWindows). Each vehicle is asked to replay from the earliest chunk start inside
 * its window (never later than its earliest new reading); a vehicle already queued keeps the
 * earlier time and its version is bumped, so a worker deriving it meanwhile leaves it queued.
 * Vehicles are upserted in id order, so concurrent groups never wait on each other in a circle.
 */
/** The PostgreSQL notification channel on which a commit that queued derivation wakes the workers. */
export const DERIVE_QUEUE_CHANNEL = 'smartcharge_derive_queue';

export async function queueDerivation(
  q: Queryable,
  chunks: readonly { readonly deviceId: number; readonly startedAt: Date; readonly endedAt: Date }[],
): Promise<void> {
  // The notice reaches the workers listening on PostgreSQL when this transaction commits (one per
  // transaction however often it is sent), so a worker on another node starts at once.
  await q.query(
    `WITH queued AS (
     INSERT INTO derive_queue AS dq (vehicle_id, from_ms, queued_at)
     SELECT w.vehicle_id, min(GREATEST(c.first_ms, w.from_ms)), now()
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS c(device_id, first_ms, last_ms)
       JOIN LATERAL (
         SELECT a.vehicle_id,
                CASE WHEN EXISTS (SELECT 1 FROM device_assignment b
                                   WHERE b.device_id = a.device_id AND (b.assigned_at, b.id) < (a.assigned_at, a.id))
                     THEN floor(extract(epoch FROM a.assigned_at) * 1000)::bigint END AS from_ms,
                ceil(extract(epoch FROM a.unassigned_at) * 1000)::bigint AS to_ms
           FROM device_assignment a WHERE a.device_id = c.device_id
       ) w ON (w.from_ms IS NULL OR c.last_ms >= w.from_ms) AND (w.to_ms IS NULL OR c.first_ms < w.to_ms)
      GROUP BY w.vehicle_id
      ORDER BY w.vehicle_id
     ON CONFLICT (vehicle_id) DO UPDATE SET
       from_ms = LEAST(dq.from_ms, EXCLUDED.from_ms),
       version = dq.version + 1,
       queued_at = CASE WHEN dq.from_ms IS NULL THEN EXCLUDED.queued_at ELSE dq.queued_at END
     RETURNING 1)
     SELECT pg_notify('${DERIVE_QUEUE_CHANNEL}', '') FROM (SELECT 1 FROM queued LIMIT 1) AS any_queued`,
    [chunks.map((c) => c.deviceId), chunks.map((c) => c.startedAt.getTime()), chunks.map((c) => c.endedAt.getTime())],
  );
}

/** Chunks of a device that may hold records in [from, to): a chunk never spans two UTC days. */
export async function findChunks(q: Queryable, deviceId: number, from: Date, to: Date): Promise<ChunkRow[]> {
  const dayStart = new Date(Math.floor(from.getTime() / 86_400_000) * 86_400_000);
  const { rows } = await q.query<ChunkRow & Record<string, unknown>>(
    `SELECT boot_id AS "bootId", seq_first AS "seqFirst", started_at AS "startedAt", payload
       FROM telemetry_chunk
      WHERE device_id = $1 AND started_at >= $2 AND started_at < $3 AND ended_at >= $4
      ORDER BY started_at, boot_id, seq_first`,
    [deviceId, dayStart, to, from],
  );
  return rows;
}

export async function countStoredRecords(q: Queryable): Promise<{ records: number; chunks: number }> {
  const { rows } = await q.query<{ records: number; chunks: number }>(
    'SELECT coalesce(sum(record_count), 0)::bigint AS records, count(*)::bigint AS chunks FROM telemetry_chunk',
  );
  return rows[0]!;
}

/** Bytes on disk for raw telemetry: every partition's table, TOAST and indexes, plus the stream table. */
export async function telemetryStorageBytes(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ bytes: number }>(
    `SELECT (coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)
             + pg_total_relation_size('telemetry_stream'))::bigint AS bytes
       FROM pg_inherits i WHERE i.inhparent = 'telemetry_chunk'::regclass`,
  );
  return rows[0]!.bytes;
}

export async function listChunkPartitions(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'telemetry_chunk'::regclass ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

/** Creates the partition for one UTC month (`month` is 1–12) if it does not exist. */
export async function createChunkPartition(q: Queryable, year: number, month: number): Promise<void> {
  const name = chunkPartitionName(year, month);
  const from = `${year}-${String(month).padStart(2, '0')}-01 00:00:00+00`;
  const nextYear = month === 12 ? year + 1 : year;
  const nextMonth = month === 12 ? 1 : month + 1;
  const to = `${nextYear}-${String(nextMonth).padStart(2, '0')}-01 00:00:00+00`;
  await q.exec(
    `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF telemetry_chunk FOR VALUES FROM ('${from}') TO ('${to}')`,
  );
}

export function chunkPartitionName(year: number, month: number): string {
  if (!Number.isInteger(year) || year < 1970 || year > 9999 || !Number.isInteger(month) || month < 1 || month > 12) {
    throw new RangeError(`bad partition month ${year}-${month}`);
  }
  return `telemetry_chunk_${year}_${String(month).padStart(2, '0')}`;
}

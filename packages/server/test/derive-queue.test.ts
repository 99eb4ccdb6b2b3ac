/**
 * The durable derivation queue (migration 0014): ingest queues each vehicle in the transaction
 * that stores its readings, workers claim vehicles with FOR UPDATE SKIP LOCKED under a lease.
 *
 * On PostgreSQL, several workers (each its own connection pool, as separate nodes would be) share
 * one database: they split the vehicles, never hold one at the same time, and what they derive
 * equals a rebuild; a worker that died holds its vehicles only until its lease runs out. On PGlite,
 * the single-process path: a local commit wakes the local worker, and work left queued when the
 * server was killed is derived when it starts again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { basicAuthorization, PROTOCOL_VERSION, UPLINK_HTTP_PATH, type TUplinkRecord } from '@smartcharge/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import type { Database, Queryable } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openPostgres } from '../src/db/postgres.js';
import {
  claimQueuedVehicles,
  completeClaim,
  listQueue,
  releaseClaims,
  type QueueClaim,
} from '../src/derive/derive-queue.repository.js';
import type { WorkerEvent } from '../src/derive/derive-queue.js';
import type { Services } from '../src/services.js';
import { batchOf, testServices, uniqueSerial } from './support/builders.js';
import { derivedRows } from './support/derived-rows.js';
import { createPostgresDatabase, describeEachKind, openTemplatePGlite } from './support/databases.js';
import { freePort, startServerProcess, type ServerProcess } from './support/processes.js';
import { telemetryStream, thenUnplugged } from './support/telemetry-fixtures.js';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12);
const BATCH = 600;

interface TestVehicle {
  readonly vehicleId: number;
  readonly serial: string;
  readonly secret: string;
}

async function createVehicles(services: Services, count: number): Promise<TestVehicle[]> {
  const vehicles: TestVehicle[] = [];
  for (let i = 0; i < count; i++) {
    const vehicle = await services.vehicles.createVehicle(CLI_OPERATOR, {
      make: 'Hyundai',
      model: 'Kona Electric',
      modelYear: 2019,
    });
    const serial = uniqueSerial('C2-QUEUE');
    const issued = await services.devices.provisionDevice(CLI_OPERATOR, { serial, vehicleId: vehicle.id });
    vehicles.push({ vehicleId: vehicle.id, serial, secret: issued.secret });
  }
  return vehicles;
}

/** A drive, then a charge, then unplugged: a trip and a session to derive. */
function readingsOf(index: number, startMs: number, firstSeq = 0): TUplinkRecord[] {
  return thenUnplugged(
    telemetryStream({ startMs, firstSeq, driveSeconds: 900, chargeSeconds: 1500, seed: 100 + index }),
  );
}

async function send(services: Services, vehicle: TestVehicle, records: readonly TUplinkRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += BATCH) {
    const result = await services.ingest.ingest({
      transport: 'http',
      body: JSON.stringify(batchOf(vehicle.serial, 1, records.slice(i, i + BATCH))),
      auth: { kind: 'credential', credential: { serial: vehicle.serial, secret: vehicle.secret } },
    });
    expect(result.ack.ok, JSON.stringify(result.ack)).toBe(true);
  }
}

async function tripCount(q: Queryable, vehicleIds: readonly number[]): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM trip WHERE vehicle_id = ANY($1)', [
    vehicleIds,
  ]);
  return rows[0]!.n;
}

/** Waits (bounded) until the queue is empty; returns what is left. */
async function drained(q: Queryable, tries = 400): Promise<readonly unknown[]> {
  for (let i = 0; i < tries; i++) {
    const left = await listQueue(q);
    if (left.length === 0) return left;
    await sleep(50);
  }
  return listQueue(q);
}

/** A worker's events, stamped with who and when, for the "never twice at once" check. */
interface Stamped extends WorkerEvent {
  readonly worker: string;
  readonly at: number;
}

/** For each vehicle, whether two replays ever overlapped (a start before the previous one ended). */
function overlaps(events: readonly Stamped[]): string[] {
  const problems: string[] = [];
  const open = new Map<number, Stamped>();
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    if (e.kind === 'started') {
      const other = open.get(e.vehicleId);
      if (other) problems.push(`vehicle ${e.vehicleId}: ${e.worker} started while ${other.worker} was replaying it`);
      open.set(e.vehicleId, e);
    } else {
      open.delete(e.vehicleId);
    }
  }
  return problems;
}

describeEachKind(
  'the derivation queue across workers',
  () => {
    const pools: Database[] = [];
    let url = '';
    let drop: (() => Promise<void>) | undefined;
    let ingest: Services;
    let workers: Services[];
    const events: Stamped[] = [];

    beforeAll(async () => {
      const created = await createPostgresDatabase();
      drop = created.drop;
      url = created.url;
      const open = async () => {
        const db = await openPostgres(created.url, { maxConnections: 4 });
        pools.push(db);
        return db;
      };
      const ingestDb = await open();
      await migrate(ingestDb);
      // The ingest node queues derivation but does none; two worker nodes, each on its own pool.
      ingest = await testServices(ingestDb, { deriveLive: true }, () => new Date(NOW));
      await ingest.derive.stopWorker();
      workers = [];
      for (const name of ['worker-1', 'worker-2']) {
        const services = await testServices(await open(), { deriveLive: false }, () => new Date(NOW));
        services.derive.worker.observe((e) => events.push({ ...e, worker: name, at: performance.now() }));
        workers.push(services);
      }
    }, 60_000);

    // Each test starts the workers it needs.
    afterEach(async () => {
      for (const worker of workers) await worker.derive.stopWorker();
    });

    afterAll(async () => {
      for (const services of [ingest, ...(workers ?? [])]) await services?.derive.close();
      for (const db of pools) await db.close();
      await drop?.();
    });

    it('queues each vehicle once, in the transaction of its readings, from the earliest reading', async () => {
      const [vehicle] = await createVehicles(ingest, 1);
      const records = readingsOf(0, NOW - 2 * DAY_MS);
      await send(ingest, vehicle!, records);
      const row = (await listQueue(ingest.db)).find((r) => r.vehicleId === vehicle!.vehicleId);
      // Five batches: one row, asked for five times, from the first reading.
      expect(row).toMatchObject({ fromMs: records[0]!.time_ms, version: Math.ceil(records.length / BATCH) });
      expect(row!.claimedBy).toBeNull();
      expect(await tripCount(ingest.db, [vehicle!.vehicleId])).toBe(0);
      // A late batch from earlier the same day moves the replay back to it.
      const earlier = readingsOf(9, NOW - 2 * DAY_MS - 3 * 3_600_000, records.length).slice(0, 100);
      await send(ingest, vehicle!, earlier);
      const moved = (await listQueue(ingest.db)).find((r) => r.vehicleId === vehicle!.vehicleId);
      expect(moved!.fromMs).toBe(earlier[0]!.time_ms);
    });

    it('never hands the same vehicle to two workers claiming at once', async () => {
      await ingest.db.query('DELETE FROM derive_queue');
      const ids = Array.from({ length: 40 }, (_, i) => 900_000 + i);
      await ingest.db.query(
        'INSERT INTO derive_queue (vehicle_id, from_ms) SELECT id, 0 FROM unnest($1::bigint[]) AS u(id)',
        [ids],
      );
      const claimed: { worker: string; claim: QueueClaim }[] = [];
      const claimAll = async (db: Database, worker: string) => {
        for (let round = 0; round < 100; round++) {
          const claims = await claimQueuedVehicles(db, worker, 3, 30_000);
          if (claims.length === 0) return;
          for (const claim of claims) claimed.push({ worker, claim });
        }
      };
      await Promise.all([claimAll(workers[0]!.db, 'a'), claimAll(workers[1]!.db, 'b'), claimAll(ingest.db, 'c')]);
      expect(claimed.map((c) => c.claim.vehicleId).sort((x, y) => x - y)).toEqual(ids);
      // Every row is held by the worker it was handed to; nobody can claim it while the lease holds.
      const held = await listQueue(ingest.db);
      expect(held.map((r) => [r.vehicleId, r.claimedBy])).toEqual(
        claimed.map((c) => [c.claim.vehicleId, c.worker]).sort((x, y) => (x[0] as number) - (y[0] as number)),
      );
      expect(await claimQueuedVehicles(workers[0]!.db, 'd', 10, 30_000)).toEqual([]);
      for (const { worker, claim } of claimed) await completeClaim(ingest.db, worker, claim);
      expect(await listQueue(ingest.db)).toEqual([]);
    });

    it('keeps a vehicle queued, from the new reading only, when a batch lands while it is replayed', async () => {
      const [vehicle] = await createVehicles(ingest, 1);
      const records = readingsOf(1, NOW - 2 * DAY_MS);
      await send(ingest, vehicle!, records.slice(0, 1200));
      const [claim] = await claimQueuedVehicles(workers[0]!.db, 'replaying', 10, 30_000);
      expect(claim).toMatchObject({ vehicleId: vehicle!.vehicleId, fromMs: records[0]!.time_ms, takenOver: false });
      await send(ingest, vehicle!, records.slice(1200));
      await completeClaim(workers[0]!.db, 'replaying', claim!);
      expect(await listQueue(ingest.db)).toEqual([
        {
          vehicleId: vehicle!.vehicleId,
          fromMs: records[1200]!.time_ms,
          version: claim!.version + Math.ceil((records.length - 1200) / BATCH),
          claimedBy: null,
          claimedFromMs: null,
        },
      ]);
      await ingest.db.query('DELETE FROM derive_queue');
    });

    it('splits the vehicles between two workers, derives each once and never twice at once, as a rebuild would', async () => {
      const vehicles = await createVehicles(ingest, 10);
      const ids = vehicles.map((v) => v.vehicleId);
      for (const [i, vehicle] of vehicles.entries()) await send(ingest, vehicle, readingsOf(i, NOW - 2 * DAY_MS));
      expect((await listQueue(ingest.db)).map((r) => r.vehicleId)).toEqual(vehicles.map((v) => v.vehicleId));
      events.length = 0;
      for (const worker of workers) worker.derive.startWorker({ batch: 2, pollMs: 50 });
      expect(await drained(ingest.db)).toEqual([]);
      await Promise.all(workers.map((w) => w.derive.idle()));

      const derived = events.filter((e) => e.kind === 'derived');
      expect(derived.map((e) => e.vehicleId).sort((a, b) => a - b)).toEqual(vehicles.map((v) => v.vehicleId));
      expect(new Set(derived.map((e) => e.worker))).toEqual(new Set(['worker-1', 'worker-2']));
      expect(events.filter((e) => e.kind === 'failed')).toEqual([]);
      expect(overlaps(events)).toEqual([]);

      const live = await derivedRows(ingest.db, { vehicleIds: ids });
      expect(
        await tripCount(
          ingest.db,
          vehicles.map((v) => v.vehicleId),
        ),
      ).toBeGreaterThanOrEqual(vehicles.length);
      await ingest.derive.rebuild(CLI_OPERATOR, {});
      expect(await derivedRows(ingest.db, { vehicleIds: ids })).toEqual(live);
    });

    it('takes over the vehicles of a worker that died once its lease runs out', async () => {
      const vehicles = await createVehicles(ingest, 2);
      const ids = vehicles.map((v) => v.vehicleId);
      for (const [i, vehicle] of vehicles.entries()) await send(ingest, vehicle, readingsOf(20 + i, NOW - DAY_MS));
      // A worker claims both and dies: its connections go, its rows stay claimed until the lease ends.
      const dead = await openPostgres(url, { maxConnections: 1 });
      const claims = await claimQueuedVehicles(dead, 'dead-host:1:0', 10, 3000);
      await dead.close();
      expect(claims.map((c) => c.vehicleId)).toEqual(vehicles.map((v) => v.vehicleId));

      events.length = 0;
      const survivor = workers[1]!;
      survivor.derive.startWorker({ pollMs: 100 });
      // Its first look at the queue finds the vehicles held.
      await survivor.derive.worker.idle();
      expect((await listQueue(ingest.db)).map((r) => r.claimedBy)).toEqual(['dead-host:1:0', 'dead-host:1:0']);
      expect(
        await tripCount(
          ingest.db,
          vehicles.map((v) => v.vehicleId),
        ),
      ).toBe(0);

      expect(await drained(ingest.db)).toEqual([]);
      await survivor.derive.idle();
      const derived = events.filter((e) => e.kind === 'derived');
      expect(derived.map((e) => [e.vehicleId, e.takenOver])).toEqual(vehicles.map((v) => [v.vehicleId, true]));
      const live = await derivedRows(ingest.db, { vehicleIds: ids });
      expect(
        await tripCount(
          ingest.db,
          vehicles.map((v) => v.vehicleId),
        ),
      ).toBeGreaterThanOrEqual(2);
      await ingest.derive.rebuild(CLI_OPERATOR, {});
      expect(await derivedRows(ingest.db, { vehicleIds: ids })).toEqual(live);
    }, 60_000);

    it('gives claims back at once when a worker stops, for the next worker', async () => {
      const vehicles = await createVehicles(ingest, 3);
      for (const [i, vehicle] of vehicles.entries()) await send(ingest, vehicle, readingsOf(30 + i, NOW - DAY_MS));
      const claims = await claimQueuedVehicles(workers[0]!.db, 'stopping', 10, 30_000);
      expect(claims).toHaveLength(3);
      await releaseClaims(workers[0]!.db, 'stopping', [claims[1]!.vehicleId, claims[2]!.vehicleId]);
      const again = await claimQueuedVehicles(workers[1]!.db, 'next', 10, 30_000);
      expect(again.map((c) => [c.vehicleId, c.fromMs])).toEqual(claims.slice(1).map((c) => [c.vehicleId, c.fromMs]));
      await releaseClaims(workers[0]!.db, 'stopping', [claims[0]!.vehicleId]);
      await releaseClaims(
        workers[1]!.db,
        'next',
        again.map((c) => c.vehicleId),
      );
      workers[0]!.derive.startWorker({ pollMs: 50 });
      expect(await drained(ingest.db)).toEqual([]);
    });

    it("is woken by another node's commit (NOTIFY), with no polling at all", async () => {
      await ingest.db.query('DELETE FROM derive_queue');
      // No poll: only the start's own look at the queue, then notices.
      workers[1]!.derive.startWorker({ pollMs: 0 });
      await workers[1]!.derive.worker.listening();
      await workers[1]!.derive.worker.idle();
      const [vehicle] = await createVehicles(ingest, 1);
      await send(ingest, vehicle!, readingsOf(40, NOW - DAY_MS));
      expect(await drained(ingest.db)).toEqual([]);
      expect(await tripCount(ingest.db, [vehicle!.vehicleId])).toBeGreaterThan(0);
    });
  },
  ['postgres'],
);

describe('the derivation queue in one process [pglite]', () => {
  let db: Database;
  let services: Services;

  beforeAll(async () => {
    db = await openTemplatePGlite();
    services = await testServices(db, { deriveLive: true }, () => new Date(NOW));
  });

  afterAll(async () => {
    await services?.derive.close();
    await db?.close();
  });

  it('derives as batches commit, woken by the commit, and leaves the queue empty', async () => {
    const vehicles = await createVehicles(services, 3);
    const ids = vehicles.map((v) => v.vehicleId);
    for (const [i, vehicle] of vehicles.entries()) await send(services, vehicle, readingsOf(i, NOW - 2 * DAY_MS));
    await services.derive.idle();
    expect(await listQueue(db)).toEqual([]);
    const live = await derivedRows(db, { vehicleIds: ids });
    expect(
      await tripCount(
        db,
        vehicles.map((v) => v.vehicleId),
      ),
    ).toBeGreaterThanOrEqual(3);
    await services.derive.rebuild(CLI_OPERATOR, {});
    expect(await derivedRows(db, { vehicleIds: ids })).toEqual(live);
  });

  it('derives at start what was left queued before', async () => {
    const [vehicle] = await createVehicles(services, 1);
    await services.derive.stopWorker();
    await send(services, vehicle!, readingsOf(7, NOW - DAY_MS));
    await services.derive.idle();
    expect((await listQueue(db)).map((r) => r.vehicleId)).toEqual([vehicle!.vehicleId]);
    expect(await tripCount(db, [vehicle!.vehicleId])).toBe(0);
    // The next start on the same database.
    const next = await testServices(db, { deriveLive: true }, () => new Date(NOW));
    next.derive.startWorker({ pollMs: 0 });
    await next.derive.idle();
    expect(await listQueue(db)).toEqual([]);
    expect(await tripCount(db, [vehicle!.vehicleId])).toBeGreaterThanOrEqual(1);
    await next.derive.close();
  });
});

describe('a server killed with derivation queued [pglite, processes]', () => {
  const ADMIN_TOKEN = 'derive-queue-kill-operator-token-0123';
  let dir = '';
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('derives it when started again', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-queue-kill-'));
    const env = {
      SMARTCHARGE_DATA_DIR: dir,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN,
      INGEST_RATE_LIMIT_PER_MIN: '100000',
      JOBS: 'false',
    };
    const admin = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${server!.url}/api/v1/admin${route}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      expect(response.status, `${method} ${route}: ${text}`).toBeLessThan(300);
      return JSON.parse(text) as Record<string, unknown>;
    };
    // Without the worker role the server queues derivation and does none: work is sure to be left.
    server = await startServerProcess({ ...env, ROLES: 'ingest,api' });
    const vehicle = await admin('POST', '/vehicles', { make: 'Hyundai', model: 'Kona Electric', modelYear: 2019 });
    const serial = uniqueSerial('C2-QKILL');
    const device = await admin('POST', '/devices', { serial, vehicleId: vehicle.id });
    const records = readingsOf(3, Date.now() - 3 * 3_600_000);
    for (let i = 0; i < records.length; i += BATCH) {
      const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: basicAuthorization({ serial, secret: device.secret as string }),
        },
        body: JSON.stringify({ v: PROTOCOL_VERSION, device: serial, boot: 1, records: records.slice(i, i + BATCH) }),
      });
      expect(response.status, await response.text()).toBe(200);
    }
    expect((await admin('GET', `/vehicles/${String(vehicle.id)}/trips`)).trips).toEqual([]);
    await server.kill('SIGKILL');

    server = await startServerProcess(env);
    let trips: unknown[] = [];
    for (let i = 0; i < 200 && trips.length === 0; i++) {
      trips = (await admin('GET', `/vehicles/${String(vehicle.id)}/trips`)).trips as unknown[];
      if (trips.length === 0) await sleep(100);
    }
    expect(trips.length).toBeGreaterThanOrEqual(1);
    expect(await server.kill('SIGTERM')).toBe(0);
  }, 120_000);
});

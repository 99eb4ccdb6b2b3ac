/**
 * npm run bench:web — how fast the web app's API answers under load: the driver's dashboard (30
 * days of daily rollups), the trip list (the newest 50 trips, the page's first) and the administrator's grid view
 * (the last 30 days, and a whole year), with 1,000 vehicles × 1 year of derived data, at 50
 * concurrent users, each its own session. In the same run, the same load on a trivial endpoint
 * (GET /healthz: one `SELECT 1`) is the baseline: the ratios say what our work costs over the
 * HTTP stack, the session cookie and a database round trip.
 *
 * Data: `--seeds` simulated vehicles (different models) drive and charge for `--days` days at 1 Hz;
 * their readings go through ingest and `rebuild`, as in production. Their derived rows (trips,
 * sessions, segments, weekly battery health, daily rollups) are then copied, in SQL, to the other
 * vehicles up to `--vehicles`, so every vehicle has a real year (the copies repeat the seeds'). Each
 * of the 50 drivers owns one vehicle; the administrators belong to the program's utility.
 *
 * The server is the real `smartcharge serve`, a separate process (so the load generator,
 * autocannon, does not share its event loop), on each database in turn. Each endpoint is loaded
 * twice:
 *   - paced: each of the 50 users sends `--rate` requests a second (2: a page view every
 *     second or so makes several calls), each user at its own moment; latencies count from
 *     when a request was due (no coordinated omission), so a server that falls behind shows it.
 *     This is the load the targets are read against.
 *   - flat out (autocannon): each user sends its next request as soon as the last is answered,
 *     50 always in flight: the most the machine serves (requests a second), and latency at
 *     saturation.
 *
 * Options: --vehicles N (1000), --days N (365), --seeds N (4), --users N (50), --seconds N (10
 * per endpoint and load), --rate N (2 requests a second per user, paced), --db postgres|pglite|both (both), --keep (leave the database or data folder
 * behind, and say where, to look into it), --reuse URL (a PostgreSQL database kept by an earlier
 * run: no seeding, the same users signed in again). BENCH_DATABASE_URL names the PostgreSQL server
 * (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildFleet, FleetRunner, type UplinkTransport } from '@smartcharge/device';
import type { DeviceCredential, TUplinkBatch } from '@smartcharge/protocol';
import { SYSTEM } from '../src/actor.js';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { pgliteDir } from '../src/db/open.js';
import { openPGlite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import { SESSION_COOKIE } from '../src/http/session-auth.js';
import type { Services } from '../src/services.js';
import { testServices } from '../test/support/builders.js';
import { startServerProcess } from '../test/support/processes.js';
import { PROGRAM_DAYS_FROM_VEHICLE_DAYS } from '../test/support/program-days.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';

const { values: args } = parseArgs({
  options: {
    vehicles: { type: 'string', default: '1000' },
    days: { type: 'string', default: '365' },
    seeds: { type: 'string', default: '4' },
    users: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2' },
    db: { type: 'string', default: 'both' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const VEHICLES = Number(args.vehicles);
const DAYS = Number(args.days);
const SEEDS = Math.min(Number(args.seeds), VEHICLES);
const USERS = Number(args.users);
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);
for (const [name, value] of Object.entries({ vehicles: VEHICLES, days: DAYS, seeds: SEEDS, users: USERS })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1`);
}
if (USERS > VEHICLES)
  throw new Error(`--users (${USERS}) cannot be more than --vehicles (${VEHICLES}): each driver owns one`);
const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAY_MS = 86_400_000;
const PROGRAM = 'alectra';
const UTILITY = 'Alectra Utilities';
const PASSWORD = 'bench-password-1234';
// The history ends at the start of this hour, so "the last 30 days" is full of data.
const END = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const START = END - DAYS * DAY_MS;
/** The derived tables, each keyed by vehicle; copied as they are, with the copy's vehicle id. */
const DERIVED_TABLES = ['trip', 'charge_session', 'charge_segment', 'battery_health', 'vehicle_day'] as const;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(line);

interface Seeded {
  /** The drivers' session tokens and their vehicles, one each. */
  readonly drivers: { token: string; vehicleId: number }[];
  /** Administrators' session tokens (one per concurrent user). */
  readonly admins: string[];
}

/** Simulates the seed vehicles into the database, derives them and copies them to the whole fleet. */
async function seed(db: Database, label: string): Promise<Seeded> {
  await migrate(db);
  const services = await testServices(db, { ingestMaxAgeDays: DAYS + 30, deriveLive: false });
  try {
    await services.programs.ensurePreset(SYSTEM, PROGRAM);
    const fleet = buildFleet({ program: PROGRAM, vehicles: SEEDS, seed: 7, startMs: START, serialPrefix: 'BENCH' });
    const credentials = new Map<string, DeviceCredential>();
    const seedIds: number[] = [];
    for (const sim of fleet) {
      const vehicle = await services.vehicles.createVehicle(SYSTEM, {
        make: sim.spec.model.make,
        model: sim.spec.model.model,
        modelYear: sim.spec.modelYear,
        variant: sim.spec.variant.name,
        program: PROGRAM,
      });
      seedIds.push(vehicle.id);
      const issued = await services.devices.provisionDevice(SYSTEM, { serial: sim.spec.serial, vehicleId: vehicle.id });
      credentials.set(sim.spec.serial, { serial: sim.spec.serial, secret: issued.secret });
    }
    const transport: UplinkTransport = {
      name: 'in-process',
      async send(batch: TUplinkBatch) {
        const result = await services.ingest.ingest({
          transport: 'http',
          body: JSON.stringify(batch),
          auth: { kind: 'credential', credential: credentials.get(batch.device)! },
        });
        return result.ack;
      },
      close: () => Promise.resolve(),
    };
    let started = performance.now();
    const runner = new FleetRunner(fleet, { transportFor: () => transport }, { device: { batchRecords: 3600 } });
    await runner.run({ untilMs: END, stepMs: 6 * 3_600_000, uploads: 'backfill' });
    const rebuilt = await services.derive.rebuild(SYSTEM, {});
    log(
      `${label}: ${SEEDS} seed vehicles × ${DAYS} days simulated, ingested and derived in ${seconds(performance.now() - started)} ` +
        `(${runner.recordsProduced.toLocaleString('en-US')} readings; ${rebuilt.results.reduce((a, r) => a + r.trips, 0)} trips)`,
    );

    // The copies: new vehicle rows like their seed's, then every derived row with the copy's id.
    started = performance.now();
    await db.transaction(async (tx) => {
      await tx.query('CREATE TABLE bench_copy (src bigint NOT NULL, dst bigint NOT NULL)');
      for (let n = SEEDS; n < VEHICLES; n++) {
        const src = seedIds[n % SEEDS]!;
        await tx.query(
          `WITH copy AS (
             INSERT INTO vehicle (make, model, model_year, program_id, catalog_model_id, catalog_variant)
             SELECT make, model, model_year, program_id, catalog_model_id, catalog_variant FROM vehicle WHERE id = $1
             RETURNING id)
           INSERT INTO bench_copy (src, dst) SELECT $1, id FROM copy`,
          [src],
        );
      }
      for (const table of DERIVED_TABLES) {
        const { rows } = await tx.query<{ name: string }>(
          `SELECT column_name AS name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = $1 AND column_name <> 'vehicle_id'
            ORDER BY ordinal_position`,
          [table],
        );
        const columns = rows.map((r) => `"${r.name}"`).join(', ');
        await tx.query(
          `INSERT INTO ${table} (vehicle_id, ${columns})
           SELECT c.dst, ${rows.map((r) => `t."${r.name}"`).join(', ')} FROM ${table} t JOIN bench_copy c ON c.src = t.vehicle_id`,
        );
      }
      await tx.query('DROP TABLE bench_copy');
      // The copies' days went in by SQL, not through derivation: the programs' daily sums again.
      await tx.query('DELETE FROM program_day');
      await tx.query(`INSERT INTO program_day ${PROGRAM_DAYS_FROM_VEHICLE_DAYS}`);
    });
    await db.query('ANALYZE');
    const counts: Record<string, number> = {};
    for (const table of ['vehicle', ...DERIVED_TABLES, 'program_day']) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      counts[table] = rows[0]!.n;
    }
    log(
      `${label}: copied to ${VEHICLES} vehicles in ${seconds(performance.now() - started)}: ` +
        Object.entries(counts)
          .map(([t, n]) => `${n.toLocaleString('en-US')} ${t}`)
          .join(', '),
    );

    // The users: each driver owns one vehicle (seeds first, then copies); administrators of the utility.
    const { rows: vehicles } = await db.query<{ id: number }>(
      'SELECT id::int AS id FROM vehicle ORDER BY id LIMIT $1',
      [USERS],
    );
    for (const [n, vehicle] of vehicles.entries()) {
      const account = await services.accounts.createAccount(SYSTEM, {
        email: driverEmail(n),
        name: `Driver ${n}`,
        role: 'driver',
        password: PASSWORD,
      });
      await db.query('UPDATE vehicle SET owner_account_id = $1 WHERE id = $2', [account.id, vehicle.id]);
    }
    await services.accounts.createAccount(SYSTEM, {
      email: ADMIN_EMAIL,
      name: 'Bench Administrator',
      role: 'program_admin',
      utility: UTILITY,
      password: PASSWORD,
    });
    return await signIn(db, services);
  } finally {
    await services.derive.close();
    await services.writer.close();
  }
}

const driverEmail = (n: number) => `driver${n}@bench.invalid`;
const ADMIN_EMAIL = 'admin@bench.invalid';

/** A session for each driver (with the vehicle they own) and `USERS` sessions of the administrator. */
async function signIn(db: Database, services: Services): Promise<Seeded> {
  const drivers: Seeded['drivers'] = [];
  for (let n = 0; n < USERS; n++) {
    const signedIn = await services.accounts.signIn({ email: driverEmail(n), password: PASSWORD }, '127.0.0.1');
    const { rows } = await db.query<{ id: number }>('SELECT id::int AS id FROM vehicle WHERE owner_account_id = $1', [
      signedIn.account.id,
    ]);
    drivers.push({ token: signedIn.token, vehicleId: rows[0]!.id });
  }
  const admins: string[] = [];
  for (let n = 0; n < USERS; n++) {
    admins.push((await services.accounts.signIn({ email: ADMIN_EMAIL, password: PASSWORD }, '127.0.0.1')).token);
  }
  return { drivers, admins };
}

interface Latency {
  readonly endpoint: string;
  readonly paced: boolean;
  readonly requests: number;
  readonly perSecond: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly target?: number;
}

/** One endpoint under `USERS` connections, each a user with its own cookie and path, for SECONDS. */
/** One endpoint under `USERS` users (each its own cookie and path), for SECONDS: paced or flat out. */
async function load(
  base: string,
  endpoint: string,
  users: readonly { token: string; path: string }[],
  paced: boolean,
  target?: number,
): Promise<Latency> {
  return paced ? pacedLoad(base, endpoint, users, target) : flatOut(base, endpoint, users, target);
}

/**
 * Each user sends a request every 1/RATE s, starting at its own moment (users do not click in
 * step; autocannon's connectionRate fires every connection at once, a burst of 50 each tick).
 * A request's latency counts from when it was due, so an answer that comes late, and delays the
 * user's next request, counts its delay too (no coordinated omission). Sub-millisecond times.
 */
async function pacedLoad(
  base: string,
  endpoint: string,
  users: readonly { token: string; path: string }[],
  target?: number,
): Promise<Latency> {
  const interval = 1000 / RATE;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  const latencies: number[] = [];
  let errors = 0;
  await Promise.all(
    users.map(async (user, n) => {
      let due = start + (interval * n) / users.length;
      const headers = user.token ? { cookie: `${SESSION_COOKIE}=${user.token}` } : undefined;
      while (due < end) {
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        try {
          const response = await fetch(base + user.path, headers ? { headers } : {});
          await response.arrayBuffer();
          if (!response.ok) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - due);
        due += interval;
      }
    }),
  );
  if (errors > 0) log(`${endpoint}: ${errors} requests failed`);
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    endpoint,
    paced: true,
    requests: sorted.length,
    perSecond: sorted.length / ((performance.now() - start) / 1000),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    errors,
    ...(target === undefined ? {} : { target }),
  };
}

/** autocannon: every user sends its next request as soon as the last is answered. */
async function flatOut(
  base: string,
  endpoint: string,
  users: readonly { token: string; path: string }[],
  target?: number,
): Promise<Latency> {
  let next = 0;
  const result = await autocannon({
    url: base,
    connections: users.length,
    duration: SECONDS,
    setupClient(client) {
      const user = users[next++ % users.length]!;
      // setRequests: every request of this connection (setRequest changes only the next one).
      client.setRequests([
        { method: 'GET', path: user.path, headers: user.token ? { cookie: `${SESSION_COOKIE}=${user.token}` } : {} },
      ]);
    },
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) {
    const codes = Object.entries(result.statusCodeStats ?? {})
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${count} × HTTP ${code}`);
    log(`${endpoint}: ${[...codes, `${result.errors} errors`, `${result.timeouts} timeouts`].join(', ')}`);
  }
  return {
    endpoint,
    paced: false,
    requests: result.requests.total,
    perSecond: result.requests.average,
    mean: result.latency.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: failed,
    ...(target === undefined ? {} : { target }),
  };
}

async function benchDatabase(
  label: string,
  db: Database,
  env: Record<string, string>,
  reuse = false,
): Promise<Latency[]> {
  let seeded: Seeded;
  try {
    if (reuse) {
      await migrate(db);
      const services = await testServices(db);
      seeded = await signIn(db, services);
      await services.derive.close();
      await services.writer.close();
    } else {
      seeded = await seed(db, label);
    }
  } finally {
    await db.close();
  }
  const server = await startServerProcess({ ...env, JOBS: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'production' });
  try {
    const today = END - 1;
    const days30 = `from=${isoDay(today - 29 * DAY_MS)}&to=${isoDay(today + DAY_MS)}`;
    const year = `from=${isoDay(today - 364 * DAY_MS)}&to=${isoDay(today + DAY_MS)}`;
    const drivers = (path: (vehicleId: number) => string) =>
      seeded.drivers.map((d) => ({ token: d.token, path: path(d.vehicleId) }));
    const admins = (path: string) => seeded.admins.map((token) => ({ token, path }));
    // Each endpoint once before timing: the first requests fill caches (prepared plans, pages).
    const cases: [string, { token: string; path: string }[], number?][] = [
      ['trivial: GET /healthz', seeded.drivers.map(() => ({ token: '', path: '/healthz' }))],
      ['dashboard: 30 days', drivers((id) => `/api/v1/vehicles/${id}/days?${days30}`), 100],
      ['trip list: newest 50', drivers((id) => `/api/v1/vehicles/${id}/trips?limit=50`), 100],
      ['grid view: 30 days', admins(`/api/v1/programs/${PROGRAM}/grid?${days30}`), 500],
      ['grid view: 365 days', admins(`/api/v1/programs/${PROGRAM}/grid?${year}`), 500],
    ];
    // The first request of each: what one user waits for on a cold server (the grid view's is
    // the computation the cache then saves everyone else for GRID_CACHE_S).
    for (const [endpoint, users] of cases) {
      const started = performance.now();
      const response = await fetch(server.url + users[0]!.path, {
        headers: users[0]!.token ? { cookie: `${SESSION_COOKIE}=${users[0]!.token}` } : {},
      });
      if (!response.ok) throw new Error(`${users[0]!.path} answered ${response.status}: ${await response.text()}`);
      const bytes = (await response.arrayBuffer()).byteLength;
      log(
        `${label}: ${endpoint}: first request ${(performance.now() - started).toFixed(1)} ms, ${(bytes / 1024).toFixed(1)} KB`,
      );
    }
    const results: Latency[] = [];
    for (const paced of [true, false]) {
      for (const [endpoint, users, target] of cases) {
        const result = await load(server.url, endpoint, users, paced, target);
        log(
          `${label}, ${paced ? 'paced' : 'flat out'}: ${endpoint}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${Math.round(result.perSecond)} req/s`,
        );
        results.push(result);
      }
    }
    return results;
  } finally {
    await server.kill('SIGTERM');
  }
}

function report(label: string, all: readonly Latency[]): void {
  for (const paced of [true, false]) {
    const results = all.filter((r) => r.paced === paced);
    log(
      `\n${label}, ${paced ? `paced (${USERS} users × ${RATE} requests/s)` : `flat out (${USERS} requests always in flight)`} — ` +
        `${VEHICLES} vehicles × ${DAYS} days, ${SECONDS} s per endpoint`,
    );
    table(results, paced);
  }
  log(
    '(× columns: the latency as a multiple of the trivial endpoint’s in the same run; flat out, autocannon counts whole ms)',
  );
}

function table(results: readonly Latency[], paced: boolean): void {
  const baseline = results[0]!;
  const rows = results.map((r) => [
    r.endpoint,
    r.requests.toLocaleString('en-US'),
    Math.round(r.perSecond).toLocaleString('en-US'),
    r.mean.toFixed(1),
    r.paced ? r.p50.toFixed(1) : `${r.p50}`,
    r.paced ? r.p99.toFixed(1) : `${r.p99}`,
    (r.mean / baseline.mean).toFixed(1),
    (r.p99 / Math.max(baseline.p99, 1)).toFixed(1),
    r.errors === 0 ? '0' : `${r.errors} FAILED`,
    r.target === undefined || r.requests === 0 || !paced
      ? ''
      : r.p99 < r.target
        ? `< ${r.target} ms: met`
        : `< ${r.target} ms: MISSED`,
  ]);
  const header = [
    'endpoint',
    'requests',
    'req/s',
    'mean ms',
    'p50 ms',
    'p99 ms',
    'mean ×',
    'p99 ×',
    'errors',
    'p99 target',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}

const all: [string, Latency[]][] = [];
if (args.reuse) {
  all.push([
    'postgres',
    await benchDatabase('postgres', await openPostgres(args.reuse), { DATABASE_URL: args.reuse }, true),
  ]);
} else if (args.db === 'both' || args.db === 'postgres') {
  const scratch = await createScratchDatabase(PG_ADMIN_URL, 'sc_bench_web');
  try {
    const db = await openPostgres(scratch.url);
    all.push(['postgres', await benchDatabase('postgres', db, { DATABASE_URL: scratch.url })]);
  } finally {
    if (args.keep) log(`kept the PostgreSQL database: ${scratch.url}`);
    else await scratch.drop();
  }
}
if (!args.reuse && (args.db === 'both' || args.db === 'pglite')) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-bench-web-'));
  try {
    const db = await openPGlite(pgliteDir(dataDir));
    all.push(['pglite (embedded)', await benchDatabase('pglite', db, { SMARTCHARGE_DATA_DIR: dataDir })]);
  } finally {
    if (args.keep) log(`kept the data folder: ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  }
}
for (const [label, results] of all) report(label, results);
if (all.some(([, results]) => results.some((r) => r.errors > 0))) process.exitCode = 1;

/**
 * `smartcharge simulate` as a user runs it: into NDJSON files (checked against the protocol and
 * the ground truth), into a real `smartcharge serve` over HTTP and MQTT, on PGlite and on
 * PostgreSQL, and with wrong options. Real processes, real output, real exit codes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ZUplinkBatchSchema, type TUplinkBatch } from '@smartcharge/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAvailable } from './support/databases.js';
import { freePort, runCli, startServerProcess, type CliResult, type ServerProcess } from './support/processes.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const ADMIN_TOKEN = 'simulate-test-operator-token-0123456789';
/** Alectra's region, Ontario, keeps this clock: the simulated days end at its midnights. */
const ALECTRA_TIME_ZONE = 'America/Toronto';
/**
 * The simulator sends history as fast as it runs: a day of one car's batches within a moment,
 * far above the per-device limit meant for real devices (which would only slow these tests).
 */
const SERVER_SETTINGS = { SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN, INGEST_RATE_LIMIT_PER_MIN: '100000' };

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-simulate-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Summary {
  readonly vehicles: number;
  readonly days: number;
  readonly program: string;
  readonly seed: number;
  readonly records: number;
  readonly pendingRecords: number;
  readonly to: string;
  readonly truth?: string;
}

interface SimulateRun {
  readonly result: CliResult;
  readonly summary: Summary;
  /** Wall clock just before and just after the run: its "now" lies between. */
  readonly beforeMs: number;
  readonly afterMs: number;
}

/** Runs `smartcharge simulate … --json` to completion and reads its summary (exit code 0 expected). */
async function simulate(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<SimulateRun> {
  const beforeMs = Date.now();
  const result = await runCli(['simulate', ...args, '--json'], env);
  const afterMs = Date.now();
  expect(result.code, result.stderr).toBe(0);
  return { result, summary: JSON.parse(result.stdout) as Summary, beforeMs, afterMs };
}

/**
 * Environment that stops the command's clock at `nowMs` (Date.now, which sets the simulation's
 * "now"), so that two runs simulate exactly the same period.
 */
function clockStoppedAt(nowMs: number): Record<string, string> {
  const preload = `--import=data:text/javascript,Date.now=()=>${nowMs}`;
  return { NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' ') };
}

async function readLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
}

interface VehicleTruth {
  readonly type: 'vehicle';
  readonly serial: string;
  readonly powertrain: string;
}
interface TripTruth {
  readonly type: 'trip';
  readonly serial: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly distanceM: number;
}
interface DayTruth {
  readonly type: 'day';
  readonly serial: string;
  readonly date: string;
}
type TruthLine = VehicleTruth | TripTruth | DayTruth | { readonly type: 'session'; readonly serial: string };

/** The local dates whose midnight falls inside (startMs, endMs): the days a run saw end. */
function localDaysEnded(startMs: number, endMs: number, timeZone: string): string[] {
  const dateOf = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const dates: string[] = [];
  let previous = dateOf.format(startMs);
  // Midnight falls on a whole UTC hour in every time zone the simulator uses.
  for (let hour = Math.floor(startMs / HOUR_MS) * HOUR_MS + HOUR_MS; hour < endMs; hour += HOUR_MS) {
    const date = dateOf.format(hour);
    if (date !== previous) dates.push(previous);
    previous = date;
  }
  return dates;
}

/** Per device: batches, records and a digest of its batch lines in file order. */
function digestByDevice(
  lines: readonly string[],
): Record<string, { batches: number; records: number; sha256: string }> {
  const byDevice = new Map<string, { batches: number; records: number; hash: ReturnType<typeof createHash> }>();
  for (const line of lines) {
    const batch = JSON.parse(line) as TUplinkBatch;
    const entry = byDevice.get(batch.device) ?? { batches: 0, records: 0, hash: createHash('sha256') };
    entry.batches++;
    entry.records += batch.records.length;
    entry.hash.update(line).update('\n');
    byDevice.set(batch.device, entry);
  }
  return Object.fromEntries(
    [...byDevice].map(([device, e]) => [
      device,
      { batches: e.batches, records: e.records, sha256: e.hash.digest('hex') },
    ]),
  );
}

/** The server's Prometheus series (`name{labels}` → value). */
async function readMetrics(server: ServerProcess): Promise<Map<string, number>> {
  const text = await (
    await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

function seriesOf(metrics: Map<string, number>, name: string): string[] {
  return [...metrics.keys()].filter((key) => key === name || key.startsWith(`${name}{`));
}

function totalOf(metrics: Map<string, number>, name: string): number {
  return seriesOf(metrics, name).reduce((sum, key) => sum + metrics.get(key)!, 0);
}

interface ListedDevice {
  readonly serial: string;
  readonly status: string;
  readonly vehicleId: number | null;
  readonly credentialIssuedAt: string;
}

/** `smartcharge device list --json` (through the running server when one holds the folder). */
async function listDevices(env: Record<string, string | undefined>): Promise<ListedDevice[]> {
  const listed = await runCli(['device', 'list', '--json'], env);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as ListedDevice[]).sort((a, b) => a.serial.localeCompare(b.serial));
}

async function countVehicles(env: Record<string, string | undefined>): Promise<number> {
  const listed = await runCli(['vehicle', 'list', '--json'], env);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as unknown[]).length;
}

function devices0VehicleId(devices: readonly ListedDevice[]): number {
  const id = devices[0]?.vehicleId;
  if (typeof id !== 'number') throw new Error('the first device is in no vehicle');
  return id;
}

function serialsOf(seed: number, vehicles: number): string[] {
  return Array.from({ length: vehicles }, (_, i) => `SIM-ALECTRA-${seed}-${String(i + 1).padStart(4, '0')}`);
}

/** Every reading the run produced is stored, none refused, none taken for a duplicate. */
async function expectEverythingStored(server: ServerProcess, runs: readonly SimulateRun[], transport: 'http' | 'mqtt') {
  for (const run of runs) expect(run.summary.pendingRecords).toBe(0);
  const metrics = await readMetrics(server);
  const produced = runs.reduce((sum, run) => sum + run.summary.records, 0);
  expect(produced).toBeGreaterThan(0);
  expect(metrics.get(`smartcharge_ingest_records_accepted_total{transport="${transport}"}`)).toBe(produced);
  expect(totalOf(metrics, 'smartcharge_ingest_records_duplicate_total')).toBe(0);
  expect(seriesOf(metrics, 'smartcharge_ingest_batches_rejected_total')).toEqual([]);
}

describe('simulate --to a file', () => {
  const vehicles = 3;
  const days = 2;
  const seed = 11;
  let dir: string;
  let run: SimulateRun;
  let batchLines: string[];
  let batches: TUplinkBatch[];
  let truth: TruthLine[];
  const args = (to: string) => [
    '--vehicles',
    String(vehicles),
    '--days',
    String(days),
    '--seed',
    String(seed),
    '--program',
    'alectra',
    '--to',
    to,
  ];

  beforeAll(async () => {
    dir = await tempDir();
    run = await simulate(args(path.join(dir, 'fleet.ndjson')));
    batchLines = await readLines(path.join(dir, 'fleet.ndjson'));
    batches = batchLines.map((line) => JSON.parse(line) as TUplinkBatch);
    truth = (await readLines(path.join(dir, 'fleet.truth.ndjson'))).map((line) => JSON.parse(line) as TruthLine);
  });

  it('reports exactly the readings it wrote, none pending, and where the ground truth went', () => {
    expect(run.summary).toMatchObject({ vehicles, days, program: 'alectra', seed, pendingRecords: 0 });
    expect(run.summary.truth).toBe(path.join(dir, 'fleet.truth.ndjson'));
    const written = batches.reduce((sum, batch) => sum + batch.records.length, 0);
    expect(written).toBeGreaterThan(0);
    expect(written).toBe(run.summary.records);
  });

  it('writes one uplink batch per line, each valid under the protocol schema', () => {
    expect(batchLines.length).toBeGreaterThan(0);
    for (const [index, batch] of batches.entries()) {
      const parsed = ZUplinkBatchSchema.safeParse(batch);
      expect(parsed.success, `line ${index + 1}: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}`).toBe(true);
    }
  });

  it("numbers each device's records from 0 within a boot, one after another, in time order", () => {
    const streams = new Map<string, { seqs: number[]; times: number[] }>();
    for (const batch of batches) {
      const key = `${batch.device} boot ${batch.boot}`;
      const stream = streams.get(key) ?? { seqs: [], times: [] };
      for (const record of batch.records) {
        stream.seqs.push(record.seq);
        stream.times.push(record.time_ms);
      }
      streams.set(key, stream);
    }
    expect(new Set(batches.map((b) => b.device)).size).toBe(vehicles);
    for (const [key, { seqs, times }] of streams) {
      expect(seqs, key).toEqual(seqs.map((_, i) => i));
      const backwards = times.findIndex((t, i) => i > 0 && t <= times[i - 1]!);
      expect(backwards, `${key}: time_ms ${times[backwards]} after ${times[backwards - 1]}`).toBe(-1);
    }
  });

  it('sends a position only with readings taken plugged in and not driving', () => {
    const located = batches.flatMap((batch) => batch.records.filter((record) => record.location !== undefined));
    for (const record of located) {
      expect(['plugged', 'charging'], `seq ${record.seq}`).toContain(record.charge_state);
      expect(record.drive_state, `seq ${record.seq}`).not.toBe('driving');
    }
  });

  it('writes the ground truth: one line per vehicle (battery EVs for Alectra), its trips, and each day that ended', () => {
    const vehicleLines = truth.filter((line): line is VehicleTruth => line.type === 'vehicle');
    const serials = vehicleLines.map((line) => line.serial).sort();
    expect(serials).toEqual(serialsOf(seed, vehicles));
    expect(serials).toEqual([...new Set(batches.map((b) => b.device))].sort());
    expect(vehicleLines.map((line) => line.powertrain)).toEqual(vehicleLines.map(() => 'BEV'));
    for (const line of truth) expect(serials).toContain(line.serial);

    const startMs = run.beforeMs - days * DAY_MS - 1000;
    const trips = truth.filter((line): line is TripTruth => line.type === 'trip');
    expect(trips.length).toBeGreaterThan(0);
    for (const trip of trips) {
      expect(trip.distanceM).toBeGreaterThan(0);
      expect(trip.startMs).toBeGreaterThanOrEqual(startMs);
      expect(trip.endMs).toBeGreaterThan(trip.startMs);
      expect(trip.endMs).toBeLessThanOrEqual(run.afterMs);
    }

    // The run's "now" lies between beforeMs and afterMs: a midnight between them may count or not.
    const possible = [run.beforeMs, run.afterMs].map((nowMs) =>
      localDaysEnded(nowMs - days * DAY_MS, nowMs, ALECTRA_TIME_ZONE),
    );
    expect(possible[0]!.length).toBeGreaterThanOrEqual(days - 1);
    for (const serial of serials) {
      const dates = truth.filter((line): line is DayTruth => line.type === 'day' && line.serial === serial);
      expect(possible, serial).toContainEqual(dates.map((line) => line.date));
    }
  });

  it('simulates the same fleet again from the same seed', async () => {
    const again = await simulate(args(path.join(dir, 'again.ndjson')));
    expect(again.summary.records).toBeGreaterThan(0);
    const vehiclesOf = async (file: string) =>
      (await readLines(file)).filter((line) => (JSON.parse(line) as TruthLine).type === 'vehicle');
    const first = await vehiclesOf(path.join(dir, 'fleet.truth.ndjson'));
    expect(first).toHaveLength(vehicles);
    expect(await vehiclesOf(path.join(dir, 'again.truth.ndjson'))).toEqual(first);
  });

  it('writes byte-identical batches and ground truth from the same seed and the same "now"', async () => {
    const clock = clockStoppedAt(Date.UTC(2025, 2, 14, 17, 30, 0));
    const first = await simulate(args(path.join(dir, 'stopped-1.ndjson')), clock);
    const second = await simulate(args(path.join(dir, 'stopped-2.ndjson')), clock);
    expect(second.summary.records).toBe(first.summary.records);
    const digests = digestByDevice(await readLines(path.join(dir, 'stopped-1.ndjson')));
    expect(Object.keys(digests).sort()).toEqual(serialsOf(seed, vehicles));
    expect(digestByDevice(await readLines(path.join(dir, 'stopped-2.ndjson')))).toEqual(digests);
    const firstTruth = await readLines(path.join(dir, 'stopped-1.truth.ndjson'));
    expect(firstTruth.some((line) => (JSON.parse(line) as TruthLine).type === 'trip')).toBe(true);
    expect(await readLines(path.join(dir, 'stopped-2.truth.ndjson'))).toEqual(firstTruth);
  });
});

describe('simulate --seed --end (a reproducible dataset)', () => {
  it('writes byte-identical batches and ground truth twice, whatever the wall clock, inside the period', async () => {
    const dir = await tempDir();
    const args = (to: string) => [
      '--vehicles',
      '2',
      '--days',
      '2',
      '--seed',
      '7',
      '--end',
      '2026-11-01T00:00:00Z',
      '--to',
      to,
    ];
    const first = await simulate(args(path.join(dir, 'one.ndjson')));
    // A different "now" changes nothing when the end is given.
    const second = await simulate(args(path.join(dir, 'two.ndjson')), clockStoppedAt(Date.UTC(2027, 5, 1)));
    expect(first.summary.records).toBeGreaterThan(0);
    expect(second.summary.records).toBe(first.summary.records);
    const [a, b] = await Promise.all([readFile(path.join(dir, 'one.ndjson')), readFile(path.join(dir, 'two.ndjson'))]);
    expect(b.equals(a)).toBe(true);
    const [ta, tb] = await Promise.all([
      readFile(path.join(dir, 'one.truth.ndjson')),
      readFile(path.join(dir, 'two.truth.ndjson')),
    ]);
    expect(tb.equals(ta)).toBe(true);
    const endMs = Date.UTC(2026, 10, 1);
    for (const line of await readLines(path.join(dir, 'one.ndjson'))) {
      for (const record of (JSON.parse(line) as TUplinkBatch).records) {
        expect(record.time_ms).toBeGreaterThanOrEqual(endMs - 2 * DAY_MS);
        expect(record.time_ms).toBeLessThanOrEqual(endMs);
      }
    }
  });

  it('refuses an --end without a time zone, naming the option', async () => {
    const dir = await tempDir();
    const result = await runCli(['simulate', '--end', '2026-11-01T00:00:00', '--to', path.join(dir, 'x.ndjson')]);
    // Invalid input: exit code 2, like every usage error.
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--end 2026-11-01T00:00:00: expected an ISO 8601 time with its zone');
  });
});

/** A server on a fresh database: PGlite in a new data folder, or a new PostgreSQL database. */
async function serverEnv(database: 'pglite' | 'postgres'): Promise<{
  env: Record<string, string | undefined>;
  drop: () => Promise<void>;
}> {
  const dataDir = await tempDir();
  if (database === 'pglite') {
    return {
      env: { SMARTCHARGE_DATA_DIR: dataDir, DATABASE_URL: undefined, ...SERVER_SETTINGS },
      drop: async () => {},
    };
  }
  const created = await createPostgresDatabase();
  return { env: { SMARTCHARGE_DATA_DIR: dataDir, DATABASE_URL: created.url, ...SERVER_SETTINGS }, drop: created.drop };
}

describe.each(['pglite', 'postgres'] as const)('simulate into a running server over HTTP [%s]', (database) => {
  const seed = 21;
  const vehicles = 3;
  let env: Record<string, string | undefined>;
  let drop: (() => Promise<void>) | undefined;
  let server: ServerProcess | undefined;
  const runs: SimulateRun[] = [];
  const fleetArgs = (url: string, withSeed = seed) => [
    '--vehicles',
    String(vehicles),
    '--days',
    '2',
    '--seed',
    String(withSeed),
    '--to',
    url,
  ];
  const run = database === 'postgres' && !postgresAvailable() ? it.skip : it;

  beforeAll(async () => {
    if (database === 'postgres' && !postgresAvailable()) return;
    ({ env, drop } = await serverEnv(database));
    server = await startServerProcess(env);
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await drop?.();
  });

  run('registers a vehicle and a device per car, and the server stores every reading', async () => {
    runs.push(await simulate(fleetArgs(server!.url), env));
    await expectEverythingStored(server!, runs, 'http');

    const devices = await listDevices(env);
    expect(devices.map((d) => d.serial)).toEqual(serialsOf(seed, vehicles));
    expect(devices.map((d) => d.status)).toEqual(devices.map(() => 'active'));
    const vehicleIds = devices.map((d) => d.vehicleId);
    expect(vehicleIds.every((id) => typeof id === 'number')).toBe(true);
    expect(new Set(vehicleIds).size).toBe(vehicles);
    expect(await countVehicles(env)).toBe(vehicles);
  });

  run('refuses to send the same seed a second history over the same days, changing nothing', async () => {
    const before = await listDevices(env);
    const again = await runCli(['simulate', ...fleetArgs(server!.url), '--json'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `already have a simulated history on ${server!.url} from an earlier run of seed ${seed}`,
    );
    expect(again.stderr).toContain('Choose another --seed');
    // Nothing registered, rotated or sent.
    await expectEverythingStored(server!, runs, 'http');
    expect(await listDevices(env)).toEqual(before);
    expect(await countVehicles(env)).toBe(vehicles);
  });

  run('runs with another seed: new devices in new vehicles, every reading stored', async () => {
    runs.push(await simulate(fleetArgs(server!.url, seed + 1), env));
    await expectEverythingStored(server!, runs, 'http');
    const devices = await listDevices(env);
    expect(devices.map((d) => d.serial)).toEqual([...serialsOf(seed, vehicles), ...serialsOf(seed + 1, vehicles)]);
    expect(await countVehicles(env)).toBe(2 * vehicles);
  });
});

describe('simulate and the token of the server running on the data folder', () => {
  let dataDir: string;
  let server: ServerProcess;
  /** Nothing but the data folder: the token must come from the running server's lock file. */
  let folderOnly: Record<string, string | undefined>;

  beforeAll(async () => {
    dataDir = await tempDir();
    server = await startServerProcess({
      SMARTCHARGE_DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      ...SERVER_SETTINGS,
      SMARTCHARGE_ADMIN_TOKEN: undefined,
      // The test reads /metrics to check what was stored; it holds no token, on purpose.
      OPS_PUBLIC: 'true',
    });
    folderOnly = { SMARTCHARGE_DATA_DIR: dataDir, SMARTCHARGE_ADMIN_TOKEN: undefined };
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
  });

  it('uses it for that server', async () => {
    const run = await simulate(['--vehicles', '2', '--days', '1', '--seed', '22', '--to', server.url], folderOnly);
    await expectEverythingStored(server, [run], 'http');
    expect((await listDevices(folderOnly)).map((d) => d.serial)).toEqual(serialsOf(22, 2));
  });

  it('never sends it to another server', async () => {
    const authorizations: (string | undefined)[] = [];
    const other: Server = createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(401, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = other.address() as { port: number };
      const result = await runCli(
        ['simulate', '--vehicles', '1', '--days', '1', '--to', `http://127.0.0.1:${port}`, '--json'],
        folderOnly,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('--admin-token');
      expect(authorizations).toEqual([]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('simulate into a running server over MQTT (PGlite)', () => {
  let env: Record<string, string | undefined>;
  let server: ServerProcess;
  let mqttPort: number;

  beforeAll(async () => {
    mqttPort = await freePort();
    env = { ...(await serverEnv('pglite')).env, MQTT_PORT: String(mqttPort) };
    server = await startServerProcess(env);
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
  });

  it('registers the devices over HTTP, sends through the broker, and the server stores every reading', async () => {
    const run = await simulate(
      [
        '--vehicles',
        '2',
        '--days',
        '1',
        '--seed',
        '31',
        '--to',
        `mqtt://127.0.0.1:${mqttPort}`,
        '--server',
        server.url,
      ],
      env,
    );
    await expectEverythingStored(server, [run], 'mqtt');
    const devices = await listDevices(env);
    expect(devices.map((d) => [d.serial, d.status])).toEqual(serialsOf(31, 2).map((serial) => [serial, 'active']));
  });

  it('derives the vehicles’ trips live, in the program the simulator set up, and a rebuild agrees', async () => {
    const admin = async (route: string, init: RequestInit = {}) => {
      const response = await fetch(`${server.url}/api/v1/admin${route}`, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      });
      expect(response.status, route).toBeLessThan(300);
      return (await response.json()) as Record<string, unknown[]>;
    };
    const vehicleId = devices0VehicleId(await listDevices(env));
    // Live derivation runs after each commit: poll until it has caught up (bounded).
    let trips: unknown[] = [];
    for (let attempt = 0; attempt < 100 && trips.length === 0; attempt++) {
      trips = (await admin(`/vehicles/${vehicleId}/trips`)).trips!;
      if (trips.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(trips.length).toBeGreaterThan(0);
    expect((await admin('/programs')).programs!.map((p) => (p as { slug: string }).slug)).toEqual(['alectra']);
    const rebuilt = await runCli(['rebuild', '--vehicle', String(vehicleId), '--json'], env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect((JSON.parse(rebuilt.stdout) as { results: { trips: number }[] }).results[0]!.trips).toBe(trips.length);
    expect((await admin(`/vehicles/${vehicleId}/trips`)).trips).toEqual(trips);
  });
});

describe('simulate with wrong options', () => {
  /** No token anywhere: none given, none in the environment, no server on the data folder. */
  let noToken: Record<string, string | undefined>;
  beforeAll(async () => {
    noToken = { SMARTCHARGE_ADMIN_TOKEN: undefined, SMARTCHARGE_DATA_DIR: await tempDir() };
  });

  it('names the programs when the program is unknown, with exit code 2', async () => {
    const result = await runCli(['simulate', '--program', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'nowhere'");
    expect(result.stderr).toContain('alectra, mississippi-power, snohomish-pud');
  });

  it('refuses more days than a server keeps, naming INGEST_MAX_AGE_DAYS, before contacting it (exit code 2)', async () => {
    const result = await runCli(['simulate', '--days', '500', '--to', 'http://127.0.0.1:9'], {
      INGEST_MAX_AGE_DAYS: undefined,
      ...noToken,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--days 500');
    expect(result.stderr).toContain('older than 400 days (INGEST_MAX_AGE_DAYS)');
  });

  it('writes a file of any length of history (no server limit applies)', async () => {
    const file = path.join(await tempDir(), 'long.ndjson');
    const result = await runCli(['simulate', '--vehicles', '1', '--days', '401', '--to', file, '--json'], {
      INGEST_MAX_AGE_DAYS: undefined,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
  });

  it('refuses a target it cannot send to, saying what it accepts', async () => {
    const result = await runCli(['simulate', '--to', 'ftp://x'], noToken);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--to ftp://x: expected http(s)://… (a SmartCharge server), mqtt://… (a broker)');
  });

  it('says it cannot reach an MQTT broker that is not there, before registering any device', async () => {
    const broker = `mqtt://127.0.0.1:${await freePort()}`;
    const result = await runCli(
      ['simulate', '--vehicles', '1', '--to', broker, '--server', 'http://127.0.0.1:9'],
      noToken,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach the MQTT broker at ${broker}`);
  });

  it('says it cannot reach a server that is not there, with exit code 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(['simulate', '--to', url, '--admin-token', ADMIN_TOKEN]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach the SmartCharge server at ${url}`);
  });

  it('explains how to give the operator token when it has none, with exit code 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(['simulate', '--to', url], noToken);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `To register simulated devices with ${url} (--to, or --server with an MQTT target)`,
    );
    expect(result.stderr).toContain('give the operator token');
    expect(result.stderr).toContain('--admin-token or SMARTCHARGE_ADMIN_TOKEN');
  });

  it('says which file it cannot write, in one line, with exit code 2 (a bad argument)', async () => {
    const file = path.join(await tempDir(), 'missing', 'fleet.ndjson');
    const result = await runCli(['simulate', '--vehicles', '1', '--days', '1', '--to', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^smartcharge: Cannot write .*: ENOENT/);
    expect(result.stderr).toContain(file);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('simulate --help', () => {
  it('shows every option and examples', async () => {
    const result = await runCli(['simulate', '--help']);
    expect(result.code).toBe(0);
    for (const option of [
      '--vehicles <n>',
      '--days <d>',
      '--program <id>',
      '--seed <s>',
      '--to <url|file>',
      '--server <url>',
      '--admin-token <token>',
      '--data-dir <dir>',
      '--speed <speed>',
      '--truth <file>',
      '--json',
    ]) {
      expect(result.stdout).toContain(option);
    }
    // Commander wraps the descriptions to the terminal's width.
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('alectra, mississippi-power, snohomish-pud');
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('smartcharge simulate --vehicles 100 --days 365 --to fleet.ndjson --seed 7');
  });
});

/**
 * npm run bench:ingest — how fast uplink batches become stored telemetry, end to end, compared
 * in the same run with the fastest way to put the same rows into the same database: a raw COPY
 * into a plain table (one row per record, one primary-key index).
 *
 * For each database (PostgreSQL server, embedded PGlite):
 *   1. COPY baseline: the records as rows, streamed with COPY (rows pre-rendered before timing).
 *   2. HTTP: `smartcharge serve` in a child process; D devices post their batches concurrently,
 *      each waiting for its acknowledgement (which comes only after the commit).
 *   3. MQTT: the same through the embedded broker (QoS 1 publish, ack on the device's ack topic).
 * Each phase writes into its own empty database. Bodies are serialised before timing: the
 * device's JSON encoding is not the server's cost.
 *
 * Options: --records N (default 1000000), --devices D (200), --batch B (600 records per batch),
 * --db postgres|pglite|both, --transport http|mqtt|both. BENCH_DATABASE_URL names the PostgreSQL
 * server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import {
  PROTOCOL_VERSION,
  ackTopic,
  basicAuthorization,
  uplinkTopic,
  type DeviceCredential,
  type TUplinkRecord,
} from '@smartcharge/protocol';
import mqtt from 'mqtt';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { freePort, startServerProcess, type ServerProcess } from '../test/support/processes.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';
import { telemetryStream } from '../test/support/telemetry-fixtures.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    devices: { type: 'string', default: '200' },
    batch: { type: 'string', default: '600' },
    db: { type: 'string', default: 'both' },
    transport: { type: 'string', default: 'both' },
  },
});
const RECORDS = Number(args.records);
const DEVICES = Number(args.devices);
const BATCH = Number(args.batch);
const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_TOKEN = randomBytes(24).toString('base64url');

interface Device {
  readonly serial: string;
  readonly records: TUplinkRecord[];
  /** JSON bodies, one per batch. */
  readonly bodies: string[];
}

interface PhaseResult {
  readonly database: string;
  readonly path: string;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly bytesPerRecord: number;
  readonly rssMb?: number;
  /** CPU seconds used during the timed part: this process (the devices, or the COPY client), the server, PostgreSQL. */
  readonly cpu: { readonly client: number; readonly server?: number; readonly postgres?: number };
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** utime + stime of a process, in seconds (Linux /proc). */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process whose command name is `name` (e.g. all PostgreSQL backends). */
function cpuOfProcessesNamed(name: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) total += processCpuSeconds(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function makeDevices(runTag: string): Device[] {
  const perDevice = Math.ceil(RECORDS / DEVICES);
  const now = Date.now();
  return Array.from({ length: DEVICES }, (_, d) => {
    const serial = `C2-BENCH-${runTag}-${d}`;
    const drive = Math.floor(perDevice * 0.55);
    const records = telemetryStream({
      startMs: now - 20 * 86_400_000 + d * 60_000,
      driveSeconds: drive,
      chargeSeconds: perDevice - drive,
      seed: d + 1,
    });
    const bodies: string[] = [];
    for (let i = 0; i < records.length; i += BATCH) {
      bodies.push(
        JSON.stringify({ v: PROTOCOL_VERSION, device: serial, boot: 1, records: records.slice(i, i + BATCH) }),
      );
    }
    return { serial, records, bodies };
  });
}

// ---------------------------------------------------------------------------------------------
// Baseline: one plain row per record.

const PLAIN_TABLE = `CREATE TABLE telemetry_plain (
  device_id bigint NOT NULL, boot_id bigint NOT NULL, seq bigint NOT NULL, time timestamptz NOT NULL,
  speed_mps real, odometer_m double precision, soc_pct real, pack_voltage_v real, pack_current_a real,
  ambient_temp_c real, battery_temp_c real, hvac_power_w real, aux_power_w real, ac_line_voltage_v real,
  charge_power_w real, bms_soh_pct real, drive_state smallint, charge_state smallint, charge_kind smallint,
  engine_on boolean, lat_deg double precision, lon_deg double precision, accuracy_m real,
  PRIMARY KEY (device_id, time, boot_id, seq))`;

const ENUMS: Record<string, Record<string, number>> = {
  drive_state: { parked: 0, driving: 1 },
  charge_state: { unplugged: 0, plugged: 1, charging: 2 },
  charge_kind: { ac: 0, dc: 1 },
};

function copyRows(devices: readonly Device[]): string[] {
  const field = (v: string | number | boolean | undefined) => (v === undefined ? '\\N' : String(v));
  const chunks: string[] = [];
  devices.forEach((device, d) => {
    const lines: string[] = [];
    for (const r of device.records) {
      lines.push(
        [
          d + 1,
          1,
          r.seq,
          new Date(r.time_ms).toISOString(),
          field(r.speed_mps),
          field(r.odometer_m),
          field(r.soc_pct),
          field(r.pack_voltage_v),
          field(r.pack_current_a),
          field(r.ambient_temp_c),
          field(r.battery_temp_c),
          field(r.hvac_power_w),
          field(r.aux_power_w),
          field(r.ac_line_voltage_v),
          field(r.charge_power_w),
          field(r.bms_soh_pct),
          field(r.drive_state === undefined ? undefined : ENUMS.drive_state![r.drive_state]),
          field(r.charge_state === undefined ? undefined : ENUMS.charge_state![r.charge_state]),
          field(r.charge_kind === undefined ? undefined : ENUMS.charge_kind![r.charge_kind]),
          field(r.engine_on),
          field(r.location?.lat_deg),
          field(r.location?.lon_deg),
          field(r.location?.accuracy_m),
        ].join('\t'),
      );
    }
    chunks.push(`${lines.join('\n')}\n`);
  });
  return chunks;
}

async function copyIntoPostgres(url: string, chunks: readonly string[], records: number): Promise<PhaseResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(PLAIN_TABLE);
  const cpuBefore = { client: ownCpuSeconds(), postgres: cpuOfProcessesNamed('postgres') };
  const started = performance.now();
  await pipeline(Readable.from(chunks), client.query(copyFrom('COPY telemetry_plain FROM STDIN')));
  const seconds = (performance.now() - started) / 1000;
  const cpu = {
    client: ownCpuSeconds() - cpuBefore.client,
    postgres: cpuOfProcessesNamed('postgres') - cpuBefore.postgres,
  };
  const { rows } = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('telemetry_plain') AS bytes");
  await client.end();
  return {
    database: 'postgres',
    path: 'raw COPY (baseline)',
    records,
    seconds,
    recordsPerSecond: records / seconds,
    bytesPerRecord: Number(rows[0]!.bytes) / records,
    cpu,
  };
}

async function copyIntoPGlite(dir: string, chunks: readonly string[], records: number): Promise<PhaseResult> {
  const db = new PGlite({ dataDir: dir });
  await db.waitReady;
  await db.exec(PLAIN_TABLE);
  const cpuBefore = ownCpuSeconds();
  const started = performance.now();
  for (const chunk of chunks) {
    await db.query("COPY telemetry_plain FROM '/dev/blob'", [], { blob: new Blob([chunk]) });
  }
  const seconds = (performance.now() - started) / 1000;
  // PGlite runs inside this process: its work is the client's CPU.
  const cpu = { client: ownCpuSeconds() - cpuBefore };
  const { rows } = await db.query<{ bytes: number }>("SELECT pg_total_relation_size('telemetry_plain') AS bytes");
  await db.close();
  return {
    database: 'pglite',
    path: 'raw COPY (baseline)',
    records,
    seconds,
    recordsPerSecond: records / seconds,
    bytesPerRecord: Number(rows[0]!.bytes) / records,
    cpu,
  };
}

// ---------------------------------------------------------------------------------------------
// End to end.

async function provision(
  env: Record<string, string>,
  devices: readonly Device[],
): Promise<Map<string, DeviceCredential>> {
  const credentials = new Map<string, DeviceCredential>();
  const server = await startServerProcess({ ...env, LOG_LEVEL: 'error' });
  try {
    for (const device of devices) {
      const response = await fetch(`${server.url}/api/v1/admin/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ serial: device.serial }),
      });
      if (response.status !== 201) throw new Error(`provisioning failed: ${response.status} ${await response.text()}`);
      const { secret } = (await response.json()) as { secret: string };
      credentials.set(device.serial, { serial: device.serial, secret });
    }
  } finally {
    await server.kill('SIGTERM');
  }
  return credentials;
}

/**
 * The devices' side over HTTP: node:http with keep-alive connections, one per device. (fetch costs
 * several times more CPU per request, and here the devices share the server's two cores.)
 */
async function sendHttp(server: ServerProcess, devices: readonly Device[], credentials: Map<string, DeviceCredential>) {
  const endpoint = new URL('/api/v1/uplink', server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: devices.length });
  const post = (body: string, authorization: string) =>
    new Promise<string>((resolve, reject) => {
      const request = http.request(
        endpoint,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization,
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(text));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  try {
    await Promise.all(
      devices.map(async (device) => {
        const authorization = basicAuthorization(credentials.get(device.serial)!);
        for (const body of device.bodies) {
          const ack = JSON.parse(await post(body, authorization)) as { ok: boolean; error?: { message: string } };
          if (!ack.ok) throw new Error(`batch refused: ${ack.error?.message}`);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}

async function sendMqtt(port: number, devices: readonly Device[], credentials: Map<string, DeviceCredential>) {
  await Promise.all(
    devices.map(async (device) => {
      const credential = credentials.get(device.serial)!;
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        protocolVersion: 4,
        username: credential.serial,
        password: credential.secret,
        clientId: device.serial,
      });
      let resolveAck: ((ok: boolean) => void) | undefined;
      client.on('message', (_topic, payload) => resolveAck?.((JSON.parse(payload.toString()) as { ok: boolean }).ok));
      await client.subscribeAsync(ackTopic(device.serial), { qos: 1 });
      for (const body of device.bodies) {
        const acked = new Promise<boolean>((resolve) => (resolveAck = resolve));
        await client.publishAsync(uplinkTopic(device.serial), body, { qos: 1 });
        if (!(await acked)) throw new Error('batch refused over MQTT');
      }
      await client.endAsync();
    }),
  );
}

async function postgresStorage(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ bytes: string }>(
    `SELECT (coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) + pg_total_relation_size('telemetry_stream'))::bigint AS bytes
       FROM pg_inherits i WHERE i.inhparent = 'telemetry_chunk'::regclass`,
  );
  await client.end();
  return Number(rows[0]!.bytes);
}

async function pgliteStorage(dataDir: string): Promise<number> {
  const db = new PGlite({ dataDir: path.join(dataDir, 'pglite') });
  await db.waitReady;
  const { rows } = await db.query<{ bytes: number }>(
    `SELECT (coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) + pg_total_relation_size('telemetry_stream'))::bigint AS bytes
       FROM pg_inherits i WHERE i.inhparent = 'telemetry_chunk'::regclass`,
  );
  await db.close();
  return Number(rows[0]!.bytes);
}

function processRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function endToEnd(
  database: 'postgres' | 'pglite',
  transport: 'http' | 'mqtt',
  devices: readonly Device[],
  records: number,
  target: { env: Record<string, string>; storage: () => Promise<number> },
): Promise<PhaseResult> {
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const env = {
    ...target.env,
    PORT: String(httpPort),
    HOST: '127.0.0.1',
    MQTT_PORT: transport === 'mqtt' ? String(mqttPort) : '0',
    SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN,
    INGEST_RATE_LIMIT_PER_MIN: '1000000',
    LOG_LEVEL: 'warn',
  };
  const credentials = await provision(env, devices);
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the server.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = await startServerProcess(env, { nodeArgs });
  const serverPid = server.child.pid!;
  const cpuBefore = {
    client: ownCpuSeconds(),
    server: processCpuSeconds(serverPid),
    postgres: database === 'postgres' ? cpuOfProcessesNamed('postgres') : 0,
  };
  const started = performance.now();
  if (transport === 'http') await sendHttp(server, devices, credentials);
  else await sendMqtt(mqttPort, devices, credentials);
  const seconds = (performance.now() - started) / 1000;
  const cpu = {
    client: ownCpuSeconds() - cpuBefore.client,
    server: processCpuSeconds(serverPid) - cpuBefore.server,
    ...(database === 'postgres' ? { postgres: cpuOfProcessesNamed('postgres') - cpuBefore.postgres } : {}),
  };
  const rssMb = processRssMb(server.child.pid);
  const metrics = await (
    await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  ).text();
  const metric = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
  const commits = metric('smartcharge_ingest_commit_batches_count');
  log(
    `  ${commits} commits, ${(metric('smartcharge_ingest_commit_batches_sum') / commits).toFixed(1)} batches per commit, ` +
      `${metric('smartcharge_ingest_commit_seconds_sum').toFixed(2)} s in commits`,
  );
  await server.kill('SIGTERM');
  const bytes = await target.storage();
  return {
    database,
    path: `${transport.toUpperCase()} end to end`,
    records,
    seconds,
    recordsPerSecond: records / seconds,
    bytesPerRecord: bytes / records,
    ...(rssMb === undefined ? {} : { rssMb }),
    cpu,
  };
}

function table(results: readonly PhaseResult[]): string {
  const header = [
    'database',
    'path',
    'records/s',
    'ratio to COPY',
    'bytes/record',
    'server peak RSS',
    'CPU s: devices/client · server · PostgreSQL',
  ];
  const rows = results.map((r) => {
    const baseline = results.find((b) => b.database === r.database && b.path.startsWith('raw COPY'));
    return [
      r.database,
      r.path,
      Math.round(r.recordsPerSecond).toLocaleString('en-US'),
      baseline ? (r.recordsPerSecond / baseline.recordsPerSecond).toFixed(2) : '–',
      r.bytesPerRecord.toFixed(1),
      r.rssMb === undefined ? '–' : `${Math.round(r.rssMb)} MB`,
      [r.cpu.client, r.cpu.server, r.cpu.postgres].map((v) => (v === undefined ? '–' : v.toFixed(1))).join(' · '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const databases = args.db === 'both' ? (['postgres', 'pglite'] as const) : ([args.db] as ['postgres' | 'pglite']);
  const transports = args.transport === 'both' ? (['http', 'mqtt'] as const) : ([args.transport] as ['http' | 'mqtt']);
  const work = await mkdtemp(path.join(tmpdir(), 'smartcharge-bench-'));
  const results: PhaseResult[] = [];
  const drops: (() => Promise<void>)[] = [];
  try {
    log(`generating ${RECORDS} records for ${DEVICES} devices, ${BATCH} records per batch…`);
    const devices = makeDevices(randomBytes(3).toString('hex'));
    const records = devices.reduce((n, d) => n + d.records.length, 0);
    const rows = copyRows(devices);
    const jsonBytes = devices.reduce((n, d) => n + d.bodies.reduce((m, b) => m + b.length, 0), 0);
    log(`  ${records} records, ${(jsonBytes / records).toFixed(0)} bytes of JSON per record on the wire`);

    for (const database of databases) {
      log(`\n${database}: raw COPY baseline…`);
      if (database === 'postgres') {
        const db = await createScratchDatabase(PG_ADMIN_URL, 'sc_bench');
        drops.push(db.drop);
        results.push(await copyIntoPostgres(db.url, rows, records));
      } else {
        const dir = path.join(work, 'copy-pglite');
        await mkdir(dir, { recursive: true });
        results.push(await copyIntoPGlite(dir, rows, records));
      }
      log(`  ${Math.round(results.at(-1)!.recordsPerSecond)} records/s`);
      for (const transport of transports) {
        log(`${database}: ${transport} end to end…`);
        let target: { env: Record<string, string>; storage: () => Promise<number> };
        if (database === 'postgres') {
          const db = await createScratchDatabase(PG_ADMIN_URL, 'sc_bench');
          drops.push(db.drop);
          const dataDir = path.join(work, `pg-${transport}`);
          target = {
            env: { DATABASE_URL: db.url, SMARTCHARGE_DATA_DIR: dataDir },
            storage: () => postgresStorage(db.url),
          };
        } else {
          const dataDir = path.join(work, `pglite-${transport}`);
          target = { env: { SMARTCHARGE_DATA_DIR: dataDir }, storage: () => pgliteStorage(dataDir) };
        }
        results.push(await endToEnd(database, transport, devices, records, target));
        log(`  ${Math.round(results.at(-1)!.recordsPerSecond)} records/s`);
      }
    }

    const summary = table(results);
    process.stdout.write(
      `\nIngest benchmark: ${records} records, ${DEVICES} devices, ${BATCH} records per batch\n\n${summary}\n`,
    );
    await mkdir('artifacts', { recursive: true });
    await writeFile(
      path.join('artifacts', 'bench-ingest.json'),
      JSON.stringify({ date: new Date().toISOString(), records, devices: DEVICES, batch: BATCH, results }, null, 2),
    );
  } finally {
    for (const drop of drops) await drop().catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

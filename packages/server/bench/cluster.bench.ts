/**
 * npm run bench:cluster — the cluster of issue 17 against the single process, in the same run,
 * on the same PostgreSQL server (a primary with a streaming standby, test/support/pg-replica.ts)
 * and the same machine:
 *
 *   1. Throughput. D devices send pre-serialised batches as fast as their acknowledgements come:
 *      - single process: one all-in-one `smartcharge serve` (HTTP; MQTT through its embedded broker);
 *      - cluster with 1 ingest node, then 2: devices over MQTT to the 3-server NATS cluster
 *        (JetStream, the stream replicated 3 times), or over HTTP straight to the ingest nodes;
 *        a worker node derives.
 *      Reported as records/s and, the figure that counts on two shared cores, records per CPU
 *      second of each ingest node (utime + stime from /proc/<pid>/stat), with the CPU of the
 *      worker, NATS and PostgreSQL beside it.
 *   2. Latency, one batch at a time: device → acknowledged (committed) → derived (the vehicle's
 *      day counts the batch's readings), single process and cluster.
 *   3. Recovery: devices stream steadily to the cluster (2 ingest nodes); one ingest node is
 *      SIGKILLed; how long until acknowledgements resume and until every batch in flight at the
 *      kill is acknowledged (the stream has nothing pending).
 *
 * Options: --records N (default 300000), --devices D (100), --batch B (300), --transport
 * http|mqtt|both (both), --phases throughput,latency,recovery (all).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { UplinkClient } from '@smartcharge/device';
import {
  PROTOCOL_VERSION,
  ackTopic,
  basicAuthorization,
  uplinkTopic,
  type DeviceCredential,
} from '@smartcharge/protocol';
import mqtt from 'mqtt';
import { CLI_OPERATOR } from '../src/actor.js';
import type { Database } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { createServices, type Services } from '../src/services.js';
import { TEST_PASSWORD_COST, TEST_SETTINGS } from '../test/support/builders.js';
import {
  FailoverTransport,
  processCpuSeconds,
  startCluster,
  waitUntil,
  type Cluster,
  type ClusterNode,
} from '../test/support/cluster.js';
import { freePort, startServerProcess, type ServerProcess } from '../test/support/processes.js';
import { telemetryStream } from '../test/support/telemetry-fixtures.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    devices: { type: 'string', default: '100' },
    batch: { type: 'string', default: '300' },
    transport: { type: 'string', default: 'both' },
    phases: { type: 'string', default: 'throughput,latency,recovery' },
  },
});
const RECORDS = Number(args.records);
const DEVICES = Number(args.devices);
const BATCH = Number(args.batch);
const TRANSPORTS = (args.transport === 'both' ? ['http', 'mqtt'] : [args.transport]) as ('http' | 'mqtt')[];
const PHASES = new Set(args.phases.split(','));
for (const [name, value] of [
  ['--records', RECORDS],
  ['--devices', DEVICES],
  ['--batch', BATCH],
] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
}
if (TRANSPORTS.some((t) => t !== 'http' && t !== 'mqtt')) throw new Error('--transport: http, mqtt or both');
const ADMIN_TOKEN = randomBytes(24).toString('base64url');

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// CPU of the processes around us.

/** The pids of a process tree: `root` and every descendant (PostgreSQL's backends). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const visit = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return out;
}

/** CPU seconds of the cluster's PostgreSQL servers (primary and standby, every backend). */
function postgresCpu(cluster: Cluster): number {
  let total = 0;
  for (const server of [cluster.pg.primary, cluster.pg.standby]) {
    try {
      const pid = Number(readFileSync(`${server.dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
      for (const p of processTree(pid)) total += processCpuSeconds(p);
    } catch {
      // not running
    }
  }
  return total;
}

function natsCpu(cluster: Cluster): number {
  return cluster.natsPids().reduce((n, pid) => n + processCpuSeconds(pid), 0);
}

function ownCpu(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

// ---------------------------------------------------------------------------------------------
// Devices.

interface Device {
  readonly serial: string;
  readonly credential: DeviceCredential;
  readonly vehicleId: number;
  readonly bodies: string[];
  readonly records: number;
}

/** Vehicles with a device each, in the database; `records` readings per device, as batch bodies. */
async function makeDevices(
  cluster: Cluster,
  services: Services,
  tag: string,
  count: number,
  perDevice: number,
): Promise<Device[]> {
  const devices: Device[] = [];
  const now = Date.now();
  for (let d = 0; d < count; d++) {
    const vehicle = await services.vehicles.createVehicle(CLI_OPERATOR, {
      make: 'Hyundai',
      model: 'Kona Electric',
      modelYear: 2019,
    });
    const serial = `C2-CB-${tag}-${d}`;
    const issued = await services.devices.provisionDevice(CLI_OPERATOR, { serial, vehicleId: vehicle.id });
    const drive = Math.floor(perDevice * 0.55);
    const records = telemetryStream({
      startMs: now - 10 * 86_400_000 + d * 60_000,
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
    devices.push({
      serial,
      credential: { serial, secret: issued.secret },
      vehicleId: vehicle.id,
      bodies,
      records: records.length,
    });
  }
  if (cluster.nats) await cluster.addNatsDevices(devices.map((d) => d.credential));
  return devices;
}

/** Over HTTP with node:http keep-alive (fetch costs several times the CPU), device d to url d mod n. */
async function sendHttp(urls: readonly string[], devices: readonly Device[]): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: devices.length });
  const post = (endpoint: URL, body: string, authorization: string) =>
    new Promise<string>((resolve, reject) => {
      const request = http.request(
        endpoint,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization },
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
      devices.map(async (device, d) => {
        const endpoint = new URL('/api/v1/uplink', urls[d % urls.length]);
        const authorization = basicAuthorization(device.credential);
        for (const body of device.bodies) {
          for (let attempt = 0; ; attempt++) {
            const ack = JSON.parse(await post(endpoint, body, authorization)) as {
              ok: boolean;
              error?: { message: string; retryable?: boolean };
            };
            if (ack.ok) break;
            if (attempt > 50) throw new Error(`batch refused: ${ack.error?.message}`);
            await sleep(100);
          }
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}

/**
 * Over MQTT 3.1.1 (QoS 1, ack on the device's ack topic), device d to broker d mod n. Connects and
 * subscribes every device first, ten at a time, each tried up to five times (a NATS server
 * refuses a subscription while JetStream is busy creating the sessions of many at once); resolves
 * with the sending, which is what is timed.
 */
async function connectMqtt(urls: readonly string[], devices: readonly Device[]): Promise<() => Promise<void>> {
  const connected: { device: Device; client: mqtt.MqttClient; acks: ((ok: boolean) => void)[] }[] = [];
  const connectOne = async (device: Device, d: number) => {
    for (let attempt = 1; ; attempt++) {
      let client: mqtt.MqttClient | undefined;
      let timer: NodeJS.Timeout | undefined;
      let expired = false;
      try {
        // Bounded: a NATS server busy with many new sessions may never answer a CONNECT or SUBSCRIBE.
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            expired = true;
            reject(new Error(`${device.serial}: no CONNACK/SUBACK within 10 s`));
          }, 10_000);
        });
        const pending = mqtt.connectAsync(urls[d % urls.length]!, {
          protocolVersion: 4,
          username: device.serial,
          password: device.credential.secret,
          clientId: `${device.serial}-${randomBytes(3).toString('hex')}`,
          reconnectPeriod: 0,
        });
        // Ended even when it answers after the deadline.
        pending.then((late) => (expired ? late.end(true) : undefined)).catch(() => {});
        client = await Promise.race([pending, deadline]);
        const entry = { device, client, acks: [] as ((ok: boolean) => void)[] };
        client.on('message', (_topic, payload) =>
          entry.acks.shift()?.((JSON.parse(payload.toString()) as { ok: boolean }).ok),
        );
        await Promise.race([client.subscribeAsync(ackTopic(device.serial), { qos: 1 }), deadline]);
        connected.push(entry);
        return;
      } catch (error) {
        log(`  ${(error as Error).message}${attempt < 5 ? ': again' : ''}`);
        await client?.endAsync(true).catch(() => {});
        if (attempt >= 5) throw error;
        await sleep(200 * attempt);
      } finally {
        clearTimeout(timer);
      }
    }
  };
  for (let i = 0; i < devices.length; i += 10) {
    await Promise.all(devices.slice(i, i + 10).map((device, j) => connectOne(device, i + j)));
  }
  return async () => {
    try {
      await Promise.all(
        connected.map(async ({ device, client, acks }) => {
          for (const body of device.bodies) {
            const acked = new Promise<boolean>((resolve) => acks.push(resolve));
            await client.publishAsync(uplinkTopic(device.serial), body, { qos: 1 });
            let timer: NodeJS.Timeout | undefined;
            const ok = await Promise.race([
              acked,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error(`${device.serial}: no ack within 60 s`)), 60_000);
              }),
            ]).finally(() => clearTimeout(timer));
            if (!ok) throw new Error('batch refused over MQTT');
          }
        }),
      );
    } finally {
      await Promise.all(connected.map(({ client }) => client.endAsync().catch(() => {})));
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Throughput.

interface ThroughputResult {
  readonly path: string;
  readonly transport: 'http' | 'mqtt';
  readonly ingestNodes: number;
  readonly records: number;
  readonly seconds: number;
  /** Seconds until derivation had caught up too (the derivation queue empty). */
  readonly derivedSeconds: number;
  /** CPU seconds of every SmartCharge process (ingest nodes and worker) until derivation caught up. */
  readonly smartchargeCpuUntilDerived: number;
  /** CPU seconds during the timed part (until the last acknowledgement). */
  readonly cpu: {
    readonly ingest: readonly number[];
    readonly worker: number;
    readonly nats: number;
    readonly postgres: number;
    readonly devices: number;
  };
}

/** Derivation has caught up: nothing left on the derivation queue. */
async function derivationIdle(db: Database, timeoutMs = 300_000): Promise<void> {
  await waitUntil(
    'the derivation queue empty',
    async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM derive_queue')).rows[0]!.n) === 0,
    { timeoutMs, everyMs: 100 },
  );
}

async function measure(
  cluster: Cluster,
  db: Database,
  what: { path: string; transport: 'http' | 'mqtt' },
  ingest: readonly { cpuSeconds(): number }[],
  worker: { cpuSeconds(): number } | undefined,
  prepare: () => Promise<() => Promise<void>>,
  records: number,
): Promise<ThroughputResult> {
  const send = await prepare();
  const before = {
    ingest: ingest.map((n) => n.cpuSeconds()),
    worker: worker?.cpuSeconds() ?? 0,
    nats: natsCpu(cluster),
    postgres: postgresCpu(cluster),
    devices: ownCpu(),
  };
  const started = performance.now();
  await send();
  const seconds = (performance.now() - started) / 1000;
  const atAck = {
    ingest: ingest.map((n) => n.cpuSeconds()),
    worker: worker?.cpuSeconds() ?? 0,
    nats: natsCpu(cluster),
    postgres: postgresCpu(cluster),
    devices: ownCpu(),
  };
  await derivationIdle(db);
  const derivedSeconds = (performance.now() - started) / 1000;
  const smartchargeCpuUntilDerived =
    ingest.reduce((n, node, i) => n + node.cpuSeconds() - before.ingest[i]!, 0) +
    (worker?.cpuSeconds() ?? 0) -
    before.worker;
  return {
    ...what,
    ingestNodes: ingest.length,
    records,
    seconds,
    derivedSeconds,
    smartchargeCpuUntilDerived,
    cpu: {
      ingest: atAck.ingest.map((c, i) => c - before.ingest[i]!),
      worker: atAck.worker - before.worker,
      nats: atAck.nats - before.nats,
      postgres: atAck.postgres - before.postgres,
      devices: atAck.devices - before.devices,
    },
  };
}

/** One all-in-one `smartcharge serve` on the cluster's database: HTTP, and MQTT through its embedded broker. */
async function singleProcess(
  cluster: Cluster,
  env: Record<string, string>,
): Promise<{ server: ServerProcess; mqttUrl: string; cpuSeconds(): number }> {
  const mqttPort = await freePort();
  const server = await startServerProcess({
    ...env,
    DATABASE_URL: cluster.databaseUrl,
    SMARTCHARGE_DATA_DIR: `/tmp/smartcharge-bench-single-${process.pid}`,
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_PORT: String(mqttPort),
    SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN,
    INGEST_RATE_LIMIT_PER_MIN: '1000000',
    JOBS: 'false',
    LOG_LEVEL: 'warn',
  });
  return { server, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, cpuSeconds: () => processCpuSeconds(server.child.pid!) };
}

async function stopNodes(nodes: readonly ClusterNode[]): Promise<void> {
  for (const node of nodes) if (node.running) await node.kill('SIGTERM');
}

let nodeCounter = 0;
async function clusterNodes(
  cluster: Cluster,
  ingestCount: number,
): Promise<{ ingest: ClusterNode[]; worker: ClusterNode }> {
  nodeCounter++;
  const ingest: ClusterNode[] = [];
  for (let i = 0; i < ingestCount; i++) {
    ingest.push(await cluster.addNode({ name: `ingest-${nodeCounter}-${i + 1}`, roles: ['ingest'] }));
  }
  const worker = await cluster.addNode({ name: `worker-${nodeCounter}`, roles: ['worker'] });
  return { ingest, worker };
}

async function throughput(cluster: Cluster, services: Services, db: Database): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  const perDevice = Math.ceil(RECORDS / DEVICES);
  let phase = 0;
  const fresh = async () => makeDevices(cluster, services, `${process.pid}-${++phase}`, DEVICES, perDevice);
  for (const transport of TRANSPORTS) {
    {
      log(`single process, ${transport}…`);
      const devices = await fresh();
      const records = devices.reduce((n, d) => n + d.records, 0);
      const single = await singleProcess(cluster, {});
      try {
        results.push(
          await measure(
            cluster,
            db,
            { path: 'single process', transport },
            [single],
            undefined,
            async () =>
              transport === 'http'
                ? () => sendHttp([single.server.url], devices)
                : connectMqtt([single.mqttUrl], devices),
            records,
          ),
        );
      } finally {
        await single.server.kill('SIGTERM');
      }
      log(`  ${Math.round(records / results.at(-1)!.seconds)} records/s`);
    }
    for (const ingestCount of [1, 2]) {
      log(`cluster, ${ingestCount} ingest node${ingestCount > 1 ? 's' : ''}, ${transport}…`);
      const devices = await fresh();
      const records = devices.reduce((n, d) => n + d.records, 0);
      const { ingest, worker } = await clusterNodes(cluster, ingestCount);
      try {
        results.push(
          await measure(
            cluster,
            db,
            { path: transport === 'mqtt' ? 'cluster (NATS JetStream)' : 'cluster (HTTP to ingest nodes)', transport },
            ingest,
            worker,
            async () =>
              transport === 'http'
                ? () =>
                    sendHttp(
                      ingest.map((n) => n.url),
                      devices,
                    )
                : connectMqtt(cluster.mqttUrls, devices),
            records,
          ),
        );
      } finally {
        await stopNodes([...ingest, worker]);
      }
      log(`  ${Math.round(records / results.at(-1)!.seconds)} records/s`);
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Latency: one batch at a time, device → acknowledged → derived.

interface LatencyResult {
  readonly path: string;
  readonly transport: 'http' | 'mqtt';
  readonly batches: number;
  /** Milliseconds: p50, p95, max. */
  readonly ack: readonly [number, number, number];
  readonly derived: readonly [number, number, number];
}

function percentiles(values: readonly number[]): [number, number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return [at(0.5), at(0.95), sorted.at(-1)!];
}

async function latencyOf(
  db: Database,
  device: Device,
  transport: FailoverTransport,
  label: { path: string; transport: 'http' | 'mqtt' },
): Promise<LatencyResult> {
  const ack: number[] = [];
  const derived: number[] = [];
  const source = telemetryStream({ startMs: Date.now() - 3600_000, driveSeconds: 600, chargeSeconds: 0, seed: 7 });
  const client = new UplinkClient({ serial: device.serial, boot: 2, transport, batchRecords: 10 });
  const readings = async () =>
    Number(
      (
        await db.query<{ n: string }>('SELECT coalesce(sum(readings), 0) AS n FROM vehicle_day WHERE vehicle_id = $1', [
          device.vehicleId,
        ])
      ).rows[0]!.n,
    );
  const base = await readings();
  let sent = 0;
  for (let b = 0; b < 40; b++) {
    for (let i = 0; i < 10; i++) {
      const { seq: _seq, ...values } = source[sent++]!;
      client.record(values);
    }
    const t0 = performance.now();
    const flushed = await client.flush({ maxAttempts: 3 });
    if (flushed.pending > 0) throw new Error(`latency: batch not acknowledged: ${flushed.lastError}`);
    ack.push(performance.now() - t0);
    await waitUntil('the batch derived', async () => (await readings()) >= base + sent, {
      timeoutMs: 30_000,
      everyMs: 5,
    });
    derived.push(performance.now() - t0);
    await sleep(50);
  }
  await transport.close();
  return { ...label, batches: ack.length, ack: percentiles(ack), derived: percentiles(derived) };
}

async function latency(cluster: Cluster, services: Services, db: Database): Promise<LatencyResult[]> {
  const results: LatencyResult[] = [];
  const devices = await makeDevices(cluster, services, `${process.pid}-lat`, 4, 1);
  let d = 0;
  {
    log('latency, single process…');
    const single = await singleProcess(cluster, {});
    try {
      for (const transport of TRANSPORTS) {
        const device = devices[d++]!;
        const uplink =
          transport === 'http'
            ? FailoverTransport.http([single.server.url], device.credential)
            : FailoverTransport.mqtt([single.mqttUrl], device.credential);
        results.push(await latencyOf(db, device, uplink, { path: 'single process', transport }));
      }
    } finally {
      await single.server.kill('SIGTERM');
    }
  }
  {
    log('latency, cluster (2 ingest nodes, 1 worker)…');
    const { ingest, worker } = await clusterNodes(cluster, 2);
    try {
      for (const transport of TRANSPORTS) {
        const device = devices[d++]!;
        const uplink =
          transport === 'http'
            ? FailoverTransport.http(
                ingest.map((n) => n.url),
                device.credential,
              )
            : FailoverTransport.mqtt(cluster.mqttUrls, device.credential);
        results.push(
          await latencyOf(db, device, uplink, {
            path: transport === 'mqtt' ? 'cluster (NATS JetStream)' : 'cluster (HTTP to ingest nodes)',
            transport,
          }),
        );
      }
    } finally {
      await stopNodes([...ingest, worker]);
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Recovery after an ingest node dies.

interface RecoveryResult {
  readonly transport: 'http' | 'mqtt';
  readonly devices: number;
  /** Batches sent before the kill and acknowledged only after it. */
  readonly inFlightAtKill: number;
  /** Seconds from the kill to the first acknowledgement after it. */
  readonly acksResumeS: number;
  /** Seconds from the kill until every batch in flight at the kill was acknowledged. */
  readonly allInFlightAckedS: number;
  /** MQTT: seconds from the kill until the ingest consumer had nothing pending or unacknowledged. */
  readonly streamDrainedS: number | undefined;
  /** Longest gap between two acknowledgements around the kill (s). */
  readonly longestAckGapS: number;
  readonly deviceTimeoutS: number;
}

const RECOVERY_DEVICE_TIMEOUT_MS = 5000;

async function recovery(cluster: Cluster, services: Services): Promise<RecoveryResult[]> {
  const results: RecoveryResult[] = [];
  for (const transport of TRANSPORTS) {
    log(`recovery, ${transport}: 2 ingest nodes, one SIGKILLed mid-stream…`);
    const count = 100;
    const devices = await makeDevices(cluster, services, `${process.pid}-rec-${transport}`, count, 1);
    const { ingest, worker } = await clusterNodes(cluster, 2);
    const ackTimes: number[] = [];
    /** Per device: when the batch now being sent was first sent. */
    const inFlightSince = new Map<string, number>();
    const inFlightAtKillDone: number[] = [];
    let killedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const transports: FailoverTransport[] = [];
    try {
      const run = async (device: Device, index: number) => {
        const uplink =
          transport === 'http'
            ? FailoverTransport.http(
                ingest.map((n) => n.url),
                device.credential,
                index,
                RECOVERY_DEVICE_TIMEOUT_MS,
              )
            : FailoverTransport.mqtt(cluster.mqttUrls, device.credential, index, RECOVERY_DEVICE_TIMEOUT_MS);
        transports.push(uplink);
        const client = new UplinkClient({
          serial: device.serial,
          boot: 3,
          transport: uplink,
          batchRecords: 20,
          onAck: (ack) => {
            if (!ack.ok) return;
            const now = performance.now();
            ackTimes.push(now);
            const since = inFlightSince.get(device.serial);
            if (since !== undefined && since < killedAt && now >= killedAt) inFlightAtKillDone.push(now - killedAt);
            inFlightSince.delete(device.serial);
          },
        });
        const source = telemetryStream({ startMs: Date.now() - 7200_000, driveSeconds: 3000, chargeSeconds: 0 });
        let produced = 0;
        for (let round = 0; round < 5000 && !stop && produced < source.length; round++) {
          for (let i = 0; i < 20; i++) {
            const { seq: _seq, ...values } = source[produced++]!;
            client.record(values);
          }
          if (!inFlightSince.has(device.serial)) inFlightSince.set(device.serial, performance.now());
          const result = await client.flush({ maxAttempts: 1 });
          if (result.pending === 0) inFlightSince.delete(device.serial);
          await sleep(result.lastError ? 100 : 20);
        }
      };
      const streaming = Promise.all(devices.map(run));
      // Into the stream, then at a moment when many batches wait for their acknowledgement.
      await sleep(3000);
      for (let i = 0; i < 500 && inFlightSince.size < count / 4; i++) await sleep(2);
      const inFlight = inFlightSince.size;
      killedAt = performance.now();
      await ingest[0]!.kill('SIGKILL');
      // The stream's view: the dead node's unacknowledged messages wait for ACK_WAIT, while the
      // devices' own resends (after their ack timeout) are taken by the live node at once.
      let streamDrainedS: number | undefined;
      const drained =
        transport === 'mqtt'
          ? (async () => {
              // Something is pending right after the kill (the dead node's messages); wait for none.
              for (let i = 0; i < 2400; i++) {
                const { pending, ackPending } = await cluster.streamPending();
                if (pending === 0 && ackPending === 0 && performance.now() - killedAt > 200) {
                  streamDrainedS = (performance.now() - killedAt) / 1000;
                  return;
                }
                await sleep(50);
              }
            })()
          : Promise.resolve();
      await waitUntil(
        'every batch in flight at the kill acknowledged',
        () => inFlightAtKillDone.length >= inFlight && [...inFlightSince.values()].every((t) => t > killedAt),
        { timeoutMs: 120_000, everyMs: 20 },
      );
      await sleep(2000);
      stop = true;
      await streaming;
      await drained;
      const after = ackTimes.filter((t) => t >= killedAt);
      const around = ackTimes.filter((t) => t >= killedAt - 5000 && t <= killedAt + 30_000).sort((a, b) => a - b);
      let gap = 0;
      for (let i = 1; i < around.length; i++) gap = Math.max(gap, around[i]! - around[i - 1]!);
      results.push({
        transport,
        devices: count,
        inFlightAtKill: inFlight,
        acksResumeS: after.length ? (Math.min(...after) - killedAt) / 1000 : Number.NaN,
        allInFlightAckedS: (inFlightAtKillDone.length ? Math.max(...inFlightAtKillDone) : 0) / 1000,
        streamDrainedS,
        longestAckGapS: gap / 1000,
        deviceTimeoutS: RECOVERY_DEVICE_TIMEOUT_MS / 1000,
      });
    } finally {
      stop = true;
      await Promise.all(transports.map((t) => t.close()));
      await stopNodes([...ingest, worker]);
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function throughputTable(results: readonly ThroughputResult[]): string {
  return table(
    [
      'path',
      'transport',
      'ingest nodes',
      'records/s',
      'ingest CPU s per node',
      'records per CPU-s per ingest node',
      'vs single',
      'records per SmartCharge CPU-s, until derived',
      'CPU s: worker · NATS · PostgreSQL · devices',
    ],
    results.map((r) => {
      const perCpu = r.records / r.cpu.ingest.reduce((a, b) => a + b, 0);
      const single = results.find((s) => s.path === 'single process' && s.transport === r.transport);
      const singlePerCpu = single ? single.records / single.cpu.ingest[0]! : Number.NaN;
      return [
        r.path,
        r.transport,
        String(r.ingestNodes),
        int(r.records / r.seconds),
        r.cpu.ingest.map((c) => c.toFixed(1)).join(' + '),
        int(perCpu),
        (perCpu / singlePerCpu).toFixed(2),
        int(r.records / r.smartchargeCpuUntilDerived),
        [r.cpu.worker, r.cpu.nats, r.cpu.postgres, r.cpu.devices].map((c) => c.toFixed(1)).join(' · '),
      ];
    }),
  );
}

function latencyTable(results: readonly LatencyResult[]): string {
  const ms = (v: readonly number[]) => v.map((x) => x.toFixed(0)).join(' / ');
  return table(
    ['path', 'transport', 'batches', 'device → ack, ms p50/p95/max', 'device → derived, ms p50/p95/max'],
    results.map((r) => [r.path, r.transport, String(r.batches), ms(r.ack), ms(r.derived)]),
  );
}

function recoveryTable(results: readonly RecoveryResult[]): string {
  return table(
    [
      'transport',
      'devices',
      'batches in flight at kill',
      'acks resume after',
      'all in-flight acked after',
      'stream drained after',
      'longest ack gap',
      'device ack timeout',
    ],
    results.map((r) => [
      r.transport,
      String(r.devices),
      String(r.inFlightAtKill),
      `${r.acksResumeS.toFixed(2)} s`,
      `${r.allInFlightAckedS.toFixed(2)} s`,
      r.streamDrainedS === undefined ? '–' : `${r.streamDrainedS.toFixed(2)} s`,
      `${r.longestAckGapS.toFixed(2)} s`,
      `${r.deviceTimeoutS} s`,
    ]),
  );
}

async function main(): Promise<void> {
  const wantsNats = TRANSPORTS.includes('mqtt');
  log(`starting PostgreSQL (primary + standby)${wantsNats ? ' and 3 NATS servers' : ''}…`);
  const cluster = await startCluster({ natsNodes: wantsNats ? 3 : 0, adminToken: ADMIN_TOKEN });
  // Interrupted (Ctrl-C, timeout), the cluster's processes and folders go too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the cluster…`);
      void cluster.stop().finally(() => process.exit(130));
    });
  }
  try {
    const db = await cluster.primary();
    const services = await createServices(db, TEST_SETTINGS, {
      log: createLogger('silent'),
      metrics: createMetrics({ defaultMetrics: false }),
      passwordCost: TEST_PASSWORD_COST,
    });
    const out: string[] = [];
    const report: Record<string, unknown> = {
      date: new Date().toISOString(),
      records: RECORDS,
      devices: DEVICES,
      batch: BATCH,
    };
    if (PHASES.has('throughput')) {
      const results = await throughput(cluster, services, db);
      report.throughput = results;
      out.push(
        `Throughput: ${int(RECORDS)} records from ${DEVICES} devices, ${BATCH} records per batch, per run\n\n${throughputTable(results)}`,
      );
    }
    if (PHASES.has('latency')) {
      const results = await latency(cluster, services, db);
      report.latency = results;
      out.push(`Latency, one batch of 10 records at a time\n\n${latencyTable(results)}`);
    }
    if (PHASES.has('recovery')) {
      const results = await recovery(cluster, services);
      report.recovery = results;
      out.push(`Recovery: 2 ingest nodes, one SIGKILLed while devices stream\n\n${recoveryTable(results)}`);
    }
    process.stdout.write(`\nCluster benchmark (${new Date().toISOString()})\n\n${out.join('\n\n')}\n`);
    await mkdir('artifacts', { recursive: true });
    await writeFile('artifacts/bench-cluster.json', JSON.stringify(report, null, 2));
  } finally {
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * "Nothing acknowledged is lost" through NATS JetStream, with nodes killed mid-stream:
 * - two `smartcharge serve` processes share the uplink stream's durable consumer; one is SIGKILLed
 *   while devices stream: the other takes over, the killed node's unacknowledged messages come
 *   back to it after the ack wait, and every record is stored exactly once;
 * - a three-node NATS cluster holds the stream with three replicas; the node the devices are
 *   connected to is SIGKILLed: they connect to another, and nothing acknowledged is lost.
 * Devices are the real device code (UplinkClient over MqttUplinkTransport, MQTT 3.1.1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MqttUplinkTransport, TransportError, UplinkClient, type UplinkTransport } from '@smartcharge/device';
import type { DeviceCredential, TUplinkBatch, TUplinkRecord, UplinkAck } from '@smartcharge/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { INGEST_CONSUMER, UPLINK_STREAM } from '../src/nats/index.js';
import { createPostgresDatabase, postgresAvailable } from './support/databases.js';
import { startNatsCluster, TEST_INGEST, type NatsCluster } from './support/nats-cluster.js';
import { freePort, runCli, startServerProcess, type ServerProcess } from './support/processes.js';
import { provisionDevice, startTestServer, storedRecords, type TestServer } from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const ADMIN_TOKEN = 'nats-kill-test-operator-token-0123456789';
const DEVICES = 3;
const RECORDS_PER_DEVICE = 1500;

/**
 * The device transport takes one broker URL; a device of a cluster is given several and moves to
 * the next when a send gets no answer (its broker died).
 */
class FailoverTransport implements UplinkTransport {
  readonly name = 'mqtt-failover';
  private index: number;
  private current: MqttUplinkTransport;
  failovers = 0;

  constructor(
    private readonly urls: readonly string[],
    private readonly credential: DeviceCredential,
    first = 0,
  ) {
    this.index = first % urls.length;
    this.current = this.open();
  }

  private open(): MqttUplinkTransport {
    return new MqttUplinkTransport({ url: this.urls[this.index]!, credential: this.credential, timeoutMs: 4000 });
  }

  async send(batch: TUplinkBatch): Promise<UplinkAck> {
    try {
      return await this.current.send(batch);
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      await this.current.close().catch(() => {});
      this.index = (this.index + 1) % this.urls.length;
      this.current = this.open();
      this.failovers++;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.current.close();
  }
}

interface SimulatedDevice {
  readonly credential: DeviceCredential;
  readonly client: UplinkClient;
  readonly transport: UplinkTransport;
  readonly sent: TUplinkRecord[];
  acknowledged: number;
  /** Streams every record, flushing as it goes; resolves once all are acknowledged (bounded). */
  run(): Promise<void>;
}

function simulatedDevice(credential: DeviceCredential, transport: UplinkTransport, seed: number): SimulatedDevice {
  const source = telemetryStream({
    startMs: Date.now() - 2 * 3600_000,
    driveSeconds: RECORDS_PER_DEVICE / 2,
    chargeSeconds: RECORDS_PER_DEVICE / 2,
    seed,
  });
  const sent: TUplinkRecord[] = [];
  const device: SimulatedDevice = {
    credential,
    transport,
    sent,
    acknowledged: 0,
    client: new UplinkClient({
      serial: credential.serial,
      boot: 1,
      transport,
      batchRecords: 50,
      initialBackoffMs: 100,
      maxBackoffMs: 500,
      onAck: (ack) => {
        if (ack.ok) device.acknowledged++;
      },
      onDropped: (records, error) => {
        throw new Error(`the server refused ${records.length} records for good: ${error.code} ${error.message}`);
      },
    }),
    async run() {
      let produced = 0;
      for (let rounds = 0; rounds < 5000 && (produced < source.length || device.client.pending > 0); rounds++) {
        for (let i = 0; i < 60 && produced < source.length; i++) {
          const { seq: _seq, ...values } = source[produced++]!;
          sent.push(device.client.record(values));
        }
        const result = await device.client.flush({ maxAttempts: 1 });
        if (result.lastError) await sleep(100);
        else await sleep(20); // a device sends about once a second; here a little faster
      }
    },
  };
  return device;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting until ${what}`);
}

/**
 * Waits (briefly, bounded) for a moment when the devices hold records sent but not yet
 * acknowledged, so a kill then hits mid-stream; returns how many.
 */
async function whileSending(devices: readonly SimulatedDevice[]): Promise<number> {
  const pending = () => devices.reduce((sum, device) => sum + device.client.pending, 0);
  for (let i = 0; i < 2000 && pending() === 0; i++) await sleep(2);
  return pending();
}

/** True once the stream holds nothing and the consumer has nothing handed out unacknowledged. */
async function streamDrained(cluster: NatsCluster): Promise<boolean> {
  const nc = await connect({
    servers: cluster.natsUrl.split(',').map((u) => new URL(u).host),
    user: TEST_INGEST.user,
    pass: TEST_INGEST.password,
  });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = await jsm.streams.info(UPLINK_STREAM);
    const consumer = await jsm.consumers.info(UPLINK_STREAM, INGEST_CONSUMER);
    return stream.state.messages === 0 && consumer.num_ack_pending === 0 && consumer.num_pending === 0;
  } finally {
    await nc.close();
  }
}

describe('two ingest nodes on one NATS stream, one SIGKILLed mid-stream [postgres]', () => {
  const run = postgresAvailable() ? it : it.skip;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  run(
    'stores every record of every device exactly once',
    async () => {
      const cluster = await startNatsCluster({ size: 1 });
      cleanups.push(() => cluster.stop());
      const database = await createPostgresDatabase();
      cleanups.push(() => database.drop());
      const dirs = [
        await mkdtemp(path.join(tmpdir(), 'smartcharge-nats-a-')),
        await mkdtemp(path.join(tmpdir(), 'smartcharge-nats-b-')),
      ];
      cleanups.push(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
      const envFor = async (dir: string) => ({
        DATABASE_URL: database.url,
        SMARTCHARGE_DATA_DIR: dir,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        MQTT_PORT: '0',
        NATS_URL: cluster.natsUrl,
        SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN,
        INGEST_RATE_LIMIT_PER_MIN: '100000',
      });
      const envA = await envFor(dirs[0]!);
      const envB = await envFor(dirs[1]!);

      const servers: ServerProcess[] = [];
      servers.push(await startServerProcess(envA));
      cleanups.push(() => servers[0]!.kill('SIGKILL'));
      servers.push(await startServerProcess(envB));
      cleanups.push(() => servers[1]!.kill('SIGKILL'));

      const devices: SimulatedDevice[] = [];
      for (let d = 0; d < DEVICES; d++) {
        const serial = `C2-NATSKILL-${process.pid}-${d}`;
        const provisioned = await runCli(['device', 'provision', '--serial', serial, '--json'], envA);
        expect(provisioned.code, provisioned.stderr).toBe(0);
        const credential = { serial, secret: (JSON.parse(provisioned.stdout) as { secret: string }).secret };
        await cluster.addDevice(serial, credential.secret);
        const transport = new FailoverTransport([cluster.mqttUrl(0)], credential);
        cleanups.push(() => transport.close());
        devices.push(simulatedDevice(credential, transport, 100 + d));
      }

      const acknowledged = () => devices.reduce((sum, device) => sum + device.acknowledged, 0);
      let pendingAtKill = -1;
      const kill = async () => {
        await waitFor('the devices have 20 batches acknowledged', () => acknowledged() >= 20);
        pendingAtKill = await whileSending(devices);
        await servers[0]!.kill('SIGKILL');
      };
      await Promise.all([...devices.map((device) => device.run()), kill()]);

      // The kill hit mid-stream: the devices held data not yet acknowledged.
      expect(pendingAtKill).toBeGreaterThan(0);
      for (const device of devices) {
        expect(device.client.pending).toBe(0);
        expect(device.sent).toHaveLength(RECORDS_PER_DEVICE);
      }
      // What the killed node held comes back to the other after the ack wait (30 s) and is stored once.
      await waitFor('the stream is drained', () => streamDrained(cluster), 900);

      for (const device of devices) {
        const response = await fetch(
          `${servers[1]!.url}/api/v1/admin/devices/${device.credential.serial}/telemetry?from=${encodeURIComponent(new Date(Date.now() - 3 * 3600_000).toISOString())}&to=${encodeURIComponent(new Date().toISOString())}`,
          { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
        );
        expect(response.status).toBe(200);
        const stored = ((await response.json()) as { records: (TUplinkRecord & { boot: number })[] }).records;
        expect(stored.map(({ boot: _boot, ...record }) => record)).toEqual(device.sent);
      }
      expect(await servers[1]!.kill('SIGTERM')).toBe(0);
    },
    180_000,
  );
});

describe('a three-node NATS cluster with the stream on three replicas, one node SIGKILLed mid-stream [pglite]', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('loses nothing acknowledged: the devices move to another node', { timeout: 180_000 }, async () => {
    const cluster = await startNatsCluster({ size: 3 });
    cleanups.push(() => cluster.stop());
    const server: TestServer = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      env: { NATS_URL: cluster.natsUrl, NATS_STREAM_REPLICAS: '3', INGEST_RATE_LIMIT_PER_MIN: '100000' },
    });
    cleanups.push(() => server.stop());
    expect(server.mqtt).toContain('(R3)');

    const urls = cluster.nodes.map((_node, i) => cluster.mqttUrl(i));
    const devices: (SimulatedDevice & { id: number; failover: FailoverTransport })[] = [];
    for (let d = 0; d < DEVICES; d++) {
      const { id, credential } = await provisionDevice(server);
      await cluster.addDevice(credential.serial, credential.secret);
      // Every device starts on node 0, the one that dies.
      const failover = new FailoverTransport(urls, credential, 0);
      cleanups.push(() => failover.close());
      devices.push(Object.assign(simulatedDevice(credential, failover, 200 + d), { id, failover }));
    }

    const acknowledged = () => devices.reduce((sum, device) => sum + device.acknowledged, 0);
    let pendingAtKill = -1;
    const kill = async () => {
      await waitFor('the devices have 20 batches acknowledged', () => acknowledged() >= 20);
      pendingAtKill = await whileSending(devices);
      await cluster.kill(0, 'SIGKILL');
    };
    await Promise.all([...devices.map((device) => device.run()), kill()]);

    expect(pendingAtKill).toBeGreaterThan(0);
    for (const device of devices) {
      expect(device.client.pending).toBe(0);
      expect(device.failover.failovers).toBeGreaterThan(0);
    }
    // The node comes back on its store and catches up; messages whose JetStream ack died with the
    // node come back after the ack wait; once the log is drained, every record is there once.
    await cluster.restart(0);
    await waitFor('the stream is drained', () => streamDrained(cluster), 900);
    for (const device of devices) expect(await storedRecords(server, device.id)).toEqual(device.sent);
  });
});

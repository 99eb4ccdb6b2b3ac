/**
 * Devices → nats-server's MQTT listener → the JetStream uplink stream → ingest → the device's ack,
 * on the shipped deploy/nats config (test/support/nats-cluster.ts starts real nats-server
 * processes). Covers: a batch through the device transport, stored and acknowledged, on both
 * databases; a batch delivered twice stored once; refusals (a broken batch answered and dropped
 * from the log); the device accounts (no publishing for another device, no reading its acks, wrong
 * passwords refused, MQTT only); clear start errors. nats-cluster.e2e.test.ts kills nodes.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MqttUplinkTransport } from '@smartcharge/device';
import { ackTopic, uplinkTopic, type UplinkAck } from '@smartcharge/protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUSY_DELIVERIES, INGEST_CONSUMER, removeNatsUser, UPLINK_STREAM } from '../src/nats/index.js';
import { batchOf } from './support/builders.js';
import { describeEachKind } from './support/databases.js';
import { startNatsCluster, TEST_INGEST, type NatsCluster } from './support/nats-cluster.js';
import { freePort } from './support/processes.js';
import {
  HOUR_MS,
  connectClient,
  metricValue,
  provisionDevice,
  scrapeMetrics,
  startTestServer,
  storedRecords,
  type TestServer,
} from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const WAIT_MS = 10_000;
/** Long enough for a message the broker would deliver to arrive (they take milliseconds). */
const QUIET_MS = 500;
const NOT_AUTHORIZED = 5;
const NATS_SERVER = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p)) ?? 'nats-server';

function recentBatch(serial: string, firstSeq: number, seconds = 3) {
  const records = telemetryStream({
    startMs: Date.now() - HOUR_MS,
    driveSeconds: seconds,
    chargeSeconds: 0,
    firstSeq,
    seed: firstSeq + 1,
  });
  return batchOf(serial, 1, records);
}

const opened: MqttClient[] = [];
afterEach(() => {
  for (const client of opened.splice(0)) client.end(true);
});

async function ingestConnection(cluster: NatsCluster): Promise<NatsConnection> {
  return connect({
    servers: `127.0.0.1:${cluster.nodes[0]!.clientPort}`,
    user: TEST_INGEST.user,
    pass: TEST_INGEST.password,
  });
}

/** Messages in the uplink stream and handed out unacknowledged: both 0 once ingest is done. */
async function backlog(cluster: NatsCluster): Promise<{ messages: number; ackPending: number }> {
  const nc = await ingestConnection(cluster);
  try {
    const jsm = await jetstreamManager(nc);
    const stream = await jsm.streams.info(UPLINK_STREAM);
    const consumer = await jsm.consumers.info(UPLINK_STREAM, INGEST_CONSUMER);
    return { messages: stream.state.messages, ackPending: consumer.num_ack_pending };
  } finally {
    await nc.close();
  }
}

async function drained(cluster: NatsCluster): Promise<{ messages: number; ackPending: number }> {
  let state = await backlog(cluster);
  for (let i = 0; i < 100 && (state.messages > 0 || state.ackPending > 0); i++) {
    await sleep(100);
    state = await backlog(cluster);
  }
  return state;
}

describe('devices through NATS JetStream (deploy/nats, one node)', () => {
  let cluster: NatsCluster | undefined;
  beforeAll(async () => {
    cluster = await startNatsCluster({ size: 1 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describe('the device accounts (deploy/nats/smartcharge-users.conf, written by nats-user)', () => {
    let server: TestServer | undefined;
    beforeAll(async () => {
      server = await startTestServer({ database: 'pglite', mqtt: 'off', env: { NATS_URL: cluster!.natsUrl } });
    });
    afterAll(async () => {
      await server?.stop();
    });

    async function device() {
      const provisioned = await provisionDevice(server!);
      await cluster!.addDevice(provisioned.credential.serial, provisioned.credential.secret);
      return provisioned;
    }

    /** SUBACK codes (mqtt.js rejects a SUBACK with a refusal, carrying the packet). */
    async function grantedCodes(client: MqttClient, topic: string): Promise<number[]> {
      try {
        return (await client.subscribeAsync(topic, { qos: 1 })).map((grant) => grant.qos);
      } catch (error) {
        const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
        if (!granted) throw error;
        return granted;
      }
    }

    it('refuses a wrong password and an anonymous client, and a device over plain NATS', async () => {
      const { credential } = await device();
      const code = (options: { username?: string; password?: string }) =>
        connectClient(cluster!.mqttUrl(0), options).then(
          (client) => {
            client.end(true);
            return 'connected';
          },
          (error: Error & { code?: number }) => error.code,
        );
      expect(await code({})).toBe(NOT_AUTHORIZED);
      expect(await code({ username: credential.serial, password: 'not-the-secret' })).toBe(NOT_AUTHORIZED);
      expect(await code({ username: credential.serial, password: credential.secret })).toBe('connected');
      // The device's account is for MQTT only: over NATS it could not be held to its topics.
      await expect(
        connect({
          servers: `127.0.0.1:${cluster!.nodes[0]!.clientPort}`,
          user: credential.serial,
          pass: credential.secret,
          reconnect: false,
        }),
      ).rejects.toThrow(/Authorization Violation/i);
    });

    it('keeps another device’s acks from a device: its subscriptions are refused, nothing arrives', async () => {
      const snoop = await device();
      const target = await device();
      const client = await connectClient(cluster!.mqttUrl(0), {
        username: snoop.credential.serial,
        password: snoop.credential.secret,
      });
      opened.push(client);
      const overheard: string[] = [];
      client.on('message', (topic) => overheard.push(topic));
      expect(await grantedCodes(client, ackTopic(target.credential.serial))).toEqual([0x80]);
      expect(await grantedCodes(client, 'smartcharge/v1/devices/+/ack')).toEqual([0x80]);
      expect(await grantedCodes(client, '#')).toEqual([0x80]);
      // Nor the broker's own delivery subjects for QoS 1 subscriptions.
      expect(await grantedCodes(client, '$MQTT/sub/#')).toEqual([0x80]);

      const transport = new MqttUplinkTransport({
        url: cluster!.mqttUrl(0),
        credential: target.credential,
        protocolVersion: 4,
        timeoutMs: WAIT_MS,
      });
      try {
        expect(await transport.send(recentBatch(target.credential.serial, 0))).toMatchObject({ ok: true });
      } finally {
        await transport.close();
      }
      await sleep(QUIET_MS);
      expect(overheard).toEqual([]);
    });

    it('drops a fake ack a device publishes for another device, and an uplink on another serial', async () => {
      const forger = await device();
      const victim = await device();
      const victimClient = await connectClient(cluster!.mqttUrl(0), {
        username: victim.credential.serial,
        password: victim.credential.secret,
      });
      opened.push(victimClient);
      const victimGot: string[] = [];
      victimClient.on('message', (topic) => victimGot.push(topic));
      expect(await grantedCodes(victimClient, ackTopic(victim.credential.serial))).toEqual([1]);
      const forgerClient = await connectClient(cluster!.mqttUrl(0), {
        username: forger.credential.serial,
        password: forger.credential.secret,
      });
      opened.push(forgerClient);

      await forgerClient.publishAsync(ackTopic(victim.credential.serial), JSON.stringify({ v: 1, ok: true }), {
        qos: 1,
      });
      await forgerClient.publishAsync(
        uplinkTopic(victim.credential.serial),
        JSON.stringify(recentBatch(victim.credential.serial, 100)),
        { qos: 1 },
      );
      await sleep(QUIET_MS);
      expect(victimGot).toEqual([]);
      expect(await storedRecords(server!, victim.id)).toEqual([]);
    });

    it('lets a device in from the moment its line is added, and no longer once it is removed', async () => {
      const { credential } = await device();
      (await connectClient(cluster!.mqttUrl(0), { username: credential.serial, password: credential.secret })).end(
        true,
      );
      expect(await removeNatsUser(cluster!.usersFile, { kind: 'device', serial: credential.serial })).toBe(true);
      await cluster!.reload();
      await expect(
        connectClient(cluster!.mqttUrl(0), { username: credential.serial, password: credential.secret }),
      ).rejects.toMatchObject({ code: NOT_AUTHORIZED });
    });
  });

  describe('with a writer that cannot take the batch', () => {
    let server: TestServer | undefined;
    beforeAll(async () => {
      server = await startTestServer({
        database: 'pglite',
        mqtt: 'off',
        env: { NATS_URL: cluster!.natsUrl, INGEST_MAX_PENDING_RECORDS: '1000' },
      });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it(`hands the batch back to the log ${BUSY_DELIVERIES} times, then tells the device to send it later`, async () => {
      const { id, credential } = await provisionDevice(server!);
      await cluster!.addDevice(credential.serial, credential.secret);
      const client = await connectClient(cluster!.mqttUrl(0), {
        username: credential.serial,
        password: credential.secret,
      });
      opened.push(client);
      const acks: UplinkAck[] = [];
      client.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as UplinkAck));
      await client.subscribeAsync(ackTopic(credential.serial), { qos: 1 });
      // More records than the writer may hold at once: "busy" every time.
      const batch = recentBatch(credential.serial, 0, 1200);
      await client.publishAsync(uplinkTopic(credential.serial), JSON.stringify(batch), { qos: 1 });
      for (let i = 0; i < 400 && acks.length < 1; i++) await sleep(50);
      expect(acks).toMatchObject([
        { ok: false, seq_min: 0, seq_max: 1199, error: { code: 'unavailable', retryable: true } },
      ]);
      const refused = metricValue(await scrapeMetrics(server!), 'smartcharge_ingest_batches_rejected_total', {
        transport: 'mqtt',
        reason: 'unavailable',
      });
      expect(refused).toBe(BUSY_DELIVERIES);
      expect(await storedRecords(server!, id)).toEqual([]);
      expect(await drained(cluster!)).toEqual({ messages: 0, ackPending: 0 });
    });
  });

  describeEachKind('with a server consuming the uplink stream', (kind) => {
    let server: TestServer | undefined;
    beforeAll(async () => {
      server = await startTestServer({ database: kind, mqtt: 'off', env: { NATS_URL: cluster!.natsUrl } });
    });
    afterAll(async () => {
      await server?.stop();
    });

    async function device() {
      const provisioned = await provisionDevice(server!);
      await cluster!.addDevice(provisioned.credential.serial, provisioned.credential.secret);
      return provisioned;
    }

    it('says NATS JetStream is the broker, with the stream and the servers (password hidden)', () => {
      expect(server!.mqtt).toMatch(
        /^NATS JetStream nats:\/\/smartcharge-ingest:\*\*\*@127\.0\.0\.1:\d+, stream SMARTCHARGE_UPLINKS \(R1\)/,
      );
      expect(server!.mqtt).not.toContain(TEST_INGEST.password);
      expect(server!.mqttPort).toBeUndefined();
    });

    it('stores a batch sent through the device transport and acknowledges it to the device', async () => {
      const { id, credential } = await device();
      const transport = new MqttUplinkTransport({
        url: cluster!.mqttUrl(0),
        credential,
        protocolVersion: 4,
        timeoutMs: WAIT_MS,
      });
      try {
        const all = recentBatch(credential.serial, 0, 8);
        const batch = { ...all, records: all.records.slice(0, 3) };
        const next = { ...all, records: all.records.slice(3) };
        expect(await transport.send(batch)).toMatchObject({ ok: true, accepted: 3, duplicates: 0 });
        expect(await storedRecords(server!, id)).toEqual(batch.records);
        expect(await transport.send(next)).toMatchObject({ ok: true, accepted: 5 });
        expect(await storedRecords(server!, id)).toEqual(all.records);
      } finally {
        await transport.close();
      }
      // Acknowledged to JetStream too: the work queue keeps nothing.
      expect(await drained(cluster!)).toEqual({ messages: 0, ackPending: 0 });
    });

    it('stores a batch that reaches the stream twice once, and acknowledges both copies', async () => {
      const { id, credential } = await device();
      const client = await connectClient(cluster!.mqttUrl(0), {
        username: credential.serial,
        password: credential.secret,
      });
      opened.push(client);
      const acks: UplinkAck[] = [];
      client.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as UplinkAck));
      await client.subscribeAsync(ackTopic(credential.serial), { qos: 1 });
      const batch = recentBatch(credential.serial, 0, 4);
      await client.publishAsync(uplinkTopic(credential.serial), JSON.stringify(batch), { qos: 1 });
      await client.publishAsync(uplinkTopic(credential.serial), JSON.stringify(batch), { qos: 1 });
      for (let i = 0; i < 100 && acks.length < 2; i++) await sleep(50);
      expect(acks).toHaveLength(2);
      expect(acks.map((ack) => (ack.ok ? [ack.accepted, ack.duplicates] : ack.error.code))).toEqual([
        [4, 0],
        [0, 4],
      ]);
      expect(await storedRecords(server!, id)).toEqual(batch.records);
    });

    it('answers a broken batch with an error ack and drops it from the log', async () => {
      const { id, credential } = await device();
      const client = await connectClient(cluster!.mqttUrl(0), {
        username: credential.serial,
        password: credential.secret,
      });
      opened.push(client);
      const acks: UplinkAck[] = [];
      client.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as UplinkAck));
      await client.subscribeAsync(ackTopic(credential.serial), { qos: 1 });
      await client.publishAsync(uplinkTopic(credential.serial), '{"v":1,"records":', { qos: 1 });
      for (let i = 0; i < 100 && acks.length < 1; i++) await sleep(50);
      expect(acks).toMatchObject([
        { ok: false, device: credential.serial, error: { code: 'malformed_json', retryable: false } },
      ]);
      expect(await storedRecords(server!, id)).toEqual([]);
      expect(await drained(cluster!)).toEqual({ messages: 0, ackPending: 0 });
    });
  });
});

describe('starting against NATS', () => {
  it('names the URL, without its password, when nobody answers there', async () => {
    const port = await freePort();
    await expect(
      startTestServer({
        database: 'pglite',
        mqtt: 'off',
        env: { NATS_URL: `nats://smartcharge-ingest:s3cret-pw@127.0.0.1:${port}` },
      }),
    ).rejects.toThrow(
      new RegExp(
        `^Cannot connect to NATS at nats://smartcharge-ingest:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(NATS_URL\\)`,
      ),
    );
  });

  it('says so when the NATS server has no JetStream', async () => {
    const port = await freePort();
    const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50; i++) {
        const probe = await connect({ servers: `127.0.0.1:${port}`, reconnect: false }).catch(() => undefined);
        if (probe) {
          await probe.close();
          break;
        }
        await sleep(100);
      }
      await expect(
        startTestServer({ database: 'pglite', mqtt: 'off', env: { NATS_URL: `nats://127.0.0.1:${port}` } }),
      ).rejects.toThrow(/has no JetStream for this account/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a stream of the same name made with another shape, saying what differs', async () => {
    const cluster = await startNatsCluster({ size: 1 });
    try {
      const nc = await ingestConnection(cluster);
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({
        name: UPLINK_STREAM,
        subjects: ['smartcharge.v1.devices.*.uplink'],
        retention: RetentionPolicy.Limits,
        storage: StorageType.Memory,
      });
      await nc.close();
      await expect(
        startTestServer({ database: 'pglite', mqtt: 'off', env: { NATS_URL: cluster.natsUrl } }),
      ).rejects.toThrow(
        /SMARTCHARGE_UPLINKS exists but does not fit: retention is limits, not workqueue; storage is memory, not file/,
      );
    } finally {
      await cluster.stop();
    }
  });
});

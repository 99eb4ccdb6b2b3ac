/**
 * The embedded broker under attack. A built server process: CONNECTs declaring 256 MB are closed
 * at their fixed header and the process's memory stays flat; a CONNECT trickled byte by byte is
 * closed at the connect timeout. The server in this process, on both databases: the cap on
 * connections waiting to authenticate refuses one more while an authenticated device streams on;
 * a device cannot take over another device's session through its client id; a forbidden
 * subscription is answered 0x80 and the connection kept.
 */
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MqttUplinkTransport } from '@smartcharge/device';
import { ackTopic, uplinkTopic, type DeviceCredential, type UplinkAck } from '@smartcharge/protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, uniqueSerial } from './support/builders.js';
import { freePort, startServerProcess, type ServerProcess } from './support/processes.js';
import {
  HOUR_MS,
  closed,
  connectClient,
  describeEachServer,
  provisionDevice,
  type TestServer,
} from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const MiB = 1024 * 1024;
/** MQTT 3.1.1 CONNACK return code. */
const IDENTIFIER_REJECTED = 2;
/** A CONNECT fixed header declaring the largest remaining length MQTT allows: 268,435,455 bytes. */
const HUGE_CONNECT_HEADER = Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]);
const WAIT_MS = 10_000;

/** Sockets and clients a test opened, closed after it whatever happened. */
const opened: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((close) => close()));
});

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {}); // a reset by the server is what most tests wait for
    opened.push(() => socket.destroy());
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves true when the server closes the socket within timeoutMs, false otherwise. */
function closesWithin(socket: Socket, timeoutMs: number): Promise<boolean> {
  if (socket.destroyed || socket.closed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Sends a CONNECT declaring 256 MB and then up to `budget` bytes of it in 64 KiB chunks, as fast
 * as the server takes them; stops as soon as the server closes the connection.
 */
async function hugeConnect(port: number, budget: number): Promise<{ closedByServer: boolean; written: number }> {
  const socket = await rawSocket(port);
  let gone = false;
  socket.once('close', () => (gone = true));
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  /** Resolves once the chunk is handed to the kernel (counted) or the connection is gone (not counted). */
  const write = (data: Buffer) =>
    new Promise<void>((resolve) => {
      if (gone) return resolve();
      socket.write(data, (error) => {
        if (!error && !gone) written += data.length;
        resolve();
      });
      socket.once('close', () => resolve());
    });
  await write(HUGE_CONNECT_HEADER);
  for (let i = 0; i < budget / chunk.length && !gone; i++) await write(chunk);
  const closedByServer = gone || (await closesWithin(socket, 3000));
  socket.destroy();
  return { closedByServer, written };
}

/** Resident memory of a process, from /proc (Linux). */
async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** The median of a few samples half a second apart (a single sample catches a GC mid-way). */
async function steadyRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    samples.push(await rssBytes(pid));
  }
  return samples.sort((a, b) => a - b)[2]!;
}

describe('the embedded broker of a built server process under a CONNECT flood', () => {
  const CONNECT_TIMEOUT_S = 2;
  let server: ServerProcess | undefined;
  let mqttPort = 0;
  let dataDir = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-mqtt-flood-'));
    mqttPort = await freePort();
    server = await startServerProcess({
      SMARTCHARGE_DATA_DIR: dataDir,
      MQTT_PORT: String(mqttPort),
      MQTT_CONNECT_TIMEOUT_S: String(CONNECT_TIMEOUT_S),
    });
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('closes CONNECTs declaring 256 MB at their header, and memory stays flat over a bounded flood', async () => {
    const pid = server!.child.pid!;
    const BUDGET = 48 * MiB;
    const CONNECTIONS = 6;
    await hugeConnect(mqttPort, BUDGET); // warm-up: the first connection pays one-time costs
    const before = await steadyRss(pid);

    const results = await Promise.all(Array.from({ length: CONNECTIONS }, () => hugeConnect(mqttPort, BUDGET)));
    const after = await steadyRss(pid);

    console.info(
      `[mqtt flood] RSS before ${(before / MiB).toFixed(1)} MiB, after ${(after / MiB).toFixed(1)} MiB ` +
        `(${CONNECTIONS} connections, each offering ${BUDGET / MiB} MiB; accepted ${results.map((r) => (r.written / MiB).toFixed(1)).join(', ')} MiB)`,
    );
    for (const result of results) {
      expect(result.closedByServer).toBe(true);
      // The kernel's socket buffers take a few MiB before the server reads the header: far from the budget.
      expect(result.written).toBeLessThan(BUDGET / 4);
    }
    // Unguarded, each connection kept what it sent (6 × 48 MiB); guarded, nothing is kept.
    expect(after - before).toBeLessThan(32 * MiB);
  });

  it('closes a CONNECT trickled byte by byte once the connect timeout has passed', async () => {
    const socket = await rawSocket(mqttPort);
    const isClosed = closesWithin(socket, 600_000);
    let gone = false;
    void isClosed.then(() => (gone = true));
    // A CONNECT declaring 100 bytes, sent one byte every 250 ms for at most 40 bytes (10 s).
    socket.write(Buffer.from([0x10, 100]));
    let sent = 0;
    for (let i = 0; i < 40 && !gone; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (!gone) socket.write(Buffer.from([0]));
      sent++;
    }
    expect(gone || (await closesWithin(socket, 1000))).toBe(true);
    // Closed while still trickling (not at once, not only at aedes' own 30 s): the connect timeout did it.
    expect(sent).toBeGreaterThan(2);
    expect(sent).toBeLessThan(40);
  });
});

// ---------------------------------------------------------------------------
// The server in this process

const PENDING_CAP = 3;

function brokerUrl(server: TestServer): string {
  if (server.mqttPort === undefined) throw new Error('the embedded broker is not running');
  return `mqtt://127.0.0.1:${server.mqttPort}`;
}

function track<T extends MqttClient | MqttUplinkTransport>(client: T): T {
  opened.push(() => (client instanceof MqttUplinkTransport ? client.close() : client.end(true)));
  return client;
}

function recentBatch(serial: string, firstSeq: number, count = 3) {
  const records = telemetryStream({
    startMs: Date.now() - HOUR_MS,
    driveSeconds: count,
    chargeSeconds: 0,
    firstSeq,
    seed: firstSeq,
  });
  return batchOf(serial, 1, records);
}

function connectAs(url: string, credential: DeviceCredential, clientId: string): Promise<MqttClient> {
  return connectClient(url, { username: credential.serial, password: credential.secret, clientId }).then(track);
}

/** The CONNACK return code of a refused connection, or 'connected'. */
function attempt(url: string, credential: DeviceCredential, clientId: string): Promise<number | 'connected'> {
  return connectAs(url, credential, clientId).then(
    () => 'connected' as const,
    (error: Error & { code?: number }) => error.code ?? -1,
  );
}

/** The SUBACK return codes, in the order of the filters (mqtt.js rejects a SUBACK with a refusal, carrying the packet). */
async function grantedCodes(client: MqttClient, topics: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(topics, { qos: 1 })).map((grant) => grant.qos);
  } catch (error) {
    const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw error;
    return granted;
  }
}

describeEachServer(
  'embedded broker: connections waiting to authenticate are capped',
  {
    mqtt: 'embedded',
    env: {
      MQTT_MAX_PENDING_CONNECTIONS: String(PENDING_CAP),
      MQTT_MAX_PENDING_PER_ADDRESS: '100',
      MQTT_CONNECT_TIMEOUT_S: '60',
    },
  },
  (current) => {
    it('refuses one connection more than the cap while an authenticated device streams on', async () => {
      const server = current();
      const { credential } = await provisionDevice(server);
      const transport = track(
        new MqttUplinkTransport({ url: brokerUrl(server), credential, protocolVersion: 4, timeoutMs: WAIT_MS }),
      );
      expect(await transport.send(recentBatch(credential.serial, 0))).toMatchObject({ ok: true });

      // Strangers that connect and never finish their CONNECT fill the cap...
      const strangers: Socket[] = [];
      for (let i = 0; i < PENDING_CAP; i++) {
        const socket = await rawSocket(server.mqttPort!);
        socket.write(Buffer.from([0x10]));
        strangers.push(socket);
      }
      // ...so the next one is closed at once, without a byte read.
      const refused = await rawSocket(server.mqttPort!);
      expect(await closesWithin(refused, WAIT_MS)).toBe(true);
      // The device already connected does not count, and keeps streaming.
      for (let seq = 3; seq < 12; seq += 3) {
        expect(await transport.send(recentBatch(credential.serial, seq))).toMatchObject({ ok: true, accepted: 3 });
      }
      for (const socket of strangers) expect(socket.destroyed).toBe(false);

      // Once they leave, a new device connects.
      for (const socket of strangers) socket.destroy();
      const late = await provisionDevice(server);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the server sees the closes
      expect(await attempt(brokerUrl(server), late.credential, `${late.credential.serial}-late`)).toBe('connected');
    });
  },
);

describeEachServer('embedded broker: client ids and subscriptions', { mqtt: 'embedded' }, (current) => {
  it('refuses a device that takes another device’s client id, and the other device stays connected', async () => {
    const server = current();
    const url = brokerUrl(server);
    const victim = await provisionDevice(server);
    const intruder = await provisionDevice(server);
    const victimId = `${victim.credential.serial}-k3y4b2c1`;
    const connection = await connectAs(url, victim.credential, victimId);

    expect(await attempt(url, intruder.credential, victimId)).toBe(IDENTIFIER_REJECTED);
    expect(await attempt(url, intruder.credential, victim.credential.serial)).toBe(IDENTIFIER_REJECTED);
    expect(await attempt(url, intruder.credential, 'anything-else')).toBe(IDENTIFIER_REJECTED);
    // The intruder's own forms are accepted: the refusals were about the id.
    expect(await attempt(url, intruder.credential, intruder.credential.serial)).toBe('connected');
    expect(await attempt(url, intruder.credential, '')).toBe('connected');

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(connection.connected).toBe(true);
  });

  it('keeps apart devices whose serials extend one another (SC-1 using SC-1-x’s id)', async () => {
    const server = current();
    const url = brokerUrl(server);
    const short = await provisionDevice(server, uniqueSerial('C2-OV'));
    const long = await provisionDevice(server, `${short.credential.serial}-x1`);
    const longConnection = await connectAs(url, long.credential, long.credential.serial);
    let kicked = false;
    longConnection.once('close', () => (kicked = true));

    // `{short}-x1` is a valid id for the short serial too (its serial, "-", letters and digits).
    expect(await attempt(url, short.credential, long.credential.serial)).toBe('connected');

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(kicked).toBe(false);
    expect(longConnection.connected).toBe(true);
  });

  it('still lets a device’s new connection take over its own older session with the same id', async () => {
    const server = current();
    const url = brokerUrl(server);
    const { credential } = await provisionDevice(server);
    const first = await connectAs(url, credential, `${credential.serial}-same`);

    await connectAs(url, credential, `${credential.serial}-same`);

    await closed(first, WAIT_MS);
  });

  it('answers a subscription to another device’s ack topic 0x80, keeps the connection and the device’s own', async () => {
    const server = current();
    const url = brokerUrl(server);
    const snoop = await provisionDevice(server);
    const target = await provisionDevice(server);
    const client = await connectAs(url, snoop.credential, `${snoop.credential.serial}-snoop`);
    const messages: { topic: string; ack: UplinkAck }[] = [];
    client.on('message', (topic, payload) =>
      messages.push({ topic, ack: JSON.parse(payload.toString()) as UplinkAck }),
    );

    const granted = await grantedCodes(client, [ackTopic(target.credential.serial), ackTopic(snoop.credential.serial)]);

    expect(granted).toEqual([128, 1]);
    expect(client.connected).toBe(true);
    // A refused filter alone is fine too, and the connection still stays.
    expect(await grantedCodes(client, [uplinkTopic(target.credential.serial)])).toEqual([128]);
    expect(client.connected).toBe(true);

    // Its own subscription works: the ack of its batch arrives on its ack topic, and only that.
    const batch = recentBatch(snoop.credential.serial, 0);
    await client.publishAsync(uplinkTopic(snoop.credential.serial), JSON.stringify(batch), { qos: 1 });
    const deadline = Date.now() + WAIT_MS;
    while (messages.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages.map((m) => m.topic)).toEqual([ackTopic(snoop.credential.serial)]);
    expect(messages[0]?.ack).toMatchObject({ ok: true, accepted: 3 });
    expect(client.connected).toBe(true);
  });
});

/**
 * The shipped Mosquitto setup (deploy/mosquitto/) against a real Mosquitto this test starts on a
 * free port of 127.0.0.1, with the server in this process consuming through it (on both
 * databases): a device publishes its uplink and reads its ack; it cannot read another device's
 * acks, publish a fake ack or publish on another serial's uplink; an anonymous client, a wrong
 * secret and a stolen client id get nowhere.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MqttUplinkTransport } from '@smartcharge/device';
import { ackTopic, uplinkTopic, type DeviceCredential } from '@smartcharge/protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchOf } from './support/builders.js';
import { describeEachKind } from './support/databases.js';
import { freePort } from './support/processes.js';
import {
  HOUR_MS,
  connectClient,
  provisionDevice,
  startTestServer,
  storedRecords,
  type TestServer,
} from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const run = promisify(execFile);
const DEPLOY = new URL('../../../deploy/mosquitto/', import.meta.url);
const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
const INGEST = { username: 'smartcharge-ingest-1', password: 'ingest-secret-for-the-test-only' };
const NOT_AUTHORIZED = 5;
const WAIT_MS = 10_000;
/** Long enough for a message that the broker would deliver to arrive (they take milliseconds). */
const QUIET_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shipped config, pointed at this test's files and port; everything else as shipped. */
async function testConfig(dir: string, port: number): Promise<string> {
  const shipped = await readFile(new URL('mosquitto.conf', DEPLOY), 'utf8');
  const config = shipped
    .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
    .replace(/^password_file .*$/m, `password_file ${path.join(dir, 'smartcharge.passwd')}`)
    .replace(/^acl_file .*$/m, `acl_file ${path.join(dir, 'smartcharge.acl')}`);
  if (config === shipped) throw new Error('deploy/mosquitto/mosquitto.conf no longer has the expected directives');
  await writeFile(path.join(dir, 'smartcharge.acl'), await readFile(new URL('smartcharge.acl', DEPLOY), 'utf8'));
  return config;
}

interface Broker {
  readonly url: string;
  /** Adds (or replaces) an account, as docs/mosquitto.md tells an operator to, and reloads. */
  addAccount(username: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

async function startMosquitto(): Promise<Broker> {
  if (!MOSQUITTO) throw new Error('these tests need Mosquitto 2 (apt-get install mosquitto)');
  const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-mosquitto-'));
  const passwd = path.join(dir, 'smartcharge.passwd');
  await run('mosquitto_passwd', ['-c', '-b', passwd, INGEST.username, INGEST.password]);
  const port = await freePort();
  const confPath = path.join(dir, 'mosquitto.conf');
  await writeFile(confPath, await testConfig(dir, port));
  // Started as root, mosquitto drops to its own user: let it read this test's files.
  await chmod(dir, 0o755);
  await chmod(passwd, 0o644);
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `mqtt://127.0.0.1:${port}`;
  // Ready when the ingest account connects (bounded: 50 tries).
  for (let i = 0; ; i++) {
    try {
      const probe = await connectClient(url, { ...INGEST, connectTimeout: 1000 });
      probe.end(true);
      break;
    } catch (error) {
      if (i >= 50 || child.exitCode !== null) throw new Error(`mosquitto did not start: ${output}`, { cause: error });
      await sleep(100);
    }
  }
  return {
    url,
    async addAccount(username, password) {
      await run('mosquitto_passwd', ['-b', passwd, username, password]);
      await chmod(passwd, 0o644);
      child.kill('SIGHUP');
      // Reloaded when the account connects (bounded: 50 tries).
      for (let i = 0; ; i++) {
        try {
          (await connectClient(url, { username, password, connectTimeout: 1000 })).end(true);
          return;
        } catch (error) {
          if (i >= 50) throw new Error(`mosquitto did not take ${username} in: ${output}`, { cause: error });
          await sleep(100);
        }
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const opened: MqttClient[] = [];
afterEach(() => {
  for (const client of opened.splice(0)) client.end(true);
});

async function deviceClient(url: string, credential: DeviceCredential): Promise<MqttClient> {
  const client = await connectClient(url, { username: credential.serial, password: credential.secret });
  opened.push(client);
  return client;
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

function recentBatch(serial: string, firstSeq: number) {
  const records = telemetryStream({
    startMs: Date.now() - HOUR_MS,
    driveSeconds: 3,
    chargeSeconds: 0,
    firstSeq,
    seed: firstSeq,
  });
  return batchOf(serial, 1, records);
}

describe('the shipped Mosquitto setup (deploy/mosquitto)', () => {
  let broker: Broker | undefined;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('refuses an anonymous client and a wrong password', async () => {
    const code = (options: { username?: string; password?: string }) =>
      connectClient(broker!.url, options).then(
        (client) => {
          client.end(true);
          return 'connected';
        },
        (error: Error & { code?: number }) => error.code,
      );
    expect(await code({})).toBe(NOT_AUTHORIZED);
    expect(await code({ username: INGEST.username, password: 'wrong' })).toBe(NOT_AUTHORIZED);
    expect(await code(INGEST)).toBe('connected');
  });

  describeEachKind('with the server consuming through it', (kind) => {
    let server: TestServer | undefined;
    beforeAll(async () => {
      const url = new URL(broker!.url);
      url.username = INGEST.username;
      url.password = INGEST.password;
      server = await startTestServer({
        database: kind,
        mqtt: { url: url.toString() },
        env: { MQTT_TRUST_BROKER_AUTH: 'true' },
      });
    });
    afterAll(async () => {
      await server?.stop();
    });

    async function device() {
      const provisioned = await provisionDevice(server!);
      await broker!.addAccount(provisioned.credential.serial, provisioned.credential.secret);
      return provisioned;
    }

    it('lets a device publish its uplink and read its ack, through the device transport', async () => {
      const { id, credential } = await device();
      const transport = new MqttUplinkTransport({
        url: broker!.url,
        credential,
        protocolVersion: 4,
        timeoutMs: WAIT_MS,
      });
      try {
        const batch = recentBatch(credential.serial, 0);
        expect(await transport.send(batch)).toMatchObject({ ok: true, accepted: 3 });
        expect(await storedRecords(server!, id)).toEqual(batch.records);
      } finally {
        await transport.close();
      }
    });

    it('keeps another device’s acks from a device: nothing arrives, whatever it subscribes to', async () => {
      const snoop = await device();
      const target = await device();
      const client = await deviceClient(broker!.url, snoop.credential);
      const overheard: string[] = [];
      client.on('message', (topic) => overheard.push(topic));

      // Mosquitto 2.0's acl_file grants the SUBACK and checks `read` on each message it would deliver.
      await grantedCodes(client, ackTopic(target.credential.serial));
      await grantedCodes(client, 'smartcharge/v1/devices/+/ack');
      await grantedCodes(client, '#');

      const transport = new MqttUplinkTransport({
        url: broker!.url,
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
      const victimClient = await deviceClient(broker!.url, victim.credential);
      const victimGot: string[] = [];
      victimClient.on('message', (topic) => victimGot.push(topic));
      expect(await grantedCodes(victimClient, ackTopic(victim.credential.serial))).toEqual([1]);
      const forgerClient = await deviceClient(broker!.url, forger.credential);

      await forgerClient.publishAsync(ackTopic(victim.credential.serial), JSON.stringify({ v: 1, ok: true }), {
        qos: 1,
      });
      await forgerClient.publishAsync(
        uplinkTopic(victim.credential.serial),
        JSON.stringify(recentBatch(victim.credential.serial, 100)),
        { qos: 1 },
      );
      await sleep(QUIET_MS);

      // No fake ack, and no ack either: the forged uplink never reached the server.
      expect(victimGot).toEqual([]);
      expect(await storedRecords(server!, victim.id)).toEqual([]);
    });

    it('ties the client id to the account: a device cannot take over another’s session', async () => {
      const first = await device();
      const other = await device();
      const victim = await connectClient(broker!.url, {
        username: first.credential.serial,
        password: first.credential.secret,
        clientId: 'shared-id',
      });
      opened.push(victim);
      const intruder = await connectClient(broker!.url, {
        username: other.credential.serial,
        password: other.credential.secret,
        clientId: 'shared-id',
      });
      opened.push(intruder);
      await sleep(QUIET_MS);
      expect(victim.connected).toBe(true);
      expect(intruder.connected).toBe(true);
    });
  });
});

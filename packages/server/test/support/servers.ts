/**
 * The real server, started in this process for end-to-end tests over HTTP and MQTT: on PGlite (in
 * a fresh data folder) or on PostgreSQL (a fresh database), with helpers to provision devices,
 * read back what was stored, read Prometheus text and watch MQTT clients.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  basicAuthorization,
  PROTOCOL_VERSION,
  UPLINK_HTTP_PATH,
  type DeviceCredential,
  type TUplinkRecord,
} from '@smartcharge/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect } from 'vitest';
import { CLI_OPERATOR } from '../../src/actor.js';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TEST_PASSWORD_COST, uniqueSerial } from './builders.js';
import { createPostgresDatabase, describeEachKind, type DatabaseKind } from './databases.js';
import { freePort } from './processes.js';

/**
 * The built web app the test servers serve: packages/web/dist, unless TEST_WEB_ROOT names another
 * build (so work on the web app can rebuild into its own folder while other browser tests run).
 */
export const TEST_WEB_ROOT = process.env.TEST_WEB_ROOT;

export const ADMIN_TOKEN = 'e2e-admin-token-'.padEnd(40, 'x');
export const HOUR_MS = 3_600_000;

export interface TestServerOptions {
  readonly database: DatabaseKind;
  /** 'embedded': a broker on a free port; 'off': none; a URL: consume from that external broker. */
  readonly mqtt: 'embedded' | 'off' | { readonly url: string };
  /** Further settings, by environment variable name. */
  readonly env?: Readonly<Record<string, string>>;
  /** The platform's clock (tests that move time: rewards, payouts). */
  readonly clock?: () => Date;
}

export interface TestServer extends RunningServer {
  readonly databaseKind: DatabaseKind;
  /** Stops the server and removes its data folder or database. */
  stop(): Promise<void>;
}

async function startOnce(options: TestServerOptions): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-e2e-'));
  const database = options.database === 'postgres' ? await createPostgresDatabase() : undefined;
  const removeAll = async () => {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  const mqttEnv =
    options.mqtt === 'embedded'
      ? { MQTT_PORT: String(await freePort()) }
      : options.mqtt === 'off'
        ? { MQTT_PORT: '0' }
        : { MQTT_PORT: '0', MQTT_URL: options.mqtt.url };
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SMARTCHARGE_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...mqttEnv,
    ...options.env,
  });
  let server: RunningServer;
  try {
    server = await startServer(config, {
      mqttPortExplicit: true,
      passwordCost: TEST_PASSWORD_COST,
      ...(TEST_WEB_ROOT ? { webRoot: TEST_WEB_ROOT } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (error) {
    await removeAll();
    throw error;
  }
  return Object.assign(server, {
    databaseKind: options.database,
    async stop() {
      try {
        await server.close();
      } finally {
        await removeAll();
      }
    },
  });
}

/** Starts a server; the free port picked for the embedded broker may be taken meanwhile, so up to three tries. */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const portTaken = /MQTT port \d+ is already in use/.test((error as Error).message);
      if (!portTaken || attempt >= 3) throw error;
    }
  }
}

/**
 * Declares the suite once per database, each with its own server started in beforeAll and stopped
 * in afterAll. The PostgreSQL variant is skipped when no server answers (outside CI), as
 * describeEachDatabase does.
 */
export function describeEachServer(
  name: string,
  options: Omit<TestServerOptions, 'database'>,
  body: (server: () => TestServer) => void,
  kinds: readonly DatabaseKind[] = ['pglite', 'postgres'],
): void {
  describeEachKind(
    name,
    (kind) => {
      let current: TestServer | undefined;
      beforeAll(async () => {
        current = await startTestServer({ ...options, database: kind });
      });
      afterAll(async () => {
        await current?.stop();
      });
      body(() => {
        if (!current) throw new Error('the server is started in beforeAll');
        return current;
      });
    },
    kinds,
  );
}

export async function provisionDevice(
  server: RunningServer,
  serial = uniqueSerial('C2-E2E'),
): Promise<{ id: number; credential: DeviceCredential }> {
  const issued = await server.services.devices.provisionDevice(CLI_OPERATOR, { serial });
  return { id: issued.device.id, credential: { serial, secret: issued.secret } };
}

/** Every record stored for a device in the last two days (boot ids left out, as the device sent them). */
export async function storedRecords(server: RunningServer, deviceId: number): Promise<TUplinkRecord[]> {
  const now = Date.now();
  const records = await server.services.telemetry.readDeviceRecords(
    CLI_OPERATOR,
    deviceId,
    new Date(now - 48 * HOUR_MS),
    new Date(now + HOUR_MS),
  );
  return records.map(({ boot: _boot, ...record }) => record);
}

/** Sum of the samples of a metric, in Prometheus text, whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) sum += Number(match[3]);
  }
  return sum;
}

export async function scrapeMetrics(server: RunningServer): Promise<string> {
  const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

// ---------------------------------------------------------------------------
// MQTT

/** Options for a bare test client: no reconnection, so a refusal or a disconnection stays visible. */
export function bareClientOptions(overrides: IClientOptions = {}): IClientOptions {
  return { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, clean: true, ...overrides };
}

/** Connects and resolves once connected; rejects with the client's error (e.g. a CONNACK refusal). */
export function connectClient(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, bareClientOptions(options));
    const fail = (error: Error) => {
      client.end(true);
      reject(error);
    };
    client.once('error', fail);
    client.once('close', () => fail(new Error('connection closed before CONNACK')));
    client.once('connect', () => {
      client.off('error', fail);
      client.removeAllListeners('close');
      client.on('error', () => {});
      resolve(client);
    });
  });
}

/** Resolves when the client's connection closes; rejects after timeoutMs. */
export function closed(client: MqttClient, timeoutMs = 10_000): Promise<void> {
  if (!client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the connection was still open after ${timeoutMs} ms`)), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Sends records as the device would over HTTP (batches of `batchSize`, each answered 200, or the
 * test fails naming the answer), then waits until they are derived.
 */
export async function uploadOverHttp(
  server: RunningServer,
  credential: DeviceCredential,
  records: readonly TUplinkRecord[],
  batchSize = 600,
): Promise<void> {
  for (let i = 0; i < records.length; i += batchSize) {
    const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuthorization(credential) },
      body: JSON.stringify({
        v: PROTOCOL_VERSION,
        device: credential.serial,
        boot: 1,
        records: records.slice(i, i + batchSize),
      }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  }
  await server.services.derive.idle();
}

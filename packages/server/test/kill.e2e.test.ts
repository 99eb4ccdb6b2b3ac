/**
 * "Nothing acknowledged is ever lost": a device streams batches to a real `smartcharge serve`
 * process; the server is killed with SIGKILL several times mid-stream and restarted on the same
 * data; the device re-sends whatever was not acknowledged. In the end the stored records must
 * equal the sent records exactly — nothing lost, nothing twice. Over HTTP and MQTT, on PGlite and
 * on PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpUplinkTransport, MqttUplinkTransport, UplinkClient, type UplinkTransport } from '@smartcharge/device';
import type { TUplinkRecord } from '@smartcharge/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresAvailable } from './support/databases.js';
import { freePort, runCli, startServerProcess, type ServerProcess } from './support/processes.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const ADMIN_TOKEN = 'kill-test-operator-token-0123456789';
const KILLS = 3;
const RECORDS = 6000;

interface Target {
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

async function pgliteTarget(): Promise<Target> {
  const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-kill-'));
  return { env: { SMARTCHARGE_DATA_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function postgresTarget(): Promise<Target> {
  const created = await createPostgresDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-kill-'));
  return {
    env: { DATABASE_URL: created.url, SMARTCHARGE_DATA_DIR: dir },
    async cleanup() {
      await created.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const cases = [
  { db: 'pglite', transport: 'http' },
  { db: 'pglite', transport: 'mqtt' },
  { db: 'postgres', transport: 'http' },
  { db: 'postgres', transport: 'mqtt' },
] as const;

describe.each(cases)('a server killed mid-stream loses nothing acknowledged [$db, $transport]', ({ db, transport }) => {
  const run = db === 'postgres' && !postgresAvailable() ? it.skip : it;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  run(
    `stores exactly the ${RECORDS} records sent, through ${KILLS} SIGKILLs and restarts`,
    async () => {
      const target = db === 'pglite' ? await pgliteTarget() : await postgresTarget();
      cleanups.push(() => target.cleanup());
      const httpPort = await freePort();
      const mqttPort = await freePort();
      const env = {
        ...target.env,
        PORT: String(httpPort),
        HOST: '127.0.0.1',
        MQTT_PORT: transport === 'mqtt' ? String(mqttPort) : '0',
        SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN,
        INGEST_RATE_LIMIT_PER_MIN: '100000',
      };

      // Provision through the CLI, as an operator would (the folder is free: it opens it directly).
      const serial = `C2-KILL-${db}-${transport}-${process.pid}`;
      const provisioned = await runCli(['device', 'provision', '--serial', serial, '--json'], env);
      expect(provisioned.code, provisioned.stderr).toBe(0);
      const credential = { serial, secret: (JSON.parse(provisioned.stdout) as { secret: string }).secret };

      let server: ServerProcess = await startServerProcess(env);
      cleanups.push(() => server.kill('SIGKILL'));

      const uplink: UplinkTransport =
        transport === 'http'
          ? new HttpUplinkTransport({ url: server.url, credential, timeoutMs: 5000 })
          : new MqttUplinkTransport({ url: `mqtt://127.0.0.1:${mqttPort}`, credential, timeoutMs: 5000 });
      cleanups.push(() => uplink.close());
      let acknowledgedBatches = 0;
      /** Records buffered on the device, not yet acknowledged, at the moment of each kill. */
      const unacknowledgedAtKill: number[] = [];
      const device = new UplinkClient({
        serial,
        boot: 1,
        transport: uplink,
        batchRecords: 50,
        initialBackoffMs: 100,
        maxBackoffMs: 500,
        onAck: (ack) => {
          if (ack.ok) acknowledgedBatches++;
        },
        onDropped: (records, error) => {
          throw new Error(`the server refused ${records.length} records for good: ${error.code} ${error.message}`);
        },
      });

      const sent: TUplinkRecord[] = [];
      const source = telemetryStream({
        startMs: Date.now() - 2 * 3600_000,
        driveSeconds: RECORDS / 2,
        chargeSeconds: RECORDS / 2,
        seed: 42,
      });

      // The device produces records continuously and flushes; a killer waits for progress, then kills.
      let produced = 0;
      const produce = async () => {
        for (let rounds = 0; rounds < 10_000 && (produced < source.length || device.pending > 0); rounds++) {
          for (let i = 0; i < 120 && produced < source.length; i++) {
            const { seq: _seq, ...values } = source[produced++]!;
            sent.push(device.record(values));
          }
          const result = await device.flush({ maxAttempts: 1 });
          if (result.lastError) await sleep(100);
        }
      };
      const kill = async () => {
        for (let k = 0; k < KILLS; k++) {
          const goal = acknowledgedBatches + 15;
          for (let waits = 0; waits < 600 && acknowledgedBatches < goal; waits++) await sleep(50);
          unacknowledgedAtKill.push(device.pending);
          await server.kill('SIGKILL');
          await sleep(300);
          server = await startServerProcess(env);
        }
      };
      await Promise.all([produce(), kill()]);

      expect(device.pending).toBe(0);
      expect(sent).toHaveLength(RECORDS);
      // The kills really hit mid-stream: each time, the device held data the server had not acknowledged.
      expect(unacknowledgedAtKill).toHaveLength(KILLS);
      expect(unacknowledgedAtKill.every((pending) => pending > 0)).toBe(true);

      const from = new Date(source[0]!.time_ms).toISOString();
      const to = new Date(source[source.length - 1]!.time_ms + 1).toISOString();
      const response = await fetch(
        `${server.url}/api/v1/admin/devices/${serial}/telemetry?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
        { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      );
      expect(response.status).toBe(200);
      const stored = ((await response.json()) as { records: (TUplinkRecord & { boot: number })[] }).records;
      expect(stored.map(({ boot: _boot, ...record }) => record)).toEqual(sent);
      // Every record once.
      expect(new Set(stored.map((r) => r.seq)).size).toBe(RECORDS);

      expect(await server.kill('SIGTERM')).toBe(0);
    },
    240_000,
  );
});

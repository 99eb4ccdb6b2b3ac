/**
 * The cluster, as issue 17 deploys it, in real processes on loopback: a 3-node NATS cluster with
 * JetStream (the uplink stream replicated three times), a PostgreSQL primary and its streaming
 * standby, two ingest nodes, one API node (reading from the standby) and one worker. 200 devices
 * stream, half over MQTT 3.1.1 to the NATS servers (a device moves to another server when its own
 * stops answering), half over HTTP to the ingest nodes (moving to the other node likewise, as
 * behind a load balancer). Mid-stream one ingest node and one NATS server are SIGKILLed; the
 * stream goes on without them; later both come back.
 *
 * Afterwards: every record a device got an acknowledgement for is stored exactly once (per
 * device, boot and sequence number, with its values) and nothing else is; the derived rows
 * (trips, sessions, segments, days, battery health) equal what a rebuild makes of the same
 * telemetry; the API node serves the driver's trips, read from the standby.
 */
import { UplinkClient } from '@smartcharge/device';
import type { TUplinkRecord } from '@smartcharge/protocol';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import type { Database } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { PRESETS } from '../src/programs/index.js';
import { createServices, type Services } from '../src/services.js';
import { TEST_PASSWORD_COST, TEST_SETTINGS } from './support/builders.js';
import { derivedRows } from './support/derived-rows.js';
import { FailoverTransport, startCluster, waitUntil, type Cluster, type ClusterNode } from './support/cluster.js';
import { apiCaller } from './support/http.js';
import { enrollDriver, equipDevice, uniqueEmail } from './support/program-fixtures.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const ADMIN_TOKEN = 'cluster-operator-token-0123456789abcdef';
const SLUG = 'alectra-cluster';
const DRIVER_PASSWORD = 'cluster driver password 1';
const DEVICES = 200;
/** Per device: 4 minutes of driving, 3 of charging, at 1 Hz. */
const DRIVE_S = 240;
const CHARGE_S = 180;
const BATCH = 30;
const BOOT = 1;

interface SimDevice {
  readonly index: number;
  readonly serial: string;
  readonly vehicleId: number;
  readonly transport: FailoverTransport;
  readonly client: UplinkClient;
  readonly source: TUplinkRecord[];
  /** Records as sent (the client's objects), by sequence number. */
  readonly sent: TUplinkRecord[];
  /** Sequence numbers of every record an ok acknowledgement covered (any number of times). */
  readonly acked: Set<number>;
  produced: number;
  lastError?: string;
}

function metricValue(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('a cluster of real processes loses nothing acknowledged and stores nothing twice', () => {
  let cluster: Cluster;
  let db: Database;
  let services: Services;
  let ingest: ClusterNode[];
  let api: ClusterNode;
  const devices: SimDevice[] = [];
  const driver = { email: uniqueEmail('cluster-driver'), vehicleId: 0 };

  beforeAll(async () => {
    cluster = await startCluster({ natsNodes: 3, adminToken: ADMIN_TOKEN });
    db = await cluster.primary();
    services = await createServices(db, TEST_SETTINGS, {
      log: createLogger('silent'),
      metrics: createMetrics({ defaultMetrics: false }),
      passwordCost: TEST_PASSWORD_COST,
    });

    // A program; a driver in it whose car carries device 0; 199 more cars in it with a device each.
    await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug: SLUG });
    const account = await services.accounts.createAccount(CLI_OPERATOR, {
      email: driver.email,
      name: 'Dana Driver',
      role: 'driver',
      password: DRIVER_PASSWORD,
    });
    const participant = await enrollDriver(services, SLUG, {
      driver: { accountId: account.id, email: account.email, actor: { kind: 'driver', accountId: account.id } },
    });
    driver.vehicleId = participant.vehicleId;
    const equipped = await equipDevice(services, participant, { activate: true });
    const credentials = [{ ...equipped.credential, vehicleId: participant.vehicleId }];
    for (let i = 1; i < DEVICES; i++) {
      const vehicle = await services.vehicles.createVehicle(CLI_OPERATOR, {
        make: 'Hyundai',
        model: 'Kona Electric',
        modelYear: 2019,
        program: SLUG,
      });
      const serial = `C2-CLUSTER-${process.pid}-${i}`;
      const issued = await services.devices.provisionDevice(CLI_OPERATOR, { serial, vehicleId: vehicle.id });
      credentials.push({ serial, secret: issued.secret, vehicleId: vehicle.id });
    }

    // Their accounts on the NATS servers, as the operator adds them (docs/nats.md).
    await cluster.addNatsDevices(credentials);

    ingest = [
      await cluster.addNode({ name: 'ingest-1', roles: ['ingest'] }),
      await cluster.addNode({ name: 'ingest-2', roles: ['ingest'] }),
    ];
    api = await cluster.addNode({ name: 'api-1', roles: ['api'] });
    await cluster.addNode({ name: 'worker-1', roles: ['worker'] });

    const startMs = Date.now() - 3 * 3600_000;
    credentials.forEach(({ serial, secret, vehicleId }, index) => {
      const credential = { serial, secret };
      // Even devices over MQTT, odd over HTTP; each starts on a different server or node.
      const transport =
        index % 2 === 0
          ? FailoverTransport.mqtt(cluster.mqttUrls, credential, index >> 1)
          : FailoverTransport.http(
              ingest.map((n) => n.url),
              credential,
              index >> 1,
            );
      const acked = new Set<number>();
      const client = new UplinkClient({
        serial,
        boot: BOOT,
        transport,
        batchRecords: BATCH,
        initialBackoffMs: 100,
        maxBackoffMs: 500,
        onAck: (ack, batch) => {
          if (ack.ok) for (const record of batch.records) acked.add(record.seq);
        },
        onDropped: (records, error) => {
          throw new Error(`${serial}: ${records.length} records refused for good: ${error.code} ${error.message}`);
        },
      });
      const source = telemetryStream({
        startMs: startMs + index * 1000,
        driveSeconds: DRIVE_S,
        chargeSeconds: CHARGE_S,
        seed: index + 1,
      });
      devices.push({ index, serial, vehicleId, transport, client, source, sent: [], acked, produced: 0 });
    });
  }, 240_000);

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.transport.close()));
    await cluster?.stop();
  }, 120_000);

  it('streams from 200 devices through the loss of an ingest node and a NATS server', async () => {
    const ackedBatches = () => devices.reduce((n, d) => n + d.acked.size, 0) / BATCH;
    const total = devices.reduce((n, d) => n + d.source.length, 0);

    // Each device makes a batch's worth of readings at a time and flushes, until all is acknowledged.
    let stop = false;
    const run = async (device: SimDevice) => {
      for (let round = 0; round < 2000 && !stop; round++) {
        if (device.produced >= device.source.length && device.client.pending === 0) return;
        for (let i = 0; i < BATCH && device.produced < device.source.length; i++) {
          const { seq: _seq, ...values } = device.source[device.produced++]!;
          device.sent.push(device.client.record(values));
        }
        const result = await device.client.flush({ maxAttempts: 1 });
        if (result.lastError) device.lastError = result.lastError;
        await sleep(result.lastError ? 200 : 50);
      }
    };
    const streaming = Promise.all(devices.map(run));
    const t0 = Date.now();
    const timeline: string[] = [];
    const mark = (what: string) => {
      timeline.push(
        `${((Date.now() - t0) / 1000).toFixed(1)} s: ${what} (${Math.round(ackedBatches())} batches acknowledged)`,
      );
    };

    try {
      // A third of the way in, kill ingest-1 and the first NATS server at once.
      await waitUntil('a third of the batches acknowledged', () => ackedBatches() >= total / BATCH / 3, {
        timeoutMs: 60_000,
      });
      mark('a third acknowledged; killing ingest-1 and NATS server 1');
      const pendingAtKill = devices.reduce((n, d) => n + d.client.pending, 0);
      const ackedAtKill = ackedBatches();
      const [killedIngest] = await Promise.all([ingest[0]!.kill('SIGKILL'), cluster.nats!.kill(0, 'SIGKILL')]);
      expect(killedIngest).toBeNull();
      // The devices held unacknowledged readings at that moment: the kill was mid-stream.
      expect(pendingAtKill).toBeGreaterThan(0);
      mark('killed');

      // Without them, the stream goes on (two NATS servers keep the stream's quorum, ingest-2 consumes).
      await waitUntil(
        'more batches acknowledged without ingest-1 and nats-1',
        () => ackedBatches() >= ackedAtKill + 150,
        {
          timeoutMs: 60_000,
        },
      );
      mark('150 more acknowledged; restarting ingest-1 and NATS server 1');
      await Promise.all([
        ingest[0]!
          .restart()
          .then(() =>
            mark(
              `ingest-1 restarted${ingest[0]!.failedStarts.length ? ` after ${ingest[0]!.failedStarts.join('; ')}` : ''}`,
            ),
          ),
        cluster.nats!.restart(0).then(() => mark('NATS server 1 restarted')),
      ]);
      await waitUntil(
        'every device done',
        () => devices.every((d) => d.produced === d.source.length && d.client.pending === 0),
        {
          timeoutMs: 150_000,
          everyMs: 250,
          state: () => {
            const behind = devices.filter((d) => d.produced < d.source.length || d.client.pending > 0);
            return `${behind.length} devices not done, e.g. ${behind
              .slice(0, 3)
              .map((d) => `${d.serial} (${d.client.pending} pending, last error ${d.lastError ?? 'none'})`)
              .join(', ')}`;
          },
        },
      );
      mark('every device done');
    } catch (error) {
      // What happened when: the timeline of the stream goes with the failure.
      throw new Error(`${(error as Error).message}\n${timeline.join('\n')}`, { cause: error });
    } finally {
      stop = true;
      await streaming;
    }

    // Devices moved: some MQTT devices to another NATS server, some HTTP devices to ingest-2.
    expect(devices.filter((d) => d.index % 2 === 0).some((d) => d.transport.failovers > 0)).toBe(true);
    expect(devices.filter((d) => d.index % 2 === 1).some((d) => d.transport.failovers > 0)).toBe(true);
    for (const device of devices) {
      expect(device.sent, device.serial).toHaveLength(device.source.length);
      expect(device.acked.size, device.serial).toBe(device.source.length);
    }

    // The log drained: what the dead node had taken and not acknowledged came back to the live
    // one (after the consumer's ack wait) and was handled too, by then as copies of stored batches.
    await waitUntil(
      'the uplink stream drained',
      async () => {
        const { pending, ackPending } = await cluster.streamPending();
        return pending === 0 && ackPending === 0;
      },
      { timeoutMs: 120_000, everyMs: 250 },
    );

    // Stored exactly once: per device and boot, the sequence numbers acknowledged, each counted once.
    const { rows: streams } = await db.query<{
      serial: string;
      boot_id: number | string;
      seqs: string;
      record_count: number | string;
    }>(
      `SELECT d.serial, s.boot_id, s.seqs::text AS seqs, s.record_count
         FROM telemetry_stream s JOIN device d ON d.id = s.device_id ORDER BY d.serial`,
    );
    const { rows: chunks } = await db.query<{ serial: string; records: string }>(
      `SELECT d.serial, sum(c.record_count) AS records
         FROM telemetry_chunk c JOIN device d ON d.id = c.device_id GROUP BY d.serial`,
    );
    const chunkRecords = new Map(chunks.map((c) => [c.serial, Number(c.records)]));
    expect(streams).toHaveLength(DEVICES);
    for (const device of devices) {
      const stream = streams.find((s) => s.serial === device.serial);
      expect(stream && [Number(stream.boot_id), stream.seqs, Number(stream.record_count)], device.serial).toEqual([
        BOOT,
        `{[0,${device.source.length})}`,
        device.source.length,
      ]);
      expect(chunkRecords.get(device.serial), device.serial).toBe(device.source.length);
    }

    // With the values sent: read back through the API node (from the standby, once it has caught up).
    await cluster.pg.waitForReplay();
    const call = apiCaller(() => api.url);
    const from = encodeURIComponent(new Date(Date.now() - 4 * 3600_000).toISOString());
    const to = encodeURIComponent(new Date().toISOString());
    for (const device of devices) {
      const answer = await call<{ records: (TUplinkRecord & { boot: number })[] }>(
        'GET',
        `/admin/devices/${device.serial}/telemetry?from=${from}&to=${to}`,
        ADMIN_TOKEN,
      );
      expect(answer.status, answer.text).toBe(200);
      expect(
        answer.body.records.map(({ boot: _boot, ...record }) => record),
        device.serial,
      ).toEqual(device.sent);
    }
  }, 600_000);

  it('derives what a rebuild derives, on the worker', async () => {
    // The worker has taken every vehicle off the derivation queue.
    await waitUntil(
      'the derivation queue empty',
      async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM derive_queue')).rows[0]!.n) === 0,
      { timeoutMs: 180_000, everyMs: 250 },
    );
    const live = await derivedRows(db, { programDays: true });
    expect(live.trips.length).toBeGreaterThanOrEqual(DEVICES);
    expect(live.sessions.length).toBeGreaterThanOrEqual(DEVICES);
    const rebuilt = await cluster.cli(['rebuild', '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect((JSON.parse(rebuilt.stdout) as { vehicles: number }).vehicles).toBe(DEVICES);
    expect(await derivedRows(db, { programDays: true })).toEqual(live);
  }, 300_000);

  it("serves the driver's trips from the API node, reading from the standby", async () => {
    const call = apiCaller(() => api.url);
    const signedIn = await call<{ token: string }>('POST', '/auth/signin', undefined, {
      email: driver.email,
      password: DRIVER_PASSWORD,
    });
    expect(signedIn.status, signedIn.text).toBe(200);
    await cluster.pg.waitForReplay();
    const trips = await call<{ trips: { startedAt: string }[] }>(
      'GET',
      `/vehicles/${driver.vehicleId}/trips`,
      signedIn.body.token,
    );
    expect(trips.status, trips.text).toBe(200);
    const { rows } = await db.query<{ started_at: Date }>(
      'SELECT started_at FROM trip WHERE vehicle_id = $1 ORDER BY started_at',
      [driver.vehicleId],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(trips.body.trips.map((t) => Date.parse(t.startedAt)).sort()).toEqual(
      rows.map((r) => r.started_at.getTime()),
    );
    // Reads went to the standby.
    const metrics = await (
      await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).text();
    expect(metricValue(metrics, 'smartcharge_db_reads_total', 'target="replica"')).toBeGreaterThan(0);
  }, 120_000);
});

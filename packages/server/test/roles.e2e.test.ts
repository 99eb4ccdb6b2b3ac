/**
 * Roles (ROLES / `serve --roles`): nodes with different roles on one PostgreSQL database, each a
 * real server in this process. An ingest node takes a device's uplink and derives nothing; a
 * worker node derives it from the queue; an API node serves the driver's trips and refuses
 * uplinks; a web node serves the app. Each refuses what it lacks with 503 naming the role, and
 * every node answers the operations routes. An unknown role stops the start, naming it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  basicAuthorization,
  PROTOCOL_VERSION,
  UPLINK_HTTP_PATH,
  type DeviceCredential,
  type TUplinkRecord,
} from '@smartcharge/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { listQueue } from '../src/derive/derive-queue.repository.js';
import { startServer, type RunningServer } from '../src/server.js';
import { TEST_PASSWORD_COST } from './support/builders.js';
import { createPostgresDatabase, describeEachKind } from './support/databases.js';
import { freePort, runCli, startServerProcess } from './support/processes.js';
import { createDriver, enrollDriver, equipDevice } from './support/program-fixtures.js';
import { ADMIN_TOKEN, TEST_WEB_ROOT } from './support/servers.js';
import { telemetryStream, thenUnplugged } from './support/telemetry-fixtures.js';

const PASSWORD = 'fixture password 123';

describeEachKind(
  'nodes with roles on one database',
  () => {
    let databaseUrl = '';
    let drop: (() => Promise<void>) | undefined;
    const dirs: string[] = [];
    const nodes: RunningServer[] = [];
    let ingestNode: RunningServer;
    let apiNode: RunningServer;
    let driver: { email: string; vehicleId: number; device: DeviceCredential };
    let records: TUplinkRecord[];

    const startNode = async (roles: string, env: Record<string, string> = {}): Promise<RunningServer> => {
      const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-roles-'));
      dirs.push(dir);
      const node = await startServer(
        loadConfig({
          PORT: '0',
          HOST: '127.0.0.1',
          SMARTCHARGE_DATA_DIR: dir,
          DATABASE_URL: databaseUrl,
          LOG_LEVEL: 'silent',
          SMARTCHARGE_ADMIN_TOKEN: ADMIN_TOKEN,
          MQTT_PORT: String(await freePort()),
          ROLES: roles,
          ...env,
        }),
        {
          mqttPortExplicit: true,
          passwordCost: TEST_PASSWORD_COST,
          ...(TEST_WEB_ROOT ? { webRoot: TEST_WEB_ROOT } : {}),
        },
      );
      nodes.push(node);
      return node;
    };
    const get = (node: RunningServer, route: string, headers: Record<string, string> = {}) =>
      fetch(`${node.url}${route}`, { headers });
    const upload = (node: RunningServer, batch: readonly TUplinkRecord[]) =>
      fetch(`${node.url}${UPLINK_HTTP_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuthorization(driver.device) },
        body: JSON.stringify({ v: PROTOCOL_VERSION, device: driver.device.serial, boot: 1, records: batch }),
      });
    const trips = async () =>
      (await apiNode.services.db.query('SELECT count(*)::int AS n FROM trip WHERE vehicle_id = $1', [driver.vehicleId]))
        .rows[0]!.n as number;
    const routeKeys = (node: RunningServer) => node.routes.map((r) => `${r.method} ${r.url}`);

    beforeAll(async () => {
      const created = await createPostgresDatabase();
      databaseUrl = created.url;
      drop = created.drop;
      apiNode = await startNode('api', { JOBS: 'true' });
      ingestNode = await startNode('ingest');
      // A driver enrolled with a vehicle whose device is installed, made as the program team would.
      const services = apiNode.services;
      await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
      const participant = await enrollDriver(services, 'alectra', { driver: await createDriver(services) });
      const device = await equipDevice(services, participant);
      driver = { email: participant.email, vehicleId: participant.vehicleId, device: device.credential };
      records = thenUnplugged(
        telemetryStream({ startMs: Date.now() - 3 * 3_600_000, driveSeconds: 900, chargeSeconds: 1500, seed: 17 }),
      );
    }, 60_000);

    afterAll(async () => {
      for (const node of nodes.reverse()) await node.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
      await drop?.();
    });

    it('an ingest node takes an HTTP uplink and leaves its derivation queued for workers', async () => {
      expect(ingestNode.roles).toEqual(['ingest']);
      expect(ingestNode.mqttPort).toBeGreaterThan(0);
      expect(ingestNode.scheduler).toBeUndefined();
      for (let i = 0; i < records.length; i += 600) {
        const response = await upload(ingestNode, records.slice(i, i + 600));
        expect(response.status, await response.text()).toBe(200);
      }
      await ingestNode.services.derive.idle();
      expect((await listQueue(ingestNode.services.db)).map((r) => r.vehicleId)).toEqual([driver.vehicleId]);
      expect(await trips()).toBe(0);

      expect(routeKeys(ingestNode)).toContain(`POST ${UPLINK_HTTP_PATH}`);
      expect(routeKeys(ingestNode).filter((key) => key.includes('/api/v1/') && !key.endsWith('/uplink'))).toEqual([]);
      const api = await get(ingestNode, `/api/v1/vehicles/${driver.vehicleId}/trips`);
      expect(api.status).toBe(503);
      expect(await api.json()).toMatchObject({ error: { code: 'role_not_served', role: 'api', roles: ['ingest'] } });
      expect((await get(ingestNode, '/readyz?role=ingest')).status).toBe(200);
      expect((await get(ingestNode, '/readyz?role=ingest,api')).status).toBe(503);
      // /metrics shows the vehicle waiting in the queue for a worker.
      const scraped = await (await get(ingestNode, '/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` })).text();
      expect(scraped).toMatch(/^smartcharge_derive_queue_vehicles\{state="waiting"\} 1$/m);
      expect(scraped).toMatch(/^smartcharge_derive_queue_vehicles\{state="claimed"\} 0$/m);
      expect(Number(/^smartcharge_derive_queue_oldest_seconds (\S+)$/m.exec(scraped)?.[1])).toBeGreaterThanOrEqual(0);
    });

    it('a worker node derives what the ingest node queued, and runs the scheduled jobs', async () => {
      const worker = await startNode('worker', { JOBS: 'true' });
      expect(worker.scheduler).toBeDefined();
      expect(worker.mqttPort).toBeUndefined();
      let left = await listQueue(worker.services.db);
      for (let i = 0; i < 200 && left.length > 0; i++) {
        await sleep(50);
        left = await listQueue(worker.services.db);
      }
      expect(left).toEqual([]);
      await worker.services.derive.idle();
      expect(await trips()).toBeGreaterThanOrEqual(1);
      const refused = await upload(worker, records.slice(0, 10));
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'unavailable', retryable: true } });
    });

    it('an API node serves the driver their trips and refuses device uplinks and pages', async () => {
      expect(apiNode.scheduler).toBeUndefined();
      expect(apiNode.mqttPort).toBeUndefined();
      expect(routeKeys(apiNode)).not.toContain(`POST ${UPLINK_HTTP_PATH}`);
      const signedIn = await fetch(`${apiNode.url}/api/v1/auth/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: driver.email, password: PASSWORD }),
      });
      expect(signedIn.status).toBe(200);
      const { token } = (await signedIn.json()) as { token: string };
      const answer = await get(apiNode, `/api/v1/vehicles/${driver.vehicleId}/trips`, {
        authorization: `Bearer ${token}`,
      });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { trips: unknown[] };
      expect(body.trips).toHaveLength(await trips());

      // A device that reaches it keeps its batch: the refusal is a retryable acknowledgement.
      const refused = await upload(apiNode, records.slice(0, 10));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      const ack = (await refused.json()) as {
        ok: boolean;
        error: { code: string; retryable: boolean; message: string };
      };
      expect(ack).toMatchObject({ ok: false, error: { code: 'unavailable', retryable: true } });
      expect(ack.error.message).toMatch(/does not have the ingest role \(its roles: api\)/);
      const page = await get(apiNode, '/trips', { accept: 'text/html' });
      expect(page.status).toBe(503);
      expect(await page.json()).toMatchObject({ error: { code: 'role_not_served', role: 'web' } });
      // Every node answers the operations routes.
      expect((await get(apiNode, '/healthz')).status).toBe(200);
      expect(await (await get(apiNode, '/readyz')).json()).toEqual({ status: 'ready', roles: ['api'] });
      const metrics = await get(apiNode, '/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(metrics.status).toBe(200);
    });

    it('a web node serves the app and leaves the API to API nodes', async () => {
      const web = await startNode('web');
      const home = await get(web, '/', { accept: 'text/html' });
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await home.text()).toMatch(/<html/i);
      const deepLink = await get(web, '/trips', { accept: 'text/html' });
      expect(deepLink.status).toBe(200);
      const api = await get(web, '/api/v1/auth/me');
      expect(api.status).toBe(503);
      expect(await api.json()).toMatchObject({ error: { code: 'role_not_served', role: 'api', roles: ['web'] } });
      expect((await upload(web, records.slice(0, 10))).status).toBe(503);
      expect((await get(web, '/healthz')).status).toBe(200);
      expect((await get(web, '/readyz?role=web')).status).toBe(200);
      expect((await get(web, '/readyz?role=worker')).status).toBe(503);
      expect((await get(web, '/readyz?role=cook')).status).toBe(400);
    });
  },
  ['postgres'],
);

describeEachKind(
  'choosing roles',
  () => {
    it('refuses an unknown role, naming it and the valid ones', async () => {
      expect(() => loadConfig({ ROLES: 'ingest,wroker' })).toThrow(ConfigError);
      const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-roles-'));
      try {
        const result = await runCli(['serve', '--roles', 'ingest,wroker'], { SMARTCHARGE_DATA_DIR: dir, PORT: '0' });
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain('--roles="ingest,wroker": unknown role "wroker"');
        expect(result.stderr).toContain('the roles are ingest, api, worker, web');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('names the roles when it starts', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-roles-'));
      const server = await startServerProcess({ SMARTCHARGE_DATA_DIR: dir, ROLES: 'worker, ingest' });
      try {
        const started = JSON.parse(
          server
            .output()
            .split('\n')
            .find((line) => line.includes('"event":"started"'))!,
        ) as { roles: string[]; uplink?: string };
        expect(started.roles).toEqual(['ingest', 'worker']);
        expect(started.uplink).toBe(`${server.url}${UPLINK_HTTP_PATH}`);
        expect(await server.kill('SIGTERM')).toBe(0);
      } finally {
        await server.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);
  },
  ['pglite'],
);

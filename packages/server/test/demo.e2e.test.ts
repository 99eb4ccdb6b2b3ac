/**
 * The demo `npm start` makes, on PGlite and on PostgreSQL: on an empty database the server creates
 * it, its driver signs in and sees trips, and the fleet goes live; started again on the same data,
 * the same fleet catches up on the time the server was down and drives on, with new device
 * secrets and the driver's sign-in unchanged. A small fleet (2 cars, 2 days) keeps it quick.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SYSTEM } from '../src/actor.js';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { createPostgresDatabase, describeEachDatabase } from './support/databases.js';
import type { ScratchDatabase } from './support/scratch-database.js';

/** Polls `check` every 200 ms until it holds, for at most `seconds`. */
async function until(what: string, seconds: number, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < seconds * 5; i++) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${seconds} s`);
}

describeEachDatabase('the demo', (setup) => {
  let dataDir: string;
  let database: ScratchDatabase | undefined;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-demo-'));
    if (setup().kind === 'postgres') database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The platform's clock runs `aheadMs` ahead of the real one. */
  const start = (aheadMs = 0) =>
    startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        SMARTCHARGE_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        MQTT_PORT: '0',
        JOBS: 'false',
        DEMO: 'true',
        DEMO_VEHICLES: '2',
        DEMO_DAYS: '2',
        ...(database ? { DATABASE_URL: database.url } : {}),
      }),
      { mqttPortExplicit: true, demo: true, clock: () => new Date(Date.now() + aheadMs) },
    );

  const call = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const signIn = async (running: RunningServer, email: string, password: string) => {
    const answer = await call(`${running.url}/api/v1/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(answer.status).toBe(200);
    return { authorization: `Bearer ${answer.body.token as string}` };
  };

  const demoDevices = async (running: RunningServer) =>
    Promise.all(['DEMO-0001', 'DEMO-MS-0001'].map((serial) => running.services.devices.getDevice(SYSTEM, serial)));

  it('sets up the demo on an empty database: the driver signs in and sees trips, and the fleet goes live', async () => {
    server = await start();
    const demo = server.demo!;
    expect(demo).toBeDefined();
    await until('the demo history', 120, () => demo.status().state === 'live');
    expect(demo.status()).toMatchObject({ vehicles: 2, days: 2, progress: 1 });
    const saved = JSON.parse(await readFile(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as {
      driver: { email: string; password: string };
    };
    expect(saved.driver).toEqual(demo.credentials.driver);
    const headers = await signIn(server, saved.driver.email, saved.driver.password);
    const mine = await call(`${server.url}/api/v1/me/applications`, { headers });
    const vehicleId = (mine.body.applications as { vehicles: { vehicleId: number }[] }[])[0]!.vehicles[0]!.vehicleId;
    const trips = await call(`${server.url}/api/v1/vehicles/${vehicleId}/trips`, { headers });
    expect(trips.status).toBe(200);
    expect((trips.body.trips as unknown[]).length).toBeGreaterThan(0);
    expect((await demoDevices(server)).map((d) => d.status)).toEqual(['active', 'active']);
    // Up to the 120 s the history may take on a busy machine, and the checks after it.
  }, 180_000);

  it('drives on after a restart: the same fleet catches up and sends again, under new secrets', async () => {
    const before = await demoDevices(server!);
    const credentials = server!.demo!.credentials;
    await server!.close();
    server = undefined;

    // Back two hours later (the platform's clock moves on): the cars drove and charged meanwhile.
    server = await start(2 * 3_600_000);
    const demo = server.demo!;
    expect(demo).toBeDefined();
    expect(demo.credentials).toEqual(credentials);
    await until('the resumed demo', 120, () => demo.status().state === 'live');
    // Both cars sent the two hours: the newest arrival moves past the one before the restart.
    await until('data after the restart', 60, async () =>
      (await demoDevices(server!)).every((d, i) => d.lastSeenAt!.getTime() > before[i]!.lastSeenAt!.getTime()),
    );
    const after = await demoDevices(server);
    expect(after.map((d) => d.status)).toEqual(['active', 'active']);
    // New secrets: the restart rotated them (the old ones were only stored as hashes).
    expect(after.map((d) => d.credentialIssuedAt.getTime())).not.toEqual(
      before.map((d) => d.credentialIssuedAt.getTime()),
    );
    await signIn(server, credentials.driver.email, credentials.driver.password);
  });
});

/**
 * The demo tells one coherent story, on PGlite and on PostgreSQL, as its visitors read it through
 * the API: ledger entries dated when they were earned (between the participant's first data and
 * today, not all on one day); every active device shipped, delivered and installed before its first
 * record, its "live since" that first record; every account its own name; and a Mississippi Power
 * participant whose car drives (trips) and earns points, shown in miles and °F.
 *
 * Two cars (one Alectra, the demo driver's; one Mississippi Power), 45 days of history ending on the
 * 3rd of a month: the history holds a whole month after the driver's first, so the driver's ledger
 * holds the start bonus and that month's reward, days apart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { createPostgresDatabase, describeEachDatabase } from './support/databases.js';
import type { ScratchDatabase } from './support/scratch-database.js';

const DAY_MS = 86_400_000;
const DAYS = 45;

interface Device {
  serial: string;
  status: string;
  statusChangedAt: string;
  vehicleId: number | null;
  firstSeenAt: string | null;
}
interface Shipment {
  kind: string;
  status: string;
  requestedAt: string;
  shippedAt: string | null;
  closedAt: string | null;
  vehicle: { vehicleId: number };
  participant: { applicationId: number; name: string };
}
interface LedgerEntry {
  kind: string;
  points: number;
  createdAt: string;
}

describeEachDatabase('the demo story', (setup) => {
  let dataDir: string;
  let database: ScratchDatabase | undefined;
  let server: RunningServer;
  // The platform's clock: noon on the 3rd of the month after next, moving with the real one.
  const target = new Date();
  target.setUTCMonth(target.getUTCMonth() + 2, 3);
  target.setUTCHours(12, 0, 0, 0);
  const aheadMs = target.getTime() - Date.now();
  const platformNow = () => Date.now() + aheadMs;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-demo-story-'));
    if (setup().kind === 'postgres') database = await createPostgresDatabase();
    server = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        SMARTCHARGE_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        MQTT_PORT: '0',
        JOBS: 'false',
        DEMO: 'true',
        DEMO_VEHICLES: '2',
        DEMO_DAYS: String(DAYS),
        ...(database ? { DATABASE_URL: database.url } : {}),
      }),
      { mqttPortExplicit: true, demo: true, clock: () => new Date(platformNow()) },
    );
    // About 100 s on two idle cores; far longer when they are shared.
    for (let i = 0; i < 600 * 5 && server.demo!.status().state !== 'live'; i++) await sleep(200);
    if (server.demo!.status().state !== 'live') {
      throw new Error(`the demo history was not in within 600 s: ${JSON.stringify(server.demo!.status())}`);
    }
  }, 620_000);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const get = async <T>(url: string, headers: Record<string, string>): Promise<T> => {
    const response = await fetch(`${server.url}/api/v1${url}`, { headers });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const signIn = async (who: { email: string; password: string }) => {
    const response = await fetch(`${server.url}/api/v1/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(who),
    });
    expect(response.status, `sign-in of ${who.email}`).toBe(200);
    return { authorization: `Bearer ${((await response.json()) as { token: string }).token}` };
  };
  const operator = () => signIn(server.demo!.credentials.operator);
  const devices = async () =>
    (await get<{ devices: Device[] }>('/device-inventory?limit=500', await operator())).devices.filter((d) =>
      d.serial.startsWith('DEMO-'),
    );
  const shipments = async (slug: string) =>
    (await get<{ shipments: Shipment[] }>(`/programs/${slug}/shipments`, await operator())).shipments;
  const day = (iso: string) => iso.slice(0, 10);

  it('ships, delivers and installs each active device before its first record, and "live since" is that record', async () => {
    const all = await devices();
    expect(all.map((d) => [d.serial, d.status]).sort()).toEqual([
      ['DEMO-0001', 'active'],
      ['DEMO-MS-0001', 'active'],
    ]);
    const parcels = [...(await shipments('alectra')), ...(await shipments('mississippi-power'))];
    for (const device of all) {
      const firstRecord = Date.parse(device.statusChangedAt);
      const parcel = parcels.find((s) => s.kind === 'device' && s.vehicle.vehicleId === device.vehicleId);
      expect(parcel, `${device.serial}'s shipment`).toBeDefined();
      // Delivered: an installed, live device is not in the open queue, "asked weeks ago".
      expect(parcel!.status, `${device.serial}'s shipment status`).toBe('delivered');
      expect(Date.parse(parcel!.requestedAt)).toBeLessThanOrEqual(Date.parse(parcel!.shippedAt!));
      expect(Date.parse(parcel!.shippedAt!), `${device.serial} shipped before it recorded`).toBeLessThan(firstRecord);
      expect(Date.parse(parcel!.closedAt!), `${device.serial} delivered before it recorded`).toBeLessThan(firstRecord);
      // Live since the first data, which is in the history (not when the history arrived).
      expect(device.firstSeenAt, `${device.serial}'s live since`).toBe(device.statusChangedAt);
      expect(firstRecord).toBeLessThan(platformNow() - DAY_MS);
    }
    // The Mississippi car joined after the driver's: participants join over the history.
    const [driverCar, msCar] = [
      all.find((d) => d.serial === 'DEMO-0001')!,
      all.find((d) => d.serial === 'DEMO-MS-0001')!,
    ];
    expect(Date.parse(msCar.statusChangedAt)).toBeGreaterThan(Date.parse(driverCar.statusChangedAt) + 3_600_000);
    expect(Date.parse(driverCar.statusChangedAt)).toBeLessThan(platformNow() - (DAYS - 1) * DAY_MS);
  });

  it('gives every account a name of its own', async () => {
    const { accounts } = await get<{ accounts: { name: string; email: string }[] }>(
      '/accounts?limit=500',
      await operator(),
    );
    const names = accounts.map((a) => a.name);
    // The operator, the administrator, two participants and two applicants.
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(new Set(names).size, `names: ${names.join(', ')}`).toBe(names.length);
  });

  it('dates each ledger entry when it was earned: after the first data, not after today, days apart', async () => {
    const all = await devices();
    const dates: string[] = [];
    const creds = server.demo!.credentials;
    for (const [who, serial] of [
      [creds.driver, 'DEMO-0001'],
      [creds.mississippiDriver!, 'DEMO-MS-0001'],
    ] as const) {
      const headers = await signIn(who);
      const { applications } = await get<{ applications: { id: number }[] }>('/me/applications', headers);
      const ledger = await get<{ entries: LedgerEntry[] }>(`/applications/${applications[0]!.id}/ledger`, headers);
      const rewards = ledger.entries.filter((e) => e.kind === 'reward');
      expect(rewards.length, `${who.email}'s rewards`).toBeGreaterThan(0);
      const firstData = Date.parse(all.find((d) => d.serial === serial)!.statusChangedAt);
      for (const entry of rewards) {
        expect(Date.parse(entry.createdAt), `${who.email}: an entry before the first data`).toBeGreaterThanOrEqual(
          firstData,
        );
        expect(Date.parse(entry.createdAt), `${who.email}: an entry after today`).toBeLessThanOrEqual(platformNow());
        dates.push(day(entry.createdAt));
      }
      if (who === creds.driver) {
        // The start bonus, then the first whole month's reward on the next month's first days.
        expect(rewards.length).toBeGreaterThanOrEqual(2);
        expect(new Set(rewards.map((e) => day(e.createdAt))).size).toBeGreaterThanOrEqual(2);
      }
    }
    // Not all "today": most of what the history earned was earned days ago.
    expect(dates.filter((d) => d < day(new Date(platformNow() - DAY_MS).toISOString())).length).toBeGreaterThan(0);
  });

  it('has a Mississippi Power participant who drives, earns points and reads miles and °F', async () => {
    const creds = server.demo!.credentials.mississippiDriver;
    expect(creds, 'the Mississippi driver in the credentials').toBeDefined();
    const headers = await signIn(creds!);
    const me = await get<{ name: string; preferences: { distanceUnit: string; temperatureUnit: string } }>(
      '/auth/me',
      headers,
    );
    expect(me.preferences).toEqual({ distanceUnit: 'mi', temperatureUnit: 'F' });
    const { applications } = await get<{
      applications: { id: number; program: { slug: string }; vehicles: { vehicleId: number; status: string }[] }[];
    }>('/me/applications', headers);
    expect(applications[0]).toMatchObject({ program: { slug: 'mississippi-power' } });
    expect(applications[0]!.vehicles[0]!.status).toBe('approved');
    const trips = await get<{ trips: unknown[] }>(
      `/vehicles/${applications[0]!.vehicles[0]!.vehicleId}/trips`,
      headers,
    );
    expect(trips.trips.length).toBeGreaterThan(0);
    const ledger = await get<{ display: string; balance: number }>(
      `/applications/${applications[0]!.id}/ledger`,
      headers,
    );
    expect(ledger.display).toBe('points');
    expect(ledger.balance).toBeGreaterThanOrEqual(25_000);
  });
});

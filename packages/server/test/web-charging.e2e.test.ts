/**
 * Browser journey (Debian's chromium through playwright-core, the real server on the embedded
 * database, map tiles off) for charging, battery health and charts on touch: a driver with five
 * charges over nine days — three at home on Level 2, one DC fast charge in Toronto (outside
 * Alectra's territory) on a cold day, and a 0.5 kWh top-up — sees at 360 px the small session
 * folded away (with its count), duration and state of charge on each card, the outside temperature
 * in their unit (°C, then °F), a label saying the real span, and the map fitted to the territory
 * with its outline and every place; taps a chart and reads its values; reads battery health on an
 * axis from 50 % with a band and the words saying how many charges it rests on. A share link shows
 * the battery health and no location. Every page at 360 px and at a desk, with the audit passing.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import {
  apiCaller,
  audit,
  browserReady,
  PHONE,
  shoot,
  signIn,
  startBrowser,
  type Browsing,
} from './support/browser.js';
import { driveThenCharge, type ChargeOptions } from './support/charge-fixtures.js';
import { enrollDriver, equipDevice, type Participant } from './support/program-fixtures.js';
import { startTestServer, uploadOverHttp, type TestServer } from './support/servers.js';

const DAY = 86_400_000;
const HOME = { lat_deg: 43.5895, lon_deg: -79.6441 }; // Mississauga, inside Alectra's territory
const TORONTO = { lat_deg: 43.6487, lon_deg: -79.3817 }; // downtown Toronto: outside it

describe.runIf(browserReady)('charging, battery health and charts on touch in a browser', () => {
  let server: TestServer;
  let browsing: Browsing;
  let driver: Participant;
  let cookie = '';
  let page: Page;
  let clockBehindMs = 12 * DAY;
  const pageErrors: string[] = [];
  const api = (...args: Parameters<ReturnType<typeof apiCaller>>) => apiCaller(server)(...args);

  const send = async (credential: { serial: string; secret: string }, records: readonly TUplinkRecord[]) => {
    await uploadOverHttp(server, credential, records, 3000);
  };

  beforeAll(async () => {
    // Enrolment and shipping happen "twelve days ago", so nine days of data belong to the vehicle.
    server = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      env: { JOBS: 'false', MAP_TILE_URL: 'off' },
      clock: () => new Date(Date.now() - clockBehindMs),
    });
    await server.services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
    driver = await enrollDriver(server.services, 'alectra');
    const device = await equipDevice(server.services, driver, { activate: true });
    clockBehindMs = 0;

    const now = Date.now();
    const charges: Omit<ChargeOptions, 'firstSeq' | 'odometerM'>[] = [
      {
        startMs: now - 8 * DAY - 5 * 3_600_000,
        kind: 'L2',
        chargeSeconds: 3 * 3600,
        socStart: 45,
        ambientC: 21,
        place: HOME,
      },
      {
        startMs: now - 6 * DAY - 5 * 3_600_000,
        kind: 'DCFC',
        chargeSeconds: 25 * 60,
        socStart: 30,
        ambientC: 2,
        place: TORONTO,
      },
      {
        startMs: now - 4 * DAY - 5 * 3_600_000,
        kind: 'L2',
        chargeSeconds: 3 * 3600,
        socStart: 42,
        ambientC: 12,
        place: HOME,
      },
      {
        startMs: now - 2 * DAY - 5 * 3_600_000,
        kind: 'L2',
        chargeSeconds: 3 * 3600,
        socStart: 48,
        ambientC: 18,
        place: HOME,
      },
      {
        startMs: now - 1 * DAY - 5 * 3_600_000,
        kind: 'L1',
        chargeSeconds: 20 * 60,
        socStart: 70,
        ambientC: -3,
        place: HOME,
      },
    ];
    let seq = 0;
    let odometerM = 20_000_000;
    const records: TUplinkRecord[] = [];
    for (const charge of charges) {
      const part = driveThenCharge({ ...charge, firstSeq: seq, odometerM });
      seq = part.at(-1)!.seq + 1;
      odometerM = part.at(-1)!.odometer_m! + 1000;
      records.push(...part);
    }
    await send(device.credential, records);
    cookie = await signIn(server, driver.email, 'fixture password 123');
    browsing = await startBrowser(server);
    // A phone: touch, 360 px.
    const context = await browsing.context({ viewport: PHONE, hasTouch: true, isMobile: true }, cookie);
    page = await context.newPage();
    // An error in the page fails the journey (a map that throws draws nothing, silently).
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
  }, 180_000);

  afterEach(() => {
    expect(pageErrors.splice(0), 'errors in the page').toEqual([]);
  });

  afterAll(async () => {
    await browsing?.close();
    await server?.stop();
  });

  it('folds the small session away, shows duration, state of charge and outside temperature on a phone', async () => {
    await page.goto(`${server.url}/charging`);
    const rows = page.locator('.session-table tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(4);
    expect(await page.title()).toBe('Charging · SmartCharge');
    // The label says the span the data covers, not "6 months".
    const span = (await page.getByTestId('charging-span').textContent()) ?? '';
    const days = Number(/\((\d+) days\)/.exec(span)?.[1]);
    expect(days, span).toBeGreaterThanOrEqual(8);
    expect(days, span).toBeLessThanOrEqual(10);
    expect(await page.locator('main').innerText()).not.toContain('6 months');
    expect(await page.getByRole('heading', { name: /^All 5 sessions since / }).count()).toBe(1);

    // Every figure of a session on the phone's card, inside the screen: nothing hidden, nothing sideways.
    const dc = rows.filter({ hasText: 'DC fast' });
    await dc.scrollIntoViewIfNeeded();
    const text = await dc.innerText();
    expect(text).toMatch(/Charging\s+2[45] min/);
    expect(text).toMatch(/of 2[56] min plugged in/);
    expect(text).toMatch(/Battery\s+\d+ % → \d+ %/);
    expect(text).toMatch(/Outside\s+2 °C/);
    expect(text).toContain('outside');
    for (const cell of await dc.locator('td, th').all()) {
      const box = await cell.boundingBox();
      expect(box, 'a cell of the DC session').not.toBeNull();
      expect(box!.x + box!.width, await cell.innerText()).toBeLessThanOrEqual(PHONE.width);
      expect(await cell.isVisible()).toBe(true);
    }
    expect(await rows.filter({ hasText: 'Level 2' }).filter({ hasText: '21 °C' }).count()).toBe(1);

    // The 0.5 kWh top-up: folded, its count on the control that shows it.
    const show = page.getByRole('button', { name: 'Show the short session under 1 kWh' });
    expect(await show.getAttribute('aria-expanded')).toBe('false');
    await show.click();
    await expect.poll(() => rows.count()).toBe(5);
    expect(await rows.filter({ hasText: '(under 1 kWh)' }).innerText()).toMatch(/Level 1[\s\S]*−?-?3 °C/);
    expect(await page.getByRole('button', { name: 'Hide the short session under 1 kWh' }).count()).toBe(1);
    await shoot(page, 'charging-sessions');
    await audit(page, 'charging');
  });

  it('draws the territory and every charging place without tiles, the view fitted to both', async () => {
    await page.setViewportSize(PHONE);
    const map = page.locator('.map');
    await map.scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator('path.map-territory').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('path.map-place').count()).toBe(5);
    expect(await page.getByText('Map tiles are not available here').count()).toBe(1);
    const mapBox = (await map.boundingBox())!;
    const territory = (await page.locator('path.map-territory').first().boundingBox())!;
    // The territory fills the view (zoomed to it, not to the world) …
    expect(Math.max(territory.width / mapBox.width, territory.height / mapBox.height)).toBeGreaterThan(0.4);
    // … and every place is in sight, the one outside the territory too.
    for (const place of await page.locator('path.map-place').all()) {
      const box = (await place.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(mapBox.x - 1);
      expect(box.x + box.width).toBeLessThanOrEqual(mapBox.x + mapBox.width + 1);
      expect(box.y).toBeGreaterThanOrEqual(mapBox.y - 1);
      expect(box.y + box.height).toBeLessThanOrEqual(mapBox.y + mapBox.height + 1);
    }
    expect(Number(await map.getAttribute('data-zoom'))).toBeGreaterThanOrEqual(7);
  });

  it('shows a chart value on tap, and keeps it until the next tap; bars from zero, the unit on the axis', async () => {
    await page.setViewportSize(PHONE);
    const chart = page.locator('figure.chart').first();
    await chart.scrollIntoViewIfNeeded();
    const over = chart.locator('.u-over');
    const readout = chart.getByTestId('chart-readout');
    expect(await readout.innerText()).toContain('Tap or click the chart');
    const box = (await over.boundingBox())!;
    // Tap across the plot until the DC day's bar answers (its position depends on the day's hour).
    const seen: string[] = [];
    for (let f = 0.03; f < 1; f += 0.06) {
      await over.tap({ position: { x: box.width * f, y: box.height * 0.8 } });
      seen.push(await readout.innerText());
      if (/DC fast: [1-9]\d*\.\d kWh/.test(seen.at(-1)!)) break;
    }
    const value = seen.at(-1)!;
    expect(value, seen.join(' | ')).toMatch(/DC fast: [1-9]\d*\.\d kWh/);
    expect(value).toMatch(/Level 2: \d+\.\d kWh/);
    // It stays when the finger leaves, and after a tap elsewhere on the page.
    await page.locator('h1').tap();
    expect(await readout.innerText()).toBe(value);
    // Energy on the axis, named with its unit; bars start at zero.
    expect(await chart.locator('.chart-host').getAttribute('data-y-min')).toBe('0');
    expect(await chart.locator('.chart-host').getAttribute('data-axes')).toBe('Energy at the wall (kWh)');
  });

  it('shows the outside temperature in the driver’s unit (°F once chosen)', async () => {
    await api('PATCH', '/auth/me/preferences', { temperatureUnit: 'F' }, { cookie });
    await page.reload();
    const rows = page.locator('.session-table tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(4);
    expect(await rows.filter({ hasText: 'DC fast' }).innerText()).toMatch(/Outside\s+36 °F/);
    expect(await rows.filter({ hasText: '70 °F' }).count()).toBe(1);
    await api('PATCH', '/auth/me/preferences', { temperatureUnit: 'C' }, { cookie });
  });

  it('shows battery health on an axis from 50 %, with a band and the charges it rests on', async () => {
    await page.goto(`${server.url}/battery`);
    const basis = page.getByTestId('storage-basis');
    await expect.poll(() => basis.count(), { timeout: 15_000 }).toBe(1);
    const words = await basis.innerText();
    // 58 kWh of a new 64: about 91 %, the band from three near-identical charges a few points wide.
    expect(words).toMatch(/about (8[89]|9[0-3]) % of new, likely between (8[5-9]|9[01]) % and (9[1-6]) %/);
    expect(words).toMatch(/rests on 3 charges in the \d+ weeks before/);
    const low = Number(/between (\d+) %/.exec(words)![1]);
    const high = Number(/and (\d+) %/.exec(words)![1]);
    expect(high - low).toBeGreaterThanOrEqual(3);
    // The axis starts at the floor, not at the data's edge.
    const storage = page.locator('figure.chart', { hasText: 'Storage capacity' }).locator('.chart-host');
    await expect.poll(() => storage.getAttribute('data-y-min')).toBe('50');
    expect(await storage.getAttribute('data-y-max')).toBe('100');
    // Power capacity beside it is explained, not left to alarm.
    expect(await page.getByTestId('power-basis').innerText()).toMatch(
      /from \d+ trips[\s\S]*A lower figure than storage capacity is normal/,
    );
    await shoot(page, 'battery-health');
    await audit(page, 'battery');
  });

  it('shows battery health on a share link, and no location', async () => {
    const created = await api('POST', '/shares', { vehicleId: driver.vehicleId, days: 7 }, { cookie });
    const url = String(created.json.url);
    expect(url.startsWith(`${server.url}/shared/`)).toBe(true);
    const token = url.split('/shared/')[1]!;
    const sessions = await api('GET', `/shared/${token}/sessions?limit=10`);
    const list = sessions.json.sessions as { latDeg: unknown; lonDeg: unknown }[];
    expect(list.length).toBe(5);
    // Where the car charged is left out of what a link reads, field and all.
    expect(list.filter((s) => 'latDeg' in s || 'lonDeg' in s)).toEqual([]);

    const stranger = await browsing.page();
    await stranger.goto(url);
    await expect.poll(() => stranger.getByTestId('storage-basis').count(), { timeout: 15_000 }).toBe(1);
    expect(await stranger.getByRole('heading', { name: 'Battery health' }).count()).toBe(1);
    expect(await stranger.locator('.map').count()).toBe(0);
    await shoot(stranger, 'shared-battery');
    await audit(stranger, 'shared');
    await stranger.context().close();
  });
});

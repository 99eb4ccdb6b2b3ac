/**
 * The web app in a real browser (Debian's chromium through playwright-core), against the real
 * server on the embedded database: a new driver joins, applies, is approved, installs the device,
 * sees the first trip and charge, earns the start bonus, downloads a CSV, and opens a share link in
 * a fresh browser; an administrator reads the grid view. Screenshots at phone and desk widths go to
 * artifacts/screenshots; each page passes an automated accessibility audit (axe-core).
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, browserReady, DESK, PHONE, shoot, startBrowser, type Browsing } from './support/browser.js';
import { ADMIN_TOKEN, provisionDevice, startTestServer, uploadOverHttp, type TestServer } from './support/servers.js';
import { telemetryStream, thenUnplugged } from './support/telemetry-fixtures.js';

const DAY = 86_400_000;

describe.runIf(browserReady)('the web app in a browser', () => {
  let server: TestServer;
  let browsing: Browsing;
  let driver: BrowserContext;
  let page: Page;
  let adminCookie = '';
  let applicationId = 0;
  let enrolledVehicleId = 0;
  let clockBehindMs = 2 * 3_600_000;
  const email = 'robin@example.com';
  const password = 'robin drives electric';

  const api = async (method: string, url: string, body?: unknown, auth?: { bearer?: string; cookie?: string }) => {
    const response = await fetch(`${server.url}/api/v1${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth?.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
        ...(auth?.cookie ? { cookie: auth.cookie } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    expect(response.status, `${method} ${url}: ${JSON.stringify(json)}`).toBeLessThan(300);
    return json;
  };

  const watchedContext = (options: Parameters<Browser['newContext']>[0] = {}) => browsing.context(options);

  /** A drive, then a Level 2 charge at home in Mississauga (inside Alectra's territory), then unplugged. */
  const sendDay = async (credential: { serial: string; secret: string }, startMs: number) => {
    const all = thenUnplugged(telemetryStream({ startMs, driveSeconds: 900, chargeSeconds: 1800, seed: 7 }));
    await uploadOverHttp(server, credential, all);
  };

  beforeAll(async () => {
    // Applying, approving and shipping happen "two hours ago" on the platform's clock; the device's
    // data then comes after the shipment, as it would.
    server = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      env: { JOBS: 'false', MAP_TILE_URL: 'off' },
      clock: () => new Date(Date.now() - clockBehindMs),
    });
    // An operator sets up Alectra and its administrator.
    await api('POST', '/programs', { preset: 'alectra' }, { bearer: ADMIN_TOKEN });
    await api(
      'POST',
      '/accounts',
      {
        email: 'pat@alectra.example',
        name: 'Pat Admin',
        role: 'program_admin',
        utility: 'Alectra Utilities',
        password: 'pat the administrator',
      },
      { bearer: ADMIN_TOKEN },
    );
    const signIn = await fetch(`${server.url}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'pat@alectra.example', password: 'pat the administrator' }),
    });
    adminCookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    browsing = await startBrowser(server);
    driver = await watchedContext({
      viewport: PHONE,
      acceptDownloads: true,
      locale: 'en-CA',
      timezoneId: 'America/Toronto',
    });
    page = await driver.newPage();
  }, 120_000);

  afterAll(async () => {
    await browsing?.close();
    await server?.stop();
  });

  it('lets a new driver join and apply with a vehicle, and explains the application', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.getByRole('heading', { name: 'SmartCharge Ontario (Alectra)' }).count()).toBe(1);
    await shoot(page, '01-home');
    await audit(page, 'home');
    // The policy is really in force and the watcher really hears it: an injected inline script is blocked.
    await page.evaluate(`{
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.head.append(script);
    }`);
    expect(await page.evaluate('window.injected ?? false')).toBe(false);
    expect(await page.evaluate<string[]>('window.cspViolations.splice(0)')).toEqual([
      expect.stringMatching(/^script-src/) as unknown as string,
    ]);
    await page.getByRole('link', { name: 'Apply' }).first().click();
    await page.getByLabel('Your name').fill('Robin Driver');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Make my account' }).click();
    await page.waitForURL('**/apply/alectra');
    // The address follows the program's territory, and what is missing is said in words beside its field.
    expect(await page.getByLabel('Country (two letters)').inputValue()).toBe('CA');
    await page.getByRole('button', { name: 'Send my application' }).click();
    await expect.poll(() => page.locator('#f-make-1-note').textContent()).toBe("Give the vehicle's make.");
    expect(await page.locator('form.form').innerText()).not.toContain('vehicles[');
    await page.getByLabel('Make').fill('Hyundai');
    await page.getByLabel('Model', { exact: true }).fill('Kona Electric');
    await page.getByLabel('Model year').fill('2021');
    await page.getByLabel('VIN', { exact: true }).fill('KM8K33AG1MU000123');
    await page.getByLabel('Street address').fill('1 Main St');
    await page.getByLabel('City', { exact: true }).fill('Mississauga');
    await page.getByLabel('Province', { exact: true }).fill('ON');
    await page.getByLabel('Postal code').fill('L5B 1M2');
    await page.getByLabel(/account number/).fill('1234567890');
    await page.getByLabel(/PayPal address/).fill('robin.paypal@example.com');
    await shoot(page, '02-apply');
    await audit(page, 'apply');
    await page.getByRole('button', { name: 'Send my application' }).click();
    await page.waitForURL('**/program');
    await expect.poll(() => page.getByText('applied', { exact: true }).count()).toBeGreaterThan(0);
    await shoot(page, '03-applied');
  });

  it('shows the device on its way once the administrator approves and ships it, and takes the install', async () => {
    const queue = await api('GET', '/programs/alectra/applications?status=applied', undefined, { cookie: adminCookie });
    const application = (queue.applications as { id: number; vehicles: { id: number; vehicleId: number }[] }[])[0]!;
    applicationId = application.id;
    enrolledVehicleId = application.vehicles[0]!.id;
    await api('POST', `/applications/${applicationId}/approve`, {}, { cookie: adminCookie });
    const device = await provisionDevice(server);
    await api(
      'POST',
      `/enrolled-vehicles/${enrolledVehicleId}/ship`,
      { serial: device.credential.serial, carrier: 'Canada Post', trackingNumber: 'CP555000111CA' },
      { cookie: adminCookie },
    );
    await page.reload();
    await expect.poll(() => page.getByText(/CP555000111CA/).count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'I have installed it' }).click();
    await expect.poll(() => page.getByText('How to install your C2').count()).toBe(0);

    // The device's first data, after the install: a drive and a charge in the last hour.
    clockBehindMs = 0;
    await sendDay(device.credential, Date.now() - 60 * 60_000);
    await page.reload();
    await expect.poll(() => page.getByText(/Live since/).count()).toBe(1);
    await shoot(page, '04-device-live');
  });

  it('shows the first trip and charge on the dashboard, trips and charging pages', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Last 7 days', exact: true }).count()).toBe(1);
    const distance = page.locator('.stat', { hasText: 'Distance' }).nth(1).locator('.stat-value');
    await expect.poll(async () => Number.parseFloat((await distance.textContent()) ?? '0')).toBeGreaterThan(1);
    await shoot(page, '05-dashboard');
    await audit(page, 'dashboard');
    expect(await page.title()).toBe('Dashboard · SmartCharge');

    await page.getByRole('link', { name: 'Trips' }).click();
    const trip = page.locator('a.row').first();
    await expect.poll(() => trip.count()).toBe(1);
    // Each page names itself in the title (screen readers announce the change).
    await expect.poll(() => page.title()).toBe('Trips · SmartCharge');
    await shoot(page, '06-trips');
    await trip.click();
    await expect.poll(() => page.getByText('State of charge (%)').count()).toBe(1);
    await expect.poll(() => page.locator('.chart-host canvas').count()).toBeGreaterThan(0);
    await shoot(page, '07-trip');
    await audit(page, 'trip');

    await page.getByRole('link', { name: 'Charging' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'Level 2' }).count()).toBe(1);
    expect(await page.getByText('inside', { exact: true }).count()).toBe(1);
    await shoot(page, '08-charging');
    await audit(page, 'charging');

    for (const [link, name] of [
      ['Battery', '09-battery'],
      ['Climate', '10-climate'],
    ] as const) {
      await page.getByRole('link', { name: link }).click();
      await expect.poll(() => page.locator('h1').textContent()).not.toBe('Dashboard');
      await shoot(page, name);
      await audit(page, name);
    }
  });

  it('shows the start bonus in the rewards, with why it was earned', async () => {
    await api('POST', '/programs/alectra/rewards/evaluate', {}, { cookie: adminCookie });
    await page.getByRole('link', { name: 'Rewards' }).click();
    await expect.poll(() => page.locator('.ledger').getByText('Start bonus').count()).toBe(1);
    expect(await page.locator('.ledger').textContent()).toContain('$50.00');
    await shoot(page, '11-rewards');
    await audit(page, 'rewards');
  });

  it('downloads the trips as CSV and opens a share link in a fresh browser, until it is revoked', async () => {
    await page.getByRole('link', { name: 'Share & export' }).click();
    const from = page.getByLabel('From');
    const weekAgo = new Date(Date.now() - 7 * DAY);
    await from.fill(weekAgo.toISOString().slice(0, 10));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.downloads li', { hasText: 'Trips' }).getByRole('link', { name: 'CSV' }).click(),
    ]);
    const csv = await readFile(await download.path(), 'utf8');
    const [header, ...rows] = csv.trim().split(/\r\n/);
    expect(header).toMatch(/^started_at,ended_at,distance_km/);
    expect(rows.length).toBeGreaterThan(0);
    expect(Number(rows[0]!.split(',')[2])).toBeGreaterThan(1);

    await page.getByLabel('For (optional)').fill('Family');
    await page.getByRole('button', { name: 'Make a link' }).click();
    const url = await page.getByTestId('share-url').textContent();
    expect(url).toMatch(/\/shared\/[\w-]{16,}$/);
    await shoot(page, '12-share');
    await audit(page, 'share');

    const stranger = await watchedContext({ viewport: PHONE });
    const view = await stranger.newPage();
    // Exactly the link the driver copied: it must reach this server as it is.
    await view.goto(url!);
    await expect.poll(() => view.locator('h1').textContent()).toBe('2021 Hyundai Kona Electric');
    await expect.poll(() => view.getByText('Latest trips').count()).toBe(1);
    // What the share page promises: battery health too (and no map of where the car charged).
    expect(await view.getByRole('heading', { name: 'Battery health' }).count()).toBe(1);
    expect(await view.locator('.map').count()).toBe(0);
    await shoot(view, '13-shared');
    await audit(view, 'shared');
    // It reads; it cannot act: the driver's own pages answer "sign in".
    const mine = await view.evaluate(async () => (await fetch('/api/v1/me/applications')).status);
    expect(mine).toBe(401);

    await page.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.getByText('revoked').count()).toBe(1);
    await view.reload();
    await expect.poll(() => view.getByRole('alert').textContent()).toMatch(/expired, was revoked/);
    await stranger.close();
  }, 90_000);

  it('switches units to miles and °F for this driver', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Miles').check();
    await expect.poll(() => page.getByText('Saved.').count()).toBe(1);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await expect.poll(() => page.locator('.stat-value', { hasText: ' mi' }).count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Kilometres').check();
    await expect.poll(() => page.getByText('Saved.').count()).toBe(1);
  });

  it('keeps the first page under 300 KB of JavaScript (gzip)', async () => {
    const fresh = await watchedContext();
    const p = await fresh.newPage();
    const scripts: string[] = [];
    p.on('response', (response) => {
      if (response.url().endsWith('.js')) scripts.push(response.url());
    });
    await p.goto(server.url);
    await p.waitForLoadState('networkidle');
    const { gzipSync } = await import('node:zlib');
    let total = 0;
    for (const url of scripts) total += gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer())).length;
    expect(scripts.length).toBeGreaterThan(0);
    expect(total).toBeLessThan(300 * 1024);
    await fresh.close();
  });

  it('shows the administrator the grid view of the program', async () => {
    const admin = await watchedContext({ viewport: DESK });
    const p = await admin.newPage();
    await p.goto(`${server.url}/signin`);
    await p.getByLabel('Email').fill('pat@alectra.example');
    await p.getByLabel('Password').fill('pat the administrator');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.waitForURL('**/admin');
    await p.goto(`${server.url}/admin/alectra/grid`);
    await expect.poll(() => p.locator('.chart-host canvas').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await shoot(p, '14-admin-grid');
    await audit(p, 'admin grid');
    await admin.close();
  });
  it('lets the administrator set the program up: territory from a GeoJSON file, target, a bad file refused', async () => {
    const admin = await watchedContext({ viewport: DESK });
    await admin.addCookies([{ name: 'sc_session', value: adminCookie.split('=')[1]!, url: server.url }]);
    const p = await admin.newPage();
    await p.goto(`${server.url}/admin/alectra/setup`);
    const upload = p.getByLabel('Upload a GeoJSON file');
    // Not JSON: refused in place. JSON but not a territory: the server refuses it, saying why.
    await upload.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('a shopping list') });
    await p.getByText('notes.txt is not JSON').waitFor();
    await upload.setInputFiles({
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"hello": 1}'),
    });
    await p.getByRole('button', { name: 'Save this territory' }).click();
    await expect
      .poll(() => p.getByRole('alert').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringMatching(/territory/i)]));
    expect((await api('GET', '/programs/alectra', undefined, { cookie: adminCookie })).territory).not.toBeNull();
    // A box around Mississauga and Brampton, as a FeatureCollection with one polygon.
    const box = [
      [-79.8, 43.5],
      [-79.5, 43.5],
      [-79.5, 43.8],
      [-79.8, 43.8],
      [-79.8, 43.5],
    ];
    const file = {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [box] } }],
    };
    await upload.setInputFiles({
      name: 'territory.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify(file)),
    });
    await p.getByText('Preview of the file: not saved yet.').waitFor();
    await p.getByRole('button', { name: 'Save this territory' }).click();
    await p.getByText('1 polygon.', { exact: false }).waitFor();
    await p.getByLabel('Participant target').fill('250');
    await p.getByRole('button', { name: 'Save dates and target' }).click();
    await p.locator('.notice.ok').first().waitFor();
    await shoot(p, '15-admin-setup');
    await audit(p, 'admin setup');
    const saved = await api('GET', '/programs/alectra', undefined, { cookie: adminCookie });
    expect(saved.participantTarget).toBe(250);
    expect(saved.territory).toMatchObject({ type: 'Polygon', coordinates: [box] });
    await admin.close();
  });

  it('can be used from the keyboard: skip to the content, then follow the navigation', async () => {
    const context = await watchedContext({ viewport: DESK });
    await context.addCookies([{ name: 'sc_session', value: adminCookie.split('=')[1]!, url: server.url }]);
    const p = await context.newPage();
    await p.goto(`${server.url}/admin/alectra/grid`);
    await p.keyboard.press('Tab');
    expect(await p.evaluate<string>('document.activeElement?.textContent?.trim() ?? ""')).toBe('Skip to content');
    await p.keyboard.press('Enter');
    expect(await p.evaluate<string>('location.hash')).toBe('#main');
    // Tab on to the section tabs and open Applications with Enter.
    for (let i = 0; i < 30; i++) {
      await p.keyboard.press('Tab');
      if ((await p.evaluate<string>('document.activeElement?.textContent?.trim() ?? ""')).startsWith('Applications'))
        break;
    }
    await p.keyboard.press('Enter');
    await p.waitForURL('**/admin/alectra/applications');
    await context.close();
  });
});

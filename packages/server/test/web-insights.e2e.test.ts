/**
 * Browser journeys (Debian's chromium through playwright-core, the real server on the embedded
 * database) for the driver's insights: while the device's first data is in but not yet worked
 * out, the dashboard says so (never "No data yet"); once derived, it shows what charging cost at
 * Alectra's time-of-use prices and what charging off-peak saved, in words; each trip link reads
 * as a sentence; a trip and the climate page say what heating and cooling used apart from lights,
 * radio and USB; the sessions download carries the cost columns; the administrator's rates page
 * edits a price. Each page at 360 px and at a desk, audited (axe-core, CSP).
 */
import { basicAuthorization, createLocalClock, PROTOCOL_VERSION, UPLINK_HTTP_PATH } from '@smartcharge/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, audit, browserReady, shoot, signIn, startBrowser, type Browsing } from './support/browser.js';
import { ADMIN_TOKEN, provisionDevice, startTestServer, type TestServer } from './support/servers.js';
import { telemetryStream, thenUnplugged } from './support/telemetry-fixtures.js';

const toronto = createLocalClock('America/Toronto');
const DAY_MS = 86_400_000;

describe.runIf(browserReady)('the driver’s insights in a browser: cost, savings, auxiliary load, trips', () => {
  let server: TestServer;
  let browsing: Browsing;
  let vehicleId = 0;
  const cookies: Record<string, string> = {};
  const api = (...args: Parameters<ReturnType<typeof apiCaller>>) => apiCaller(server)(...args);
  const pageFor = (who: string): Promise<Page> => browsing.page({ session: cookies[who]! });

  beforeAll(async () => {
    // Not derived live: the journey sees the dashboard between the upload and the derivation.
    server = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      env: { JOBS: 'false', MAP_TILE_URL: 'off', DERIVE_LIVE: 'false' },
    });
    await api('POST', '/programs', { preset: 'alectra' }, { bearer: ADMIN_TOKEN });
    await api(
      'POST',
      '/accounts',
      {
        email: 'kim@alectra.example',
        name: 'Kim Admin',
        role: 'program_admin',
        utility: 'Alectra Utilities',
        password: 'kim the administrator',
      },
      { bearer: ADMIN_TOKEN },
    );
    cookies.admin = await signIn(server, 'kim@alectra.example', 'kim the administrator');
    await api('POST', '/auth/signup', { email: 'ash@example.com', name: 'Ash Driver', password: 'ash drives daily' });
    cookies.driver = await signIn(server, 'ash@example.com', 'ash drives daily');
    const applied = await api(
      'POST',
      '/programs/alectra/applications',
      {
        vehicles: [{ make: 'Hyundai', model: 'Kona Electric', modelYear: 2021, vin: 'KM8K33AG1MU000778' }],
        homeAddress: { line1: '1 Main St', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' },
        utilityAccount: '1234567890',
      },
      { cookie: cookies.driver },
    );
    const slot = (applied.json.vehicles as { id: number; vehicleId: number }[])[0]!;
    vehicleId = slot.vehicleId;
    await api('POST', `/applications/${applied.json.id as number}/approve`, {}, { cookie: cookies.admin });
    const device = await provisionDevice(server);
    await api(
      'POST',
      `/enrolled-vehicles/${slot.id}/ship`,
      { serial: device.credential.serial, carrier: 'Canada Post', trackingNumber: 'CP9' },
      { cookie: cookies.admin },
    );
    await api('POST', `/enrolled-vehicles/${slot.id}/installed`, {}, { cookie: cookies.driver });
    // Two evenings: a 15-minute drive from 21:00 local, then half an hour of Level 2 charging at
    // home — off-peak on any day of the year, so charging off-peak saved money against on-peak.
    let seq = 0;
    for (const daysBack of [2, 1]) {
      const day = toronto.localDateKey(Date.now() - daysBack * DAY_MS);
      const records = thenUnplugged(
        telemetryStream({
          startMs: toronto.utcMsAt(day, 21, 0),
          firstSeq: seq,
          driveSeconds: 900,
          chargeSeconds: 1800,
          seed: 11 + daysBack,
        }),
      );
      seq = records.at(-1)!.seq + 1;
      const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuthorization(device.credential) },
        body: JSON.stringify({ v: PROTOCOL_VERSION, device: device.credential.serial, boot: 1, records }),
      });
      expect(response.status).toBe(200);
    }
    browsing = await startBrowser(server);
  }, 120_000);

  afterAll(async () => {
    await browsing?.close();
    await server?.stop();
  });

  it('says the first trips are being worked out while the data is in but not derived, never "No data yet"', async () => {
    const p = await pageFor('driver');
    await p.goto(`${server.url}/dashboard`);
    const status = p.getByRole('status').filter({ hasText: 'Your first trips are being worked out' });
    await status.waitFor();
    expect(await status.textContent()).toMatch(/your device has sent data from .+ to .+\./);
    expect(await p.getByText('No data yet').count()).toBe(0);
    await shoot(p, '60-insights-dashboard-filling');
    await audit(p, 'dashboard while the history is worked out');
    await p.context().close();
  });

  it('shows what charging cost at the time-of-use prices and what off-peak charging saved, in words', async () => {
    await api('POST', '/admin/rebuild', {}, { bearer: ADMIN_TOKEN });
    const p = await pageFor('driver');
    await p.goto(`${server.url}/dashboard`);
    await p.getByRole('heading', { name: 'Charging cost' }).waitFor();
    const words = (await p.locator('.cost-words').textContent()) ?? '';
    expect(words).toMatch(/^At Ontario Time-of-Use prices, charging [\d.]+ kWh in the last 30 days cost \$\d+\.\d\d/);
    // Off-peak at 7.6 ¢ against the same energy at the on-peak price.
    expect(words).toMatch(/\(7\.6 ¢\/kWh on average\)/);
    expect(words).toMatch(
      /Charging off-peak saved you \$\d+\.\d\d: the same energy at the on-peak price \(15\.8 ¢\/kWh\) would have cost \$\d+\.\d\d\./,
    );
    expect(await p.getByText('Saved off-peak, 7 days').count()).toBe(1);
    expect(await p.getByText('No data yet').count()).toBe(0);
    expect(await p.getByText('Your first trips are being worked out').count()).toBe(0);
    await shoot(p, '61-insights-dashboard-cost');
    await audit(p, 'dashboard with cost and savings');
    await p.context().close();
  });

  it('reads each trip link as a sentence, and a trip says what heating and cooling used apart from lights, radio and USB', async () => {
    const p = await pageFor('driver');
    await p.goto(`${server.url}/trips`);
    const links = p.locator('a.row');
    await expect.poll(() => links.count()).toBe(2);
    // The accessible name, as a screen reader gets it.
    const snapshot = await p.locator('ul.rows').first().ariaSnapshot();
    expect(snapshot).toMatch(
      /link "\w+day,? \w+ \d+, \d{1,2}:\d\d (p\.m\.|PM): [\d.]+ km in 15 min, using \d+ Wh\/km, -?\d+ °C outside\."/,
    );
    await shoot(p, '62-insights-trips');
    await audit(p, 'trips with sentence links');

    await links.first().click();
    await p.waitForURL('**/trips/**');
    const aux = p.locator('.aux-words');
    await aux.waitFor();
    expect(await aux.textContent()).toMatch(
      /^Heating and cooling used [\d.]+ kWh \(\d+ % of this trip’s energy\); lights, radio and USB [\d.]+ kWh \(\d+ %\)\.$/,
    );
    await shoot(p, '63-insights-trip');
    await audit(p, 'a trip with its auxiliary load');

    await p.goto(`${server.url}/climate`);
    const card = p.locator('.card', { hasText: 'Heating, cooling and the car’s other loads, last 7 days' });
    await card.waitFor();
    expect(await card.textContent()).toMatch(/Heating and cooling used [\d.]+ kWh \(\d+ % of your driving energy\)/);
    expect(await card.locator('li').count()).toBe(2);
    expect(await card.locator('li').first().textContent()).toMatch(/^\w+day,? \w+ \d+: Heating and cooling used/);
    await shoot(p, '64-insights-climate');
    await audit(p, 'climate page with the auxiliary load per day');
    await p.context().close();
  });

  it('downloads the charging sessions with their cost, the comparison named and the saving', async () => {
    const from = toronto.localDateKey(Date.now() - 7 * DAY_MS);
    const to = toronto.localDateKey(Date.now() + DAY_MS);
    const response = await fetch(
      `${server.url}/api/v1/vehicles/${vehicleId}/export?kind=sessions&from=${from}&to=${to}`,
      {
        headers: { cookie: `sc_session=${cookies.driver}` },
      },
    );
    expect(response.status).toBe(200);
    const [header, ...rows] = (await response.text()).trim().split('\r\n');
    const columns = header!.split(',');
    expect(columns).toEqual(
      expect.arrayContaining(['currency', 'cost', 'cost_at_comparison', 'compared_with', 'saved']),
    );
    expect(rows.length).toBe(2);
    for (const row of rows) {
      const cell = (name: string) => row.split(',')[columns.indexOf(name)]!;
      expect(cell('currency')).toBe('CAD');
      expect(cell('compared_with')).toBe('On-peak at 0.158 per kWh');
      expect(Number(cell('cost'))).toBeGreaterThan(0);
      expect(Number(cell('saved'))).toBeCloseTo(Number(cell('cost_at_comparison')) - Number(cell('cost')), 2);
      expect(Number(cell('saved'))).toBeGreaterThan(0);
    }
  });

  it('lets the administrator change a price, which the driver’s comparison follows at once', async () => {
    const p = await pageFor('admin');
    await p.goto(`${server.url}/admin/alectra/rates`);
    await p.getByRole('heading', { name: 'Electricity rates' }).waitFor();
    expect(await p.getByText('Winter (from 11-01): Off-peak weekends 00–24; On-peak weekdays 07–11').count()).toBe(1);
    const onPeak = p.getByLabel('On-peak price (CAD per kWh)');
    expect(await onPeak.inputValue()).toBe('0.158');
    await onPeak.fill('0.2');
    await p.getByRole('button', { name: 'Save the rates' }).click();
    await p.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await shoot(p, '65-insights-admin-rates');
    await audit(p, 'the administrator’s rates');
    await p.context().close();

    const driver = await pageFor('driver');
    await driver.goto(`${server.url}/dashboard`);
    await driver.getByRole('heading', { name: 'Charging cost' }).waitFor();
    expect(await driver.locator('.cost-words').textContent()).toContain('at the on-peak price (20 ¢/kWh)');
    await driver.context().close();
  });
});

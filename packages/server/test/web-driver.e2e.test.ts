/**
 * Browser journeys (Debian's chromium through playwright-core, the real server on the embedded
 * database) for a Mississippi driver's rewards and leaving: a participant of the Mississippi
 * program sees miles, °F and points by default on the dashboard, trips, charging and rewards, with
 * money beside the points, the dates things were earned and the next payout's date and method; they
 * leave the program from "My program" and get one return instruction per device, their cars are no
 * longer called "device installed", the rewards page offers no change of payment and no start
 * bonus but says when what is owed is paid, and the program is offered again: they apply again
 * with the same car and are approved. Each page at 360 px and at a desk, with the audit passing.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, audit, browserReady, shoot, signIn, startBrowser, type Browsing } from './support/browser.js';
import { ADMIN_TOKEN, provisionDevice, startTestServer, uploadOverHttp, type TestServer } from './support/servers.js';
import { telemetryStream, thenUnplugged } from './support/telemetry-fixtures.js';

const GULFPORT = { lat_deg: 30.3674, lon_deg: -89.0928 };
const BOLT_VIN = '1G1FY6S05M4100321';
const LEAF_VIN = '1N4AZ1CP5KC300654';
const MS_HOME = { line1: '1 Beach Blvd', city: 'Gulfport', region: 'MS', postalCode: '39501', country: 'US' };

describe.runIf(browserReady)("a Mississippi driver's rewards and leaving in a browser", () => {
  let server: TestServer;
  let browsing: Browsing;
  let page: Page;
  let clockBehindMs = 2 * 3_600_000;
  const cookies: Record<string, string> = {};
  const api = (...args: Parameters<ReturnType<typeof apiCaller>>) => apiCaller(server)(...args);
  let applicationId = 0;

  /** A drive then a Level 2 charge, moved from the fixture's Mississauga to Gulfport (inside Mississippi Power's territory). */
  const sendDay = async (credential: { serial: string; secret: string }, startMs: number) => {
    const all: TUplinkRecord[] = thenUnplugged(
      telemetryStream({ startMs, driveSeconds: 900, chargeSeconds: 1800, seed: 11 }),
    ).map((r) =>
      r.location
        ? {
            ...r,
            location: {
              ...r.location,
              lat_deg: GULFPORT.lat_deg + (r.location.lat_deg - 43.589),
              lon_deg: GULFPORT.lon_deg + (r.location.lon_deg + 79.644),
            },
          }
        : r,
    );
    await uploadOverHttp(server, credential, all);
  };

  /** The text of the page's main region. */
  const mainText = async (p: Page) => (await p.locator('main').innerText()).replace(/\s+/g, ' ');

  beforeAll(async () => {
    // Applying, approving and shipping happen "two hours ago" on the platform's clock; the device's
    // data comes after, as it would.
    server = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      // PayPal credentials (never called: JOBS off) so the rewards page can promise a PayPal date.
      env: {
        JOBS: 'false',
        MAP_TILE_URL: 'off',
        PAYPAL_CLIENT_ID: 'test-client',
        PAYPAL_CLIENT_SECRET: 'test-secret',
        PAYPAL_API_URL: 'http://127.0.0.1:9',
      },
      clock: () => new Date(Date.now() - clockBehindMs),
    });
    await api('POST', '/programs', { preset: 'mississippi-power' }, { bearer: ADMIN_TOKEN });
    await api(
      'POST',
      '/accounts',
      {
        email: 'jo@mississippipower.example',
        name: 'Jo Admin',
        role: 'program_admin',
        utility: 'Mississippi Power',
        password: 'jo the administrator',
      },
      { bearer: ADMIN_TOKEN },
    );
    cookies.admin = await signIn(server, 'jo@mississippipower.example', 'jo the administrator');
    await api('POST', '/auth/signup', {
      email: 'dana@example.com',
      name: 'Dana Driver',
      password: 'dana drives a bolt',
    });
    cookies.driver = await signIn(server, 'dana@example.com', 'dana drives a bolt');
    const admin = { cookie: cookies.admin };
    const driver = { cookie: cookies.driver };
    // Two cars: the Bolt's device will send data; the Leaf's is installed but never does (it goes back).
    const applied = await api(
      'POST',
      '/programs/mississippi-power/applications',
      {
        vehicles: [
          { make: 'Chevrolet', model: 'Bolt EV', modelYear: 2021, vin: BOLT_VIN },
          { make: 'Nissan', model: 'Leaf', modelYear: 2019, vin: LEAF_VIN },
        ],
        homeAddress: MS_HOME,
        utilityAccount: '1234567890',
        paypalEmail: 'dana.paypal@example.com',
      },
      driver,
    );
    applicationId = applied.json.id as number;
    const approved = await api('POST', `/applications/${applicationId}/approve`, {}, admin);
    const [bolt, leaf] = approved.json.vehicles as { id: number }[];
    const boltDevice = await provisionDevice(server);
    const leafDevice = await provisionDevice(server);
    for (const [v, device, tracking] of [
      [bolt!, boltDevice, '9400100000000000000001'],
      [leaf!, leafDevice, '9400100000000000000002'],
    ] as const) {
      await api(
        'POST',
        `/enrolled-vehicles/${v.id}/ship`,
        { serial: device.credential.serial, carrier: 'USPS', trackingNumber: tracking },
        admin,
      );
      await api('POST', `/enrolled-vehicles/${v.id}/installed`, {}, driver);
    }
    clockBehindMs = 0;
    await sendDay(boltDevice.credential, Date.now() - 60 * 60_000);
    await api('POST', '/programs/mississippi-power/rewards/evaluate', {}, admin);
    browsing = await startBrowser(server);
    page = await browsing.page({ session: cookies.driver });
  }, 180_000);

  afterAll(async () => {
    await browsing?.close();
    await server?.stop();
  });

  it('shows a Mississippi participant miles and °F by default on the dashboard, trips and charging', async () => {
    await page.goto(`${server.url}/dashboard`);
    await expect.poll(() => page.getByRole('heading', { name: 'Last 7 days' }).count()).toBe(1);
    await expect.poll(() => page.locator('.stat-value', { hasText: / mi$/ }).count()).toBeGreaterThan(0);
    expect(await page.locator('.stat-value', { hasText: / km$/ }).count()).toBe(0);
    await shoot(page, '40-ms-dashboard');
    await audit(page, 'Mississippi dashboard');

    await page.goto(`${server.url}/trips`);
    const trip = page.locator('a.row').first();
    await expect.poll(() => trip.count()).toBe(1);
    expect(await trip.innerText()).toMatch(/ mi\b/);
    await shoot(page, '41-ms-trips');
    await audit(page, 'Mississippi trips');
    await trip.click();
    const outside = page.locator('.stat', { hasText: 'Outside' }).locator('.stat-value');
    await expect.poll(() => outside.textContent()).toMatch(/°F$/);
    await shoot(page, '42-ms-trip');
    await audit(page, 'Mississippi trip');

    await page.goto(`${server.url}/charging`);
    await expect.poll(() => page.getByRole('cell', { name: 'Level 2' }).count()).toBeGreaterThan(0);
    const charging = await mainText(page);
    expect(charging).toMatch(/°F/);
    expect(charging).not.toMatch(/°C/);
    await shoot(page, '43-ms-charging');
    await audit(page, 'Mississippi charging');
  });

  it('shows the rewards in money with the points beside, when each was earned, and the next payout', async () => {
    await page.goto(`${server.url}/rewards`);
    const ledger = page.locator('.ledger').first();
    await expect.poll(() => ledger.getByText('Start bonus').count()).toBe(1);
    const text = await mainText(page);
    // 25,000 points at 1,000 points a dollar.
    expect(text).toContain('+$25.00 (25,000 points)');
    expect(text).toMatch(/Earned \w{3} \d{1,2}, \d{4}/);
    expect(text).toMatch(/Next payout: PayPal to dana\.paypal@example\.com, on \w{3} \d{1,2}, \d{4}\./);
    // Energy to one decimal, never more.
    expect(text).toMatch(/First charge of \d+\.\d kWh /);
    expect(text).not.toMatch(/\d\.\d\d+ kWh/);
    expect(await page.getByRole('button', { name: 'Change how I am paid' }).count()).toBe(1);
    await shoot(page, '44-ms-rewards');
    await audit(page, 'Mississippi rewards');
  });

  it('lets the driver leave: one return instruction per device, no car "device installed", the program offered again', async () => {
    await page.goto(`${server.url}/program`);
    await page.getByRole('button', { name: 'Leave the program' }).click();
    await page.getByLabel('Why are you leaving?').selectOption('moved');
    await shoot(page, '45-ms-leave');
    await audit(page, 'leave form');
    await page.getByRole('button', { name: 'Leave the program' }).click();
    const returns = page.locator('.returns li');
    await expect.poll(() => returns.count()).toBe(2);
    const [first, second] = await returns.allInnerTexts();
    const bolt = [first!, second!].find((t) => t.includes('Bolt'))!;
    const leaf = [first!, second!].find((t) => t.includes('Leaf'))!;
    expect(bolt).toMatch(/no need to send it back/);
    expect(leaf).toMatch(/please send it back/);
    expect(leaf).toContain('contact SmartCharge Mississippi support (1-800-975-2434) for a prepaid return label');
    // Offered again, and nothing says a device is installed in a car that left.
    await expect.poll(() => page.getByRole('link', { name: 'Apply again' }).count()).toBe(1);
    expect(await mainText(page)).not.toMatch(/device installed|I have installed it/i);
    await shoot(page, '46-ms-left');
    await audit(page, 'program after leaving');

    await page.goto(`${server.url}/dashboard`);
    await expect.poll(() => page.getByText('you left the program').count()).toBe(1);
    expect(await mainText(page)).not.toMatch(/device installed/i);
    await shoot(page, '47-ms-dashboard-left');
    await audit(page, 'dashboard after leaving');

    await page.goto(`${server.url}/rewards`);
    await expect.poll(() => page.getByText(/You left this program on/).count()).toBe(1);
    const text = await mainText(page);
    expect(await page.getByRole('button', { name: 'Change how I am paid' }).count()).toBe(0);
    expect(text).not.toMatch(/with your first charge/);
    // What is owed says when and how it is paid.
    expect(text).toMatch(/Still owed to you \$25\.00 25,000 points · paid by PayPal to dana\.paypal@example\.com, on /);
    await shoot(page, '48-ms-rewards-left');
    await audit(page, 'rewards after leaving');
  });

  it('takes the same driver back: they apply again with the same car and are approved', async () => {
    await page.goto(`${server.url}/program`);
    await page.getByRole('link', { name: 'Apply again' }).click();
    await page.waitForURL('**/apply/mississippi-power');
    expect(await page.getByLabel('Country (two letters)').inputValue()).toBe('US');
    await page.getByLabel('Make').fill('Chevrolet');
    await page.getByLabel('Model', { exact: true }).fill('Bolt EV');
    await page.getByLabel('Model year').fill('2021');
    await page.getByLabel('VIN', { exact: true }).fill(BOLT_VIN);
    await page.getByLabel('Street address').fill(MS_HOME.line1);
    await page.getByLabel('City', { exact: true }).fill(MS_HOME.city);
    await page.getByLabel('ZIP code').fill(MS_HOME.postalCode);
    await page.getByLabel(/account number/).fill('1234567890');
    await page.getByRole('button', { name: 'Send my application' }).click();
    await page.waitForURL('**/program');
    await expect.poll(() => page.getByText('applied', { exact: true }).count()).toBe(1);
    // While the new application is open the program is not offered a third time.
    expect(await page.getByRole('link', { name: 'Apply again' }).count()).toBe(0);

    const queue = await api('GET', '/programs/mississippi-power/applications?status=applied', undefined, {
      cookie: cookies.admin,
    });
    const again = (queue.json.applications as { id: number; vehicles: { vin: string | null }[] }[])[0]!;
    expect(again.id).not.toBe(applicationId);
    expect(again.vehicles.map((v) => v.vin)).toEqual([BOLT_VIN]);
    await api('POST', `/applications/${again.id}/approve`, {}, { cookie: cookies.admin });
    await page.reload();
    await expect.poll(() => page.getByText('approved', { exact: true }).count()).toBeGreaterThan(0);
    await shoot(page, '49-ms-applied-again');
    await audit(page, 'program after applying again');

    // The start bonus is paid once: the new participation does not offer it again, and says why;
    // the one left keeps what it owes.
    await page.goto(`${server.url}/rewards`);
    await expect.poll(() => page.locator('.card').count()).toBe(2);
    // The cards come before what each of them loads: wait for the payout choice and the bonus reason.
    await expect.poll(() => page.getByRole('button', { name: 'Change how I am paid' }).count()).toBe(1);
    await expect
      .poll(() => page.getByText(/You earned the start bonus when you first took part/).count())
      .toBeGreaterThan(0);
    const rewardsText = await mainText(page);
    expect(rewardsText).not.toMatch(/Start bonus: \$25\.00 \(25,000 points\) with your first charge/);
    expect(rewardsText).toMatch(/You earned the start bonus when you first took part in this program: it is paid once/);
    await shoot(page, '50-ms-rewards-again');
    await audit(page, 'rewards after applying again');
  });
});

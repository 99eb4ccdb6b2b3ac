/**
 * Browser journey for demand response (Debian's chromium through playwright-core, the real server on
 * the embedded database): six Alectra participants with installed devices and 30 evenings of home
 * charging history; the administrator creates an event in the browser (the form's field errors
 * first), to be told at once, so the treatment half hears of it straight away; one told driver sees the notice on
 * the dashboard and opts out with one tap, and sets their event preferences on My program; another
 * opens the one-tap link from their mail and opts out there; an unknown link says so. The server's
 * clock then moves past the event's end, the evening's charging is stored (control charged as usual,
 * the told drivers who stayed in waited), and the administrator presses "Measure now" and reads the
 * shed against the control group with its interval, the opt-outs and the profile chart. A second
 * event is cancelled from the list after its confirmation. Each page at 360 px and at a desk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalClock, DAY_MS, HOUR_MS, MINUTE_MS } from '@smartcharge/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, audit, browserReady, shoot, signIn, startBrowser, type Browsing } from './support/browser.js';
import { mailTo } from './support/mail.js';
import { enrollDriver, equipDevice, type Participant } from './support/program-fixtures.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/servers.js';

const SLUG = 'alectra';
const ZONE = 'America/Toronto';
const PASSWORD = 'fixture password 123';
const QUARTER_MS = 15 * MINUTE_MS;

interface MyEvent {
  id: number;
  name: string;
  vehicle: { id: number; label: string };
  optedOut: string | null;
}

interface Driver extends Participant {
  cookie: string;
  /** kW this vehicle charges at home every evening in the event's hours. */
  rateKw: number;
}

/** 'YYYY-MM-DD' and 'HH:MM' of an instant in the program's zone (what the form is filled with). */
function localParts(ms: number): { day: string; time: string } {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return { day: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

describe.runIf(browserReady)('demand response in a browser: an event told, opted out of and measured', () => {
  let server: TestServer;
  let browsing: Browsing;
  let mailDir: string;
  /** How far the platform's clock runs ahead of the wall clock (moved past the event's end to measure it). */
  let aheadMs = 0;
  let adminCookie = '';
  const drivers: Driver[] = [];
  const api = (...args: Parameters<ReturnType<typeof apiCaller>>) => apiCaller(server)(...args);
  const clock = createLocalClock(ZONE);
  // The event: the next quarter hour at least 40 minutes away, for an hour.
  const startsAt = Math.ceil((Date.now() + 40 * MINUTE_MS) / QUARTER_MS) * QUARTER_MS;
  const endsAt = startsAt + HOUR_MS;
  let eventId = 0;
  const treated: Driver[] = [];
  const control: Driver[] = [];

  /** A driver's mail about events: the notices, each with its one-tap opt-out link. */
  const eventMail = async (d: Driver) =>
    (await mailTo(mailDir, d.email)).filter((m) => m.text.includes('/events/opt-out?token='));

  const mainText = async (p: Page) => (await p.locator('main').innerText()).replace(/\s+/g, ' ');

  /** A charge at `kw` from `fromMs` to `toMs`, stored as derivation stores it. */
  const charge = async (vehicleId: number, fromMs: number, toMs: number, kw: number) => {
    const wallWh = ((kw * (toMs - fromMs)) / HOUR_MS) * 1000;
    await server.services.db.query(
      `INSERT INTO charge_segment (vehicle_id, started_at, ended_at, session_plugged_at, kind, battery_wh, wall_wh)
       VALUES ($1, $2, $3, $2, 'ac', $4, $5)`,
      [vehicleId, new Date(fromMs), new Date(toMs), wallWh * 0.9, wallWh],
    );
  };

  beforeAll(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-web-demand-mail-'));
    server = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      env: { JOBS: 'false', MAP_TILE_URL: 'off', MAIL_DIR: mailDir },
      clock: () => new Date(Date.now() + aheadMs),
    });
    await api('POST', '/programs', { preset: 'alectra' }, { bearer: ADMIN_TOKEN });
    await api(
      'POST',
      '/accounts',
      {
        email: 'pat@alectra.example',
        name: 'Pat Planner',
        role: 'program_admin',
        utility: 'Alectra Utilities',
        password: 'pat plans the peaks',
      },
      { bearer: ADMIN_TOKEN },
    );
    adminCookie = await signIn(server, 'pat@alectra.example', 'pat plans the peaks');
    // Six participants, devices installed; each charged every evening of the last 30 in the event's hours.
    const eventDay = clock.localDayNumber(startsAt);
    const from = localParts(startsAt).time.split(':').map(Number) as [number, number];
    for (let i = 0; i < 6; i++) {
      const p = await enrollDriver(server.services, SLUG);
      await equipDevice(server.services, p);
      const driver: Driver = { ...p, cookie: await signIn(server, p.email, PASSWORD), rateKw: 3 + i };
      drivers.push(driver);
      for (let day = eventDay - 30; day < eventDay; day++) {
        const start = clock.utcMsAtLocalDay(day, from[0], from[1]);
        await charge(p.vehicleId, start, start + HOUR_MS, driver.rateKw);
      }
    }
    browsing = await startBrowser(server);
  }, 240_000);

  afterAll(async () => {
    await browsing?.close();
    await server?.stop();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it('lets the administrator create an event in the browser, with field errors first; half the participants are told at once', async () => {
    const page = await browsing.page({ session: adminCookie });
    await page.goto(`${server.url}/admin/${SLUG}/events`);
    await expect.poll(() => page.getByText('No event yet.').count()).toBe(1);
    const start = localParts(startsAt);
    const end = localParts(endsAt);
    const form = page.getByRole('form', { name: 'Create an event' });
    // No name: the server's answer names the field.
    await form.getByLabel('Day').fill(start.day);
    await form.getByLabel('From').fill(start.time);
    await form.getByLabel('To', { exact: true }).fill(end.time);
    await form.getByRole('button', { name: 'Create the event' }).click();
    await expect.poll(() => form.locator('.field-error').first().textContent()).toBe('give the event a name');
    await shoot(page, '80-dr-admin-create-error');
    // A day gone by: the window must start in the future.
    await form.getByLabel('Name').fill('Evening peak');
    await form.getByLabel('Day').fill(localParts(startsAt - DAY_MS).day);
    await form.getByRole('button', { name: 'Create the event' }).click();
    await expect.poll(() => form.locator('.has-error').getByText('must be in the future').count()).toBe(1);
    // Now as meant: curtail, told at once, half held back as control, no randomised offsets.
    await form.getByLabel('Day').fill(start.day);
    await form.getByLabel('What participants are asked').selectOption('curtail');
    await form.getByLabel('When participants are told').selectOption('now');
    await form.getByLabel('Randomise start and end (up to minutes)').fill('0');
    await form.getByLabel('Control group (% of participants)').fill('50');
    await form.getByRole('button', { name: 'Create the event' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'created' }).count()).toBe(1);
    expect(await mainText(page)).toContain('3 participants were told.');
    const row = page.getByRole('row').filter({ hasText: 'Evening peak' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toMatch(/scheduled/);
    await shoot(page, '81-dr-admin-events');
    await audit(page, 'events section');

    const listed = await api('GET', `/programs/${SLUG}/events`, undefined, { cookie: adminCookie });
    const event = (listed.json.events as { id: number; startsAt: string; endsAt: string; counts: unknown }[])[0]!;
    eventId = event.id;
    expect([Date.parse(event.startsAt), Date.parse(event.endsAt)]).toEqual([startsAt, endsAt]);
    expect(event.counts).toEqual({ treatment: 3, control: 3, told: 3, optedOut: 0 });
    for (const d of drivers) {
      const mine = await api('GET', '/me/events', undefined, { cookie: d.cookie });
      ((mine.json.events as MyEvent[]).length > 0 ? treated : control).push(d);
    }
    expect([treated.length, control.length]).toEqual([3, 3]);
    // Control is never told: no mail either.
    for (const d of control) expect(await eventMail(d)).toEqual([]);
    await page.context().close();
  });

  it('shows a told driver the event on the dashboard; one tap opts them out; they set their event preferences', async () => {
    const driver = treated[0]!;
    const page = await browsing.page({ session: driver.cookie });
    await page.goto(`${server.url}/dashboard`);
    const notice = page.getByTestId('dr-event');
    await expect.poll(() => notice.count()).toBe(1);
    const text = (await notice.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Evening peak');
    expect(text).toContain('Please wait to charge until');
    expect(text).toContain('2019 Hyundai Kona Electric');
    await shoot(page, '82-dr-driver-notice');
    await audit(page, 'dashboard with an event notice');
    await notice.getByRole('button', { name: 'Opt out of this event' }).click();
    await expect.poll(() => notice.getByText('You opted out').count()).toBe(1);
    expect(await notice.getByRole('button', { name: 'Opt out of this event' }).count()).toBe(0);
    await shoot(page, '83-dr-driver-opted-out');
    const mine = await api('GET', '/me/events', undefined, { cookie: driver.cookie });
    expect((mine.json.events as MyEvent[]).map((e) => e.optedOut)).toEqual(['explicit']);

    // My program: the event with its state, and the application's preferences (a field error, then saved).
    await page.goto(`${server.url}/program`);
    await expect.poll(() => page.getByTestId('dr-event').getByText('You opted out').count()).toBe(1);
    const prefs = page.getByRole('form', { name: 'Charging event preferences' });
    await prefs.getByLabel('Ready by (local time)').fill('07:30');
    await prefs.getByLabel('Always keep at least (% charge)').fill('150');
    await prefs.getByRole('button', { name: 'Save my preferences' }).click();
    await expect
      .poll(() => prefs.locator('.field-error').first().textContent())
      .toBe('expected a charge between 0 and 100 %');
    await prefs.getByLabel('Always keep at least (% charge)').fill('40');
    await prefs.getByLabel(/Mail me each event/).uncheck();
    await prefs.getByRole('button', { name: 'Save my preferences' }).click();
    await expect.poll(() => prefs.getByRole('status').textContent()).toBe('Saved.');
    await shoot(page, '84-dr-driver-program');
    await audit(page, 'program with event preferences');
    const saved = await api('GET', `/applications/${driver.enrollmentId}/event-preferences`, undefined, {
      cookie: driver.cookie,
    });
    expect(saved.json).toEqual({ readyBy: '07:30', minSocPct: 40, notifyMail: false });
    await page.context().close();
  });

  it('lets another told driver open the one-tap link from their mail, see the event and opt out; an unknown link says so', async () => {
    const driver = treated[1]!;
    // (Their other mail: the application approved, the device shipped.)
    const mail = await eventMail(driver);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toMatch(/Evening peak|Charging event/);
    const link = /https?:\/\/\S+\/events\/opt-out\?token=[A-Za-z0-9_-]+/.exec(mail[0]!.text)?.[0];
    expect(link, mail[0]!.text).toBeDefined();
    // No sign-in: the link alone.
    const page = await browsing.page();
    await page.goto(link!);
    await expect.poll(() => page.getByRole('heading', { name: 'Evening peak' }).count()).toBe(1);
    expect(await mainText(page)).toContain('2019 Hyundai Kona Electric');
    await shoot(page, '85-dr-link-opt-out');
    await audit(page, 'one-tap opt-out page');
    await page.getByRole('button', { name: 'Opt out of this event' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'You opted out' }).count()).toBe(1);
    const mine = await api('GET', '/me/events', undefined, { cookie: driver.cookie });
    expect((mine.json.events as MyEvent[]).map((e) => e.optedOut)).toEqual(['explicit']);

    await page.goto(`${server.url}/events/opt-out?token=${'x'.repeat(43)}`);
    await expect.poll(() => page.getByText('This opt-out link is not known.').count()).toBe(1);
    await shoot(page, '86-dr-link-unknown', ['phone']);
    await audit(page, 'unknown opt-out link');
    await page.context().close();
  });

  it('measures the event once it is over: the administrator presses "Measure now" and reads the shed against control', async () => {
    // The evening as it went: control charged as usual, the two who opted out charged too, the one
    // who stayed in waited until after the window.
    const optedOut = new Set([treated[0]!.vehicleId, treated[1]!.vehicleId]);
    for (const d of drivers) {
      const waited = treated.includes(d) && !optedOut.has(d.vehicleId);
      const from = waited ? endsAt : startsAt;
      await charge(d.vehicleId, from, from + HOUR_MS, d.rateKw);
    }
    // The platform's clock past the end; the scheduled work completes the event (as the job would).
    aheadMs = endsAt + 5 * MINUTE_MS - Date.now();
    await server.services.demand.tick();

    const page = await browsing.page({ session: adminCookie });
    await page.goto(`${server.url}/admin/${SLUG}/events`);
    await page.getByRole('link', { name: 'Evening peak' }).click();
    await page.waitForURL(`**/admin/${SLUG}/events/${eventId}`);
    await expect.poll(() => page.getByText('completed', { exact: true }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'participants.csv' }).first().getAttribute('href')).toBe(
      `/api/v1/programs/${SLUG}/events/${eventId}/participants.csv`,
    );
    await page.getByRole('button', { name: 'Measure now' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Result' }).count()).toBe(1);

    const measured = await api('GET', `/programs/${SLUG}/events/${eventId}`, undefined, { cookie: adminCookie });
    const result = measured.json.result as {
      method: string;
      adjustment?: 'baseline' | 'none';
      shedKw: { estimate: number; low: number; high: number };
      optOuts: { explicit: number; charging: number };
    };
    expect(result.method).toBe('randomized-control');
    // Every car charged its usual rate in the window but the one told driver who stayed in: against the
    // control group, with each car first taken from its own (here exact) baseline, or as the plain difference.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const inWindowKw = (d: Driver) => (treated.includes(d) && !optedOut.has(d.vehicleId) ? 0 : d.rateKw);
    const expected =
      result.adjustment === 'baseline'
        ? mean(treated.map((d) => d.rateKw - inWindowKw(d))) - mean(control.map((d) => d.rateKw - inWindowKw(d)))
        : mean(control.map(inWindowKw)) - mean(treated.map(inWindowKw));
    expect(result.shedKw.estimate).toBeCloseTo(expected, 3);
    expect(result.optOuts).toMatchObject({ explicit: 2, charging: 0 });
    // As the page writes it in the browser's locale (en-CA): two decimals, the confidence as a percentage.
    const two = (x: number) =>
      new Intl.NumberFormat('en-CA', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(x);
    const ninety = new Intl.NumberFormat('en-CA', { style: 'percent' }).format(0.9);
    const shed = (await page.getByTestId('shed-kw').innerText()).replace(/\s+/g, ' ');
    expect(shed).toBe(
      `${two(result.shedKw.estimate)} kW (${ninety} interval ${two(result.shedKw.low)} to ${two(result.shedKw.high)})`.replace(
        /\s+/g,
        ' ',
      ),
    );
    const text = await mainText(page);
    expect(text).toContain('2 explicit, 0 charged anyway');
    expect(text).not.toMatch(/NaN|undefined/);
    // The profile: drawn, in 15-minute steps, with the three lines.
    await expect.poll(() => page.locator('.chart-host canvas').count()).toBeGreaterThan(0);
    const axes = await page.locator('.chart-host').first().getAttribute('data-axes');
    expect(axes).toBe('Power (kW)');
    await shoot(page, '87-dr-admin-result');
    await audit(page, 'event result');

    const csv = await fetch(`${server.url}/api/v1/programs/${SLUG}/events/${eventId}/participants.csv`, {
      headers: { cookie: `sc_session=${adminCookie}` },
    });
    expect(csv.status).toBe(200);
    expect((await csv.text()).trim().split('\n')).toHaveLength(1 + drivers.length);
    await page.context().close();
  });

  it('cancels an event from the list after its confirmation', async () => {
    const tomorrow = localParts(startsAt + DAY_MS).day;
    await api(
      'POST',
      `/programs/${SLUG}/events`,
      {
        name: 'Tomorrow’s peak',
        target: 'cap',
        capKw: 3.3,
        startsAt: new Date(clock.utcMsAt(tomorrow, 17, 0)).toISOString(),
        endsAt: new Date(clock.utcMsAt(tomorrow, 20, 0)).toISOString(),
        noticeMinutes: 60,
      },
      { cookie: adminCookie },
    );
    const page = await browsing.page({ session: adminCookie });
    await page.goto(`${server.url}/admin/${SLUG}/events`);
    const row = page.getByRole('row').filter({ hasText: 'Tomorrow’s peak' });
    await expect.poll(() => row.count()).toBe(1);
    // (The target's column is left out at phone width: its text is still there.)
    expect(await row.textContent()).toMatch(/Cap at 3\.3 kW/);
    await row.getByRole('button', { name: /Cancel the event/ }).click();
    const confirm = page.getByRole('form', { name: 'Cancel the event Tomorrow’s peak' });
    await expect.poll(() => confirm.getByText('Nobody was told yet.').count()).toBe(1);
    await shoot(page, '88-dr-admin-cancel');
    await confirm.getByRole('button', { name: 'Yes, cancel the event' }).click();
    await expect.poll(async () => (await row.innerText()).includes('cancelled')).toBe(true);
    const listed = await api('GET', `/programs/${SLUG}/events`, undefined, { cookie: adminCookie });
    const statuses = (listed.json.events as { name: string; status: string }[]).map((e) => [e.name, e.status]);
    expect(statuses).toEqual(
      expect.arrayContaining([
        ['Tomorrow’s peak', 'cancelled'],
        ['Evening peak', 'completed'],
      ]),
    );
    await page.context().close();
  });
});

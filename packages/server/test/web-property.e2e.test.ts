/**
 * Browser journeys (Debian's chromium through playwright-core, the real server on the embedded
 * database) for property managers and for the phone navigation: a property manager signed out at
 * 360 px finds the offer from the home page, sends an inquiry (a wrong form answered in words next
 * to each field), and an administrator moves it to "contacted" with a note, which mails the
 * manager; a driver at 360 px reaches every place from the bottom bar and "More", the current one
 * always visible, nothing overflowing sideways. Each page passes the accessibility audit (axe-core).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  audit,
  browserReady,
  noSidewaysOverflow,
  onScreen,
  shoot as shootBoth,
  signIn,
  startBrowser,
  type Browsing,
} from './support/browser.js';
import { mailTo } from './support/mail.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/servers.js';

describe.runIf(browserReady)('property managers and the phone navigation in a browser', () => {
  let server: TestServer;
  let browsing: Browsing;
  let mailDir: string;
  const cookies: Record<string, string> = {};
  const api = (...args: Parameters<ReturnType<typeof apiCaller>>) => apiCaller(server)(...args);

  /** A phone-sized page, signed in as `who` (or signed out). */
  const phonePage = (who?: string): Promise<Page> => browsing.page(who ? { session: cookies[who]! } : {});
  const shoot = (p: Page, name: string) => shootBoth(p, name, ['phone']);

  beforeAll(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-web-property-mail-'));
    server = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      env: { JOBS: 'false', MAP_TILE_URL: 'off', MAIL_DIR: mailDir },
    });
    await api('POST', '/programs', { preset: 'alectra' }, { bearer: ADMIN_TOKEN });
    await api(
      'POST',
      '/accounts',
      {
        email: 'sam@alectra.example',
        name: 'Sam Admin',
        role: 'program_admin',
        utility: 'Alectra Utilities',
        password: 'sam the administrator',
      },
      { bearer: ADMIN_TOKEN },
    );
    cookies.admin = await signIn(server, 'sam@alectra.example', 'sam the administrator');
    await api('POST', '/auth/signup', { email: 'lee@example.com', name: 'Lee Driver', password: 'lee drives far' });
    cookies.driver = await signIn(server, 'lee@example.com', 'lee drives far');
    browsing = await startBrowser(server);
  }, 120_000);

  afterAll(async () => {
    await browsing?.close();
    await server?.stop();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  it("takes a property manager's inquiry from the public page, signed out, at 360 px", async () => {
    const p = await phonePage();
    await p.goto(server.url);
    await p.getByRole('link', { name: 'See the offer and ask' }).click();
    await p.waitForURL('**/property-managers');
    await expect.poll(() => p.locator('h1').textContent()).toBe('A charging station for your building');
    expect(await p.getByText('subsidized Smart Charging Station, plus up to 50% off installation costs').count()).toBe(
      1,
    );
    await expect.poll(() => p.getByLabel('Utility program').locator('option').count()).toBeGreaterThan(0);
    await shoot(p, '20-property-managers');
    await audit(p, 'property managers');

    // Sent empty: each field says in words what to enter, beside it; no schema path anywhere.
    await p.getByRole('button', { name: 'Send my inquiry' }).click();
    await p.getByRole('alert').filter({ hasText: 'Some answers need a change' }).waitFor();
    expect(await p.locator('#pm-buildingName-note').textContent()).toBe("Enter the building's name.");
    expect(await p.locator('#pm-address-line1-note').textContent()).toBe('Enter the street address.');
    expect(await p.locator('#pm-common-note').textContent()).toBe('Say whether the building has a common area.');
    expect(await p.getByLabel('Building name').getAttribute('aria-invalid')).toBe('true');
    const page = (await p.locator('main').textContent()) ?? '';
    expect(
      page.match(/address\.(line1|city|region|postalCode|country)|hasCommonArea|contactEmail|true or false/)?.[0],
      page,
    ).toBeUndefined();
    await shoot(p, '21-property-managers-errors');
    await audit(p, 'property managers with errors');

    await p.getByLabel('Building name').fill('Maple Court');
    await p.getByLabel('Street address').fill('100 City Centre Dr');
    await p.getByLabel('City').fill('Mississauga');
    await p.getByLabel('Province or state').fill('ON');
    await p.getByLabel('Postal or ZIP code').fill('l5b2c9');
    await p.getByLabel('Dwelling units in the building').fill('48');
    await p.getByLabel('Yes').check();
    await p.getByLabel('Parking spaces (optional)').fill('60');
    await p.getByLabel('Your name').fill('Pat Manager');
    await p.getByLabel('Your email').fill('pat.manager@example.com');
    await p.getByRole('button', { name: 'Send my inquiry' }).click();
    await p.getByText('Thank you: your inquiry is in').waitFor();
    expect(await p.getByRole('status').textContent()).toMatch(/Inquiry \d+\. Your building is likely to qualify\./);
    await shoot(p, '22-property-managers-sent');
    await audit(p, 'property managers, sent');
    await p.context().close();
  });

  it('lets the administrator mark it contacted with a note, which mails the manager', async () => {
    const p = await phonePage('admin');
    await p.goto(`${server.url}/admin/alectra/inquiries`);
    const card = p.locator('.card', { hasText: 'Maple Court' });
    await card.waitFor();
    await card.getByLabel(/Note to Pat Manager/).fill('We will call you on Monday about a site visit.');
    await card.getByRole('button', { name: 'Mark contacted' }).click();
    await p
      .getByRole('status')
      .filter({ hasText: 'Maple Court is now contacted; Pat Manager was e-mailed at pat.manager@example.com.' })
      .waitFor();
    // The "new" tab no longer lists it; the "contacted" one does, saying the manager was mailed.
    await expect.poll(() => p.locator('.card', { hasText: 'Maple Court' }).count()).toBe(0);
    await p.getByRole('button', { name: /^contacted/ }).click();
    await p.locator('.card', { hasText: 'Maple Court' }).getByText('contacted', { exact: true }).waitFor();
    await expect.poll(async () => (await mailTo(mailDir, 'pat.manager@example.com')).length).toBe(1);
    const [mail] = await mailTo(mailDir, 'pat.manager@example.com');
    expect(mail!.subject).toMatch(/^Inquiry \d+ \(Maple Court\): we are in touch$/);
    expect(mail!.text).toContain('We will call you on Monday about a site visit.');
    await shoot(p, '23-admin-inquiries');
    await audit(p, 'admin inquiries');
    await p.context().close();
  });

  it('reaches every place from the bottom bar and "More" at 360 px, the current one always in view', async () => {
    const p = await phonePage('driver');
    await p.goto(`${server.url}/dashboard`);
    const nav = p.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    const more = nav.getByRole('button', { name: /^More/ });
    const main = ['Dashboard', 'Trips', 'Charging', 'Rewards'];
    const rest = [
      ['Battery', '/battery'],
      ['Climate', '/climate'],
      ['My program', '/program'],
      ['Share & export', '/share'],
      ['Settings', '/settings'],
    ] as const;
    for (const name of main) expect(await onScreen(p, nav.getByRole('link', { name })), name).toBe(true);
    expect(await onScreen(p, more)).toBe(true);
    expect(await nav.getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current')).toBe('page');
    // Sign out is in "More", not wrapping in the top bar.
    expect(await p.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await noSidewaysOverflow(p, 'dashboard');

    for (const name of main.slice(1)) {
      await nav.getByRole('link', { name }).click();
      await p.waitForURL(`**/${name.toLowerCase()}`);
      const link = nav.getByRole('link', { name });
      expect(await link.getAttribute('aria-current'), name).toBe('page');
      expect(await onScreen(p, link), name).toBe(true);
      await noSidewaysOverflow(p, name);
    }
    for (const [name, href] of rest) {
      expect(await more.getAttribute('aria-expanded')).toBe('false');
      await more.click();
      expect(await more.getAttribute('aria-expanded')).toBe('true');
      const link = nav.getByRole('link', { name });
      expect(await onScreen(p, link), name).toBe(true);
      await link.click();
      await p.waitForURL(`**${href}`);
      // The menu closes; "More" says which of its places is the current one.
      await expect.poll(() => more.getAttribute('aria-expanded')).toBe('false');
      expect(await more.textContent(), name).toBe(`More${name}`);
      expect(await onScreen(p, more), name).toBe(true);
      await noSidewaysOverflow(p, name);
    }

    // From the keyboard: open "More", Escape closes it and gives the focus back.
    await more.focus();
    await p.keyboard.press('Enter');
    await nav.getByRole('button', { name: 'Sign out' }).waitFor();
    await shoot(p, '24-phone-nav-more');
    await audit(p, 'phone navigation, More open');
    await p.keyboard.press('Escape');
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    expect(await p.evaluate<string>('document.activeElement?.getAttribute("aria-controls") ?? ""')).toBe('nav-more');

    await more.click();
    await nav.getByRole('button', { name: 'Sign out' }).click();
    await p.waitForURL(`${server.url}/`);
    expect(await p.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await p.context().close();
  });
});

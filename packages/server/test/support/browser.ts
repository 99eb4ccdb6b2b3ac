/**
 * What every browser journey needs (Debian's chromium through playwright-core, against a server
 * from `startTestServer`): whether a browser and a built web app are there, browser contexts that
 * record Content-Security-Policy violations, the accessibility audit (axe-core, evaluated through
 * the debugging protocol so the server's CSP stays in force), screenshots at phone and desk widths
 * with the "nothing overflows sideways at 360 px" check, and a JSON API caller with cookies.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEFAULT_WEB_ROOT } from '../../src/http/http-server.js';
import { TEST_WEB_ROOT, type TestServer } from './servers.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = fileURLToPath(new URL('../../../../artifacts/screenshots/', import.meta.url));
export const PHONE = { width: 360, height: 780 } as const;
export const DESK = { width: 1280, height: 900 } as const;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Whether the journeys can run here; in CI they must (.ci/run installs chromium; npm test builds). */
export const browserReady =
  existsSync(CHROMIUM) && existsSync(path.join(TEST_WEB_ROOT ?? DEFAULT_WEB_ROOT, 'index.html'));
if (!browserReady && process.env.CI) throw new Error(`web e2e needs ${CHROMIUM} and a built web app (npm run build)`);

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

export interface ApiAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly response: Response;
}

export interface Browsing {
  readonly browser: Browser;
  /** A context whose pages record CSP violations (the audit fails on any), signed in with `session` (a cookie value). */
  context(options?: Parameters<Browser['newContext']>[0], session?: string): Promise<BrowserContext>;
  /** A new page in a new watched context, at phone width unless `viewport` says otherwise. */
  page(options?: Parameters<Browser['newContext']>[0] & { session?: string }): Promise<Page>;
  close(): Promise<void>;
}

/** A browser for journeys against `server` (session cookies are set for its address). */
export async function startBrowser(server: TestServer): Promise<Browsing> {
  await mkdir(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context: Browsing['context'] = async (options = {}, session) => {
    const made = await browser.newContext({ locale: 'en-CA', timezoneId: 'America/Toronto', ...options });
    // (A string: this file is type-checked for Node, without the DOM's types.)
    await made.addInitScript(`
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.cspViolations.push(
          event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' + event.sourceFile + ':' + event.lineNumber + ')',
        );
      });
    `);
    if (session) await made.addCookies([{ name: 'sc_session', value: session, url: server.url }]);
    return made;
  };
  return {
    browser,
    context,
    async page(options = {}) {
      const { session, ...rest } = options;
      const made = await context({ viewport: PHONE, ...rest }, session);
      return made.newPage();
    },
    close: () => browser.close(),
  };
}

let axeSource: string | undefined;

/** No CSP violation and no serious or critical WCAG 2 A/AA violation on the page as it is now. */
export async function audit(p: Page, name: string): Promise<void> {
  expect(await p.evaluate<string[]>('window.cspViolations ?? []'), `CSP violations on ${name}`).toEqual([]);
  // Evaluated through the debugging protocol, which the page's CSP does not govern (a script tag would be blocked).
  await p.evaluate((axeSource ??= await readFile(AXE, 'utf8')));
  const result = await p.evaluate<AxeResult>("axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })");
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    `accessibility of ${name}`,
  ).toEqual([]);
}

export async function noSidewaysOverflow(p: Page, name: string): Promise<void> {
  const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow, `${name} overflows ${overflow}px at ${p.viewportSize()?.width ?? '?'}px`).toBeLessThanOrEqual(1);
}

/**
 * Screenshots `name-phone.png` and `name-desk.png` (full page) into artifacts/screenshots, checking
 * that nothing overflows sideways at phone width; the page is left at the last width shot (desk by default).
 */
export async function shoot(p: Page, name: string, widths: readonly ('phone' | 'desk')[] = ['phone', 'desk']) {
  for (const label of widths) {
    await p.setViewportSize(label === 'phone' ? PHONE : DESK);
    await p.waitForTimeout(150); // charts resize on the next frame
    if (label === 'phone') await noSidewaysOverflow(p, name);
    await p.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
}

/** Whether the element is wholly inside the viewport. */
export async function onScreen(p: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const size = p.viewportSize() ?? PHONE;
  return (
    box !== null &&
    box.x >= 0 &&
    box.y >= 0 &&
    box.x + box.width <= size.width + 1 &&
    box.y + box.height <= size.height + 1
  );
}

/**
 * A caller of the JSON API at /api/v1 that fails the test on an answer of 300 or more, unless
 * `expectStatus` says which status is wanted.
 */
export function apiCaller(server: TestServer) {
  return async (
    method: string,
    url: string,
    body?: unknown,
    auth?: { bearer?: string; cookie?: string; expectStatus?: number },
  ): Promise<ApiAnswer> => {
    const response = await fetch(`${server.url}/api/v1${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth?.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}),
        ...(auth?.cookie ? { cookie: `sc_session=${auth.cookie}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (auth?.expectStatus !== undefined) expect(response.status, `${method} ${url}`).toBe(auth.expectStatus);
    else expect(response.status, `${method} ${url}: ${JSON.stringify(json)}`).toBeLessThan(300);
    return { status: response.status, json, response };
  };
}

/** Signs in over the API and gives the session cookie's value. */
export async function signIn(server: TestServer, email: string, password: string): Promise<string> {
  const { response } = await apiCaller(server)('POST', '/auth/session', { email, password });
  const value = /sc_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  if (!value) throw new Error(`signing in as ${email} gave no session cookie`);
  return value;
}

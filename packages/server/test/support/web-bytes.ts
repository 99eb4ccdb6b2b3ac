/**
 * What each page of the web app loads, measured in chromium against a running server: the
 * JavaScript and CSS files fetched (/assets/*.js, *.css), with the bytes on the wire (compressed,
 * as the server sends them) and decoded. For a first visit (a new browser, empty cache) and for a
 * navigation inside the app from where the person lands (what the page adds to what is loaded).
 *
 * The pages come from the demo (startServer with DEMO: a driver with trips and charging, an
 * Alectra administrator, a share link), so each page draws what it draws for a real visitor: the
 * charging page its chart and map, the grid view its charts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TEST_PASSWORD_COST } from './builders.js';
import { TEST_WEB_ROOT } from './servers.js';

export interface Loaded {
  /** Path under /assets, e.g. "assets/charging-Ab12.js". */
  readonly file: string;
  readonly kind: 'js' | 'css';
  /** Bytes on the wire (the body as sent: brotli or gzip when the server compressed it). */
  readonly wire: number;
  /** Bytes once decoded. */
  readonly decoded: number;
}

export interface PageBytes {
  readonly files: readonly Loaded[];
  readonly js: { readonly wire: number; readonly decoded: number };
  readonly css: { readonly wire: number; readonly decoded: number };
  readonly total: { readonly wire: number; readonly decoded: number };
}

export type Who = 'visitor' | 'driver' | 'admin';

export interface Route {
  /** The path visited, e.g. "/charging". */
  readonly path: string;
  readonly who: Who;
  /** What the page shows that needs the big libraries (what a test expects it to load). */
  readonly map: boolean;
  readonly charts: boolean;
}

export interface DemoForBytes {
  readonly server: RunningServer;
  /** Session cookie values (sc_session) of the demo driver and administrator. */
  readonly sessions: Readonly<Record<Exclude<Who, 'visitor'>, string>>;
  readonly routes: readonly Route[];
  close(): Promise<void>;
}

/** Where each person lands: what a navigation inside the app starts from. */
export const LANDING: Readonly<Record<Who, string>> = { visitor: '/', driver: '/dashboard', admin: '/admin' };

function sum(files: readonly Loaded[]) {
  return files.reduce((a, f) => ({ wire: a.wire + f.wire, decoded: a.decoded + f.decoded }), { wire: 0, decoded: 0 });
}

export function pageBytes(files: readonly Loaded[]): PageBytes {
  return {
    files,
    js: sum(files.filter((f) => f.kind === 'js')),
    css: sum(files.filter((f) => f.kind === 'css')),
    total: sum(files),
  };
}

/**
 * Starts the server on the embedded database with a small demo (2 cars, `days` days), waits for
 * its history, signs in its driver and administrator and makes a share link: every page has its data.
 */
export async function startDemoForBytes(days = 5): Promise<DemoForBytes> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-web-bytes-'));
  const server = await startServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      SMARTCHARGE_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      MQTT_PORT: '0',
      JOBS: 'false',
      DEMO: 'true',
      DEMO_VEHICLES: '2',
      DEMO_DAYS: String(days),
      // No map tiles from the internet: the map draws the territory and the places on its own.
      MAP_TILE_URL: 'off',
    }),
    {
      mqttPortExplicit: true,
      demo: true,
      passwordCost: TEST_PASSWORD_COST,
      ...(TEST_WEB_ROOT ? { webRoot: TEST_WEB_ROOT } : {}),
    },
  );
  const close = async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const demo = server.demo!;
    for (let i = 0; i < 600 && demo.status().state !== 'live'; i++) await sleep(500);
    if (demo.status().state !== 'live') throw new Error(`the demo history is not in: ${JSON.stringify(demo.status())}`);
    const call = async <T>(method: string, url: string, body?: unknown, cookie?: string) => {
      const response = await fetch(`${server.url}/api/v1${url}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(cookie ? { cookie: `sc_session=${cookie}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
      return { json: (await response.json()) as T, response };
    };
    const session = async (who: { email: string; password: string }) => {
      const { response } = await call('POST', '/auth/session', who);
      const value = /sc_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
      if (!value) throw new Error(`signing in as ${who.email} gave no session cookie`);
      return value;
    };
    const driver = await session(demo.credentials.driver);
    const admin = await session(demo.credentials.admin);
    const { json: mine } = await call<{ applications: { vehicles: { vehicleId: number }[] }[] }>(
      'GET',
      '/me/applications',
      undefined,
      driver,
    );
    const vehicleId = mine.applications[0]!.vehicles[0]!.vehicleId;
    const { json: trips } = await call<{ trips: { startedAt: string }[] }>(
      'GET',
      `/vehicles/${vehicleId}/trips`,
      undefined,
      driver,
    );
    if (trips.trips.length === 0) throw new Error('the demo driver has no trip yet');
    const { json: sessions } = await call<{ sessions: unknown[] }>(
      'GET',
      `/vehicles/${vehicleId}/sessions`,
      undefined,
      driver,
    );
    // The charging page draws its chart and map only once there is a charge.
    if (sessions.sessions.length === 0) throw new Error(`the demo driver has not charged in ${days} days`);
    const { json: share } = await call<{ token: string }>('POST', '/shares', { vehicleId, days: 7 }, driver);
    const trip = `/trips/${vehicleId}/${encodeURIComponent(trips.trips[0]!.startedAt)}`;
    const page = (p: string, who: Who, uses: { map?: boolean; charts?: boolean } = {}): Route => ({
      path: p,
      who,
      map: uses.map ?? false,
      charts: uses.charts ?? false,
    });
    const routes: Route[] = [
      page('/', 'visitor'),
      page('/signin', 'visitor'),
      page('/signup', 'visitor'),
      page('/property-managers', 'visitor'),
      page('/apply/alectra', 'visitor'),
      page(`/shared/${share.token}`, 'visitor', { charts: true }),
      page('/dashboard', 'driver', { charts: true }),
      page('/trips', 'driver'),
      page(trip, 'driver', { charts: true }),
      page('/charging', 'driver', { charts: true, map: true }),
      page('/battery', 'driver', { charts: true }),
      page('/climate', 'driver', { charts: true }),
      page('/rewards', 'driver'),
      page('/program', 'driver'),
      page('/share', 'driver'),
      page('/settings', 'driver'),
      page('/admin', 'admin'),
      page('/admin/stock', 'admin'),
      page('/admin/alectra/setup', 'admin', { map: true }),
      page('/admin/alectra/applications', 'admin'),
      page('/admin/alectra/participants', 'admin'),
      page('/admin/alectra/grid', 'admin', { charts: true }),
      page('/admin/alectra/rewards', 'admin'),
      page('/admin/alectra/inquiries', 'admin'),
    ];
    return { server, sessions: { driver, admin }, routes, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Records the /assets files a page fetches, and when it has stopped fetching. */
function watch(p: Page, origin: string) {
  let files: Promise<Loaded | undefined>[] = [];
  let inflight = 0;
  let lastChange = Date.now();
  p.on('request', () => {
    inflight++;
    lastChange = Date.now();
  });
  const done = () => {
    inflight--;
    lastChange = Date.now();
  };
  p.on('requestfailed', done);
  p.on('requestfinished', (request) => {
    done();
    const url = new URL(request.url());
    const kind = url.pathname.endsWith('.js') ? 'js' : url.pathname.endsWith('.css') ? 'css' : undefined;
    if (url.origin !== origin || !url.pathname.startsWith('/assets/') || !kind) return;
    files.push(
      (async () => {
        const [sizes, response] = await Promise.all([request.sizes(), request.response()]);
        const body = await response!.body();
        return { file: url.pathname.slice(1), kind, wire: sizes.responseBodySize, decoded: body.length };
      })(),
    );
  });
  return {
    /** Waits until nothing has been fetched for `quietMs` (the page's lazy chunks and data are in). */
    async settled(quietMs = 600): Promise<void> {
      for (let i = 0; i < 600; i++) {
        await sleep(100);
        if (inflight <= 0 && Date.now() - lastChange >= quietMs) return;
      }
      throw new Error(`${p.url()} kept fetching for a minute`);
    },
    async take(): Promise<Loaded[]> {
      const taken = (await Promise.all(files)).filter((f): f is Loaded => f !== undefined);
      files = [];
      return taken;
    },
  };
}

type NewContext = (session?: string) => Promise<BrowserContext>;

/** A first visit: a new browser context (nothing cached), straight to the page. */
export async function coldVisit(newContext: NewContext, demo: DemoForBytes, route: Route): Promise<PageBytes> {
  const context = await newContext(route.who === 'visitor' ? undefined : demo.sessions[route.who]);
  try {
    const p = await context.newPage();
    const watcher = watch(p, demo.server.url);
    await p.goto(`${demo.server.url}${route.path}`);
    await p.locator('main').first().waitFor();
    await watcher.settled();
    return pageBytes(await watcher.take());
  } finally {
    await context.close();
  }
}

/**
 * A navigation inside the app: the person lands (LANDING), then follows a link to the page (the
 * app routes it without loading a new document); what the page adds is what is fetched after the
 * click. Undefined for the landing page itself.
 */
export async function inAppVisit(
  newContext: NewContext,
  demo: DemoForBytes,
  route: Route,
): Promise<PageBytes | undefined> {
  if (route.path === LANDING[route.who]) return undefined;
  const context = await newContext(route.who === 'visitor' ? undefined : demo.sessions[route.who]);
  try {
    const p = await context.newPage();
    const watcher = watch(p, demo.server.url);
    await p.goto(`${demo.server.url}${LANDING[route.who]}`);
    await p.locator('main').first().waitFor();
    await watcher.settled();
    await watcher.take();
    // A link like the app's own, clicked: the router takes it (no new document).
    await p.evaluate(`(() => {
      const a = document.createElement('a');
      a.href = ${JSON.stringify(route.path)};
      a.textContent = 'go';
      document.querySelector('main').append(a);
      a.click();
    })()`);
    await p.waitForURL((url) => url.pathname === route.path);
    await watcher.settled();
    const files = await watcher.take();
    if (files.some((f) => /^assets\/index-[^/]+\.js$/.test(f.file))) {
      throw new Error(`going to ${route.path} loaded a new document, not a navigation inside the app`);
    }
    return pageBytes(files);
  } finally {
    await context.close();
  }
}

/** "assets/leaflet-Ab12.js" → "leaflet": the chunk's name without its hash. */
export const chunkName = (file: string) => file.replace(/^assets\//, '').replace(/-[A-Za-z0-9_-]{8}\.(js|css)$/, '');

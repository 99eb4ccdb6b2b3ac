/**
 * npm run screenshots — the README's pictures, taken from the live demo as a visitor would see it:
 * starts `smartcharge serve` with the demo on a fresh data folder (DEMO_DAYS days of history, map
 * tiles off: this must work without internet), waits until the history is in, signs in as the demo
 * driver, its Mississippi driver, the administrator and the operator (and visits signed out) in
 * Debian's chromium, and saves each page at phone (390 px) and desk (1280 px) widths to
 * docs/screenshots.
 *
 * Settings: CHROMIUM_PATH (default /usr/bin/chromium), DEMO_DAYS (default 30).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, 'docs', 'screenshots');
const CLI = path.join(ROOT, 'packages', 'server', 'bin', 'smartcharge.js');
const WIDTHS = { phone: { width: 390, height: 844 }, desk: { width: 1280, height: 860 } } as const;
const TIMEOUT_MS = 15 * 60_000;

const dataDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-screenshots-'));
const server = spawn(process.execPath, [CLI, 'serve', '--json'], {
  env: {
    ...process.env,
    SMARTCHARGE_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_PORT: '0',
    DEMO: 'true',
    DEMO_DAYS: process.env.DEMO_DAYS ?? '30',
    MAP_TILE_URL: 'off',
    LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
const url = await new Promise<string>((resolve, reject) => {
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    const match = /"event":"started".*?"url":"([^"]+)"/.exec(output);
    if (match?.[1]) resolve(match[1]);
  };
  server.stdout.on('data', onData);
  server.stderr.on('data', onData);
  server.once('exit', (code) => reject(new Error(`the server stopped (${code}) before it started:\n${output}`)));
});

try {
  // The demo's history first: pictures of an empty fleet would show nothing.
  const started = Date.now();
  for (;;) {
    const config = (await (await fetch(`${url}/api/v1/app-config`)).json()) as {
      demo?: { state: string; progress: number; message?: string };
    };
    const demo = config.demo;
    if (!demo) throw new Error('The server runs without its demo (is the data folder empty?)');
    if (demo.state === 'failed') throw new Error(`The demo failed: ${demo.message ?? 'no message'}`);
    if (demo.state === 'live' || demo.state === 'stopped') break;
    if (Date.now() - started > TIMEOUT_MS) throw new Error('The demo history took longer than 15 minutes');
    process.stdout.write(`\rdemo history: ${Math.round(demo.progress * 100)} %   `);
    await new Promise((r) => setTimeout(r, 2000));
  }
  process.stdout.write('\rdemo history: in          \n');
  type Who = 'driver' | 'admin' | 'operator' | 'mississippiDriver';
  const credentials = JSON.parse(await readFile(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as Partial<
    Record<Who, { email: string; password: string }>
  >;
  await mkdir(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const shoot = async (who: Who | 'visitor', pages: [name: string, at: (page: Page) => Promise<void>][]) => {
      for (const [size, viewport] of Object.entries(WIDTHS)) {
        const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
        if (who !== 'visitor') {
          const account = credentials[who];
          if (!account) throw new Error(`the demo has no ${who} (demo-credentials.json)`);
          const response = await context.request.post(`${url}/api/v1/auth/session`, { data: account });
          if (!response.ok()) throw new Error(`signing in as the demo ${who}: ${response.status()}`);
        }
        const page = await context.newPage();
        for (const [name, at] of pages) {
          await at(page);
          await page.waitForLoadState('networkidle');
          // Charts draw after their data arrives; give the last frame a moment.
          await page.waitForTimeout(500);
          const file = path.join(OUT, `${name}-${size}.png`);
          await page.screenshot({ path: file, fullPage: size === 'desk' });
          console.log(`saved ${path.relative(ROOT, file)}`);
        }
        await context.close();
      }
    };
    const visit = (route: string) => async (page: Page) => {
      await page.goto(`${url}${route}`);
    };
    await shoot('driver', [
      ['dashboard', visit('/dashboard')],
      [
        'trip',
        async (page) => {
          await page.goto(`${url}/trips`);
          await page.locator('a.row').first().click();
          await page.getByText('State of charge').first().waitFor();
        },
      ],
      ['charging', visit('/charging')],
      ['battery', visit('/battery')],
      ['rewards', visit('/rewards')],
      ['program', visit('/program')],
    ]);
    await shoot('mississippiDriver', [
      ['mississippi-dashboard', visit('/dashboard')],
      ['mississippi-rewards', visit('/rewards')],
    ]);
    await shoot('admin', [
      ['grid', visit('/admin/alectra/grid')],
      ['admin-participants', visit('/admin/alectra/participants')],
      ['admin-inquiries', visit('/admin/alectra/inquiries')],
    ]);
    await shoot('operator', [['stock', visit('/admin/stock')]]);
    await shoot('visitor', [['property-managers', visit('/property-managers')]]);
  } finally {
    await browser.close();
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await rm(dataDir, { recursive: true, force: true });
}

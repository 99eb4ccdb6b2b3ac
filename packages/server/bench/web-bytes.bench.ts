/**
 * npm run bench:web-bytes — what each page of the web app costs a phone in bytes: the JavaScript
 * and CSS it fetches, on the wire (compressed, as the server sends it) and decoded, for a first
 * visit (a new browser: nothing cached) and for a navigation inside the app from where the person
 * lands (the dashboard for a driver, the programs for an administrator, the home page for a
 * visitor): what the page adds. In the same run, the baseline: the first page (home, signed out),
 * each page's ratio to it.
 *
 * Builds nothing: it serves packages/web/dist (npm run build), or the build TEST_WEB_ROOT names.
 * The server is the real one on the embedded database with a small demo (2 cars, 5 days: a driver
 * with trips and charging, an Alectra administrator, a share link); the browser is chromium
 * (CHROMIUM_PATH, default /usr/bin/chromium) through playwright-core. Byte counts do not depend
 * on the machine; run it after a change to the web app and compare.
 *
 * Options: --json (print the figures as JSON too).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { DEFAULT_WEB_ROOT } from '../src/http/http-server.js';
import { CHROMIUM } from '../test/support/browser.js';
import { TEST_WEB_ROOT } from '../test/support/servers.js';
import {
  chunkName,
  coldVisit,
  inAppVisit,
  LANDING,
  startDemoForBytes,
  type PageBytes,
} from '../test/support/web-bytes.js';

const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
const webRoot = TEST_WEB_ROOT ?? DEFAULT_WEB_ROOT;
if (!existsSync(path.join(webRoot, 'index.html'))) {
  throw new Error(`No built web app in ${webRoot}: run npm run build first (or set TEST_WEB_ROOT to a build).`);
}
if (!existsSync(CHROMIUM)) throw new Error(`No chromium at ${CHROMIUM}: install it or set CHROMIUM_PATH.`);

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const ratio = (value: number, base: number) => (base > 0 ? `${(value / base).toFixed(2)}×` : '–');
const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
/** The path as a row label: the share token and the trip's start left out. */
const shown = (p: string) =>
  p.startsWith('/shared/') ? '/shared/<token>' : p.replace(/^(\/trips\/\d+)\/.*/, '$1/<trip>');
const padLeft = (text: string, width: number) => (text.length >= width ? text : ' '.repeat(width - text.length) + text);

console.log(`web-bytes: serving ${webRoot}; starting the server with a small demo…`);
const demo = await startDemoForBytes();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const newContext = async (session?: string) => {
    const context = await browser.newContext({ viewport: { width: 360, height: 780 }, locale: 'en-CA' });
    if (session) await context.addCookies([{ name: 'sc_session', value: session, url: demo.server.url }]);
    return context;
  };
  const rows: { path: string; who: string; cold: PageBytes; inApp: PageBytes | undefined }[] = [];
  for (const route of demo.routes) {
    rows.push({
      path: route.path,
      who: route.who,
      cold: await coldVisit(newContext, demo, route),
      inApp: await inAppVisit(newContext, demo, route),
    });
  }
  const home = rows.find((r) => r.path === '/')!.cold;

  const columns = [
    ['page', 34],
    ['who', 8],
    ['JS wire', 8],
    ['JS raw', 8],
    ['CSS wire', 9],
    ['CSS raw', 8],
    ['total wire', 11],
    ['× home', 7],
    ['in-app adds wire', 17],
    ['raw', 7],
    ['× home', 7],
  ] as const;
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i < 2 ? pad(c, columns[i]![1]) : padLeft(c, columns[i]![1]))).join('  ');
  console.log('');
  console.log(
    `Bytes per page (KB; wire = compressed as served, raw = decoded). Baseline: the home page, first visit, ` +
      `${kb(home.total.wire)} KB on the wire (${kb(home.total.decoded)} KB decoded). In-app: from ${Object.entries(
        LANDING,
      )
        .map(([who, p]) => `${p} (${who})`)
        .join(', ')}.`,
  );
  console.log('');
  console.log(line(columns.map(([name]) => name)));
  console.log(line(columns.map(([, w]) => '-'.repeat(w))));
  for (const r of rows) {
    console.log(
      line([
        shown(r.path),
        r.who,
        kb(r.cold.js.wire),
        kb(r.cold.js.decoded),
        kb(r.cold.css.wire),
        kb(r.cold.css.decoded),
        kb(r.cold.total.wire),
        ratio(r.cold.total.wire, home.total.wire),
        r.inApp ? kb(r.inApp.total.wire) : '(lands)',
        r.inApp ? kb(r.inApp.total.decoded) : '',
        r.inApp ? ratio(r.inApp.total.wire, home.total.wire) : '',
      ]),
    );
  }
  console.log('');
  console.log('Chunks each page loads on a first visit (besides index):');
  for (const r of rows) {
    const chunks = [
      ...new Set(
        r.cold.files.filter((f) => chunkName(f.file) !== 'index').map((f) => `${chunkName(f.file)}.${f.kind}`),
      ),
    ];
    console.log(`  ${pad(shown(r.path), 36)} ${chunks.join(' ') || '–'}`);
  }
  if (args.json) {
    console.log(
      JSON.stringify(
        rows.map((r) => ({
          path: r.path,
          who: r.who,
          cold: { js: r.cold.js, css: r.cold.css, total: r.cold.total },
          inApp: r.inApp ? { js: r.inApp.js, css: r.inApp.css, total: r.inApp.total } : null,
        })),
        null,
        2,
      ),
    );
  }
} finally {
  await browser.close();
  await demo.close();
}

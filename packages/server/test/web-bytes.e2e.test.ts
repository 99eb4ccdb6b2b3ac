/**
 * The built web app loads the two big libraries only where they are used (counts of files, not
 * times): a page with no map never fetches the leaflet chunk and a page with no chart never
 * fetches the uplot chunk, on a first visit and on a navigation inside the app; the pages with a
 * map or a chart do fetch them (so the names the checks look for are the chunks' real names).
 * Chromium against the real server with a small demo (its driver, administrator and a share link).
 * `npm run bench:web-bytes` measures the bytes of the same pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserReady, startBrowser, type Browsing } from './support/browser.js';
import type { TestServer } from './support/servers.js';
import {
  chunkName,
  coldVisit,
  inAppVisit,
  startDemoForBytes,
  type DemoForBytes,
  type PageBytes,
  type Route,
} from './support/web-bytes.js';

const LIBRARIES = [
  { chunk: 'leaflet', uses: (r: Route) => r.map, what: 'map' },
  { chunk: 'uplot', uses: (r: Route) => r.charts, what: 'chart' },
] as const;

describe.runIf(browserReady)('which pages load the map and chart libraries', () => {
  let demo: DemoForBytes;
  let browsing: Browsing;
  const cold = new Map<string, PageBytes>();
  const inApp = new Map<string, PageBytes | undefined>();

  beforeAll(async () => {
    demo = await startDemoForBytes();
    browsing = await startBrowser(demo.server as TestServer);
    const newContext = (session?: string) => browsing.context({}, session);
    for (const route of demo.routes) {
      cold.set(route.path, await coldVisit(newContext, demo, route));
      inApp.set(route.path, await inAppVisit(newContext, demo, route));
    }
  }, 300_000);
  afterAll(async () => {
    await browsing?.close();
    await demo?.close();
  });

  const loads = (bytes: PageBytes | undefined, chunk: string) =>
    (bytes?.files ?? []).some((f) => f.kind === 'js' && chunkName(f.file) === chunk);

  for (const library of LIBRARIES) {
    it(`loads ${library.chunk} only on pages with a ${library.what}, on a first visit and inside the app`, () => {
      const wrong: string[] = [];
      for (const route of demo.routes) {
        const uses = library.uses(route);
        const first = cold.get(route.path)!;
        if (loads(first, library.chunk) !== uses) {
          wrong.push(`${route.path} (${route.who}, first visit) ${uses ? 'does not load' : 'loads'} ${library.chunk}`);
        }
        // Inside the app, a page without it never adds it (a page with it may find it loaded already).
        if (!uses && loads(inApp.get(route.path), library.chunk)) {
          wrong.push(`${route.path} (${route.who}, from the app) loads ${library.chunk}`);
        }
      }
      expect(wrong, wrong.join('\n')).toEqual([]);
    });
  }

  it('gives the first page (home) one script and one style sheet, compressed', () => {
    const home = cold.get('/')!;
    expect(home.files.map((f) => `${f.kind}:${chunkName(f.file)}`).sort()).toEqual(['css:index', 'js:index']);
    // The server compresses: the bytes on the wire are fewer than the decoded ones.
    for (const file of home.files) expect(file.wire, file.file).toBeLessThan(file.decoded);
  });
});

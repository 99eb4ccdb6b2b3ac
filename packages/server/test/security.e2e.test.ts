/**
 * What the server promises every caller, over real HTTP on both databases (docs/security.md):
 * security headers on pages, API answers and errors; browser writes from another site refused
 * whatever their content type; /metrics and /status for the operator only; the uplink reads JSON only.
 */
import { UPLINK_HTTP_PATH, basicAuthorization } from '@smartcharge/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batchOf } from './support/builders.js';
import { describeEachKind } from './support/databases.js';
import { apiCaller } from './support/http.js';
import {
  ADMIN_TOKEN,
  HOUR_MS,
  provisionDevice,
  startTestServer,
  storedRecords,
  type TestServer,
} from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const FOREIGN = 'https://evil.example';

describeEachKind('security promises over HTTP', (kind) => {
  let server: TestServer;
  let open: TestServer;
  const call = apiCaller(() => server.url);
  let driverToken = '';

  /** A request the way a browser sends it: the session cookie, and the page's origin. */
  const browserWrite = (
    method: string,
    route: string,
    options: { origin?: string; site?: string; type?: string; body?: string; cookie?: string },
  ) =>
    fetch(`${server.url}/api/v1${route}`, {
      method,
      headers: {
        cookie: `sc_session=${options.cookie ?? driverToken}`,
        ...(options.origin ? { origin: options.origin } : {}),
        ...(options.site ? { 'sec-fetch-site': options.site } : {}),
        ...(options.type ? { 'content-type': options.type } : {}),
      },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
  const preferences = async () =>
    ((await call('GET', '/auth/me', driverToken)).body.preferences as { distanceUnit: string }).distanceUnit;

  beforeAll(async () => {
    server = await startTestServer({ database: kind, mqtt: 'off', env: { JOBS: 'false' } });
    open = await startTestServer({ database: kind, mqtt: 'off', env: { JOBS: 'false', OPS_PUBLIC: 'true' } });
    await call('POST', '/auth/signup', undefined, {
      email: 'casey@example.com',
      name: 'Casey',
      password: 'casey drives far',
    });
    driverToken = (
      await call('POST', '/auth/signin', undefined, { email: 'casey@example.com', password: 'casey drives far' })
    ).body.token as string;
    expect(driverToken.length).toBeGreaterThan(10);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await open?.stop();
  });

  it('sends the security headers on pages, API answers, errors and the uplink', async () => {
    const urls = ['/', '/trips', '/api/v1/app-config', '/api/v1/nothing-here', '/healthz', UPLINK_HTTP_PATH];
    for (const url of urls) {
      const response = await fetch(`${server.url}${url}`, {
        method: url === UPLINK_HTTP_PATH ? 'POST' : 'GET',
        headers: { accept: url.startsWith('/api') || url === '/healthz' ? 'application/json' : 'text/html' },
      });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("object-src 'none'");
      expect(csp, url).not.toContain('unsafe-inline');
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), url).toBe('strict-origin-when-cross-origin');
      expect(response.headers.get('x-frame-options'), url).toBe('SAMEORIGIN');
      expect(response.headers.get('x-powered-by'), url).toBeNull();
      // Plain HTTP: no HSTS (a browser would ignore it, and it would break a later move to another port).
      expect(response.headers.get('strict-transport-security'), url).toBeNull();
    }
  });

  it('lets the map load tiles from the tile server only, as images', async () => {
    const csp = (await fetch(`${server.url}/healthz`)).headers.get('content-security-policy') ?? '';
    const img = /img-src ([^;]+)/.exec(csp)?.[1] ?? '';
    expect(img.split(' ')).toEqual(["'self'", 'data:', 'blob:', 'https://tile.openstreetmap.org']);
    expect(/connect-src ([^;]+)/.exec(csp)?.[1]).toBe("'self'");
  });

  it('refuses a browser write from another site, whatever its content type, and changes nothing', async () => {
    const before = await preferences();
    const json = JSON.stringify({ distanceUnit: before === 'mi' ? 'km' : 'mi' });
    const attempts = [
      { origin: FOREIGN, type: 'application/json', body: json },
      { origin: FOREIGN, type: 'text/plain', body: json },
      { origin: FOREIGN, type: 'application/x-www-form-urlencoded', body: 'distanceUnit=mi' },
      { origin: 'null', type: 'text/plain', body: json },
      { site: 'cross-site', type: 'text/plain', body: json },
      { site: 'same-site', type: 'application/json', body: json },
    ];
    for (const attempt of attempts) {
      const response = await browserWrite('PATCH', '/auth/me/preferences', attempt);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status, JSON.stringify(attempt)).toBe(403);
      expect(body.error.code).toBe('forbidden');
      expect(body.error.message).toMatch(/writes are taken only from SmartCharge's own pages/);
    }
    // A body-less write (sign out) is refused too: the session still works.
    const signout = await browserWrite('POST', '/auth/signout', { origin: FOREIGN, type: 'text/plain', body: 'x' });
    expect(signout.status).toBe(403);
    expect(await preferences()).toBe(before);
  });

  it('takes the same write from the server’s own pages, and from API clients with a bearer token', async () => {
    const ownOrigin = new URL(server.url).origin;
    const fromPage = await browserWrite('PATCH', '/auth/me/preferences', {
      origin: ownOrigin,
      site: 'same-origin',
      type: 'application/json',
      body: JSON.stringify({ distanceUnit: 'mi' }),
    });
    expect(fromPage.status, await fromPage.clone().text()).toBe(200);
    expect(await preferences()).toBe('mi');
    // PUBLIC_URL's origin is the server's own too (behind a proxy the Host may differ).
    const viaPublicUrl = await browserWrite('PATCH', '/auth/me/preferences', {
      origin: 'http://localhost:8080',
      type: 'application/json',
      body: JSON.stringify({ distanceUnit: 'km' }),
    });
    expect(viaPublicUrl.status).toBe(200);
    // A bearer token is no ambient credential: an API client is not a browser being tricked.
    const bearer = await fetch(`${server.url}/api/v1/auth/me/preferences`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${driverToken}`, origin: FOREIGN, 'content-type': 'application/json' },
      body: JSON.stringify({ distanceUnit: 'mi' }),
    });
    expect(bearer.status).toBe(200);
    expect(await preferences()).toBe('mi');
  });

  it('reads JSON only on the API: a text/plain body gets 415 saying what to send', async () => {
    const response = await browserWrite('PATCH', '/auth/me/preferences', {
      type: 'text/plain',
      body: JSON.stringify({ distanceUnit: 'km' }),
    });
    expect(response.status).toBe(415);
    expect(await preferences()).toBe('mi');
  });

  it('shows /metrics and /status to the operator only', async () => {
    for (const path of ['/metrics', '/status']) {
      const anonymous = await fetch(`${server.url}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(((await anonymous.json()) as { error: { message: string } }).error.message).toMatch(/operator/);
      const driver = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${driverToken}` } });
      expect(driver.status, path).toBe(403);
      const asDriverCookie = await fetch(`${server.url}${path}`, { headers: { cookie: `sc_session=${driverToken}` } });
      expect(asDriverCookie.status, path).toBe(403);
      const operator = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(operator.status, path).toBe(200);
      // OPS_PUBLIC=true opens them (a private network in front of the server).
      expect((await fetch(`${open.url}${path}`)).status, path).toBe(200);
    }
  });

  it('lets the status page style itself by hash, with no inline scripts allowed', async () => {
    const response = await fetch(`${server.url}/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(/script-src ([^;]+)/.exec(csp)?.[1]).toBe("'self'");
  });

  it('refuses an uplink that is not JSON with 415 and the protocol ack, and stores nothing', async () => {
    const { id, credential } = await provisionDevice(server);
    const batch = JSON.stringify(
      batchOf(
        credential.serial,
        1,
        telemetryStream({ startMs: Date.now() - HOUR_MS, driveSeconds: 5, chargeSeconds: 0 }),
      ),
    );
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
        method: 'POST',
        headers: { authorization: basicAuthorization(credential), ...(type ? { 'content-type': type } : {}) },
        body: batch,
      });
      const ack = (await response.json()) as {
        ok: boolean;
        error: { code: string; message: string; retryable: boolean };
      };
      expect(response.status, String(type)).toBe(415);
      expect(ack).toMatchObject({ ok: false, error: { code: 'unsupported_media_type', retryable: false } });
      expect(ack.error.message).toContain('Content-Type: application/json');
    }
    expect(await storedRecords(server, id)).toEqual([]);
    const good = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
      method: 'POST',
      headers: { authorization: basicAuthorization(credential), 'content-type': 'application/json; charset=utf-8' },
      body: batch,
    });
    expect(good.status).toBe(200);
    expect(await storedRecords(server, id)).toHaveLength(5);
  });
});

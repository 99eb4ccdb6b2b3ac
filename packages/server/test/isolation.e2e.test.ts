/**
 * Cross-tenant isolation, over HTTP, on PGlite and on PostgreSQL: two utilities (Alectra, A, and
 * Mississippi Power, B), each with an administrator, a driver whose application is approved, an
 * enrolled vehicle with a device installed and derived data (trips, charge sessions), a share link,
 * a property inquiry, a ledger entry and a shipment. Then every route the server registered is
 * called: a tenant-scoped one as A's driver, A's administrator, signed out and with B's share-link
 * token as a bearer, with B's ids, slug and serial in its parameters; an operator-only one as A's
 * people; a public one signed out. Each refusal is checked, no answer may carry B's identifying
 * values, and B's data read by B afterwards is what it was before the walk.
 *
 * The classes are a table keyed by "METHOD url": a route the server registers and the table does
 * not know fails the test, so a new route cannot slip past without someone deciding who may call it.
 */
import { basicAuthorization, PROTOCOL_VERSION, UPLINK_HTTP_PATH } from '@smartcharge/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachKind } from './support/databases.js';
import { apiCaller } from './support/http.js';
import { ADMIN_TOKEN, provisionDevice, startTestServer, type TestServer } from './support/servers.js';
import { telemetryStream, thenUnplugged } from './support/telemetry-fixtures.js';

const T0 = Date.UTC(2026, 10, 2, 21);
const DAY = 86_400_000;
const PASSWORD = 'a long enough password';
const FROM_DAY = '2026-11-01';
const TO_DAY = '2026-11-10';

/**
 * public: anyone may call it (the answer may still be a refusal, never someone else's data).
 * operator: the platform operator only (A's people are refused).
 * tenant: names a resource in its path or body, or answers the caller's own data ("mine").
 */
type RouteClass = 'public' | 'operator' | 'tenant';

const ROUTE_CLASSES: Readonly<Record<string, RouteClass>> = {
  'GET /': 'public', // the web app's page (single-page app fallback)
  'GET /index.html': 'public',
  'POST /api/v1/uplink': 'public', // device-authenticated by its own secret
  'GET /healthz': 'public',
  'GET /readyz': 'public', // which roles this node serves, for load balancers
  'GET /metrics': 'operator',
  'GET /status': 'operator',
  'GET /api/v1/app-config': 'public',
  'POST /api/v1/auth/signup': 'public',
  'POST /api/v1/auth/signin': 'public',
  'POST /api/v1/auth/session': 'public',
  'POST /api/v1/auth/signout': 'public',
  'POST /api/v1/auth/password-reset': 'public',
  'POST /api/v1/auth/password-reset/complete': 'public',
  'GET /api/v1/auth/me': 'tenant',
  'PATCH /api/v1/auth/me/preferences': 'tenant',
  'POST /api/v1/auth/password': 'tenant',
  'POST /api/v1/accounts': 'operator',
  'GET /api/v1/accounts': 'tenant',
  'GET /api/v1/programs': 'public', // the public terms; staff get their own view
  'GET /api/v1/programs/:slug': 'public',
  'POST /api/v1/programs': 'operator',
  'PATCH /api/v1/programs/:slug': 'tenant',
  'POST /api/v1/programs/:slug/eligibility': 'public',
  'POST /api/v1/programs/:slug/applications': 'public', // any signed-in driver may apply to any program
  'GET /api/v1/programs/:slug/applications': 'tenant',
  'GET /api/v1/programs/:slug/summary': 'tenant',
  'GET /api/v1/programs/:slug/shipments': 'tenant',
  'GET /api/v1/programs/:slug/balances': 'tenant',
  'POST /api/v1/programs/:slug/rewards/evaluate': 'tenant',
  'GET /api/v1/programs/:slug/payouts': 'tenant',
  'POST /api/v1/programs/:slug/payouts': 'tenant',
  'GET /api/v1/programs/:slug/reconciliation': 'tenant',
  'GET /api/v1/programs/:slug/grid': 'tenant',
  'GET /api/v1/programs/:slug/grid.csv': 'tenant',
  'GET /api/v1/programs/:slug/events': 'tenant', // demand response: the program's staff
  'POST /api/v1/programs/:slug/events': 'tenant',
  'GET /api/v1/programs/:slug/events/:id': 'tenant',
  'POST /api/v1/programs/:slug/events/:id/cancel': 'tenant',
  'POST /api/v1/programs/:slug/events/:id/measure': 'tenant',
  'GET /api/v1/programs/:slug/events/:id/participants.csv': 'tenant',
  'GET /api/v1/programs/:slug/event-schedules': 'tenant',
  'POST /api/v1/programs/:slug/event-schedules': 'tenant',
  'POST /api/v1/programs/:slug/event-schedules/:id/disable': 'tenant',
  'GET /api/v1/me/events': 'tenant',
  'POST /api/v1/me/events/:id/opt-out': 'tenant',
  // The notice's one-tap opt-out link: the token is the credential.
  'GET /api/v1/events/opt-out': 'public',
  'POST /api/v1/events/opt-out': 'public',
  'GET /api/v1/applications/:id/event-preferences': 'tenant',
  'PUT /api/v1/applications/:id/event-preferences': 'tenant',
  'PUT /api/v1/programs/:slug/grid/groups': 'tenant', // the distribution grid: staff of the program
  'GET /api/v1/programs/:slug/grid/groups': 'tenant',
  'GET /api/v1/programs/:slug/grid/distribution': 'tenant',
  'GET /api/v1/applications/:id': 'tenant',
  'POST /api/v1/applications/:id/approve': 'tenant',
  'POST /api/v1/applications/:id/decline': 'tenant',
  'POST /api/v1/applications/:id/withdraw': 'tenant',
  'POST /api/v1/applications/:id/leave': 'tenant',
  'PUT /api/v1/applications/:id/paypal': 'tenant',
  'GET /api/v1/applications/:id/ledger': 'tenant',
  'GET /api/v1/applications/:id/rewards': 'tenant',
  'POST /api/v1/applications/:id/adjustments': 'tenant',
  'POST /api/v1/enrolled-vehicles/:id/ship': 'tenant',
  'POST /api/v1/enrolled-vehicles/:id/installed': 'tenant',
  'POST /api/v1/enrolled-vehicles/:id/removed': 'tenant',
  'POST /api/v1/enrolled-vehicles/:id/y-cable': 'tenant',
  'POST /api/v1/enrolled-vehicles/:id/change': 'tenant',
  'GET /api/v1/device-inventory': 'tenant',
  'GET /api/v1/device-stock': 'tenant',
  'POST /api/v1/device-stock': 'tenant', // names B's program in its body
  'GET /api/v1/device-stock/:serial': 'tenant',
  'PUT /api/v1/device-stock/:serial/program': 'operator',
  'POST /api/v1/enrolled-vehicles/:id/installed-for-driver': 'tenant',
  'PATCH /api/v1/shipments/:id': 'tenant',
  'GET /api/v1/payouts/:id': 'tenant',
  'GET /api/v1/payouts/:id/gift-cards.csv': 'tenant',
  'POST /api/v1/payouts/:id/fulfil': 'tenant',
  'GET /api/v1/me/applications': 'tenant',
  'GET /api/v1/me/notifications': 'tenant',
  'POST /api/v1/me/notifications/:id/read': 'tenant',
  'GET /api/v1/jobs': 'operator',
  'POST /api/v1/jobs/:name/run': 'operator',
  'GET /api/v1/vehicles/:id/trips': 'tenant',
  'GET /api/v1/vehicles/:id/sessions': 'tenant',
  'GET /api/v1/vehicles/:id/days': 'tenant',
  'GET /api/v1/vehicles/:id/battery-health': 'tenant',
  'GET /api/v1/vehicles/:id/overview': 'tenant',
  'GET /api/v1/vehicles/:id/trace': 'tenant',
  'GET /api/v1/vehicles/:id/export': 'tenant',
  'POST /api/v1/shares': 'tenant', // names B's vehicle in its body
  'GET /api/v1/me/shares': 'tenant',
  'POST /api/v1/shares/:id/revoke': 'tenant',
  // Whoever holds a share link may read what it shares: called with A's link and with B's, and
  // neither may carry who the driver is or where the car lives.
  'GET /api/v1/shared/:token': 'public',
  'GET /api/v1/shared/:token/trips': 'public',
  'GET /api/v1/shared/:token/sessions': 'public',
  'GET /api/v1/shared/:token/days': 'public',
  'GET /api/v1/shared/:token/battery-health': 'public',
  'GET /api/v1/shared/:token/overview': 'public',
  'GET /api/v1/shared/:token/trace': 'public',
  'GET /api/v1/shared/:token/export': 'public',
  'GET /api/v1/grid/regions': 'tenant', // the programs the caller manages, side by side
  'POST /api/v1/property-inquiries': 'public',
  'GET /api/v1/property-inquiries': 'tenant',
  'GET /api/v1/property-inquiries/counts': 'tenant',
  'GET /api/v1/property-inquiries/:id': 'tenant',
  'PATCH /api/v1/property-inquiries/:id': 'tenant',
  'GET /api/v1/admin/migrations': 'operator',
  'GET /api/v1/admin/devices': 'operator',
  'POST /api/v1/admin/devices': 'operator',
  'GET /api/v1/admin/devices/:serial': 'operator',
  'POST /api/v1/admin/devices/:serial/revoke': 'operator',
  'POST /api/v1/admin/devices/:serial/rotate': 'operator',
  'POST /api/v1/admin/devices/:serial/status': 'operator',
  'PUT /api/v1/admin/devices/:serial/vehicle': 'operator',
  'GET /api/v1/admin/devices/:serial/telemetry': 'operator',
  'GET /api/v1/admin/programs': 'operator',
  'POST /api/v1/admin/programs': 'operator',
  'GET /api/v1/admin/programs/:program': 'operator',
  'GET /api/v1/admin/programs/:program/days': 'operator',
  'GET /api/v1/admin/vehicles/:id/trips': 'operator',
  'GET /api/v1/admin/vehicles/:id/sessions': 'operator',
  'GET /api/v1/admin/vehicles/:id/battery-health': 'operator',
  'GET /api/v1/admin/vehicles/:id/days': 'operator',
  'POST /api/v1/admin/rebuild': 'operator',
  'GET /api/v1/admin/vehicles': 'operator',
  'POST /api/v1/admin/vehicles': 'operator',
};

/** The web build's files: their names carry a content hash, new on every build, so they go by folder. */
function classOf(method: string, url: string): RouteClass | undefined {
  if (method === 'GET' && url.startsWith('/assets/')) return 'public';
  return ROUTE_CLASSES[`${method} ${url}`];
}

/**
 * Tenant-scoped routes that answer the caller's own data (no resource named): A's people may get a
 * 200, with A's data and never B's; signed out they are refused.
 */
const MINE = new Set([
  'GET /api/v1/auth/me',
  'PATCH /api/v1/auth/me/preferences',
  'POST /api/v1/auth/password',
  'GET /api/v1/accounts',
  'GET /api/v1/device-inventory',
  'GET /api/v1/device-stock',
  'GET /api/v1/me/applications',
  'GET /api/v1/me/notifications',
  'GET /api/v1/me/shares',
  'GET /api/v1/property-inquiries',
  'GET /api/v1/property-inquiries/counts',
  'GET /api/v1/grid/regions',
  'GET /api/v1/me/events',
]);

const REFUSED = [401, 403, 404];

interface Tenant {
  slug: string;
  utility: string;
  admin: { email: string; token: string };
  driver: { email: string; name: string; token: string };
  vin: string;
  homeLine: string;
  homeAddress: { line1: string; city: string; region: string; postalCode: string; country: string };
  utilityAccount: string;
  serial: string;
  applicationId: number;
  enrolledVehicleId: number;
  vehicleId: number;
  shareId: number;
  shareToken: string;
  shipmentId: number;
  notificationId: number;
  inquiryId: number;
  inquiryLine: string;
  inquiryEmail: string;
  payoutId: number;
  eventId: number;
  scheduleId: number;
}

interface Request {
  readonly method: string;
  /** The full path, query included. */
  readonly path: string;
  readonly token?: string | undefined;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

describeEachKind('cross-tenant isolation over every route', (kind) => {
  let server: TestServer;
  let nowMs = T0 - 2 * DAY;
  const api = apiCaller(() => server.url);
  const ok = async (method: string, route: string, token?: string, body?: unknown) => {
    const answer = await api(method, route, token, body);
    expect(answer.status, `${method} ${route}: ${answer.text}`).toBeLessThan(300);
    return answer;
  };
  const send = async (request: Request) => {
    const response = await fetch(`${server.url}${request.path}`, {
      method: request.method,
      headers: {
        ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    return { status: response.status, text: await response.text() };
  };

  const a = {} as Tenant;
  const b = {} as Tenant;
  let stockSerial = '';

  const setUp = async (t: Tenant, preset: string, who: string, make: { make: string; model: string }) => {
    t.slug = preset;
    t.admin = { email: `admin.${who}@${who}.example`, token: '' };
    await ok('POST', '/accounts', ADMIN_TOKEN, {
      email: t.admin.email,
      name: `Staff ${who}`,
      role: 'program_admin',
      utility: t.utility,
      password: PASSWORD,
    });
    t.admin.token = (await ok('POST', '/auth/signin', undefined, { email: t.admin.email, password: PASSWORD })).body
      .token as string;
    t.driver = { email: `driver.${who}@example.com`, name: `Driverina ${who} Quixote`, token: '' };
    await ok('POST', '/auth/signup', undefined, { email: t.driver.email, name: t.driver.name, password: PASSWORD });
    t.driver.token = (await ok('POST', '/auth/signin', undefined, { email: t.driver.email, password: PASSWORD })).body
      .token as string;
    const applied = await ok('POST', `/programs/${preset}/applications`, t.driver.token, {
      vehicles: [{ ...make, modelYear: 2021, vin: t.vin }],
      homeAddress: t.homeAddress,
      utilityAccount: t.utilityAccount,
    });
    t.applicationId = applied.body.id as number;
    const slot = (applied.body.vehicles as { id: number; vehicleId: number }[])[0]!;
    t.enrolledVehicleId = slot.id;
    t.vehicleId = slot.vehicleId;
    await ok('POST', `/applications/${t.applicationId}/approve`, t.admin.token, {});
    const device = await provisionDevice(server, t.serial);
    await ok('POST', `/enrolled-vehicles/${slot.id}/ship`, t.admin.token, {
      serial: t.serial,
      carrier: 'Canada Post',
      trackingNumber: `CP-${who}`,
    });
    await ok('POST', `/enrolled-vehicles/${slot.id}/installed`, t.driver.token);
    return device.credential;
  };

  beforeAll(async () => {
    server = await startTestServer({
      database: kind,
      mqtt: 'off',
      env: { JOBS: 'false', SESSION_TTL_DAYS: '365', INGEST_MAX_AGE_DAYS: '3650' },
      clock: () => new Date(nowMs),
    });
    await ok('POST', '/programs', ADMIN_TOKEN, { preset: 'alectra' });
    await ok('POST', '/programs', ADMIN_TOKEN, { preset: 'mississippi-power' });
    Object.assign(a, {
      utility: 'Alectra Utilities',
      vin: 'KM8K33AG1MU000111',
      homeLine: '11 Applewood Crescent',
      utilityAccount: '1111222233',
      serial: 'C2-ISO-A-0001',
      homeAddress: {
        line1: '11 Applewood Crescent',
        city: 'Mississauga',
        region: 'ON',
        postalCode: 'L5B 1M2',
        country: 'CA',
      },
    });
    Object.assign(b, {
      utility: 'Mississippi Power',
      vin: '1G1FY6S09MU000999',
      homeLine: '99 Magnolia Bayou Road',
      utilityAccount: '9999888877',
      serial: 'C2-ISO-B-0009',
      homeAddress: {
        line1: '99 Magnolia Bayou Road',
        city: 'Gulfport',
        region: 'MS',
        postalCode: '39501',
        country: 'US',
      },
    });
    const credentials = {
      a: await setUp(a, 'alectra', 'alpha', { make: 'Hyundai', model: 'Kona Electric' }),
      b: await setUp(b, 'mississippi-power', 'bravo', { make: 'Chevrolet', model: 'Bolt' }),
    };
    stockSerial = (await provisionDevice(server, 'C2-ISO-STOCK-1')).credential.serial;

    // Telemetry: three days of a drive then a home charge, derived into trips and sessions.
    nowMs = T0 + 20 * DAY;
    for (const [t, credential] of [
      [a, credentials.a],
      [b, credentials.b],
    ] as const) {
      let seq = 0;
      for (let day = 0; day < 3; day++) {
        const records = thenUnplugged(
          telemetryStream({ startMs: T0 + day * DAY, firstSeq: seq, driveSeconds: 600, chargeSeconds: 2400 }),
        );
        seq = records.at(-1)!.seq + 1;
        const uplink = await send({
          method: 'POST',
          path: UPLINK_HTTP_PATH,
          headers: { authorization: basicAuthorization(credential) },
          body: { v: PROTOCOL_VERSION, device: credential.serial, boot: 1, records },
        });
        expect(uplink.status, uplink.text).toBe(200);
      }
      await server.services.derive.idle();
      const trips = await ok('GET', `/vehicles/${t.vehicleId}/trips`, t.driver.token);
      expect((trips.body.trips as unknown[]).length).toBeGreaterThan(0);
      const sessions = await ok('GET', `/vehicles/${t.vehicleId}/sessions`, t.driver.token);
      expect((sessions.body.sessions as unknown[]).length).toBeGreaterThan(0);

      const share = await ok('POST', '/shares', t.driver.token, { vehicleId: t.vehicleId, days: 30, label: 'Family' });
      t.shareId = share.body.id as number;
      t.shareToken = String(share.body.url).split('/shared/')[1]!;
      const cable = await ok('POST', `/enrolled-vehicles/${t.enrolledVehicleId}/y-cable`, t.driver.token, {});
      t.shipmentId = cable.body.id as number;
      await ok('POST', `/applications/${t.applicationId}/adjustments`, t.admin.token, {
        points: 250,
        reason: 'Welcome credit',
      });
      const notices = (await ok('GET', '/me/notifications', t.driver.token)).body.notifications as { id: number }[];
      t.notificationId = notices[0]!.id;
      t.inquiryLine = `${t === a ? 12 : 98} Isolation Court ${t === a ? 'North' : 'South'}`;
      t.inquiryEmail = `manager.${t === a ? 'alpha' : 'bravo'}@property.example`;
      const inquiry = await ok('POST', '/property-inquiries', undefined, {
        program: t.slug,
        buildingName: `Isolation Towers ${t === a ? 'A' : 'B'}`,
        address: { ...(t === a ? a : b).homeAddress, line1: t.inquiryLine },
        units: 24,
        hasCommonArea: true,
        contactName: 'Pat Manager',
        contactEmail: t.inquiryEmail,
      });
      t.inquiryId = inquiry.body.id as number;
      // A payout batch when the program can make one here (no PayPal in this test); else an id nobody has.
      const batch = await api('POST', `/programs/${t.slug}/payouts`, t.admin.token, {
        provider: 'paypal',
        period: '2026-10',
      });
      t.payoutId = batch.status === 201 ? (batch.body.id as number) : 999_999;
    }
    // A demand-response event each program's driver was told of, and a standing schedule.
    for (const t of [a, b]) {
      const event = await ok('POST', `/programs/${t.slug}/events`, t.admin.token, {
        name: `Isolation peak ${t === a ? 'A' : 'B'}`,
        target: 'shift',
        startsAt: new Date(nowMs + 2 * DAY).toISOString(),
        endsAt: new Date(nowMs + 2 * DAY + 3 * 3_600_000).toISOString(),
        noticeMinutes: 3 * 24 * 60,
        controlShare: 0,
      });
      t.eventId = event.body.id as number;
      const schedule = await ok('POST', `/programs/${t.slug}/event-schedules`, t.admin.token, {
        name: 'Summer weekdays',
        target: 'shift',
        days: 'weekdays',
        from: '17:00',
        to: '20:00',
        activeFrom: '2027-06-01',
      });
      t.scheduleId = schedule.body.id as number;
    }
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
  });

  /** Everything B's people can read of B's data: must be the same after the walk as before. */
  const snapshotOfB = async () => {
    const reads: [string, string][] = [
      [`/applications/${b.applicationId}`, b.driver.token],
      [`/applications/${b.applicationId}/ledger`, b.driver.token],
      ['/me/applications', b.driver.token],
      ['/me/shares', b.driver.token],
      ['/me/notifications', b.driver.token],
      ['/auth/me', b.driver.token],
      [`/vehicles/${b.vehicleId}/trips`, b.driver.token],
      [`/vehicles/${b.vehicleId}/sessions`, b.driver.token],
      [`/shared/${b.shareToken}`, ''],
      [`/programs/${b.slug}`, b.admin.token],
      [`/programs/${b.slug}/summary`, b.admin.token],
      [`/programs/${b.slug}/shipments`, b.admin.token],
      [`/programs/${b.slug}/balances`, b.admin.token],
      [`/programs/${b.slug}/payouts`, b.admin.token],
      [`/property-inquiries/${b.inquiryId}`, b.admin.token],
      ['/device-inventory', b.admin.token],
      ['/auth/me', b.admin.token],
      ['/me/events', b.driver.token],
      [`/applications/${b.applicationId}/event-preferences`, b.driver.token],
      [`/programs/${b.slug}/events`, b.admin.token],
      [`/programs/${b.slug}/events/${b.eventId}`, b.admin.token],
      [`/programs/${b.slug}/event-schedules`, b.admin.token],
    ];
    const snapshot: Record<string, unknown> = {};
    for (const [route, token] of reads) {
      const answer = await ok('GET', route, token || undefined);
      // When a share link was last opened changes with every read of it (B's link is read in the walk).
      snapshot[`${route} as ${token === b.admin.token ? 'admin' : 'driver'}`] = JSON.parse(
        answer.text,
        (key, value: unknown) => (key === 'lastUsedAt' ? undefined : value),
      );
    }
    return snapshot;
  };

  it('refuses A every route into B, shows no answer any of B’s identity, and leaves B’s data as it was', async () => {
    const before = await snapshotOfB();
    const secretsOfB = [
      b.driver.email,
      b.driver.name,
      b.vin,
      b.homeLine,
      b.serial,
      b.utilityAccount,
      b.admin.email,
      b.inquiryLine,
      b.inquiryEmail,
    ];
    const [trip] = (await ok('GET', `/vehicles/${a.vehicleId}/trips?limit=1`, a.driver.token)).body.trips as {
      startedAt: string;
    }[];
    const traceWindow = `from=${trip!.startedAt}&to=${new Date(Date.parse(trip!.startedAt) + 3_600_000).toISOString()}`;
    const dayWindow = `from=${FROM_DAY}&to=${TO_DAY}`;
    /** Queries a route needs to get past its own validation, so that only access can refuse it. */
    const QUERIES: Record<string, string> = {
      '/days': dayWindow,
      '/trace': traceWindow,
      '/export': `kind=sessions&format=json&${dayWindow}`,
      '/grid': dayWindow,
      '/grid.csv': dayWindow,
      '/grid/regions': dayWindow,
      '/grid/distribution': dayWindow,
      '/telemetry': traceWindow,
    };
    const queryOf = (url: string) => {
      const tail = Object.keys(QUERIES).find((suffix) => url.endsWith(suffix));
      return tail ? `?${QUERIES[tail]}` : '';
    };
    /** B's resources in the route's parameters. */
    const pathInto = (url: string, t: Tenant, token = t.shareToken) =>
      url
        .replace(':slug', t.slug)
        .replace(':program', t.slug)
        .replace(':serial', t.serial)
        .replace(':token', token)
        .replace(':name', 'rewards')
        .replace(':id', () => {
          if (url.includes('/applications/')) return String(t.applicationId);
          if (url.includes('/enrolled-vehicles/')) return String(t.enrolledVehicleId);
          if (url.includes('/vehicles/')) return String(t.vehicleId);
          if (url.includes('/shipments/')) return String(t.shipmentId);
          if (url.includes('/payouts/')) return String(t.payoutId);
          if (url.includes('/notifications/')) return String(t.notificationId);
          if (url.includes('/shares/')) return String(t.shareId);
          if (url.includes('/property-inquiries/')) return String(t.inquiryId);
          if (url.includes('/events/')) return String(t.eventId);
          if (url.includes('/event-schedules/')) return String(t.scheduleId);
          throw new Error(`no resource for :id in ${url}: add it to pathInto`);
        }) + queryOf(url);
    /** A valid body for each write, so that validation cannot be what refuses it. */
    const bodyOf = (method: string, url: string): unknown => {
      if (method === 'GET') return undefined;
      const bodies: Record<string, unknown> = {
        '/approve': {},
        '/decline': { reason: 'Not a customer of ours.' },
        '/withdraw': undefined,
        '/leave': { reason: 'moved' },
        '/paypal': { paypalEmail: 'attacker@example.com' },
        '/adjustments': { points: 1000, reason: 'Taken across tenants' },
        '/ship': { serial: stockSerial, carrier: 'Canada Post', trackingNumber: 'CP-X' },
        '/installed': undefined,
        '/installed-for-driver': { note: 'Taken across tenants' },
        '/api/v1/device-stock': { program: b.slug, list: 'C2-ISO-INTRUDER' },
        '/device-stock/:serial/program': { program: b.slug },
        '/removed': {},
        '/y-cable': {},
        '/change': { make: 'Hyundai', model: 'Kona Electric', modelYear: 2021, vin: 'KM8K33AG1MU000555' },
        '/shipments/:id': { status: 'shipped', carrier: 'Canada Post', trackingNumber: 'CP-X' },
        '/fulfil': {},
        '/read': undefined,
        '/revoke': undefined,
        '/rewards/evaluate': {},
        '/api/v1/shares': { vehicleId: b.vehicleId, days: 7 },
        '/api/v1/programs/:slug': { supportHours: 'Taken across tenants' },
        '/programs/:slug/payouts': { provider: 'paypal', period: '2026-09' },
        '/property-inquiries/:id': { status: 'contacted', note: 'Taken across tenants' },
        '/auth/me/preferences': { distanceUnit: 'mi' },
        '/programs/:slug/events': {
          name: 'Taken across tenants',
          target: 'curtail',
          startsAt: new Date(nowMs + DAY).toISOString(),
          endsAt: new Date(nowMs + DAY + 3_600_000).toISOString(),
        },
        '/programs/:slug/event-schedules': {
          name: 'Taken across tenants',
          target: 'curtail',
          days: 'all',
          from: '17:00',
          to: '18:00',
          activeFrom: '2027-01-01',
        },
        '/event-preferences': { readyBy: '06:00', minSocPct: 90, notifyMail: false },
        '/auth/password': { currentPassword: 'not the password at all', password: 'another long password' },
        // A new program, or B's preset made again: the operator's alone.
        '/api/v1/programs': { preset: 'mississippi-power' },
        '/api/v1/admin/programs': { preset: 'mississippi-power' },
        '/api/v1/accounts': {
          email: 'intruder@mississippi.example',
          name: 'Intruder',
          role: 'program_admin',
          utility: b.utility,
          password: PASSWORD,
        },
      };
      const key = Object.keys(bodies).find((suffix) => url.endsWith(suffix));
      return key ? bodies[key] : {};
    };

    let requests = 0;
    const exercised = new Map<string, number>();
    const problems: string[] = [];
    const check = async (route: string, request: Request, allowed: (status: number) => boolean, why: string) => {
      const answer = await send(request);
      requests += 1;
      exercised.set(route, (exercised.get(route) ?? 0) + 1);
      const who = `${route} → ${request.method} ${request.path} ${why}`;
      if (!allowed(answer.status)) problems.push(`${who}: answered ${answer.status} ${answer.text.slice(0, 200)}`);
      for (const secret of secretsOfB) {
        if (answer.text.toLowerCase().includes(secret.toLowerCase())) problems.push(`${who}: shows B's "${secret}"`);
      }
    };
    const refused = (status: number) => REFUSED.includes(status);
    const anyAnswer = (status: number) => status < 500;

    const routes = server.routes.map((r) => ({ ...r, key: `${r.method} ${r.url}` }));
    const unknown = routes.filter((r) => classOf(r.method, r.url) === undefined).map((r) => r.key);
    expect(unknown, 'routes without a class in ROUTE_CLASSES: decide who may call them').toEqual([]);
    const counts: Record<RouteClass, number> = { public: 0, operator: 0, tenant: 0 };

    for (const route of routes) {
      const routeClass = classOf(route.method, route.url)!;
      counts[routeClass] += 1;
      const body = bodyOf(route.method, route.url);
      if (routeClass === 'operator') {
        const path = pathInto(route.url, b);
        for (const [token, who] of [
          [a.admin.token, "as A's administrator"],
          [a.driver.token, "as A's driver"],
          [b.shareToken, "with B's share token"],
        ] as const) {
          await check(route.key, { method: route.method, path, token, body }, (s) => s === 401 || s === 403, who);
        }
      } else if (routeClass === 'tenant') {
        const path = pathInto(route.url, b);
        const mine = MINE.has(route.key);
        for (const [token, who] of [
          [a.driver.token, "as A's driver"],
          [a.admin.token, "as A's administrator"],
          [b.shareToken, "with B's share token"],
          [undefined, 'signed out'],
        ] as const) {
          const allowed = mine && token !== undefined && token !== b.shareToken ? anyAnswer : refused;
          await check(route.key, { method: route.method, path, token, body }, allowed, who);
        }
      } else {
        await check(route.key, publicRequest(route.method, route.url), anyAnswer, 'signed out');
        if (route.url.includes(':token')) {
          // B's link reads B's car, never who B is; A's link never reads B.
          await check(route.key, { method: 'GET', path: pathInto(route.url, b) }, (s) => s === 200, "B's link");
          await check(route.key, { method: 'GET', path: pathInto(route.url, a) }, (s) => s === 200, "A's link");
          const forged = pathInto(route.url, b, `${b.shareToken.slice(0, -2)}zz`);
          await check(route.key, { method: 'GET', path: forged }, (s) => s === 404, 'forged link');
        }
      }
    }

    /** A public route called as a stranger would, with B's slug or email where it takes one. */
    function publicRequest(method: string, url: string): Request {
      const path = pathInto(url, b, a.shareToken);
      const bodies: Record<string, unknown> = {
        'POST /api/v1/uplink': { v: PROTOCOL_VERSION, device: b.serial, boot: 1, records: [] },
        'POST /api/v1/auth/signup': { email: 'newcomer@example.com', name: 'New Comer', password: PASSWORD },
        'POST /api/v1/auth/signin': { email: b.driver.email, password: 'not the password at all' },
        'POST /api/v1/auth/session': { email: b.driver.email, password: 'not the password at all' },
        'POST /api/v1/auth/password-reset': { email: b.driver.email },
        'POST /api/v1/auth/password-reset/complete': { token: 'x'.repeat(43), password: 'another long password' },
        'POST /api/v1/programs/:slug/eligibility': { make: 'Chevrolet', model: 'Bolt', modelYear: 2021 },
        'POST /api/v1/programs/:slug/applications': {
          vehicles: [{ make: 'Chevrolet', model: 'Bolt', modelYear: 2021, vin: b.vin }],
          homeAddress: b.homeAddress,
          utilityAccount: b.utilityAccount,
        },
        // Not B's link (nobody's): refused, and nothing of B's shown.
        'POST /api/v1/events/opt-out': { token: 'x'.repeat(43) },
        'POST /api/v1/property-inquiries': {
          program: b.slug,
          buildingName: 'Stranger Towers',
          address: { ...b.homeAddress, line1: '1 Stranger Street' },
          units: 12,
          hasCommonArea: false,
          contactName: 'Stranger',
          contactEmail: 'stranger@property.example',
        },
      };
      const key = `${method} ${url}`;
      return {
        method,
        path,
        body: bodies[key] ?? (method === 'GET' ? undefined : {}),
        ...(key === 'POST /api/v1/uplink'
          ? { headers: { authorization: basicAuthorization({ serial: b.serial, secret: 'not-the-secret' }) } }
          : {}),
      };
    }

    console.log(
      `isolation [${kind}]: ${routes.length} routes (${counts.tenant} tenant-scoped, ${counts.operator} operator-only, ` +
        `${counts.public} public), ${requests} requests`,
    );
    expect(problems).toEqual([]);
    // Aggregates carry no names, so the side-by-side view is checked by program: only A's.
    const regions = await ok('GET', `/grid/regions?${dayWindow}`, a.admin.token);
    expect((regions.body.regions as { slug: string }[]).map((r) => r.slug)).toEqual([a.slug]);
    expect(routes.filter((r) => !exercised.has(r.key)).map((r) => r.key)).toEqual([]);
    expect(await snapshotOfB()).toEqual(before);
  }, 240_000);
});

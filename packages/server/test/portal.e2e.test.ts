/**
 * The web app's API over HTTP, on both databases: who may read a vehicle's derived data, trip
 * traces, downloads, share links (expiry, revocation), display units, and the utility's grid view
 * adding up to what the vehicles charged.
 */
import { basicAuthorization, PROTOCOL_VERSION, UPLINK_HTTP_PATH, type DeviceCredential } from '@smartcharge/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachKind } from './support/databases.js';
import { apiCaller } from './support/http.js';
import { ADMIN_TOKEN, provisionDevice, startTestServer, type TestServer } from './support/servers.js';
import { telemetryStream, thenUnplugged } from './support/telemetry-fixtures.js';

const T0 = Date.UTC(2026, 10, 2, 21); // 2 November 2026, 16:00 in Toronto
const DAY = 86_400_000;

describeEachKind('portal API', (kind) => {
  let server: TestServer;
  let nowMs = T0 + 20 * DAY;
  const call = apiCaller(() => server.url);
  const signIn = async (email: string, password: string) =>
    (await call('POST', '/auth/signin', undefined, { email, password })).body.token as string;

  let admin = '';
  let otherAdmin = '';
  let dana = '';
  let lee = '';
  let vehicleId = 0;
  let device: { credential: DeviceCredential };

  const send = async (startMs: number, seqFrom: number) => {
    const records = thenUnplugged(
      telemetryStream({ startMs, firstSeq: seqFrom, driveSeconds: 600, chargeSeconds: 2400, seed: 3 }),
    );
    const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuthorization(device.credential) },
      body: JSON.stringify({ v: PROTOCOL_VERSION, device: device.credential.serial, boot: 1, records }),
    });
    expect(response.status).toBe(200);
    await server.services.derive.idle();
    return records.at(-1)!.seq + 1;
  };

  beforeAll(async () => {
    server = await startTestServer({
      database: kind,
      mqtt: 'off',
      env: { JOBS: 'false', SESSION_TTL_DAYS: '365', INGEST_MAX_AGE_DAYS: '3650' },
      clock: () => new Date(nowMs),
    });
    await call('POST', '/programs', ADMIN_TOKEN, { preset: 'alectra' });
    await call('POST', '/programs', ADMIN_TOKEN, { preset: 'mississippi-power' });
    for (const [email, utility] of [
      ['pat@alectra.example', 'Alectra Utilities'],
      ['sam@mississippi.example', 'Mississippi Power'],
    ] as const) {
      const made = await call('POST', '/accounts', ADMIN_TOKEN, {
        email,
        name: 'Staff',
        role: 'program_admin',
        utility,
        password: 'a long staff password',
      });
      expect(made.status, made.text).toBe(201);
    }
    admin = await signIn('pat@alectra.example', 'a long staff password');
    otherAdmin = await signIn('sam@mississippi.example', 'a long staff password');
    for (const email of ['dana@example.com', 'lee@example.com']) {
      await call('POST', '/auth/signup', undefined, { email, name: 'Driver', password: 'a driver password' });
    }
    dana = await signIn('dana@example.com', 'a driver password');
    lee = await signIn('lee@example.com', 'a driver password');

    nowMs = T0 - 2 * DAY;
    const applied = await call('POST', '/programs/alectra/applications', dana, {
      vehicles: [{ make: 'Hyundai', model: 'Kona Electric', modelYear: 2021, vin: 'KM8K33AG1MU000777' }],
      homeAddress: { line1: '1 Main St', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' },
      utilityAccount: '1234567890',
    });
    expect(applied.status, applied.text).toBe(201);
    const slot = (applied.body.vehicles as { id: number; vehicleId: number }[])[0]!;
    vehicleId = slot.vehicleId;
    await call('POST', `/applications/${applied.body.id as number}/approve`, admin, {});
    device = await provisionDevice(server);
    await call('POST', `/enrolled-vehicles/${slot.id}/ship`, admin, {
      serial: device.credential.serial,
      carrier: 'Canada Post',
      trackingNumber: 'CP1',
    });
    await call('POST', `/enrolled-vehicles/${slot.id}/installed`, dana);
    nowMs = T0 + 20 * DAY;
    let seq = 0;
    for (let day = 0; day < 3; day++) seq = await send(T0 + day * DAY, seq);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('lets the driver, the utility and operators read the vehicle, and nobody else', async () => {
    const days = `/vehicles/${vehicleId}/days?from=2026-11-01&to=2026-11-10`;
    for (const token of [dana, admin, ADMIN_TOKEN]) {
      const answer = await call('GET', days, token);
      expect(answer.status, answer.text).toBe(200);
      expect((answer.body.days as unknown[]).length).toBe(3);
    }
    for (const token of [lee, otherAdmin]) {
      const answer = await call('GET', `/vehicles/${vehicleId}/trips`, token);
      expect(answer.status).toBe(404);
      expect(answer.body.error?.message).toBe(`No vehicle has id ${vehicleId}.`);
    }
    expect((await call('GET', `/vehicles/${vehicleId}/trips`)).status).toBe(401);
    // A vehicle that does not exist answers the same as one the caller may not see.
    expect((await call('GET', '/vehicles/999999/trips', lee)).body.error?.message).toBe('No vehicle has id 999999.');
  });

  it('draws a trip from its readings, thinned to the points asked for', async () => {
    const [trip] = (await call('GET', `/vehicles/${vehicleId}/trips?limit=1`, dana)).body.trips as {
      startedAt: string;
      endedAt: string;
      socStartPct: number;
      socEndPct: number;
    }[];
    const trace = await call(
      'GET',
      `/vehicles/${vehicleId}/trace?from=${trip!.startedAt}&to=${trip!.endedAt}&points=50`,
      dana,
    );
    const points = trace.body.points as { t: number; socPct: number; speedMps: number }[];
    expect(points.length).toBe(50);
    expect(points[0]!.t).toBeGreaterThanOrEqual(Date.parse(trip!.startedAt));
    expect(points.at(-1)!.t).toBeLessThanOrEqual(Date.parse(trip!.endedAt));
    expect(points[0]!.socPct).toBeCloseTo(trip!.socStartPct, 0);
    expect(points.some((p) => p.speedMps > 5)).toBe(true);
    const tooLong = await call(
      'GET',
      `/vehicles/${vehicleId}/trace?from=2026-11-01T00:00:00Z&to=2026-11-05T00:00:00Z`,
      dana,
    );
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error?.message).toMatch(/at most two days/);
  });

  it('downloads days, trips and sessions as CSV and JSON for a date range', async () => {
    const csv = await call('GET', `/vehicles/${vehicleId}/export?kind=sessions&from=2026-11-02&to=2026-11-04`, dana);
    expect(csv.status, csv.text).toBe(200);
    const [header, ...rows] = csv.text.trim().split('\r\n');
    expect(header!.split(',').slice(0, 5)).toEqual(['plugged_at', 'unplugged_at', 'level', 'kind', 'wall_kwh']);
    expect(rows.length).toBe(2); // the 2nd and 3rd of November, local days
    for (const row of rows) expect(Number(row.split(',')[4])).toBeGreaterThan(1);
    // Times are the program's local time (Toronto, standard time in November) with the offset: the same instants.
    const sessions = (await call('GET', `/vehicles/${vehicleId}/sessions`, dana)).body.sessions as {
      pluggedAt: string;
    }[];
    for (const row of rows) {
      const pluggedAt = row.split(',')[0]!;
      expect(pluggedAt).toMatch(/^2026-11-0\dT\d\d:\d\d:\d\d-05:00$/);
      expect(sessions.map((x) => Math.floor(Date.parse(x.pluggedAt) / 1000))).toContain(Date.parse(pluggedAt) / 1000);
    }
    const json = await call(
      'GET',
      `/vehicles/${vehicleId}/export?kind=trips&format=json&from=2026-11-01&to=2026-11-30`,
      dana,
    );
    expect((json.body.rows as unknown[]).length).toBe(3);
    const days = await call('GET', `/vehicles/${vehicleId}/export?kind=days&from=2026-11-01&to=2026-11-30`, dana);
    expect(days.text.trim().split('\r\n').length).toBe(4);
    const backwards = await call('GET', `/vehicles/${vehicleId}/export?kind=days&from=2026-11-30&to=2026-11-01`, dana);
    expect(backwards.status).toBe(400);
    expect(backwards.body.error?.message).toMatch(/is empty/);
    expect(
      (await call('GET', `/vehicles/${vehicleId}/export?kind=days&from=2026-11-01&to=2026-11-30`, lee)).status,
    ).toBe(404);
  });

  it('gives a share link that reads this vehicle only, until it expires or is revoked', async () => {
    expect((await call('POST', '/shares', lee, { vehicleId, days: 7 })).status).toBe(404);
    const made = await call('POST', '/shares', dana, { vehicleId, days: 7, label: 'Family' });
    expect(made.status, made.text).toBe(201);
    const token = String(made.body.url).split('/shared/')[1]!;
    expect(token.length).toBeGreaterThan(20);
    const opened = await call('GET', `/shared/${token}`);
    expect(opened.body.vehicle).toMatchObject({ make: 'Hyundai', model: 'Kona Electric' });
    expect((await call('GET', `/shared/${token}/trips`)).body.trips).toHaveLength(3);
    // Exactly what was shared: nothing of the driver's own.
    expect((await call('GET', `/shared/${token}x/trips`)).status).toBe(404);

    nowMs += 8 * DAY;
    const expired = await call('GET', `/shared/${token}/days?from=2026-11-01&to=2026-11-10`);
    expect(expired.status).toBe(404);
    expect(expired.body.error?.message).toMatch(/expired, was revoked/);

    const second = await call('POST', '/shares', dana, { vehicleId, days: 30 });
    const secondToken = String(second.body.url).split('/shared/')[1]!;
    expect((await call('GET', `/shared/${secondToken}`)).status).toBe(200);
    expect((await call('POST', `/shares/${second.body.id as number}/revoke`, lee)).status).toBe(404);
    const revoked = await call('POST', `/shares/${second.body.id as number}/revoke`, dana);
    expect(revoked.body.active).toBe(false);
    expect((await call('GET', `/shared/${secondToken}`)).status).toBe(404);
    const list = (await call('GET', '/me/shares', dana)).body.shares as { active: boolean }[];
    expect(list.map((s) => s.active)).toEqual([false, false]);
    const bad = await call('POST', '/shares', dana, { vehicleId, days: 1000 });
    expect(bad.status).toBe(400);
  });

  it('never shows a share link where the car charged: no location in any /shared answer or download', async () => {
    // The driver sees where the car charged (so the fixture has a location the link could leak).
    const own = (await call('GET', `/vehicles/${vehicleId}/sessions`, dana)).body.sessions as Record<string, unknown>[];
    expect(own.some((session) => typeof session.latDeg === 'number' && typeof session.lonDeg === 'number')).toBe(true);
    const ownCsv = await call('GET', `/vehicles/${vehicleId}/export?kind=sessions&from=2026-11-01&to=2026-11-30`, dana);
    expect(ownCsv.text.split('\r\n')[0]).toMatch(/latitude,longitude/);

    const made = await call('POST', '/shares', dana, { vehicleId, days: 30 });
    const token = String(made.body.url).split('/shared/')[1]!;
    const [trip] = (await call('GET', `/vehicles/${vehicleId}/trips?limit=1`, dana)).body.trips as {
      startedAt: string;
    }[];
    const [session] = own as { pluggedAt: string; unpluggedAt: string }[];
    // Every route a share link answers, with the query it needs. A /shared route missing here fails the test.
    const queries: Record<string, string[]> = {
      '/api/v1/shared/:token': [''],
      '/api/v1/shared/:token/trips': [''],
      '/api/v1/shared/:token/sessions': ['', '?from=2026-11-01T00:00:00Z&to=2026-11-30T00:00:00Z'],
      '/api/v1/shared/:token/days': ['?from=2026-11-01&to=2026-11-30'],
      '/api/v1/shared/:token/battery-health': [''],
      '/api/v1/shared/:token/overview': [''],
      '/api/v1/shared/:token/trace': [
        `?from=${trip!.startedAt}&to=${new Date(Date.parse(trip!.startedAt) + 3_600_000).toISOString()}`,
        `?from=${session!.pluggedAt}&to=${session!.unpluggedAt}`,
      ],
      '/api/v1/shared/:token/export': ['days', 'trips', 'sessions'].flatMap((kind) =>
        ['csv', 'json'].map((format) => `?kind=${kind}&format=${format}&from=2026-11-01&to=2026-11-30`),
      ),
    };
    const sharedRoutes = server.routes.filter((r) => r.url.startsWith('/api/v1/shared/')).map((r) => r.url);
    expect(sharedRoutes.sort()).toEqual(Object.keys(queries).sort());

    const LOCATION =
      /^(lat|lon|lng|latitude|longitude|location|latDeg|lonDeg|lat_deg|lon_deg|address|homeAddress|postalCode)$/i;
    const locationKeys = (value: unknown, path = '$'): string[] => {
      if (Array.isArray(value)) return value.flatMap((v, i) => locationKeys(v, `${path}[${i}]`));
      if (value === null || typeof value !== 'object') return [];
      return Object.entries(value).flatMap(([key, v]) => [
        ...(LOCATION.test(key) ? [`${path}.${key}`] : []),
        ...locationKeys(v, `${path}.${key}`),
      ]);
    };
    let answers = 0;
    for (const [route, suffixes] of Object.entries(queries)) {
      for (const suffix of suffixes) {
        const url = `${route.replace('/api/v1', '').replace(':token', token)}${suffix}`;
        const answer = await call('GET', url);
        expect(answer.status, `${url}: ${answer.text.slice(0, 200)}`).toBe(200);
        answers += 1;
        if (answer.type.startsWith('text/csv')) {
          const header = answer.text.split('\r\n')[0]!.split(',');
          expect(
            header.filter((name) => LOCATION.test(name)),
            url,
          ).toEqual([]);
        } else {
          expect(locationKeys(answer.body), url).toEqual([]);
        }
        // No coordinate of the charging place appears anywhere, whatever the field is called.
        for (const s of own) {
          if (typeof s.latDeg === 'number') expect(answer.text, url).not.toContain(s.latDeg.toFixed(4));
        }
      }
    }
    expect(answers).toBe(15);
  });

  it('keeps each person’s display units, and refuses units it does not know', async () => {
    const set = await call('PATCH', '/auth/me/preferences', dana, { distanceUnit: 'mi' });
    expect(set.body.preferences).toEqual({ distanceUnit: 'mi', temperatureUnit: 'C' });
    expect(((await call('GET', '/auth/me', dana)).body.preferences as { distanceUnit: string }).distanceUnit).toBe(
      'mi',
    );
    expect(((await call('GET', '/auth/me', lee)).body.preferences as { distanceUnit: string }).distanceUnit).toBe('km');
    const wrong = await call('PATCH', '/auth/me/preferences', dana, { temperatureUnit: 'K' });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body.error?.details)).toContain('temperatureUnit');
  });

  it('adds the grid view up to what the vehicles charged, by hour, level and territory', async () => {
    const grid = await call('GET', '/programs/alectra/grid?from=2026-11-01&to=2026-11-08', admin);
    expect(grid.status, grid.text).toBe(200);
    const view = grid.body as {
      days: { wallWh: number; hourlyWh: number[] }[];
      profileKw: { all: number[]; weekday: number[]; weekend: number[] };
      peakHour: number;
      totals: { wallWh: number; byLevelWh: { L2: number }; inTerritoryShare: number };
      contributors: { vehicleId: number; peakHourShare: number }[];
    };
    const sessions = (await call('GET', `/vehicles/${vehicleId}/sessions`, admin)).body.sessions as {
      wallWh: number;
    }[];
    const charged = sessions.reduce((a, s) => a + s.wallWh, 0);
    expect(view.totals.wallWh).toBeCloseTo(charged, 3);
    expect(view.days.reduce((a, d) => a + d.hourlyWh.reduce((x, y) => x + y, 0), 0)).toBeCloseTo(charged, 3);
    expect(view.totals.byLevelWh.L2).toBeCloseTo(charged, 3);
    expect(view.totals.inTerritoryShare).toBeCloseTo(1, 6);
    expect(view.profileKw.all).toHaveLength(24);
    // The mean load's integral over a day is the mean daily energy (7 calendar days).
    expect(view.profileKw.all.reduce((a, b) => a + b, 0) * 1000 * 7).toBeCloseTo(charged, 3);
    expect(view.profileKw.all[view.peakHour]).toBe(Math.max(...view.profileKw.all));
    expect(view.contributors.map((c) => c.vehicleId)).toEqual([vehicleId]);
    expect(view.contributors[0]!.peakHourShare).toBeCloseTo(1, 9);

    const csv = await call('GET', '/programs/alectra/grid.csv?from=2026-11-01&to=2026-11-08', admin);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^day,vehicles,wall_kwh,l1_kwh,l2_kwh,dcfc_kwh,in_territory_kwh,/);
    expect(lines).toHaveLength(4);

    expect((await call('GET', '/programs/alectra/grid?from=2026-11-01&to=2026-11-08', otherAdmin)).status).toBe(404);
    expect((await call('GET', '/programs/alectra/grid?from=2026-11-01&to=2026-11-08', dana)).status).toBe(403);
    const tooLong = await call('GET', '/programs/alectra/grid?from=2024-01-01&to=2026-11-08', admin);
    expect(tooLong.status).toBe(400);
    const regions = await call('GET', '/grid/regions?from=2026-11-01&to=2026-11-08', ADMIN_TOKEN);
    const bySlug = new Map((regions.body.regions as { slug: string; wallWh: number }[]).map((r) => [r.slug, r]));
    expect(bySlug.get('alectra')!.wallWh).toBeCloseTo(charged, 3);
    expect(bySlug.get('mississippi-power')!.wallWh).toBe(0);
  });
});

/**
 * The distribution grid on PGlite and PostgreSQL, over the routes on a bare Fastify app (the plugin,
 * the API error handler, an actor read from a test header): a GeoJSON and a CSV upload, errors that
 * name the line or feature and field, a refused or failed upload that changes nothing, groups that
 * stay keeping their ids; each group's coincident peak and hours above rating against sessions
 * computed by hand; and the demand-response events on the grid view, fresh while its figures are kept.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR, PUBLIC, SYSTEM, type Actor } from '../src/actor.js';
import type { Database, Queryable } from '../src/db/database.js';
import { insertEvent } from '../src/demand/demand.repository.js';
import type { SessionItem } from '../src/derive/items.js';
import { DistributionService } from '../src/grid/distribution.js';
import { apiErrorHandler } from '../src/http/error-handler.js';
import { gridGroupsRoutes } from '../src/http/grid-groups.routes.js';
import { createLogger } from '../src/logger.js';
import type { Services } from '../src/services.js';
import { expectAppError } from './support/app-errors.js';
import { testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { addChargeSessions, chargeSession, createDriver, HOME, uniqueVin } from './support/program-fixtures.js';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
/** The fixtures' home position (chargeSession's latDeg/lonDeg) and a square around it. */
const HOME_LAT = 43.59;
const HOME_LON = -79.64;
const around = (lon: number, lat: number, d = 0.005) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lon - d, lat - d],
      [lon + d, lat - d],
      [lon + d, lat + d],
      [lon - d, lat + d],
      [lon - d, lat - d],
    ],
  ],
});

/** "operator", "driver", "admin:<utility>"; no header is the public. */
async function actorOf(request: FastifyRequest): Promise<Actor> {
  const header = request.headers['x-test-actor'];
  if (header === 'operator') return CLI_OPERATOR;
  if (header === 'driver') return { kind: 'driver', accountId: 5 };
  if (typeof header === 'string' && header.startsWith('admin:')) {
    return { kind: 'program_admin', accountId: 7, utility: header.slice('admin:'.length) };
  }
  return PUBLIC;
}

const ADMIN = 'admin:Alectra Utilities';
const CSV_HEADER = 'service_point,transformer,transformer_kva,feeder,feeder_kva';

interface GroupJson {
  id: number;
  kind: string;
  code: string;
  ratingKva: number | null;
  parentCode: string | null;
  servicePoints: number;
  participants: number;
  hasArea: boolean;
}

describeEachDatabase('distribution grid', (setup) => {
  let services: Services;
  let app: FastifyInstance;
  /** Enrollment ids by service point (utility account). */
  const enrollments = new Map<string, number>();

  const upload = (payload: string, contentType: string, actor: string | null = ADMIN) =>
    app.inject({
      method: 'PUT',
      url: '/api/v1/programs/alectra/grid/groups',
      payload,
      headers: { 'content-type': contentType, ...(actor ? { 'x-test-actor': actor } : {}) },
    });
  const read = async <T>(url: string, actor = ADMIN): Promise<T> => {
    const answer = await app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { 'x-test-actor': actor } });
    expect(answer.statusCode, answer.body).toBe(200);
    return answer.json<T>();
  };
  const groupsNow = async () => (await read<{ groups: GroupJson[] }>('/programs/alectra/grid/groups')).groups;
  const byCode = (groups: readonly GroupJson[]) => Object.fromEntries(groups.map((g) => [`${g.kind} ${g.code}`, g]));

  /** An approved participant whose utility account is `servicePoint`, with one vehicle; returns the vehicle id. */
  async function participant(servicePoint: string): Promise<number> {
    const driver = await createDriver(services);
    const applied = await services.enrollment.apply(driver.actor, 'alectra', {
      vehicles: [{ make: 'Hyundai', model: 'Kona Electric', modelYear: 2019, vin: uniqueVin() }],
      homeAddress: HOME,
      utilityAccount: servicePoint,
    });
    const approved = await services.enrollment.approve(CLI_OPERATOR, applied.id);
    enrollments.set(servicePoint, approved.id);
    return approved.vehicles[0]!.vehicleId;
  }

  const session = (iso: string, hours: number, wallKwh: number, where?: { latDeg: number; lonDeg: number }) => ({
    ...chargeSession({ pluggedAtMs: at(iso), hours, wallKwh }),
    ...(where ?? {}),
  });

  beforeAll(async () => {
    services = await testServices(setup().db);
    await services.programs.ensurePreset(SYSTEM, 'alectra');
    await services.programs.ensurePreset(SYSTEM, 'mississippi-power');
    // Toronto is UTC−5 in November: the local days 2026-11-02 … 2026-11-03 are [05:00Z on the 2nd, 05:00Z on the 4th).
    const v1 = await participant('SP-1');
    const v2 = await participant('SP-2');
    const v3 = await participant('SP-3');
    const v4 = await participant('SP-4');
    // SP-1: 7 kWh in each of the hours 23:00Z, 00:00Z, 01:00Z; and a big charge after the range.
    await addChargeSessions(services, v1, [
      session('2026-11-02T23:00:00Z', 3, 21),
      session('2026-11-05T00:00:00Z', 1, 50),
    ]);
    // SP-2: 8 kWh at 00:00Z and 01:00Z.
    await addChargeSessions(services, v2, [session('2026-11-03T00:00:00Z', 2, 16)]);
    // SP-3 (no service point row: placed by where it charges at home): 3 kWh at 10:00Z and 6 kWh at 00:00Z
    // at home; at 00:00Z on the 4th a DC fast charge and a Level 2 charge across town, neither on its transformer.
    const fast: SessionItem = { ...session('2026-11-03T20:00:00Z', 1, 40), kind: 'dc', level: 'DCFC' };
    await addChargeSessions(services, v3, [
      session('2026-11-02T10:00:00Z', 1, 3),
      session('2026-11-03T00:00:00Z', 1, 6),
      session('2026-11-03T21:00:00Z', 1, 10, { latDeg: 43.7, lonDeg: -79.4 }),
      fast,
    ]);
    // SP-4: on no group (no service point row, home outside every area), 5 kWh at 02:00Z.
    await addChargeSessions(services, v4, [session('2026-11-03T02:00:00Z', 1, 5, { latDeg: 43.7, lonDeg: -79.4 })]);

    app = Fastify();
    app.setErrorHandler(apiErrorHandler(createLogger('silent')));
    await app.register(gridGroupsRoutes(services, actorOf), { prefix: '/api/v1' });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  const geojson = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', geometry: null, properties: { kind: 'feeder', code: 'F-1', ratingKva: 20 } },
      {
        type: 'Feature',
        geometry: null,
        properties: {
          kind: 'transformer',
          code: 'T-1',
          ratingKva: 10,
          parent: 'F-1',
          servicePoints: ['SP-1', 'SP-2', 'SP-9'],
        },
      },
      {
        type: 'Feature',
        geometry: around(HOME_LON, HOME_LAT),
        properties: { kind: 'transformer', code: 'T-2', ratingKva: 25, parent: 'F-1' },
      },
    ],
  };

  it('stores a GeoJSON upload: groups, service points, those matching no participant, and who sits where', async () => {
    const answer = await upload(JSON.stringify(geojson), 'application/json');
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json<{ groups: GroupJson[]; servicePoints: number; unmatchedServicePoints: string[] }>();
    expect(body.servicePoints).toBe(3);
    expect(body.unmatchedServicePoints).toEqual(['SP-9']);
    const groups = byCode(body.groups);
    expect(groups['feeder F-1']).toMatchObject({ ratingKva: 20, parentCode: null, participants: 3, hasArea: false });
    expect(groups['transformer T-1']).toMatchObject({
      ratingKva: 10,
      parentCode: 'F-1',
      servicePoints: 3,
      participants: 2,
    });
    // SP-3 has no service point row; its home (where it charges most) is inside T-2's area.
    expect(groups['transformer T-2']).toMatchObject({
      parentCode: 'F-1',
      servicePoints: 0,
      participants: 1,
      hasArea: true,
    });
    expect(await groupsNow()).toEqual(body.groups);
  });

  it('gives each group its coincident peak, when it was and the hours above its rating, and the participants on none', async () => {
    const view = await read<{
      groups: (GroupJson & { coincidentPeakKw: number; peakAt: string | null; hoursAboveRating: number | null })[];
      unassignedParticipants: { count: number; enrollmentIds: number[]; coincidentPeakKw: number; peakAt: string };
    }>('/programs/alectra/grid/distribution?from=2026-11-02&to=2026-11-04');
    const groups = Object.fromEntries(view.groups.map((g) => [g.code, g]));
    // T-1: 7 kWh at 23:00Z, 7 + 8 at 00:00Z and at 01:00Z: 15 kW first at 00:00Z, 2 hours above 10 kVA.
    expect(groups['T-1']).toMatchObject({
      coincidentPeakKw: 15,
      peakAt: '2026-11-03T00:00:00.000Z',
      hoursAboveRating: 2,
    });
    // T-2: SP-3's home charging only (3 kWh at 10:00Z, 6 at 00:00Z); neither the fast charge nor the one across town.
    expect(groups['T-2']).toMatchObject({
      coincidentPeakKw: 6,
      peakAt: '2026-11-03T00:00:00.000Z',
      hoursAboveRating: 0,
    });
    // F-1: its transformers together: 15 + 6 = 21 kW at 00:00Z, the one hour above 20 kVA.
    expect(groups['F-1']).toMatchObject({
      participants: 3,
      coincidentPeakKw: 21,
      peakAt: '2026-11-03T00:00:00.000Z',
      hoursAboveRating: 1,
    });
    expect(view.unassignedParticipants).toEqual({
      count: 1,
      enrollmentIds: [enrollments.get('SP-4')],
      coincidentPeakKw: 5,
      peakAt: '2026-11-03T02:00:00.000Z',
    });
    // A range without charging: no peak, no hours above.
    const quiet = await read<{
      groups: { code: string; coincidentPeakKw: number; peakAt: string | null; hoursAboveRating: number }[];
    }>('/programs/alectra/grid/distribution?from=2026-10-01&to=2026-10-08');
    expect(quiet.groups.find((g) => g.code === 'T-1')).toMatchObject({
      coincidentPeakKw: 0,
      peakAt: null,
      hoursAboveRating: 0,
    });
  });

  it('refuses a bad upload naming the line or feature and field, and keeps what was stored', async () => {
    const before = await groupsNow();
    const csv = await upload(`${CSV_HEADER}\nSP-1,T-1,10,F-1,20\nSP-2,T-1,fifteen,F-1,20\n`, 'text/csv');
    expect(csv.statusCode).toBe(400);
    expect(csv.json<{ error: { message: string } }>().error.message).toContain(
      'line 3: transformer_kva: expected the rating in kVA as a plain number',
    );
    const bad = structuredClone(geojson);
    (bad.features[1]!.properties as Record<string, unknown>).ratingKva = 'ten';
    const json = await upload(JSON.stringify(bad), 'application/json');
    expect(json.statusCode).toBe(400);
    expect(json.json<{ error: { message: string; details: { field: string }[] } }>().error.details[0]!.field).toBe(
      'features[1].properties.ratingKva',
    );
    const unreadable = await upload('{"type": "FeatureCollection", ', 'application/geo+json');
    expect(unreadable.statusCode).toBe(400);
    const other = await upload('<kml/>', 'application/xml');
    expect(other.statusCode).toBe(415);
    expect(await groupsNow()).toEqual(before);
  });

  it('rolls back an upload that fails half way: nothing stored is lost', async () => {
    const before = await groupsNow();
    // The database fails on the service points, after the groups were written.
    const failing = Object.create(services.db, {
      transaction: {
        value: <T>(fn: (tx: Queryable) => Promise<T>) =>
          services.db.transaction((tx) =>
            fn({
              exec: (text) => tx.exec(text),
              query: (text, params) =>
                text.includes('INSERT INTO grid_service_point')
                  ? Promise.reject(new Error('connection lost'))
                  : tx.query(text, params),
            }),
          ),
      },
    }) as Database;
    const distribution = new DistributionService(failing, services.programs);
    await expect(
      distribution.replaceGroups(CLI_OPERATOR, 'alectra', `${CSV_HEADER}\nSP-1,T-7,10,F-7,20\n`, 'csv'),
    ).rejects.toThrow('connection lost');
    expect(await groupsNow()).toEqual(before);
  });

  it('replaces the groups with a CSV upload: groups that stay keep their ids, the others go', async () => {
    const before = byCode(await groupsNow());
    const answer = await upload(
      [CSV_HEADER, 'SP-1,T-1,10,F-1,20', '"SP-2",T-3,15,F-1,', 'SP-4,,,F-2,500', 'SP-8,T-3,,F-1,'].join('\r\n'),
      'text/csv; charset=utf-8',
    );
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json<{ groups: GroupJson[]; servicePoints: number; unmatchedServicePoints: string[] }>();
    expect(body.servicePoints).toBe(4);
    expect(body.unmatchedServicePoints).toEqual(['SP-8']);
    const groups = byCode(body.groups);
    expect(Object.keys(groups).sort()).toEqual(['feeder F-1', 'feeder F-2', 'transformer T-1', 'transformer T-3']);
    expect(groups['transformer T-1']!.id).toBe(before['transformer T-1']!.id);
    expect(groups['feeder F-1']!.id).toBe(before['feeder F-1']!.id);
    expect(groups['transformer T-1']).toMatchObject({ participants: 1, servicePoints: 1, hasArea: false });
    expect(groups['transformer T-3']).toMatchObject({ ratingKva: 15, parentCode: 'F-1', participants: 1 });
    expect(groups['feeder F-2']).toMatchObject({ ratingKva: 500, participants: 1 });
    // SP-3's transformer area went with T-2: it is on no group now.
    const view = await read<{ unassignedParticipants: { enrollmentIds: number[] } }>(
      '/programs/alectra/grid/distribution?from=2026-11-02&to=2026-11-04',
    );
    expect(view.unassignedParticipants.enrollmentIds).toEqual([enrollments.get('SP-3')]);
    const distribution = new DistributionService(services.db, services.programs);
    expect(
      await distribution.participantsOfGroups((await services.programs.getProgram(SYSTEM, 'alectra')).id, [
        groups['feeder F-1']!.id,
      ]),
    ).toEqual([enrollments.get('SP-1'), enrollments.get('SP-2')].sort((a, b) => a! - b!));
  });

  it('lets only the program’s staff upload or read the groups', async () => {
    expect(
      (await upload(`${CSV_HEADER}\nSP-1,T-1,10,F-1,20\n`, 'text/csv', 'admin:Mississippi Power')).statusCode,
    ).toBe(404);
    expect((await upload(`${CSV_HEADER}\nSP-1,T-1,10,F-1,20\n`, 'text/csv', 'driver')).statusCode).toBe(403);
    expect((await upload(`${CSV_HEADER}\nSP-1,T-1,10,F-1,20\n`, 'text/csv', null)).statusCode).toBe(401);
    for (const url of ['/grid/groups', '/grid/distribution?from=2026-11-02&to=2026-11-04']) {
      const answer = await app.inject({
        method: 'GET',
        url: `/api/v1/programs/alectra${url}`,
        headers: { 'x-test-actor': 'admin:Mississippi Power' },
      });
      expect(answer.statusCode).toBe(404);
    }
    await expectAppError(
      new DistributionService(services.db, services.programs).distribution(
        CLI_OPERATOR,
        'alectra',
        '2026-11-04',
        '2026-11-02',
      ),
      'invalid_input',
      'empty',
    );
  });

  it('shows the events overlapping the grid view’s range, fresh while its figures are kept', async () => {
    const program = await services.programs.getProgram(SYSTEM, 'alectra');
    const event = (name: string, startsAt: string, hours: number) =>
      insertEvent(services.db, {
        programId: program.id,
        source: 'admin',
        name,
        target: 'curtail',
        capKw: null,
        startsAt: new Date(startsAt),
        endsAt: new Date(at(startsAt) + hours * HOUR),
        noticeAt: new Date(at(startsAt) - HOUR),
        randomizeS: 0,
        scope: { kind: 'all' },
        controlShare: 0.2,
        assignmentSeed: 'seed',
        createdBy: null,
      });
    const measured = await event('Evening peak', '2026-11-03T22:00:00Z', 3);
    await services.db.query(`UPDATE dr_event SET status = 'completed', result = $2::jsonb WHERE id = $1`, [
      measured.id,
      JSON.stringify({ shedKwFleet: { estimate: 12.5, low: 8, high: 17 } }),
    ]);
    await event('Next week', '2026-11-10T22:00:00Z', 2);
    const admin: Actor = { kind: 'program_admin', accountId: 7, utility: 'Alectra Utilities' };
    const first = await services.grid.programGrid(admin, 'alectra', '2026-11-02', '2026-11-04');
    expect(first.events).toEqual([
      {
        id: Number(measured.id),
        name: 'Evening peak',
        target: 'curtail',
        status: 'completed',
        startsAt: '2026-11-03T22:00:00.000Z',
        endsAt: '2026-11-04T01:00:00.000Z',
        shedKwFleet: 12.5,
      },
    ]);
    // Nothing changed: the same view.
    expect(await services.grid.programGrid(admin, 'alectra', '2026-11-02', '2026-11-04')).toBe(first);
    // An event called now shows at once, on the kept figures (not computed again).
    const late = await event('Called late', '2026-11-03T12:00:00Z', 1);
    const again = await services.grid.programGrid(admin, 'alectra', '2026-11-02', '2026-11-04');
    expect(again.computedAt).toBe(first.computedAt);
    expect(again.days).toBe(first.days);
    expect(again.events.map((e) => [e.name, e.status, e.shedKwFleet])).toEqual([
      ['Called late', 'scheduled', null],
      ['Evening peak', 'completed', 12.5],
    ]);
    expect(again.events[0]!.id).toBe(Number(late.id));
  });
});

/**
 * Demand response over HTTP against the real server, on PGlite and PostgreSQL: every route of
 * demand.routes.ts with its status codes; staff of another utility's program refused on this one's
 * events and schedules; a driver sees only the events they were told of and opts out only their own
 * vehicle; the mailed one-tap link works signed out. The clock is the server's injected one, and the
 * `demand-response` job's run moves the events on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { platformJobs } from '../src/jobs/index.js';
import { PRESETS } from '../src/programs/index.js';
import { CLI_OPERATOR } from '../src/actor.js';
import { describeEachKind } from './support/databases.js';
import { apiCaller } from './support/http.js';
import { mailTo } from './support/mail.js';
import { enrollDriver, equipDevice, uniqueEmail, type Participant } from './support/program-fixtures.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/servers.js';

const HOUR = 3_600_000;
/** Tuesday 14 July 2026, 08:00 in Toronto. */
const T0 = Date.UTC(2026, 6, 14, 12);
const STARTS = Date.UTC(2026, 6, 14, 21);
const ENDS = Date.UTC(2026, 6, 15, 0);
/** The fixtures' accounts' password (support/program-fixtures.ts). */
const FIXTURE_PASSWORD = 'fixture password 123';
const PASSWORD = 'a long enough password';

describeEachKind('demand response over HTTP', (kind) => {
  let server: TestServer;
  let mailDir: string;
  let nowMs = T0;
  const api = apiCaller(() => server.url);
  const slugA = 'alectra';
  const slugB = 'toronto-hydro-dr';
  const admin = { a: '', b: '' };
  const drivers: (Participant & { token: string })[] = [];
  let driverB: Participant & { token: string };
  let eventId = 0;
  let eventBId = 0;

  const signIn = async (email: string, password: string) => {
    const answer = await api('POST', '/auth/signin', undefined, { email, password });
    expect(answer.status, answer.text).toBe(200);
    return answer.body.token as string;
  };
  const staff = async (utility: string) => {
    const email = uniqueEmail('staff');
    const made = await api('POST', '/accounts', ADMIN_TOKEN, {
      email,
      name: `Staff of ${utility}`,
      role: 'program_admin',
      utility,
      password: PASSWORD,
    });
    expect(made.status, made.text).toBe(201);
    return signIn(email, PASSWORD);
  };
  const fields = (answer: { body: { error?: { details?: readonly { field: string }[] } } }) =>
    answer.body.error?.details?.map((d) => d.field);
  const tick = async () => {
    const job = platformJobs(server.services).find((j) => j.name === 'demand-response')!;
    expect(job.schedule).toEqual({ every: 60 });
    return job.run({ now: new Date(nowMs), signal: new AbortController().signal, log: createLogger('silent') });
  };

  beforeAll(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-dr-mail-'));
    server = await startTestServer({
      database: kind,
      mqtt: 'off',
      env: { JOBS: 'false', MAIL_DIR: mailDir },
      clock: () => new Date(nowMs),
    });
    const services = server.services;
    await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug: slugA });
    await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug: slugB, utility: 'Toronto Hydro' });
    admin.a = await staff(PRESETS.alectra.utility);
    admin.b = await staff('Toronto Hydro');
    for (let i = 0; i < 2; i++) {
      const p = await enrollDriver(services, slugA);
      await equipDevice(services, p);
      drivers.push({ ...p, token: await signIn(p.email, FIXTURE_PASSWORD) });
    }
    const b = await enrollDriver(services, slugB);
    await equipDevice(services, b);
    driverB = { ...b, token: await signIn(b.email, FIXTURE_PASSWORD) };
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await rm(mailDir, { recursive: true, force: true });
  });

  const evening = {
    name: 'Evening peak',
    target: 'shift',
    startsAt: new Date(STARTS).toISOString(),
    endsAt: new Date(ENDS).toISOString(),
    // Told at once: the notice time (start − 10 h) has come.
    noticeMinutes: 600,
    randomizeMinutes: 10,
    controlShare: 0,
  };

  it('lets a program’s staff call events, and refuses the input, the signed-out, drivers and other utilities', async () => {
    const bad = await api('POST', `/programs/${slugA}/events`, admin.a, { ...evening, name: '', target: 'dim' });
    expect(bad.status).toBe(400);
    expect(fields(bad)).toEqual(['name', 'target']);
    const past = await api('POST', `/programs/${slugA}/events`, admin.a, {
      ...evening,
      startsAt: new Date(T0 - HOUR).toISOString(),
      endsAt: new Date(T0 + HOUR).toISOString(),
    });
    expect([past.status, fields(past)]).toEqual([400, ['startsAt']]);
    expect((await api('POST', `/programs/${slugA}/events`, undefined, evening)).status).toBe(401);
    expect((await api('POST', `/programs/${slugA}/events`, drivers[0]!.token, evening)).status).toBe(403);
    expect((await api('POST', `/programs/${slugA}/events`, admin.b, evening)).status).toBe(404);

    const created = await api('POST', `/programs/${slugA}/events`, admin.a, evening);
    expect(created.status, created.text).toBe(201);
    eventId = created.body.id as number;
    expect(created.body).toMatchObject({
      programSlug: slugA,
      source: 'admin',
      status: 'scheduled',
      assignedAt: new Date(T0).toISOString(),
      counts: { treatment: 2, control: 0, told: 2, optedOut: 0 },
    });
    const inB = await api('POST', `/programs/${slugB}/events`, admin.b, evening);
    expect(inB.status, inB.text).toBe(201);
    eventBId = inB.body.id as number;

    const listed = await api<{ events: { id: number }[] }>('GET', `/programs/${slugA}/events`, admin.a);
    expect([listed.status, listed.body.events.map((e) => e.id)]).toEqual([200, [eventId]]);
    const range = `from=${new Date(ENDS).toISOString()}&to=${new Date(ENDS + HOUR).toISOString()}`;
    expect(
      (await api<{ events: unknown[] }>('GET', `/programs/${slugA}/events?${range}`, admin.a)).body.events,
    ).toEqual([]);
    expect((await api('GET', `/programs/${slugA}/events?from=yesterday`, admin.a)).status).toBe(400);
    expect((await api('GET', `/programs/${slugA}/events`, admin.b)).status).toBe(404);
    expect((await api('GET', `/programs/${slugA}/events`, drivers[0]!.token)).status).toBe(403);
    const one = await api('GET', `/programs/${slugA}/events/${eventId}`, admin.a);
    expect([one.status, one.body.id]).toEqual([200, eventId]);
    const operatorView = await api('GET', `/programs/${slugA}/events/${eventId}`, ADMIN_TOKEN);
    expect(operatorView.status).toBe(200);
    // B's staff, with A's event under either slug; A's staff with B's event under A's slug.
    expect((await api('GET', `/programs/${slugA}/events/${eventId}`, admin.b)).status).toBe(404);
    expect((await api('GET', `/programs/${slugB}/events/${eventId}`, admin.b)).status).toBe(404);
    expect((await api('GET', `/programs/${slugA}/events/${eventBId}`, admin.a)).status).toBe(404);
    expect((await api('GET', `/programs/${slugA}/events/999999`, admin.a)).status).toBe(404);
    expect((await api('POST', `/programs/${slugA}/events/${eventId}/cancel`, admin.b, {})).status).toBe(404);
    expect((await api('POST', `/programs/${slugA}/events/${eventId}/measure`, admin.b)).status).toBe(404);
    expect((await api('GET', `/programs/${slugA}/events/${eventId}/participants.csv`, admin.b)).status).toBe(404);
  });

  it('shows a driver the events they were told of, and opts out only their own vehicle', async () => {
    const [d1, d2] = drivers as [Participant & { token: string }, Participant & { token: string }];
    const mine = await api<{ events: { id: number; vehicle: { id: number }; canOptOut: boolean }[] }>(
      'GET',
      '/me/events',
      d1.token,
    );
    expect(mine.status).toBe(200);
    expect(mine.body.events.map((e) => [e.id, e.vehicle.id, e.canOptOut])).toEqual([[eventId, d1.vehicleId, true]]);
    const ofB = await api<{ events: { id: number }[] }>('GET', '/me/events', driverB.token);
    expect(ofB.body.events.map((e) => e.id)).toEqual([eventBId]);
    expect((await api('GET', '/me/events')).status).toBe(401);

    // B's driver on A's event; A's driver naming the other driver's vehicle; A's driver on B's event.
    expect((await api('POST', `/me/events/${eventId}/opt-out`, driverB.token, {})).status).toBe(404);
    expect((await api('POST', `/me/events/${eventId}/opt-out`, d1.token, { vehicleId: d2.vehicleId })).status).toBe(
      404,
    );
    expect((await api('POST', `/me/events/${eventBId}/opt-out`, d1.token, {})).status).toBe(404);
    expect((await api('POST', `/me/events/${eventId}/opt-out`, undefined, {})).status).toBe(401);
    const out = await api('POST', `/me/events/${eventId}/opt-out`, d1.token, { vehicleId: d1.vehicleId });
    expect(out.status, out.text).toBe(200);
    expect(out.body).toMatchObject({ id: eventId, optedOut: 'explicit', optedOutAt: new Date(nowMs).toISOString() });
    expect((await api('GET', `/programs/${slugA}/events/${eventId}`, admin.a)).body.counts).toMatchObject({
      optedOut: 1,
    });
  });

  it('opts out by the mailed link without signing in, and answers an unknown link 404', async () => {
    const d2 = drivers[1]!;
    const [mail] = (await mailTo(mailDir, d2.email)).filter((m) => m.subject.startsWith('Charging event'));
    expect(mail!.subject).toMatch(/^Charging event Tue 14 Jul, 17:\d\d–20:\d\d: please wait to charge$/);
    const link = /(\S+\/events\/opt-out\?token=([A-Za-z0-9_-]+))/.exec(mail!.text)!;
    // Unset, PUBLIC_URL follows the port the server bound.
    expect(link[1]).toBe(`http://localhost:${server.port}/events/opt-out?token=${link[2]}`);
    const token = link[2]!;
    const shown = await api('GET', `/events/opt-out?token=${token}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      event: { id: eventId, name: 'Evening peak', status: 'scheduled' },
      vehicleLabel: '2019 Hyundai Kona Electric',
      optedOutAt: null,
      canOptOut: true,
    });
    const done = await api('POST', '/events/opt-out', undefined, { token });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ optedOutAt: new Date(nowMs).toISOString(), canOptOut: false });
    expect((await api('GET', `/events/opt-out?token=${'A'.repeat(43)}`)).status).toBe(404);
    expect((await api('POST', '/events/opt-out', undefined, { token: 'B'.repeat(43) })).status).toBe(404);
    const missing = await api('POST', '/events/opt-out', undefined, {});
    expect([missing.status, fields(missing)]).toEqual([400, ['token']]);
    expect((await api('GET', '/events/opt-out')).status).toBe(400);
  });

  it('keeps a participant’s event preferences for them alone', async () => {
    const [d1, d2] = drivers as [Participant & { token: string }, Participant & { token: string }];
    const route = `/applications/${d1.enrollmentId}/event-preferences`;
    const first = await api('GET', route, d1.token);
    expect([first.status, first.body]).toEqual([200, { readyBy: null, minSocPct: null, notifyMail: true }]);
    const bad = await api('PUT', route, d1.token, { readyBy: '7:30', minSocPct: 20, notifyMail: true });
    expect([bad.status, fields(bad)]).toEqual([400, ['readyBy']]);
    const prefs = { readyBy: '07:30', minSocPct: 20, notifyMail: false };
    const put = await api('PUT', route, d1.token, prefs);
    expect([put.status, put.body]).toEqual([200, prefs]);
    expect((await api('GET', route, d1.token)).body).toEqual(prefs);
    for (const token of [d2.token, driverB.token, admin.a]) {
      expect((await api('GET', route, token)).status).toBe(404);
      expect((await api('PUT', route, token, prefs)).status).toBe(404);
    }
    expect((await api('GET', route)).status).toBe(401);
  });

  it('cancels an event, measures one that has ended and exports its participants', async () => {
    const second = await api('POST', `/programs/${slugA}/events`, admin.a, {
      ...evening,
      name: 'Second evening',
      startsAt: new Date(STARTS + 24 * HOUR).toISOString(),
      endsAt: new Date(ENDS + 24 * HOUR).toISOString(),
      noticeMinutes: 60,
    });
    expect(second.status).toBe(201);
    const cancelRoute = `/programs/${slugA}/events/${second.body.id as number}/cancel`;
    expect((await api('POST', cancelRoute, drivers[0]!.token, {})).status).toBe(403);
    const cancelled = await api('POST', cancelRoute, admin.a, { reason: 'Cooler than forecast' });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    expect((await api('POST', cancelRoute, admin.a, {})).status).toBe(409);
    const tooLong = await api('POST', `/programs/${slugA}/events/${eventId}/cancel`, admin.a, {
      reason: 'x'.repeat(501),
    });
    expect([tooLong.status, fields(tooLong)]).toEqual([400, ['reason']]);

    const measureRoute = `/programs/${slugA}/events/${eventId}/measure`;
    expect((await api('POST', measureRoute, admin.a)).status).toBe(409);
    nowMs = STARTS;
    expect(await tick()).toMatchObject({ started: 2 });
    nowMs = ENDS + 10 * 60_000;
    expect(await tick()).toMatchObject({ completed: 2, measured: 0 });
    const measured = await api('POST', measureRoute, admin.a);
    expect(measured.status, measured.text).toBe(200);
    expect(measured.body).toMatchObject({ status: 'completed', measuredAt: new Date(nowMs).toISOString() });
    expect(measured.body.result).toMatchObject({ treatment: { n: 2, optedOut: 2 } });

    const csv = await fetch(`${server.url}/api/v1/programs/${slugA}/events/${eventId}/participants.csv`, {
      headers: { authorization: `Bearer ${admin.a}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]!.startsWith('participant,group,')).toBe(true);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['P001,treatment', 'P002,treatment']);
    // The link of an ended event: shown, canOptOut false.
    const ended = await api<{ events: { canOptOut: boolean; status: string }[] }>(
      'GET',
      '/me/events',
      drivers[1]!.token,
    );
    // The cancelled one was called off before its notice time: nobody was told of it.
    expect(ended.body.events.map((e) => [e.status, e.canOptOut])).toEqual([['completed', false]]);
  });

  it('keeps standing schedules for the program’s staff', async () => {
    const schedule = {
      name: 'Summer weekdays',
      target: 'shift',
      days: 'weekdays',
      from: '17:00',
      to: '20:00',
      activeFrom: '2026-07-01',
      maxPerYear: 60,
    };
    const route = `/programs/${slugA}/event-schedules`;
    const bad = await api('POST', route, admin.a, { ...schedule, days: 'sometimes' });
    expect([bad.status, fields(bad)]).toEqual([400, ['days']]);
    expect((await api('POST', route, admin.b, schedule)).status).toBe(404);
    expect((await api('POST', route, drivers[0]!.token, schedule)).status).toBe(403);
    const made = await api('POST', route, admin.a, schedule);
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({
      programSlug: slugA,
      from: '17:00',
      to: '20:00',
      maxPerYear: 60,
      disabledAt: null,
    });
    const listed = await api<{ schedules: { id: number }[] }>('GET', route, admin.a);
    expect([listed.status, listed.body.schedules.map((s) => s.id)]).toEqual([200, [made.body.id]]);
    expect((await api('GET', route, admin.b)).status).toBe(404);
    const disableRoute = `${route}/${made.body.id as number}/disable`;
    expect((await api('POST', disableRoute, admin.b)).status).toBe(404);
    expect(
      (await api('POST', `/programs/${slugB}/event-schedules/${made.body.id as number}/disable`, admin.b)).status,
    ).toBe(404);
    const disabled = await api('POST', disableRoute, admin.a);
    expect([disabled.status, disabled.body.disabledAt]).toEqual([200, new Date(nowMs).toISOString()]);
    // Disabled before any tick: it calls nothing.
    expect(await tick()).toMatchObject({ expanded: 0 });
  });
});

/**
 * DemandService on PGlite and PostgreSQL, with an injected clock: events called with their input
 * checked, participants drawn at notice time into treatment (told, by portal and mail with a one-tap
 * opt-out link) and control (never told), opt-outs signed in and by link, preferences (no mail),
 * cancellation, the tick's state machine through active, completed and measured, area and grid-group
 * scopes, standing schedules, and the treated windows the simulator reads.
 */
import { createHash } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR, type Actor } from '../src/actor.js';
import { assignParticipants } from '../src/demand/assignment.js';
import { PRESETS } from '../src/programs/index.js';
import type { Services } from '../src/services.js';
import { caught, expectAppError } from './support/app-errors.js';
import { TEST_SETTINGS, testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { mailTo } from './support/mail.js';
import {
  addChargeSessions,
  chargeSession,
  createOperator,
  enrollDriver,
  equipDevice,
  uniqueEmail,
  type Participant,
} from './support/program-fixtures.js';

const HOUR = 3_600_000;
/** Tuesday 14 July 2026, 08:00 in Toronto (EDT, UTC−4). */
const T0 = Date.UTC(2026, 6, 14, 12);
/** The evening event: 17:00–20:00 Toronto. */
const STARTS = Date.UTC(2026, 6, 14, 21);
const ENDS = Date.UTC(2026, 6, 15, 0);
const MAIL_DIR = TEST_SETTINGS.mailDir!;
const UTILITY_B = 'Toronto Hydro';

/** "17:04" in Toronto in July (UTC−4), worked out apart from the service's formatting. */
const torontoHhmm = (ms: number) => new Date(ms - 4 * HOUR).toISOString().slice(11, 16);
const tokenIn = (text: string) => /\/events\/opt-out\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
const anyString = expect.any(String) as unknown as string;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Told extends Participant {
  serial: string;
}

describeEachDatabase('demand-response service', (setup) => {
  let services: Services;
  let nowMs = T0;
  const slug = 'alectra-dr';
  const slugB = 'toronto-dr';
  let programId: number;
  let operator: Actor;
  let adminA: Actor;
  let adminB: Actor;
  const people: Told[] = [];
  let noDevice: Participant;
  let otherProgram: Participant;
  let event1: number;
  let treated: Told[] = [];
  let control: Told[] = [];
  const tokens = new Map<number, string>();
  let event2: number;
  let areaEvent: number;

  const drEventMails = async (p: { email: string }) =>
    (await mailTo(MAIL_DIR, p.email)).filter((m) => m.subject.startsWith('Charging event'));
  const participantsOf = async (eventId: number) =>
    (
      await services.db.query<{
        vehicle_id: number;
        grp: string;
        start_offset_s: number;
        end_offset_s: number;
        notified_at: Date | null;
        opt_out_token_hash: string | null;
      }>(`SELECT * FROM dr_participant WHERE event_id = $1 ORDER BY vehicle_id`, [eventId])
    ).rows;
  const staffOf = async (utility: string): Promise<Actor> => {
    const account = await services.accounts.createAccount(CLI_OPERATOR, {
      email: uniqueEmail('staff'),
      name: `Staff of ${utility}`,
      role: 'program_admin',
      utility,
      password: 'fixture password 123',
    });
    return { kind: 'program_admin', accountId: account.id, utility };
  };

  beforeAll(async () => {
    services = await testServices(setup().db, {}, () => new Date(nowMs));
    programId = (await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug })).id;
    // Another utility's program (Alectra's terms, so that the same fixtures can enrol in it).
    await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug: slugB, utility: UTILITY_B });
    operator = await createOperator(services);
    adminA = await staffOf(PRESETS.alectra.utility);
    adminB = await staffOf(UTILITY_B);
    for (let i = 0; i < 6; i++) {
      const p = await enrollDriver(services, slug);
      const device = await equipDevice(services, p);
      people.push({ ...p, serial: device.credential.serial });
    }
    // Approved, but no device in the car yet: not eligible.
    noDevice = await enrollDriver(services, slug);
    otherProgram = await enrollDriver(services, slugB);
    await equipDevice(services, otherProgram);
  });

  it('refuses an event whose input is wrong, naming each field, and a caller who is not the program’s staff', async () => {
    const empty = await caught(services.demand.createEvent(adminA, slug, {}));
    expect(empty.code).toBe('invalid_input');
    expect(empty.details?.map((d) => d.field)).toEqual(
      expect.arrayContaining(['name', 'target', 'startsAt', 'endsAt']),
    );
    const base = { name: 'Peak', target: 'shift', startsAt: new Date(STARTS).toISOString() };
    const backwards = await caught(
      services.demand.createEvent(adminA, slug, { ...base, endsAt: new Date(STARTS - HOUR).toISOString() }),
    );
    expect(backwards.details).toEqual([{ field: 'endsAt', message: 'the event must end after it starts' }]);
    const cap = await caught(
      services.demand.createEvent(adminA, slug, { ...base, target: 'cap', endsAt: new Date(ENDS).toISOString() }),
    );
    expect(cap.details?.map((d) => d.field)).toEqual(['capKw']);
    const past = await caught(
      services.demand.createEvent(adminA, slug, {
        ...base,
        startsAt: new Date(T0 - HOUR).toISOString(),
        endsAt: new Date(T0 + HOUR).toISOString(),
      }),
    );
    expect(past.code).toBe('invalid_input');
    expect(past.details?.map((d) => d.field)).toEqual(['startsAt']);
    const window = { ...base, endsAt: new Date(ENDS).toISOString() };
    await expectAppError(
      services.demand.createEvent(adminA, slug, {
        ...window,
        scope: { kind: 'enrollments', ids: [people[0]!.enrollmentId, otherProgram.enrollmentId, 999_999] },
      }),
      'invalid_input',
      `${otherProgram.enrollmentId}, 999999`,
      'scope.ids',
    );
    await expectAppError(
      services.demand.createEvent(adminA, slug, { ...window, scope: { kind: 'groups', ids: [999_998] } }),
      'invalid_input',
      '999998',
    );
    await expectAppError(services.demand.createEvent(people[0]!.actor, slug, window), 'forbidden');
    await expectAppError(services.demand.createEvent(adminB, slug, window), 'not_found');
    expect(await services.demand.listEvents(operator, slug)).toEqual([]);
  });

  it('draws treatment and control at the notice time, once, with offsets within the randomisation', async () => {
    const created = await services.demand.createEvent(adminA, slug, {
      name: 'Evening peak',
      target: 'shift',
      startsAt: new Date(STARTS).toISOString(),
      endsAt: new Date(ENDS).toISOString(),
      noticeMinutes: 60,
      randomizeMinutes: 15,
      controlShare: 0.5,
    });
    event1 = created.id;
    expect(created).toMatchObject({
      programSlug: slug,
      source: 'admin',
      status: 'scheduled',
      noticeAt: new Date(STARTS - HOUR).toISOString(),
      randomizeMinutes: 15,
      scope: { kind: 'all' },
      controlShare: 0.5,
      assignedAt: null,
      notifiedAt: null,
      counts: { treatment: 0, control: 0, told: 0, optedOut: 0 },
      result: null,
    });
    expect(await services.demand.tick(new Date(nowMs))).toMatchObject({ assigned: 0, notified: 0 });
    expect(await participantsOf(event1)).toEqual([]);

    nowMs = STARTS - HOUR;
    expect(await services.demand.tick(new Date(nowMs))).toEqual({
      expanded: 0,
      assigned: 1,
      notified: 3,
      started: 0,
      completed: 0,
      measured: 0,
    });
    const rows = await participantsOf(event1);
    expect(rows.map((r) => r.vehicle_id)).toEqual(people.map((p) => p.vehicleId));
    const draw = assignParticipants(
      people.map((p) => ({ vehicleId: String(p.vehicleId) })),
      { seed: created.assignmentSeed, controlShare: 0.5, randomizeS: 900 },
    );
    expect(rows.map((r) => [r.grp, r.start_offset_s, r.end_offset_s])).toEqual(
      draw.map((a) => [a.grp, a.startOffsetS, a.endOffsetS]),
    );
    for (const r of rows) {
      if (r.grp === 'treatment') {
        expect(r.start_offset_s).toBeGreaterThanOrEqual(0);
        expect(r.end_offset_s).toBeLessThanOrEqual(900);
        expect(new Date(r.notified_at!).getTime()).toBe(nowMs);
        expect(r.opt_out_token_hash).toMatch(/^[0-9a-f]{64}$/);
      } else {
        expect([r.start_offset_s, r.end_offset_s, r.notified_at, r.opt_out_token_hash]).toEqual([0, 0, null, null]);
      }
    }
    treated = people.filter((p) => rows.find((r) => r.vehicle_id === p.vehicleId)!.grp === 'treatment');
    control = people.filter((p) => !treated.includes(p));
    expect(treated).toHaveLength(3);
    const event = await services.demand.getEvent(adminA, slug, event1);
    expect(event.counts).toEqual({ treatment: 3, control: 3, told: 3, optedOut: 0 });
    expect(event.assignedAt).toBe(new Date(nowMs).toISOString());
    // A second tick (or another node's) draws nothing again and tells nobody twice.
    expect(await services.demand.tick(new Date(nowMs + 60_000))).toMatchObject({ assigned: 0, notified: 0 });
    expect(await participantsOf(event1)).toEqual(rows);
  });

  it('tells only the treatment group: their own window, what to do and the one-tap link; control hears nothing', async () => {
    const rows = await participantsOf(event1);
    for (const p of treated) {
      const row = rows.find((r) => r.vehicle_id === p.vehicleId)!;
      const [mail, ...more] = await drEventMails(p);
      expect(more).toEqual([]);
      const own = [STARTS + row.start_offset_s * 1000, ENDS + row.end_offset_s * 1000];
      expect(mail!.subject).toBe(
        `Charging event Tue 14 Jul, ${torontoHhmm(own[0]!)}–${torontoHhmm(own[1]!)}: please wait to charge`,
      );
      expect(mail!.text).toContain('Please wait to charge your 2019 Hyundai Kona Electric');
      expect(mail!.text).toContain('http://localhost:8080/events/opt-out?token=');
      const token = tokenIn(mail!.text)!;
      expect(sha256(token)).toBe(row.opt_out_token_hash);
      tokens.set(p.vehicleId, token);
      const notices = await services.notifications.listMine(p.actor);
      expect(notices.filter((n) => n.kind === 'dr_event').map((n) => n.subject)).toEqual([mail!.subject]);
      const mine = await services.demand.listMyEvents(p.actor);
      expect(mine).toEqual([
        {
          id: event1,
          programSlug: slug,
          programName: anyString,
          name: 'Evening peak',
          target: 'shift',
          capKw: null,
          startsAt: new Date(own[0]!).toISOString(),
          endsAt: new Date(own[1]!).toISOString(),
          status: 'scheduled',
          vehicle: { id: p.vehicleId, label: '2019 Hyundai Kona Electric' },
          optedOut: null,
          optedOutAt: null,
          canOptOut: true,
        },
      ]);
    }
    for (const p of control) {
      expect(await drEventMails(p)).toEqual([]);
      expect((await services.notifications.listMine(p.actor)).filter((n) => n.kind === 'dr_event')).toEqual([]);
      expect(await services.demand.listMyEvents(p.actor)).toEqual([]);
    }
    expect(await drEventMails(noDevice)).toEqual([]);
  });

  it('opts a vehicle out for its signed-in driver and by the mailed link, and never for someone else', async () => {
    const [first, second, third] = treated as [Told, Told, Told];
    const out = await services.demand.optOut(first.actor, event1);
    expect(out).toMatchObject({ optedOut: 'explicit', optedOutAt: new Date(nowMs).toISOString(), canOptOut: false });
    // Again: the same answer, the first time kept.
    nowMs += 1000;
    expect(await services.demand.optOut(first.actor, event1, {})).toEqual(out);

    const token = tokens.get(second.vehicleId)!;
    const peek = await services.demand.peekOptOutToken(token);
    expect(peek).toEqual({
      event: {
        id: event1,
        name: 'Evening peak',
        startsAt: anyString,
        endsAt: anyString,
        status: 'scheduled',
      },
      vehicleLabel: '2019 Hyundai Kona Electric',
      optedOutAt: null,
      canOptOut: true,
    });
    const byLink = await services.demand.optOutByToken(token);
    expect(byLink).toEqual({ ...peek, optedOutAt: new Date(nowMs).toISOString(), canOptOut: false });
    expect((await services.demand.listMyEvents(second.actor))[0]).toMatchObject({ optedOut: 'explicit' });

    await expectAppError(services.demand.optOut(control[0]!.actor, event1), 'not_found', `event ${event1}`);
    await expectAppError(
      services.demand.optOut(third.actor, event1, { vehicleId: first.vehicleId }),
      'not_found',
      String(first.vehicleId),
    );
    await expectAppError(services.demand.optOut(adminA, event1), 'not_found');
    await expectAppError(services.demand.optOutByToken('x'.repeat(43)), 'not_found');
    const short = await caught(services.demand.optOutByToken('abc'));
    expect(short.details?.map((d) => d.field)).toEqual(['token']);
    expect((await services.demand.getEvent(operator, slug, event1)).counts.optedOut).toBe(2);
    expect((await services.demand.listMyEvents(third.actor))[0]).toMatchObject({ optedOut: null, canOptOut: true });
  });

  it('keeps the portal notice but sends no mail to a driver who asked for none, and shows their preferences', async () => {
    const [quiet, loud] = people as [Told, Told];
    expect(await services.demand.getPreferences(quiet.actor, quiet.enrollmentId)).toEqual({
      readyBy: null,
      minSocPct: null,
      notifyMail: true,
    });
    const bad = await caught(
      services.demand.setPreferences(quiet.actor, quiet.enrollmentId, {
        readyBy: '25:00',
        minSocPct: 140,
        notifyMail: false,
      }),
    );
    expect(bad.details?.map((d) => d.field)).toEqual(['readyBy', 'minSocPct']);
    const prefs = { readyBy: '07:30', minSocPct: 40, notifyMail: false };
    expect(await services.demand.setPreferences(quiet.actor, quiet.enrollmentId, prefs)).toEqual(prefs);
    expect(await services.demand.getPreferences(quiet.actor, quiet.enrollmentId)).toEqual(prefs);
    await expectAppError(services.demand.getPreferences(loud.actor, quiet.enrollmentId), 'not_found');
    await expectAppError(services.demand.setPreferences(adminA, quiet.enrollmentId, prefs), 'not_found');

    const mailsBefore = [(await drEventMails(quiet)).length, (await drEventMails(loud)).length];
    // Notice time already come: told at once, as the tick would.
    const created = await services.demand.createEvent(adminA, slug, {
      name: 'Afternoon heat',
      target: 'curtail',
      startsAt: new Date(nowMs + 2 * HOUR).toISOString(),
      endsAt: new Date(nowMs + 3 * HOUR).toISOString(),
      noticeMinutes: 180,
      randomizeMinutes: 0,
      controlShare: 0,
      scope: { kind: 'enrollments', ids: [quiet.enrollmentId, loud.enrollmentId] },
    });
    event2 = created.id;
    expect(created.assignedAt).toBe(new Date(nowMs).toISOString());
    expect(created.counts).toEqual({ treatment: 2, control: 0, told: 2, optedOut: 0 });
    expect((await drEventMails(loud)).length).toBe(mailsBefore[1]! + 1);
    expect((await drEventMails(quiet)).length).toBe(mailsBefore[0]);
    const notice = (await services.notifications.listMine(quiet.actor)).find(
      (n) => n.kind === 'dr_event' && n.subject.includes('please do not charge'),
    )!;
    expect(notice.body).toContain('Your preferences still hold: charged by 07:30, never below 40 %.');
    // Not mailed later either: the mail-retry job has nothing of it to send.
    await services.notifications.retryUnsent();
    expect((await drEventMails(quiet)).length).toBe(mailsBefore[0]);
    tokens.set(-loud.vehicleId, tokenIn((await drEventMails(loud)).at(-1)!.text)!);
  });

  it('cancels an event and tells those who were told, by mail unless they asked for none', async () => {
    const [quiet, loud] = people as [Told, Told];
    await expectAppError(services.demand.cancelEvent(adminB, slug, event2), 'not_found');
    const cancelled = await services.demand.cancelEvent(adminA, slug, event2, { reason: 'Cooler than forecast' });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelledAt: new Date(nowMs).toISOString() });
    const mail = (await mailTo(MAIL_DIR, loud.email)).at(-1)!;
    expect(mail.subject).toMatch(/^Charging event Tue 14 Jul, \d\d:\d\d–\d\d:\d\d is cancelled: charge as usual$/);
    expect(mail.text).toContain('Reason: Cooler than forecast');
    expect((await mailTo(MAIL_DIR, quiet.email)).some((m) => m.subject.includes('cancelled'))).toBe(false);
    expect((await services.notifications.listMine(quiet.actor)).some((n) => n.kind === 'dr_event_cancelled')).toBe(
      true,
    );
    for (const p of people.slice(2)) {
      expect((await services.notifications.listMine(p.actor)).some((n) => n.kind === 'dr_event_cancelled')).toBe(false);
    }
    await expectAppError(services.demand.cancelEvent(adminA, slug, event2), 'invalid_transition', 'cancelled');
    expect((await services.demand.peekOptOutToken(tokens.get(-loud.vehicleId))).canOptOut).toBe(false);
    const mine = (await services.demand.listMyEvents(loud.actor)).find((e) => e.id === event2)!;
    expect(mine).toMatchObject({ status: 'cancelled', canOptOut: false });
  });

  it('runs an event through active, completed and measured on the tick, each step once', async () => {
    await expectAppError(services.demand.measureEvent(adminA, slug, event1), 'conflict', 'after it has ended');
    nowMs = STARTS;
    expect(await services.demand.tick(new Date(nowMs))).toMatchObject({ started: 1, completed: 0 });
    expect((await services.demand.getEvent(adminA, slug, event1)).status).toBe('active');
    expect((await services.demand.getEvent(adminA, slug, event2)).status).toBe('cancelled');
    // Until the last randomised window (15 minutes after the end) is over, the event stays active.
    nowMs = ENDS + 15 * 60_000 - 1000;
    expect(await services.demand.tick(new Date(nowMs))).toMatchObject({ started: 0, completed: 0 });
    nowMs = ENDS + 15 * 60_000;
    expect(await services.demand.tick(new Date(nowMs))).toMatchObject({ completed: 1, measured: 0 });
    expect((await services.demand.getEvent(adminA, slug, event1)).status).toBe('completed');

    // The link of an event that has ended: shown, not acted on.
    const third = treated[2]!;
    const late = await services.demand.optOutByToken(tokens.get(third.vehicleId)!);
    expect(late).toMatchObject({ optedOutAt: null, canOptOut: false, event: { status: 'completed' } });
    await expectAppError(services.demand.optOut(third.actor, event1), 'invalid_transition', 'completed');
    const kept = await services.demand.peekOptOutToken(tokens.get(treated[0]!.vehicleId)!);
    expect(kept.optedOutAt).not.toBeNull();

    nowMs = ENDS + 3 * HOUR - 1000;
    expect((await services.demand.tick(new Date(nowMs))).measured).toBe(0);
    nowMs = ENDS + 3 * HOUR;
    expect(await services.demand.tick(new Date(nowMs))).toMatchObject({ measured: 1 });
    const measured = await services.demand.getEvent(adminA, slug, event1);
    expect(measured.measuredAt).toBe(new Date(nowMs).toISOString());
    expect(measured.result).toMatchObject({ treatment: { n: 3, optedOut: 2 }, control: { n: 3 } });
    expect((await services.demand.tick(new Date(nowMs + 60_000))).measured).toBe(0);
    // Staff may measure again (derived data filled in late); the cancelled one has nothing to measure.
    expect((await services.demand.measureEvent(operator, slug, event1)).result).toMatchObject({ treatment: { n: 3 } });
    await expectAppError(services.demand.measureEvent(operator, slug, event2), 'invalid_transition');
    const csv = (await services.demand.participantsCsv(adminA, slug, event1)).trim().split('\r\n');
    expect(csv[0]).toBe(
      'participant,group,start_offset_s,end_offset_s,notified,opt_out,baseline_wh,baseline_days,actual_wh,shifted_wh,rebound_wh',
    );
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(['P001', 'P002', 'P003', 'P004', 'P005', 'P006']);
    await expectAppError(services.demand.participantsCsv(adminB, slug, event1), 'not_found');
  });

  it('asks only the participants whose home charging is in the area, or who sit on the grid groups named', async () => {
    nowMs = Date.UTC(2026, 6, 16, 12);
    const [p0, p1, p2, p3, p4] = people as [Told, Told, Told, Told, Told];
    const at = (days: number) => nowMs - days * 86_400_000;
    const away = { latDeg: 43.7, lonDeg: -79.4 };
    await addChargeSessions(
      services,
      p0.vehicleId,
      [1, 2, 3].map((d) => chargeSession({ pluggedAtMs: at(d), hours: 3, wallKwh: 10 })),
    );
    await addChargeSessions(services, p1.vehicleId, [
      chargeSession({ pluggedAtMs: at(1), hours: 3, wallKwh: 10 }),
      chargeSession({ pluggedAtMs: at(2), hours: 3, wallKwh: 10 }),
      { ...chargeSession({ pluggedAtMs: at(3), hours: 3, wallKwh: 10 }), ...away },
    ]);
    await addChargeSessions(
      services,
      p2.vehicleId,
      [1, 2].map((d) => ({ ...chargeSession({ pluggedAtMs: at(d), hours: 3, wallKwh: 10 }), ...away })),
    );
    // Fast charges in the area, home elsewhere: a DC charge is never at home.
    await addChargeSessions(services, p3.vehicleId, [
      { ...chargeSession({ pluggedAtMs: at(1), hours: 1, wallKwh: 30 }), kind: 'dc', level: 'DCFC' },
      { ...chargeSession({ pluggedAtMs: at(2), hours: 1, wallKwh: 30 }), kind: 'dc', level: 'DCFC' },
      { ...chargeSession({ pluggedAtMs: at(3), hours: 3, wallKwh: 10 }), ...away },
    ]);
    const area = {
      type: 'Polygon',
      coordinates: [
        [
          [-79.7, 43.55],
          [-79.6, 43.55],
          [-79.6, 43.63],
          [-79.7, 43.63],
          [-79.7, 43.55],
        ],
      ],
    };
    const window = {
      target: 'cap',
      capKw: 3.3,
      startsAt: new Date(nowMs + 5 * HOUR).toISOString(),
      endsAt: new Date(nowMs + 8 * HOUR).toISOString(),
      noticeMinutes: 600,
      controlShare: 0,
      randomizeMinutes: 10,
    };
    const inArea = await services.demand.createEvent(adminA, slug, {
      ...window,
      name: 'Mississauga feeder relief',
      scope: { kind: 'area', geometry: area },
    });
    areaEvent = inArea.id;
    expect((await participantsOf(areaEvent)).map((r) => r.vehicle_id)).toEqual([p0.vehicleId, p1.vehicleId]);
    expect((await drEventMails(p1)).at(-1)!.subject).toMatch(/: please charge at 3\.3 kW or less$/);

    const group = async (kind: string, code: string, parent: number | null) =>
      (
        await services.db.query<{ id: number }>(
          `INSERT INTO grid_group (program_id, kind, code, parent_id, rating_kva) VALUES ($1, $2, $3, $4, 500) RETURNING id`,
          [programId, kind, code, parent],
        )
      ).rows[0]!.id;
    const feeder = await group('feeder', 'F-12', null);
    const t1 = await group('transformer', 'T-12-1', feeder);
    const t2 = await group('transformer', 'T-99-1', null);
    for (const [p, point, groupId] of [
      [p2, 'SP-2', t1],
      [p3, 'SP-3', t2],
      [p4, 'SP-4', feeder],
    ] as const) {
      await services.db.query(`UPDATE enrollment SET utility_account = $2 WHERE id = $1`, [p.enrollmentId, point]);
      await services.db.query(
        `INSERT INTO grid_service_point (program_id, service_point, group_id) VALUES ($1, $2, $3)`,
        [programId, point, groupId],
      );
    }
    const onFeeder = await services.demand.createEvent(adminA, slug, {
      ...window,
      name: 'Feeder 12',
      scope: { kind: 'groups', ids: [feeder] },
    });
    expect((await participantsOf(onFeeder.id)).map((r) => r.vehicle_id)).toEqual([p2.vehicleId, p4.vehicleId]);
    const onT2 = await services.demand.createEvent(adminA, slug, {
      ...window,
      name: 'T-99-1',
      scope: { kind: 'groups', ids: [t2] },
    });
    expect((await participantsOf(onT2.id)).map((r) => r.vehicle_id)).toEqual([p3.vehicleId]);
    for (const id of [onFeeder.id, onT2.id]) await services.demand.cancelEvent(adminA, slug, id);
  });

  it('gives the simulator each told vehicle’s window by device serial, with its preferences and opt-out', async () => {
    const [p0, p1] = people as [Told, Told];
    const event = await services.demand.getEvent(adminA, slug, areaEvent);
    const rows = await participantsOf(areaEvent);
    const from = Date.parse(event.startsAt) - HOUR;
    const to = Date.parse(event.endsAt) + HOUR;
    let windows = await services.demand.treatmentWindows(programId, from, to);
    expect([...windows.keys()].sort()).toEqual([p0.serial, p1.serial].sort());
    const own = (p: Told) => rows.find((r) => r.vehicle_id === p.vehicleId)!;
    expect(windows.get(p0.serial)).toEqual([
      {
        eventId: String(areaEvent),
        startMs: Date.parse(event.startsAt) + own(p0).start_offset_s * 1000,
        endMs: Date.parse(event.endsAt) + own(p0).end_offset_s * 1000,
        target: 'cap',
        capKw: 3.3,
        told: true,
        optedOut: false,
        readyByMinute: 450,
        minSocPct: 40,
      },
    ]);
    expect(windows.get(p1.serial)![0]).not.toHaveProperty('readyByMinute');
    await services.demand.recordSimulatedOptOut(p1.serial, String(areaEvent), nowMs);
    windows = await services.demand.treatmentWindows(programId, from, to);
    expect(windows.get(p1.serial)![0]!.optedOut).toBe(true);
    // The first evening's cancelled and other programs' events are not there; the completed one is.
    const evening = await services.demand.treatmentWindows(programId, STARTS, ENDS);
    expect([...evening.keys()].sort()).toEqual(treated.map((p) => p.serial).sort());
    expect([...evening.values()].flat().every((w) => w.eventId === String(event1))).toBe(true);
    expect(await services.demand.treatmentWindows(programId + 1, from, to)).toEqual(new Map());
  });

  it('expands standing schedules for the coming week, at most maxPerYear, never twice for a day', async () => {
    // Monday 20 July 2026, 08:00 in Toronto.
    nowMs = Date.UTC(2026, 6, 20, 12);
    const bad = await caught(
      services.demand.createSchedule(adminA, slug, {
        name: 'Backwards',
        target: 'shift',
        days: 'weekdays',
        from: '20:00',
        to: '17:00',
        activeFrom: '2026-07-01',
      }),
    );
    expect(bad.details?.map((d) => d.field)).toEqual(['to']);
    const weekdays = await services.demand.createSchedule(adminA, slug, {
      name: 'Summer weekdays',
      target: 'shift',
      days: 'weekdays',
      from: '17:00',
      to: '20:00',
      activeFrom: '2026-07-01',
      activeTo: '2026-09-30',
      months: [7, 8, 9],
      maxPerYear: 3,
    });
    expect(weekdays).toMatchObject({
      programSlug: slug,
      from: '17:00',
      to: '20:00',
      noticeMinutes: 60,
      randomizeMinutes: 15,
      controlShare: 0.2,
      maxPerYear: 3,
      disabledAt: null,
    });
    const weekends = await services.demand.createSchedule(adminA, slug, {
      name: 'Weekend evenings',
      target: 'curtail',
      days: 'weekends',
      from: '18:00',
      to: '24:00',
      activeFrom: '2026-07-01',
    });
    expect(await services.demand.tick(new Date(nowMs))).toMatchObject({ expanded: 5, assigned: 0 });
    expect(await services.demand.tick(new Date(nowMs + 60_000))).toMatchObject({ expanded: 0 });
    nowMs += 86_400_000;
    expect((await services.demand.tick(new Date(nowMs))).expanded).toBe(0);
    const called = (
      await services.demand.listEvents(adminA, slug, { from: new Date(nowMs - 86_400_000).toISOString() })
    )
      .filter((e) => e.source === 'schedule')
      .map((e) => [e.name, e.startsAt, e.endsAt, e.noticeAt]);
    expect(called).toEqual([
      ['Summer weekdays', '2026-07-20T21:00:00.000Z', '2026-07-21T00:00:00.000Z', '2026-07-20T20:00:00.000Z'],
      ['Summer weekdays', '2026-07-21T21:00:00.000Z', '2026-07-22T00:00:00.000Z', '2026-07-21T20:00:00.000Z'],
      ['Summer weekdays', '2026-07-22T21:00:00.000Z', '2026-07-23T00:00:00.000Z', '2026-07-22T20:00:00.000Z'],
      ['Weekend evenings', '2026-07-25T22:00:00.000Z', '2026-07-26T04:00:00.000Z', '2026-07-25T21:00:00.000Z'],
      ['Weekend evenings', '2026-07-26T22:00:00.000Z', '2026-07-27T04:00:00.000Z', '2026-07-26T21:00:00.000Z'],
    ]);
    const disabled = await services.demand.disableSchedule(adminA, slug, weekends.id);
    expect(disabled.disabledAt).toBe(new Date(nowMs).toISOString());
    nowMs += 7 * 86_400_000;
    expect((await services.demand.tick(new Date(nowMs))).expanded).toBe(0);
    expect((await services.demand.listSchedules(adminA, slug)).map((s) => [s.name, s.disabledAt !== null])).toEqual([
      ['Summer weekdays', false],
      ['Weekend evenings', true],
    ]);
    await expectAppError(services.demand.listSchedules(adminB, slug), 'not_found');
    await expectAppError(services.demand.disableSchedule(adminB, slugB, weekdays.id), 'not_found');
  });

  it('draws but tells nobody when the notice time was missed until after the window (the job was down)', async () => {
    const starts = nowMs - 6 * HOUR;
    const { rows } = await services.db.query<{ id: number }>(
      `INSERT INTO dr_event (program_id, source, name, status, target, starts_at, ends_at, notice_at, scope, control_share, assignment_seed)
       VALUES ($1, 'admin', 'Missed', 'scheduled', 'curtail', $2, $3, $4, '{"kind":"all"}', 0.5, 'seed') RETURNING id`,
      [programId, new Date(starts), new Date(starts + 3 * HOUR), new Date(starts - HOUR)],
    );
    const id = rows[0]!.id;
    expect(await services.demand.tick(new Date(nowMs))).toMatchObject({ assigned: 1, notified: 0 });
    const event = await services.demand.getEvent(adminA, slug, id);
    expect(event).toMatchObject({ status: 'completed', notifiedAt: null });
    expect(event.counts).toEqual({ treatment: 3, control: 3, told: 0, optedOut: 0 });
    expect((await participantsOf(id)).every((r) => r.notified_at === null && r.opt_out_token_hash === null)).toBe(true);
    for (const p of people) expect((await services.demand.listMyEvents(p.actor)).some((e) => e.id === id)).toBe(false);
  });
});

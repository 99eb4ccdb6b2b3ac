/**
 * Issue 5 end to end, over HTTP, on PGlite and on PostgreSQL: an operator makes a program
 * administrator; the administrator sets up Alectra's ready-made program; a driver applies with two
 * vehicles (one cannot take part, and is told why); the administrator approves; a device ships
 * with tracking, is installed and goes live with its first data; the driver charges in the
 * territory over four months; the scheduled rewards job pays the start bonus and the monthly
 * rewards (not for a month without a charge), twice without paying twice; the PayPal job pays the
 * balance through a local server speaking PayPal's Payouts API (with a failure on the way) once;
 * the ledger reconciles. Access is checked throughout. The platform's clock is moved by the test.
 */
import {
  basicAuthorization,
  PROTOCOL_VERSION,
  UPLINK_HTTP_PATH,
  type DeviceCredential,
  type TUplinkRecord,
} from '@smartcharge/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachKind } from './support/databases.js';
import { apiCaller } from './support/http.js';
import { startFakePaypal, type FakePaypal } from './support/fake-paypal.js';
import { ADMIN_TOKEN, provisionDevice, startTestServer, type TestServer } from './support/servers.js';
import { telemetryStream, thenUnplugged } from './support/telemetry-fixtures.js';

const T0 = Date.UTC(2026, 0, 5, 15); // 5 January 2026, 10:00 in Toronto
const DAY = 86_400_000;

describeEachKind('programs, enrollment, rewards and payouts end to end', (kind) => {
  let nowMs = T0;
  let server: TestServer;
  let paypal: FakePaypal;

  beforeAll(async () => {
    paypal = await startFakePaypal();
    server = await startTestServer({
      database: kind,
      mqtt: 'off',
      clock: () => new Date(nowMs),
      env: {
        JOBS: 'true',
        LOG_LEVEL: process.env.E2E_LOG ?? 'silent',
        PAYPAL_API_URL: paypal.url,
        PAYPAL_CLIENT_ID: paypal.clientId,
        PAYPAL_CLIENT_SECRET: paypal.clientSecret,
        DERIVE_LIVE: 'true',
        // The test moves the clock by months; sign-ins last a year so they do not expire on the way.
        SESSION_TTL_DAYS: '365',
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await paypal?.close();
  });

  const call = apiCaller(() => server.url);
  const signIn = async (email: string, password: string): Promise<string> => {
    const answer = await call('POST', '/auth/signin', undefined, { email, password });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.token as string;
  };

  /** Sends records as a device would, in five-minute batches, with the clock just after each batch. */
  const drive = async (credential: DeviceCredential, records: readonly TUplinkRecord[], boot: number) => {
    for (let i = 0; i < records.length; i += 300) {
      const batch = records.slice(i, i + 300);
      nowMs = batch.at(-1)!.time_ms + 30_000;
      const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuthorization(credential) },
        body: JSON.stringify({ v: PROTOCOL_VERSION, device: credential.serial, boot, records: batch }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    await server.services.derive.idle();
  };
  /** A drive then a Level 2 charge at home (Mississauga, inside Alectra's territory), then unplugged. */
  let seq = 0;
  const dayOfCharging = (startMs: number, seed: number): TUplinkRecord[] => {
    const records = thenUnplugged(
      telemetryStream({ startMs, firstSeq: seq, driveSeconds: 300, chargeSeconds: 1200, seed }),
    );
    seq = records.at(-1)!.seq + 1;
    return records;
  };

  let adminToken = '';
  let driverToken = '';
  let applicationId = 0;
  let konaEv = 0;
  let device: { id: number; credential: DeviceCredential };

  it('lets an operator make a program administrator, who sets up Alectra and names a target', async () => {
    const created = await call('POST', '/accounts', ADMIN_TOKEN, {
      email: 'pat@alectra.example',
      name: 'Pat Admin',
      role: 'program_admin',
      utility: 'Alectra Utilities',
      password: 'correct horse battery',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    adminToken = await signIn('pat@alectra.example', 'correct horse battery');
    const program = await call('POST', '/programs', adminToken, { preset: 'alectra' });
    expect(program.status).toBe(201);
    expect(program.body.rewardRules).toHaveLength(2);
    const patched = await call('PATCH', '/programs/alectra', adminToken, {
      participantTarget: 1,
      supportEmail: 'smartcharge@alectra.example',
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.participantTarget).toBe(1);
    // Another utility's administrator cannot take Alectra's program over, nor create one for Alectra.
    await call('POST', '/accounts', ADMIN_TOKEN, {
      email: 'sam@mississippi.example',
      name: 'Sam',
      role: 'program_admin',
      utility: 'Mississippi Power',
      password: 'another long password',
    });
    const other = await signIn('sam@mississippi.example', 'another long password');
    expect((await call('PATCH', '/programs/alectra', other, { participantTarget: 99 })).status).toBe(404);
  });

  it('signs a driver up without telling whether an address is taken, and rate-limits guessing', async () => {
    const first = await call('POST', '/auth/signup', undefined, {
      email: 'dana@example.com',
      name: 'Dana Driver',
      password: 'a long enough password',
    });
    const again = await call('POST', '/auth/signup', undefined, {
      email: 'DANA@example.com',
      name: 'Someone Else',
      password: 'another password here',
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    // The second sign-up did not change the password.
    driverToken = await signIn('dana@example.com', 'a long enough password');
    const wrong = await call('POST', '/auth/signin', undefined, { email: 'nobody@example.com', password: 'x' });
    const wrongPassword = await call('POST', '/auth/signin', undefined, { email: 'dana@example.com', password: 'x' });
    expect(wrong.status).toBe(401);
    expect(wrongPassword.body.error?.message).toBe(wrong.body.error?.message);
    for (let i = 0; i < 5; i++)
      await call('POST', '/auth/signin', undefined, { email: 'eve@example.com', password: 'y' });
    expect((await call('POST', '/auth/signin', undefined, { email: 'eve@example.com', password: 'y' })).status).toBe(
      429,
    );
  });

  it('takes an application, explains the vehicle that cannot take part, and enforces the target', async () => {
    const applied = await call('POST', '/programs/alectra/applications', driverToken, {
      vehicles: [
        { make: 'Hyundai', model: 'Kona Electric', modelYear: 2019, vin: 'KM8K33AG1KU000001' },
        { make: 'Chevrolet', model: 'Volt', modelYear: 2017, vin: '1G1RC6S58HU000002' },
      ],
      homeAddress: { line1: '1 Main St', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'ca' },
      utilityAccount: '1234567890',
      paypalEmail: 'dana.paypal@example.com',
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    applicationId = applied.body.id as number;
    const vehicles = applied.body.vehicles as {
      id: number;
      status: string;
      eligibility: { reasons: { ok: boolean; message: string }[] };
    }[];
    expect(vehicles.map((v) => v.status)).toEqual(['pending', 'declined']);
    expect(vehicles[1]!.eligibility.reasons.find((r) => !r.ok)?.message).toMatch(/battery-electric/);
    konaEv = vehicles[0]!.id;

    // Nobody else sees it: another driver, another utility's administrator.
    await call('POST', '/auth/signup', undefined, {
      email: 'lee@example.com',
      name: 'Lee',
      password: 'lee password 123',
    });
    const lee = await signIn('lee@example.com', 'lee password 123');
    const sam = await signIn('sam@mississippi.example', 'another long password');
    expect((await call('GET', `/applications/${applicationId}`, lee)).status).toBe(404);
    expect((await call('GET', `/applications/${applicationId}`, sam)).status).toBe(404);
    expect((await call('GET', '/programs/alectra/applications', sam)).status).toBe(404);
    expect((await call('GET', '/programs/alectra/applications', lee)).status).toBe(403);

    const queue = await call('GET', '/programs/alectra/applications?status=applied', adminToken);
    expect((queue.body.applications as unknown[]).length).toBe(1);
    const approved = await call('POST', `/applications/${applicationId}/approve`, adminToken, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.status).toBe('approved');

    // The target (1) is reached: the next applicant is told so.
    const full = await call('POST', '/programs/alectra/applications', lee, {
      vehicles: [{ make: 'Nissan', model: 'Leaf', modelYear: 2018, vin: '1N4AZ1CP8JC000003' }],
      homeAddress: { line1: '2 Main St', city: 'Brampton', region: 'ON', postalCode: 'L6V 1A1', country: 'CA' },
      utilityAccount: '555',
    });
    expect(full.status).toBe(409);
    expect(full.body.error?.message).toMatch(/target of 1/);
  });

  it('ships a device with tracking, which goes live with its first data', async () => {
    device = await provisionDevice(server);
    const shipped = await call('POST', `/enrolled-vehicles/${konaEv}/ship`, adminToken, {
      serial: device.credential.serial,
      carrier: 'Canada Post',
      trackingNumber: 'CP123456789CA',
    });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    const notes = await call('GET', '/me/notifications', driverToken);
    expect(JSON.stringify(notes.body)).toContain('CP123456789CA');
    nowMs = T0 + DAY / 2;
    expect((await call('POST', `/enrolled-vehicles/${konaEv}/installed`, driverToken)).body.status).toBe('installed');

    await drive(device.credential, dayOfCharging(T0 + DAY, 1), 1);
    const seen = await call('GET', `/applications/${applicationId}`, adminToken);
    const live = (seen.body.vehicles as { device: { status: string; firstSeenAt: string } | null }[])[0]!.device!;
    expect(live.status).toBe('active');
    expect(live.firstSeenAt).not.toBeNull();
  });

  it('handles a Y-cable request and refuses to move the device into a vehicle the program does not take', async () => {
    const cable = await call('POST', `/enrolled-vehicles/${konaEv}/y-cable`, driverToken, {
      note: 'insurance dongle',
    });
    expect(cable.status).toBe(201);
    expect((await call('POST', `/enrolled-vehicles/${konaEv}/y-cable`, driverToken, {})).status).toBe(409);
    const sent = await call('PATCH', `/shipments/${cable.body.id as number}`, adminToken, {
      status: 'shipped',
      carrier: 'Canada Post',
      trackingNumber: 'CP987',
    });
    expect(sent.body.status).toBe('shipped');
    const change = await call('POST', `/enrolled-vehicles/${konaEv}/change`, driverToken, {
      make: 'Toyota',
      model: 'Prius Prime',
      modelYear: 2020,
      vin: 'JTDKARFP0L3000004',
    });
    expect(change.status).toBe(400);
    expect(change.body.error?.message).toMatch(/do not install/);
  });

  it('lets an administrator adjust with a reason, but not into a negative balance', async () => {
    const plus = await call('POST', `/applications/${applicationId}/adjustments`, adminToken, {
      points: 250,
      reason: 'Goodwill: shipping delay',
    });
    expect(plus.status, JSON.stringify(plus.body)).toBe(201);
    const minus = await call('POST', `/applications/${applicationId}/adjustments`, adminToken, {
      points: -100_000,
      reason: 'Too much',
    });
    expect(minus.status).toBe(400);
    expect(
      (await call('POST', `/applications/${applicationId}/adjustments`, driverToken, { points: 5, reason: 'me' }))
        .status,
    ).toBe(403);
  });

  it('pays the start bonus and a reward for each later month with a charge, once however often it runs', async () => {
    await drive(device.credential, dayOfCharging(Date.UTC(2026, 1, 10, 23), 2), 1);
    // No charge in March; one in April.
    await drive(device.credential, dayOfCharging(Date.UTC(2026, 3, 5, 23), 3), 1);
    nowMs = Date.UTC(2026, 4, 1, 6); // 1 May, 02:00 in Toronto: April has ended (payouts run at 10:00 UTC)
    for (let i = 0; i < 2; i++) {
      const ran = await call('POST', '/jobs/rewards/run', ADMIN_TOKEN);
      expect(ran.status, JSON.stringify(ran.body)).toBe(200);
      expect((ran.body.results as { status: string }[])[0]?.status).toBe('ok');
    }
    const ledger = await call('GET', `/applications/${applicationId}/ledger`, driverToken);
    // The server's own timer may already have paid some of it out by PayPal: rewards are what is checked here.
    const entries = (
      ledger.body.entries as {
        kind: string;
        ruleKey: string;
        period: string;
        points: number;
        explanation: { sessions: unknown[]; summary: string };
      }[]
    ).filter((e) => e.kind === 'reward');
    expect(entries.map((e) => `${e.ruleKey}:${e.period}:${e.points}`).sort()).toEqual([
      'monthly:2026-02:500',
      'monthly:2026-04:500',
      'start:start:5000',
    ]);
    for (const entry of entries) {
      expect(entry.explanation.sessions.length).toBeGreaterThan(0);
      expect(entry.explanation.summary.length).toBeGreaterThan(10);
    }
    const balances = await call('GET', '/programs/alectra/balances', adminToken);
    expect(balances.body.totals).toMatchObject({ earned: 6000, adjusted: 250 });
  });

  it('pays the balance through PayPal once, despite a failure on the way, and reconciles', async () => {
    paypal.failNext(1, 503);
    nowMs = Date.UTC(2026, 4, 2, 12);
    for (let i = 0; i < 2; i++) {
      const ran = await call('POST', '/jobs/paypal-payouts/run', ADMIN_TOKEN);
      // 'skipped' when the server's own timer is running the same job at that moment: it runs once either way.
      expect(['ok', 'skipped'], JSON.stringify(ran.body)).toContain(
        (ran.body.results as { status: string }[])[0]?.status,
      );
    }
    // Everything earned and adjusted, paid once: in April's batch, or split with March's if the
    // server's timer paid March when the clock passed it.
    expect(paypal.paidCents('dana.paypal@example.com')).toBe(6250);
    const batches = await call('GET', '/programs/alectra/payouts', adminToken);
    const list = batches.body.batches as { id: number; provider: string; period: string; status: string }[];
    expect(list.map((b) => b.provider)).toEqual(list.map(() => 'paypal'));
    expect(list.map((b) => b.status)).toEqual(list.map(() => 'completed'));
    expect(list.at(-1)!.period).toBe('2026-04');
    expect(paypal.batches()).toHaveLength(list.length);
    let cents = 0;
    for (const b of list) {
      const batch = await call('GET', `/payouts/${b.id}`, adminToken);
      for (const item of batch.body.items as { status: string; amountCents: number }[]) {
        expect(item.status).toBe('success');
        cents += item.amountCents;
      }
    }
    expect(cents).toBe(6250);
    const ledger = await call('GET', `/applications/${applicationId}/ledger`, driverToken);
    expect(ledger.body.balance).toBe(0);
    const reconciliation = await call('GET', '/programs/alectra/reconciliation', adminToken);
    expect(reconciliation.body).toMatchObject({
      ok: true,
      problems: [],
      totals: { paidPoints: 6250, ledgerDebits: 6250 },
    });
    const totals = await call('GET', '/programs/alectra/balances', adminToken);
    expect(totals.body.totals).toMatchObject({ earned: 6000, adjusted: 250, paidOut: 6250, balance: 0 });
  });

  it('lets the participant leave; an activated device needs no return and stops counting', async () => {
    // A Y-cable asked for and not yet sent is closed when the driver leaves.
    const shipmentsOf = async () =>
      (
        (await call('GET', `/applications/${applicationId}`, adminToken)).body.vehicles as {
          shipments: { id: number; kind: string; status: string }[];
        }[]
      ).flatMap((v) => v.shipments);
    const shipped = await shipmentsOf();
    for (const open of shipped.filter((x) => x.kind === 'y_cable' && x.status === 'shipped')) {
      expect((await call('PATCH', `/shipments/${open.id}`, adminToken, { status: 'delivered' })).status).toBe(200);
    }
    const cable = await call('POST', `/enrolled-vehicles/${konaEv}/y-cable`, driverToken, { note: 'second dongle' });
    expect(cable.status, cable.text).toBe(201);
    const left = await call('POST', `/applications/${applicationId}/leave`, driverToken, { reason: 'moved' });
    expect(left.status, JSON.stringify(left.body)).toBe(200);
    expect(left.body.status).toBe('left');
    const notes = JSON.stringify((await call('GET', '/me/notifications', driverToken)).body);
    expect(notes).toContain('does not need to be returned');
    const stored = await server.services.devices.getDevice({ kind: 'operator', via: 'cli' }, device.credential.serial);
    expect(stored.vehicleId).toBeNull();
    expect(stored.revokedAt).not.toBeNull();
    const after = await shipmentsOf();
    expect(after.find((x) => x.id === (cable.body.id as number))?.status).toBe('cancelled');
  });
});

/**
 * Gift cards end to end, over HTTP, on PGlite and on PostgreSQL: in Alectra's program, the
 * participants without PayPal get a card for their whole balance at the year's end — rewards
 * earned up to the last day included — in one batch that is exported as CSV for ordering and then
 * fulfilled. Balances go to zero; a card that could not be delivered gives its points back (and is
 * paid the next year); the participants are told; running the job again pays nobody twice; the
 * ledger reconciles. The platform's clock is moved by the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  basicAuthorization,
  PROTOCOL_VERSION,
  UPLINK_HTTP_PATH,
  type DeviceCredential,
  type TUplinkRecord,
} from '@smartcharge/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachKind } from './support/databases.js';
import { apiCaller, type Answer } from './support/http.js';
import { mailTo } from './support/mail.js';
import { HOME, uniqueVin } from './support/program-fixtures.js';
import { ADMIN_TOKEN, provisionDevice, startTestServer, type TestServer } from './support/servers.js';
import { telemetryStream } from './support/telemetry-fixtures.js';

const T0 = Date.UTC(2026, 10, 2, 15); // 2 November 2026, 10:00 in Toronto
const NEW_YEAR = Date.UTC(2027, 0, 1, 9, 30); // 04:30 on 1 January in Toronto, after the 09:00 UTC run time
const CSV_HEADER = 'item_id,reference,recipient_email,amount,currency,brand,status';

interface Item {
  readonly id: number;
  readonly enrollmentId: number;
  readonly receiver: string;
  readonly points: number;
  readonly amountCents: number;
  readonly currency: string;
  readonly status: string;
}

describeEachKind("gift cards at the year's end, over HTTP", (kind) => {
  let nowMs = T0;
  let server: TestServer;
  let mailDir: string;

  beforeAll(async () => {
    mailDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-gift-mail-'));
    server = await startTestServer({
      database: kind,
      mqtt: 'off',
      clock: () => new Date(nowMs),
      env: {
        JOBS: 'true',
        DERIVE_LIVE: 'true',
        MAIL_DIR: mailDir,
        SESSION_TTL_DAYS: '365',
        LOG_LEVEL: process.env.E2E_LOG ?? 'silent',
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  const call = apiCaller(() => server.url);
  const ok = async (method: string, route: string, token?: string, body?: unknown): Promise<Answer> => {
    const answer = await call(method, route, token, body);
    expect(answer.status, `${method} ${route}: ${answer.text}`).toBeLessThan(300);
    return answer;
  };
  const signIn = async (email: string, password: string) =>
    (await ok('POST', '/auth/signin', undefined, { email, password })).body.token as string;
  /** Runs a job now; when the server's own timer holds it at that moment, waits and asks again. */
  const runJob = async (name: string) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const ran = await ok('POST', `/jobs/${name}/run`, ADMIN_TOKEN);
      const [result] = ran.body.results as { status: string; summary?: unknown; error?: string }[];
      expect(result?.status, JSON.stringify(result)).not.toBe('failed');
      if (result?.status === 'ok') return result.summary as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`job ${name} was held by the server's timer throughout`);
  };
  const batches = async () =>
    (await ok('GET', '/programs/alectra/payouts', adminToken)).body.batches as {
      id: number;
      provider: string;
      period: string;
      status: string;
    }[];
  const balanceOf = async (who: Driver) =>
    (await ok('GET', `/applications/${who.enrollmentId}/ledger`, who.token)).body.balance as number;

  interface Driver {
    readonly email: string;
    readonly token: string;
    readonly enrollmentId: number;
    readonly enrollmentVehicleId: number;
  }
  let adminToken = '';
  const drivers: Record<'gail' | 'hal' | 'ivy' | 'jo', Driver> = {} as never;

  it('sets up Alectra with four participants: three without PayPal, one with', async () => {
    await ok('POST', '/accounts', ADMIN_TOKEN, {
      email: 'pat@alectra.example',
      name: 'Pat Admin',
      role: 'program_admin',
      utility: 'Alectra Utilities',
      password: 'correct horse battery',
    });
    adminToken = await signIn('pat@alectra.example', 'correct horse battery');
    await ok('POST', '/programs', adminToken, { preset: 'alectra' });
    for (const name of ['gail', 'hal', 'ivy', 'jo'] as const) {
      const email = `${name}@example.com`;
      const password = `${name} has a long password`;
      await ok('POST', '/auth/signup', undefined, { email, name, password });
      const token = await signIn(email, password);
      const applied = await ok('POST', '/programs/alectra/applications', token, {
        vehicles: [{ make: 'Hyundai', model: 'Kona Electric', modelYear: 2019, vin: uniqueVin() }],
        homeAddress: HOME,
        utilityAccount: '1234567890',
        ...(name === 'ivy' ? { paypalEmail: 'ivy.paypal@example.com' } : {}),
      });
      const enrollmentId = applied.body.id as number;
      await ok('POST', `/applications/${enrollmentId}/approve`, adminToken, {});
      const enrollmentVehicleId = (applied.body.vehicles as { id: number }[])[0]!.id;
      drivers[name] = { email, token, enrollmentId, enrollmentVehicleId };
    }
  });

  let seq = 0;
  /** A drive then a Level 2 charge at home (Mississauga, in Alectra's territory), sent as the device would. */
  const chargeAt = async (credential: DeviceCredential, startMs: number, seed: number) => {
    const records = telemetryStream({ startMs, firstSeq: seq, driveSeconds: 300, chargeSeconds: 1200, seed });
    const last = records.at(-1)!;
    records.push({ ...last, seq: last.seq + 1, time_ms: last.time_ms + 60_000, charge_state: 'unplugged' });
    seq = last.seq + 2;
    for (let i = 0; i < records.length; i += 300) {
      const batch: TUplinkRecord[] = records.slice(i, i + 300);
      nowMs = batch.at(-1)!.time_ms + 30_000;
      const response = await fetch(`${server.url}${UPLINK_HTTP_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuthorization(credential) },
        body: JSON.stringify({ v: PROTOCOL_VERSION, device: credential.serial, boot: 1, records: batch }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    await server.services.derive.idle();
  };

  it('lets the participants earn: Gail by charging in November and December, the others by adjustments', async () => {
    const device = await provisionDevice(server);
    await ok('POST', `/enrolled-vehicles/${drivers.gail.enrollmentVehicleId}/ship`, adminToken, {
      serial: device.credential.serial,
      carrier: 'Canada Post',
      trackingNumber: 'CP1',
    });
    nowMs = T0 + 86_400_000;
    await ok('POST', `/enrolled-vehicles/${drivers.gail.enrollmentVehicleId}/installed`, drivers.gail.token);
    await chargeAt(device.credential, Date.UTC(2026, 10, 5, 23), 1);
    await chargeAt(device.credential, Date.UTC(2026, 11, 10, 23), 2);
    for (const [who, points] of [
      [drivers.hal, 1234],
      [drivers.ivy, 600],
      [drivers.jo, 800],
    ] as const) {
      await ok('POST', `/applications/${who.enrollmentId}/adjustments`, adminToken, {
        points,
        reason: 'Welcome credit',
      });
    }
    // December has not ended: only the start bonus is counted for Gail yet.
    await runJob('rewards');
    expect(await balanceOf(drivers.gail)).toBe(5000);
    // The job for last year's cards runs daily; this program began this year, so there is no 2025 card to cut.
    expect(await runJob('gift-cards')).toEqual({ created: 0 });
    expect(await balanceOf(drivers.hal)).toBe(1234);
  });

  let batchId = 0;
  let items: Item[] = [];

  it("records one gift-card batch of each PayPal-less participant's whole balance at the year's end", async () => {
    nowMs = NEW_YEAR;
    expect(await runJob('gift-cards')).toEqual({ created: 1 });
    const [batch, ...more] = await batches();
    expect(more).toEqual([]);
    expect(batch).toMatchObject({ provider: 'gift_card', period: '2026', status: 'exported' });
    batchId = batch!.id;
    items = (await ok('GET', `/payouts/${batchId}`, adminToken)).body.items as Item[];
    // Gail's December reward was counted before her card was cut: start 5,000 + December 500.
    expect(items.map((i) => [i.receiver, i.points, i.amountCents, i.currency, i.status])).toEqual([
      ['gail@example.com', 5500, 5500, 'CAD', 'exported'],
      ['hal@example.com', 1234, 1234, 'CAD', 'exported'],
      ['jo@example.com', 800, 800, 'CAD', 'exported'],
    ]);
    for (const who of [drivers.gail, drivers.hal, drivers.jo]) expect(await balanceOf(who)).toBe(0);
    // Ivy is paid by PayPal, not by card.
    expect(await balanceOf(drivers.ivy)).toBe(600);
  });

  it('exports the batch as CSV for ordering: one row per card, amount in dollars, currency and brand', async () => {
    const exported = await call('GET', `/payouts/${batchId}/gift-cards.csv`, adminToken);
    expect(exported.status).toBe(200);
    expect(exported.type).toMatch(/^text\/csv/);
    const [header, ...rows] = exported.text.trimEnd().split('\n');
    expect(header).toBe(CSV_HEADER);
    expect(rows).toEqual(
      items.map(
        (i) =>
          `${i.id},sc-alectra-gc-2026-${i.enrollmentId},${i.receiver},${(i.amountCents / 100).toFixed(2)},CAD,Amazon,exported`,
      ),
    );
    expect(rows.map((row) => row.split(',')[3])).toEqual(['55.00', '12.34', '8.00']);
    // Participants may not see the order.
    expect((await call('GET', `/payouts/${batchId}/gift-cards.csv`, drivers.gail.token)).status).toBe(403);
  });

  it('fulfils the batch: cards sent are done, an undelivered one gives its points back, and everyone is told', async () => {
    const jo = items.find((i) => i.receiver === 'jo@example.com')!;
    const fulfilled = await ok('POST', `/payouts/${batchId}/fulfil`, adminToken, {
      failedItems: [jo.id],
      note: 'card bounced',
    });
    expect(fulfilled.body.status).toBe('completed');
    expect((fulfilled.body.items as Item[]).map((i) => i.status)).toEqual(['fulfilled', 'fulfilled', 'failed']);
    expect(await balanceOf(drivers.gail)).toBe(0);
    expect(await balanceOf(drivers.hal)).toBe(0);
    expect(await balanceOf(drivers.jo)).toBe(800);

    const again = await call('POST', `/payouts/${batchId}/fulfil`, adminToken, {});
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toMatch(/only exported gift cards are fulfilled/);

    const noticesOf = async (who: Driver) =>
      (
        (await ok('GET', '/me/notifications', who.token)).body.notifications as {
          kind: string;
          subject: string;
          body: string;
        }[]
      ).filter((n) => n.kind.startsWith('payout_'));
    const [gail] = await noticesOf(drivers.gail);
    expect(gail?.kind).toBe('payout_paid');
    expect(gail?.subject).toContain('55.00 CAD Amazon card');
    const [jos] = await noticesOf(drivers.jo);
    expect(jos).toMatchObject({ kind: 'payout_returned' });
    expect(jos!.body).toContain('card bounced');
    expect(jos!.body).toContain('800 points are back in your balance');
    expect(await noticesOf(drivers.ivy)).toEqual([]);
    // And by mail.
    expect((await mailTo(mailDir, 'gail@example.com')).map((m) => m.subject)).toContain(gail!.subject);

    expect((await ok('GET', '/programs/alectra/reconciliation', adminToken)).body).toMatchObject({
      ok: true,
      problems: [],
      totals: { items: 3, paidPoints: 6734, reversedPoints: 800, ledgerDebits: 7534, ledgerReversals: 800 },
    });
  });

  it('pays nobody twice: the job again this year adds nothing; next year pays only what came back', async () => {
    expect(await runJob('gift-cards')).toEqual({ created: 0 });
    nowMs = NEW_YEAR + 14 * 86_400_000;
    expect(await runJob('gift-cards')).toEqual({ created: 0 });
    expect(await batches()).toHaveLength(1);

    nowMs = Date.UTC(2028, 0, 1, 9, 30);
    // A year and two months on, the administrator's sign-in has lapsed.
    adminToken = await signIn('pat@alectra.example', 'correct horse battery');
    expect(await runJob('gift-cards')).toEqual({ created: 1 });
    const next = (await batches()).at(-1)!;
    expect(next.period).toBe('2027');
    const csv = (await call('GET', `/payouts/${next.id}/gift-cards.csv`, adminToken)).text.trimEnd().split('\n');
    expect(csv.slice(1).map((row) => row.split(',').slice(2, 5).join(','))).toEqual(['jo@example.com,8.00,CAD']);
    const totals = (await ok('GET', '/programs/alectra/balances', adminToken)).body.totals;
    expect(totals).toMatchObject({ earned: 5500, adjusted: 2634, paidOut: 7534, balance: 600 });
  });
});

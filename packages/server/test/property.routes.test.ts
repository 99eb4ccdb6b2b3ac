/**
 * The property inquiry routes on a bare Fastify app (the plugin, the API error handler and a stub
 * that reads the actor from a test header) over a real service on PGlite: status codes, shapes,
 * the public form's per-address rate limit (with a swapped clock), and staff-only queue access.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR, PUBLIC, type Actor } from '../src/actor.js';
import type { Database } from '../src/db/database.js';
import { apiErrorHandler } from '../src/http/error-handler.js';
import {
  clientKey,
  PROPERTY_INQUIRIES_PER_HOUR,
  propertyRoutes,
  SubmissionRateLimiter,
} from '../src/http/property.routes.js';
import { createLogger } from '../src/logger.js';
import { ProgramService } from '../src/programs/index.js';
import { createMailer } from '../src/mail/mailer.js';
import { PropertyInquiryService } from '../src/property/index.js';
import { openTemplatePGlite } from './support/databases.js';

const T0 = Date.parse('2026-03-02T15:00:00Z');
const HOUR_MS = 3_600_000;
const ALECTRA_ADMIN = 'admin:Alectra Utilities';
const OTHER_ADMIN = 'admin:Mississippi Power';

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

let counter = 0;
function form(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    program: 'alectra',
    buildingName: `Maple Court ${counter}`,
    address: {
      line1: `${counter} City Centre Dr`,
      city: 'Mississauga',
      region: 'ON',
      postalCode: 'L5B 2C9',
      country: 'CA',
    },
    units: 24,
    hasCommonArea: true,
    contactName: 'Pat Manager',
    contactEmail: 'pat@example.com',
    ...overrides,
  };
}

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}

describe('property inquiry routes', () => {
  let db: Database;
  let app: FastifyInstance;
  let now = T0;
  let address = 0;
  /** A client address of its own, so a test is not limited by another's posts. */
  const freshIp = () => `198.51.100.${(address += 1)}`;

  const post = (body: unknown, remoteAddress = freshIp()) =>
    app.inject({ method: 'POST', url: '/api/v1/property-inquiries', payload: body as object, remoteAddress });
  const staff = (method: 'GET' | 'PATCH', url: string, actor: string | undefined, payload?: object) =>
    app.inject({ method, url, ...(payload ? { payload } : {}), headers: actor ? { 'x-test-actor': actor } : {} });

  beforeAll(async () => {
    db = await openTemplatePGlite();
    const programs = new ProgramService(db);
    await programs.ensurePreset(CLI_OPERATOR, 'alectra');
    await programs.ensurePreset(CLI_OPERATOR, 'mississippi-power');
    // The administrator behind "admin:<utility>" (status changes record who made them).
    await db.query(
      `INSERT INTO account (id, email, email_key, name, role, utility, password_hash) OVERRIDING SYSTEM VALUE
       VALUES (7, 'sam@utility.example', 'sam@utility.example', 'Sam', 'program_admin', 'Alectra Utilities', 'scrypt$x')`,
    );
    const log = createLogger('silent');
    const mailer = createMailer({
      smtpUrl: undefined,
      from: 'SmartCharge <no-reply@localhost>',
      directory: await mkdtemp(path.join(tmpdir(), 'smartcharge-routes-mail-')),
      log,
    });
    const property = new PropertyInquiryService(db, programs, { mailer, log }, () => new Date(now));
    app = Fastify();
    app.setErrorHandler(apiErrorHandler(createLogger('silent')));
    await app.register(propertyRoutes({ property }, actorOf, { now: () => now }), { prefix: '/api/v1' });
    await app.ready();
  });

  // After, not before: the nested beforeAll that posts runs before the next beforeEach.
  afterEach(() => {
    now = T0;
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  describe('POST /property-inquiries (public)', () => {
    it('answers 201 with the id and the pre-qualification, and nothing else of the inquiry', async () => {
      const response = await post(form());
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({
        id: expect.any(Number) as number,
        status: 'new',
        likelyToQualify: true,
        reasons: expect.arrayContaining([expect.stringContaining('fits the offer')]) as string[],
      });
    });

    it('tells a single-family home it is not likely to qualify, still with 201', async () => {
      const response = await post(form({ units: 1, hasCommonArea: false }));
      expect(response.statusCode).toBe(201);
      const body = response.json<{ likelyToQualify: boolean; reasons: string[] }>();
      expect(body.likelyToQualify).toBe(false);
      expect(body.reasons[0]).toContain('A single-family home is not eligible');
    });

    it('answers 400 invalid_input naming every bad field, and for an unknown program', async () => {
      const bad = await post(form({ units: 0, contactEmail: 'nope', message: 'x'.repeat(2001) }));
      expect(bad.statusCode).toBe(400);
      const body = bad.json<ErrorBody>();
      expect(body.error.code).toBe('invalid_input');
      expect(body.error.details?.map((detail) => detail.field)).toEqual(['units', 'contactEmail', 'message']);

      const empty = await app.inject({ method: 'POST', url: '/api/v1/property-inquiries', remoteAddress: freshIp() });
      expect(empty.statusCode).toBe(400);
      expect(empty.json<ErrorBody>().error.details?.map((detail) => detail.field)).toContain('buildingName');

      const unknown = await post(form({ program: 'nowhere' }));
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json<ErrorBody>().error.details).toEqual([{ field: 'program', message: 'no program "nowhere"' }]);
    });

    it(`answers 429 rate_limited after ${PROPERTY_INQUIRIES_PER_HOUR} posts an hour from one address, saying when to retry`, async () => {
      const ip = '203.0.113.9';
      // Rejected forms count too: probing the form costs as much as spamming it.
      expect((await post(form({ units: 0 }), ip)).statusCode).toBe(400);
      for (let i = 1; i < PROPERTY_INQUIRIES_PER_HOUR; i += 1) {
        now = T0 + i * 60_000;
        expect((await post(form(), ip)).statusCode).toBe(201);
      }
      now = T0 + 20 * 60_000;
      const limited = await post(form(), ip);
      expect(limited.statusCode).toBe(429);
      expect(limited.json<ErrorBody>().error).toEqual({
        code: 'rate_limited',
        message: `Too many inquiries from your network: at most ${PROPERTY_INQUIRIES_PER_HOUR} an hour. Try again in 40 minutes (after 16:00 UTC).`,
      });
      expect(limited.headers['retry-after']).toBe(String(40 * 60));

      // Another address is not affected.
      expect((await post(form(), '203.0.113.10')).statusCode).toBe(201);
      // An hour after the first post, its slot is free again (and only its slot).
      now = T0 + HOUR_MS;
      expect((await post(form(), ip)).statusCode).toBe(201);
      expect((await post(form(), ip)).statusCode).toBe(429);
    });
  });

  describe('the staff queue', () => {
    let alectraId: number;
    let otherId: number;

    beforeAll(async () => {
      alectraId = (await post(form())).json<{ id: number }>().id;
      otherId = (
        await post(
          form({
            program: 'mississippi-power',
            address: { line1: '1 Beach Blvd', city: 'Biloxi', region: 'MS', postalCode: '39530', country: 'US' },
          }),
        )
      ).json<{ id: number }>().id;
    });

    it("GET lists only the administrator's utility, with the next page's cursor", async () => {
      const response = await staff('GET', '/api/v1/property-inquiries?status=new&limit=200', ALECTRA_ADMIN);
      expect(response.statusCode).toBe(200);
      const body = response.json<{ inquiries: { id: number; program: { utility: string } }[]; next: number | null }>();
      expect(body.inquiries.map((inquiry) => inquiry.id)).toContain(alectraId);
      expect(body.inquiries.map((inquiry) => inquiry.id)).not.toContain(otherId);
      expect(new Set(body.inquiries.map((inquiry) => inquiry.program.utility))).toEqual(new Set(['Alectra Utilities']));
      expect(body.next).toBeNull();

      const page = await staff('GET', '/api/v1/property-inquiries?limit=1', 'operator');
      const first = page.json<{ inquiries: { id: number }[]; next: number }>();
      expect(first.next).toBe(first.inquiries[0]!.id);
      const second = await staff('GET', `/api/v1/property-inquiries?limit=1&after=${first.next}`, 'operator');
      expect(second.json<{ inquiries: { id: number }[] }>().inquiries[0]!.id).toBeGreaterThan(first.next);

      const filtered = await staff('GET', '/api/v1/property-inquiries?program=mississippi-power', 'operator');
      expect(filtered.json<{ inquiries: { id: number }[] }>().inquiries.map((inquiry) => inquiry.id)).toEqual([
        otherId,
      ]);
    });

    it('GET refuses the public and drivers (403) and a bad query (400)', async () => {
      expect((await staff('GET', '/api/v1/property-inquiries', undefined)).statusCode).toBe(403);
      expect((await staff('GET', '/api/v1/property-inquiries', 'driver')).statusCode).toBe(403);
      expect((await staff('GET', `/api/v1/property-inquiries/${alectraId}`, undefined)).statusCode).toBe(403);
      expect((await staff('GET', '/api/v1/property-inquiries/counts', 'driver')).statusCode).toBe(403);
      const bad = await staff('GET', '/api/v1/property-inquiries?status=open', 'operator');
      expect(bad.statusCode).toBe(400);
      expect(bad.json<ErrorBody>().error.details?.[0]?.field).toBe('status');
    });

    it("GET /:id answers the inquiry, and 404 for another utility's as for a missing one", async () => {
      const response = await staff('GET', `/api/v1/property-inquiries/${alectraId}`, ALECTRA_ADMIN);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        id: alectraId,
        status: 'new',
        program: { slug: 'alectra' },
        createdAt: new Date(T0).toISOString(),
      });
      const other = await staff('GET', `/api/v1/property-inquiries/${otherId}`, ALECTRA_ADMIN);
      expect(other.statusCode).toBe(404);
      expect(other.json<ErrorBody>().error.message).toBe(`No property inquiry has id ${otherId}.`);
      expect((await staff('GET', `/api/v1/property-inquiries/${otherId}`, OTHER_ADMIN)).statusCode).toBe(200);
      const bad = await staff('GET', '/api/v1/property-inquiries/abc', 'operator');
      expect(bad.statusCode).toBe(400);
      expect(bad.json<ErrorBody>().error.details?.[0]?.field).toBe('id');
    });

    it('PATCH /:id moves the inquiry on; a skipped step is 409 invalid_transition, an empty body 400', async () => {
      const { id } = (await post(form())).json<{ id: number }>();
      const url = `/api/v1/property-inquiries/${id}`;
      const skipped = await staff('PATCH', url, ALECTRA_ADMIN, { status: 'qualified' });
      expect(skipped.statusCode).toBe(409);
      expect(skipped.json<ErrorBody>().error).toMatchObject({
        code: 'invalid_transition',
        message: `Inquiry ${id} is new; it can become contacted or declined, not qualified.`,
      });
      const contacted = await staff('PATCH', url, ALECTRA_ADMIN, {
        status: 'contacted',
        adminNote: 'Left a voicemail',
      });
      expect(contacted.statusCode).toBe(200);
      expect(contacted.json()).toMatchObject({ id, status: 'contacted', adminNote: 'Left a voicemail', mail: 'sent' });
      expect((await staff('PATCH', url, ALECTRA_ADMIN, {})).statusCode).toBe(400);
      expect((await staff('PATCH', url, ALECTRA_ADMIN, { status: 'declined', extra: 1 })).statusCode).toBe(400);
      expect((await staff('PATCH', url, OTHER_ADMIN, { status: 'declined' })).statusCode).toBe(404);
      expect((await staff('PATCH', url, 'driver', { status: 'declined' })).statusCode).toBe(403);
      expect((await staff('PATCH', url, undefined, { status: 'declined' })).statusCode).toBe(403);
      expect((await staff('GET', url, 'operator')).json()).toMatchObject({ status: 'contacted' });
    });

    it('GET /counts answers every status for the badge', async () => {
      const response = await staff('GET', '/api/v1/property-inquiries/counts?program=mississippi-power', OTHER_ADMIN);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        counts: { new: 1, contacted: 0, qualified: 0, declined: 0, installed: 0 },
      });
    });
  });
});

describe('the public form rate limiter', () => {
  it('keeps a sliding window per key and says when the oldest attempt leaves it', () => {
    let now = 1_000_000;
    const limiter = new SubmissionRateLimiter(2, 60_000, () => now);
    expect(limiter.take('a')).toEqual({ ok: true });
    now += 10_000;
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('b')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAtMs: 1_060_000 });
    now = 1_060_001;
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAtMs: 1_070_000 });
  });

  it('limits IPv4 by address and IPv6 by /64, reading IPv4-mapped addresses as IPv4', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });
});

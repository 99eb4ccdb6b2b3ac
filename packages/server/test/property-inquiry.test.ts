/**
 * Property managers' inquiries through their service, on PGlite and on PostgreSQL: submitting the
 * public form (stored, pre-qualified), the staff queue scoped to a utility, reading, moving an
 * inquiry through its statuses with notes (with an injected clock), counting, and access checks.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_OPERATOR, PUBLIC, type Actor } from '../src/actor.js';
import { createLogger } from '../src/logger.js';
import { createMailer, type Mailer } from '../src/mail/mailer.js';
import type { Queryable } from '../src/db/database.js';
import { ProgramService, type Program } from '../src/programs/index.js';
import {
  PROPERTY_INQUIRY_STATUSES,
  PropertyInquiryService,
  type TSubmitPropertyInquiry,
} from '../src/property/index.js';
import { expectAppError } from './support/app-errors.js';
import { describeEachDatabase } from './support/databases.js';
import { mailTo } from './support/mail.js';

const T0 = Date.parse('2026-03-02T15:00:00Z');
const DRIVER: Actor = { kind: 'driver', accountId: 1 };
const DEVICE: Actor = { kind: 'device', deviceId: 1, serial: 'C2-1' };

let counter = 0;

/** A valid form for a 24-unit building with a common area; override what a test is about. */
function form(program: string, overrides: Partial<TSubmitPropertyInquiry> = {}): TSubmitPropertyInquiry {
  counter += 1;
  return {
    program,
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
    contactEmail: `pat${counter}@example.com`,
    ...overrides,
  };
}

const adminOf = (program: Pick<Program, 'utility'>, accountId = 90): Actor => ({
  kind: 'program_admin',
  accountId,
  utility: program.utility,
});

describeEachDatabase('property inquiries', (setup) => {
  let now = T0;
  const clock = () => new Date(now);
  let programs: ProgramService;
  let service: PropertyInquiryService;
  let alectra: Program;
  let mailDir: string;
  let mailer: Mailer;
  const log = createLogger('silent');

  /** A program administrator with a real account (status changes record who made them). */
  async function realAdminOf(program: Pick<Program, 'utility'>): Promise<Actor> {
    counter += 1;
    const { rows } = await setup().db.query<{ id: number }>(
      `INSERT INTO account (email, email_key, name, role, utility, password_hash)
       VALUES ($1, $1, 'Sam Admin', 'program_admin', $2, 'scrypt$x') RETURNING id`,
      [`admin${counter}@utility.example`, program.utility],
    );
    return { kind: 'program_admin', accountId: rows[0]!.id, utility: program.utility };
  }

  /** A program of its own utility, so counts and scoping see only this test's inquiries. */
  async function freshProgram(): Promise<Program> {
    counter += 1;
    return programs.createProgram(CLI_OPERATOR, {
      slug: `prop-test-${counter}`,
      name: `Property Test ${counter}`,
      utility: `Property Test Utility ${counter}`,
      timeZone: 'America/Toronto',
      gridGPerKwh: 50,
    });
  }

  beforeAll(async () => {
    programs = new ProgramService(setup().db);
    mailDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-inquiry-mail-'));
    mailer = createMailer({ smtpUrl: undefined, from: 'SmartCharge <no-reply@localhost>', directory: mailDir, log });
    service = new PropertyInquiryService(setup().db, programs, { mailer, log }, clock);
    alectra = await programs.ensurePreset(CLI_OPERATOR, 'alectra');
  });

  beforeEach(() => {
    now = T0;
  });

  describe('submitting the form', () => {
    it('stores the inquiry as new and tells a likely building why it fits', async () => {
      const submitted = await service.submitInquiry(PUBLIC, {
        ...form('alectra'),
        buildingName: '  Birch Towers ',
        address: {
          line1: '1 Birch Ave',
          line2: ' Suite 100 ',
          city: 'Markham',
          region: 'ON',
          postalCode: 'l3r5k4',
          country: 'ca',
        },
        units: 120,
        commonAreaNote: 'Underground garage, level P1',
        parkingSpaces: 150,
        contactEmail: ' lee@birch.example ',
        contactPhone: '905 555 0100',
        message: 'Board meets in April.',
      });
      expect(submitted).toEqual({
        id: expect.any(Number) as number,
        status: 'new',
        likelyToQualify: true,
        reasons: [
          'A residential building of 120 units with a common area fits the offer.',
          'This is a first check, not a decision: space is limited, and the program team will email you to confirm.',
        ],
      });

      const stored = await service.getInquiry(CLI_OPERATOR, submitted.id);
      expect(stored).toMatchObject({
        id: submitted.id,
        program: { id: alectra.id, slug: 'alectra', name: alectra.name, utility: 'Alectra Utilities' },
        buildingName: 'Birch Towers',
        address: {
          line1: '1 Birch Ave',
          line2: 'Suite 100',
          city: 'Markham',
          region: 'ON',
          postalCode: 'L3R 5K4',
          country: 'CA',
        },
        units: 120,
        hasCommonArea: true,
        commonAreaNote: 'Underground garage, level P1',
        parkingSpaces: 150,
        contactName: 'Pat Manager',
        contactEmail: 'lee@birch.example',
        contactPhone: '905 555 0100',
        message: 'Board meets in April.',
        status: 'new',
        adminNote: null,
        prequalification: { likelyToQualify: true },
      });
      expect(stored.createdAt.getTime()).toBe(T0);
      expect(stored.updatedAt.getTime()).toBe(T0);
    });

    it('stores an unlikely inquiry too, telling a single-family home it is not eligible', async () => {
      const submitted = await service.submitInquiry(PUBLIC, form('alectra', { units: 1, hasCommonArea: false }));
      expect(submitted.likelyToQualify).toBe(false);
      expect(submitted.reasons[0]).toBe(
        'A single-family home is not eligible: the offer is for multi-unit residential buildings with a common area.',
      );
      const stored = await service.getInquiry(CLI_OPERATOR, submitted.id);
      expect(stored.status).toBe('new');
      expect(stored.prequalification).toEqual({ likelyToQualify: false, reasons: submitted.reasons });
      expect(stored.commonAreaNote).toBeNull();
      expect(stored.parkingSpaces).toBeNull();
    });

    it('takes inquiries from signed-in accounts as from anyone', async () => {
      for (const actor of [DRIVER, adminOf(alectra), CLI_OPERATOR]) {
        expect((await service.submitInquiry(actor, form('alectra'))).status).toBe('new');
      }
    });

    it('reports an unknown program on the program field and stores nothing', async () => {
      const program = await freshProgram();
      const error = await expectAppError(
        service.submitInquiry(PUBLIC, form('no-such-program')),
        'invalid_input',
        'no program "no-such-program"',
      );
      expect(error.details).toEqual([{ field: 'program', message: 'no program "no-such-program"' }]);
      await expectAppError(
        service.submitInquiry(PUBLIC, { ...form(program.slug), units: 0 }),
        'invalid_input',
        'units',
      );
      expect((await service.countByStatus(CLI_OPERATOR, program.slug)).new).toBe(0);
    });

    it('rejects a bad form naming every bad field', async () => {
      const error = await expectAppError(
        service.submitInquiry(PUBLIC, { ...form('alectra'), contactEmail: 'pat', units: 2.5, extra: true } as never),
        'invalid_input',
      );
      expect(error.details?.map((detail) => detail.field).sort()).toEqual(['(input)', 'contactEmail', 'units']);
    });
  });

  describe('the queue', () => {
    let mine: Program;
    let theirs: Program;
    const ids: { mine: number[]; theirs: number[] } = { mine: [], theirs: [] };

    beforeAll(async () => {
      mine = await freshProgram();
      theirs = await freshProgram();
      for (let i = 0; i < 3; i += 1) ids.mine.push((await service.submitInquiry(PUBLIC, form(mine.slug))).id);
      ids.theirs.push((await service.submitInquiry(PUBLIC, form(theirs.slug))).id);
    });

    it("shows a program administrator only their utility's inquiries, oldest first", async () => {
      const listed = await service.listInquiries(adminOf(mine));
      expect(listed.map((inquiry) => inquiry.id)).toEqual(ids.mine);
      expect(new Set(listed.map((inquiry) => inquiry.program?.utility))).toEqual(new Set([mine.utility]));
      expect(await service.listInquiries(adminOf(mine), { program: theirs.slug })).toEqual([]);
    });

    it('shows operators every utility, filtered by program and status', async () => {
      const all = (await service.listInquiries(CLI_OPERATOR, { limit: 200 })).map((inquiry) => inquiry.id);
      for (const id of [...ids.mine, ...ids.theirs]) expect(all).toContain(id);
      const theirsListed = await service.listInquiries(CLI_OPERATOR, { program: theirs.slug });
      expect(theirsListed.map((inquiry) => inquiry.id)).toEqual(ids.theirs);
      expect(await service.listInquiries(CLI_OPERATOR, { program: mine.slug, status: 'declined' })).toEqual([]);
      expect((await service.listInquiries(CLI_OPERATOR, { program: mine.slug, status: 'new' })).length).toBe(3);
    });

    it('pages by id', async () => {
      const first = await service.listInquiries(adminOf(mine), { limit: 2 });
      expect(first.map((inquiry) => inquiry.id)).toEqual(ids.mine.slice(0, 2));
      const rest = await service.listInquiries(adminOf(mine), { limit: 2, afterId: first[1]!.id });
      expect(rest.map((inquiry) => inquiry.id)).toEqual(ids.mine.slice(2));
      await expectAppError(service.listInquiries(CLI_OPERATOR, { limit: 201 }), 'invalid_input', 'limit');
    });

    it('is closed to drivers, devices and the public', async () => {
      for (const actor of [DRIVER, DEVICE, PUBLIC]) {
        await expectAppError(service.listInquiries(actor), 'forbidden');
        await expectAppError(service.countByStatus(actor), 'forbidden');
        // Refused before anything is read: a missing inquiry is not reported as missing.
        await expectAppError(service.getInquiry(actor, 999_999_999), 'forbidden');
        await expectAppError(service.updateInquiry(actor, ids.mine[0]!, { status: 'contacted' }), 'forbidden');
      }
      expect((await service.getInquiry(CLI_OPERATOR, ids.mine[0]!)).status).toBe('new');
    });

    it("answers another utility's inquiry as missing, exactly like one that does not exist", async () => {
      const other = await expectAppError(service.getInquiry(adminOf(mine), ids.theirs[0]!), 'not_found');
      const missing = await expectAppError(service.getInquiry(adminOf(mine), 999_999_999), 'not_found');
      expect(other.message).toBe(`No property inquiry has id ${ids.theirs[0]}.`);
      expect(missing.message).toBe('No property inquiry has id 999999999.');
      await expectAppError(service.updateInquiry(adminOf(mine), ids.theirs[0]!, { status: 'contacted' }), 'not_found');
      expect((await service.getInquiry(adminOf(theirs), ids.theirs[0]!)).status).toBe('new');
      await expectAppError(service.getInquiry(CLI_OPERATOR, 0), 'invalid_input', 'id');
    });
  });

  describe('working an inquiry', () => {
    it('moves new → contacted → qualified → installed, mailing the inquirer at each step with the note', async () => {
      const program = await freshProgram();
      const admin = await realAdminOf(program);
      const submitted = form(program.slug);
      const { id } = await service.submitInquiry(PUBLIC, submitted);

      now = T0 + 3_600_000;
      const contacted = await service.updateInquiry(admin, id, {
        status: 'contacted',
        note: 'We will call you this week.',
        adminNote: ' Called Pat ',
      });
      expect(contacted).toMatchObject({ status: 'contacted', adminNote: 'Called Pat', mail: 'sent' });
      expect(contacted.updatedAt.getTime()).toBe(now);
      expect(contacted.createdAt.getTime()).toBe(T0);

      now = T0 + 2 * 3_600_000;
      const qualified = await service.updateInquiry(admin, id, { status: 'qualified' });
      // A status change alone keeps the team note.
      expect(qualified).toMatchObject({ status: 'qualified', adminNote: 'Called Pat', mail: 'sent' });
      // Changing the team note alone mails nobody.
      expect((await service.updateInquiry(admin, id, { adminNote: 'Site visit Monday' })).mail).toBe('none');
      const installed = await service.updateInquiry(admin, id, { status: 'installed' });
      expect(installed).toMatchObject({ status: 'installed', adminNote: 'Site visit Monday', mail: 'sent' });

      const mails = await mailTo(mailDir, submitted.contactEmail);
      expect(mails.map((mail) => mail.subject)).toEqual([
        `Inquiry ${id} (${submitted.buildingName}): we are in touch`,
        `Inquiry ${id} (${submitted.buildingName}): your building qualifies`,
        `Inquiry ${id} (${submitted.buildingName}): your station is installed`,
      ]);
      expect(mails[0]!.text).toContain('We will call you this week.');
      expect(mails[0]!.text).not.toContain('Called Pat');
      expect(mails[1]!.text).toContain('up to 50 % off installation costs');

      const detail = await service.getInquiry(admin, id);
      expect(detail.changes.map((c) => [c.fromStatus, c.toStatus, c.note, c.changedBy])).toEqual([
        ['new', 'contacted', 'We will call you this week.', (admin as { accountId: number }).accountId],
        ['contacted', 'qualified', null, (admin as { accountId: number }).accountId],
        ['qualified', 'installed', null, (admin as { accountId: number }).accountId],
      ]);
      expect(detail.changes.every((c) => c.mailedAt !== null)).toBe(true);
    });

    it('refuses a skipped step as invalid_transition naming the allowed ones, changes nothing and mails nobody', async () => {
      const program = await freshProgram();
      const submitted = form(program.slug);
      const { id } = await service.submitInquiry(PUBLIC, submitted);
      const error = await expectAppError(
        service.updateInquiry(CLI_OPERATOR, id, { status: 'installed', adminNote: 'lost' }),
        'invalid_transition',
        'contacted or declined',
      );
      expect(error.details).toEqual([{ field: 'status', message: 'allowed from new: contacted, declined' }]);
      expect(await service.getInquiry(CLI_OPERATOR, id)).toMatchObject({ status: 'new', adminNote: null, changes: [] });
      expect(await mailTo(mailDir, submitted.contactEmail)).toEqual([]);
    });

    it('declines from any open status; a declined or installed inquiry keeps its status but takes team notes', async () => {
      const program = await freshProgram();
      for (const path of [[], ['contacted'], ['contacted', 'qualified']] as const) {
        const submitted = form(program.slug);
        const { id } = await service.submitInquiry(PUBLIC, submitted);
        for (const status of path) await service.updateInquiry(CLI_OPERATOR, id, { status });
        expect((await service.updateInquiry(CLI_OPERATOR, id, { status: 'declined' })).status).toBe('declined');
        await expectAppError(
          service.updateInquiry(CLI_OPERATOR, id, { status: 'contacted' }),
          'invalid_transition',
          'declined, which is final',
        );
        expect(await service.updateInquiry(CLI_OPERATOR, id, { adminNote: 'Duplicate of another' })).toMatchObject({
          status: 'declined',
          adminNote: 'Duplicate of another',
        });
        // Sending the current status again (a form that posts everything) is not a transition.
        const again = await service.updateInquiry(CLI_OPERATOR, id, { status: 'declined', adminNote: null });
        expect([again.adminNote, again.mail]).toEqual([null, 'none']);
        const mails = await mailTo(mailDir, submitted.contactEmail);
        expect(mails.map((mail) => mail.subject.split(': ')[1])).toEqual([
          ...path.map((status) => (status === 'contacted' ? 'we are in touch' : 'your building qualifies')),
          'we cannot offer a station',
        ]);
      }
    });

    it('refuses a note to the inquirer without a status change, saying where it goes', async () => {
      const { id } = await service.submitInquiry(PUBLIC, form('alectra'));
      await expectAppError(
        service.updateInquiry(CLI_OPERATOR, id, { note: 'Hello', adminNote: 'x' }),
        'invalid_input',
        'mailed with a status change',
      );
    });

    it('keeps the status change when the mail fails, and says so', async () => {
      const program = await freshProgram();
      const { id } = await service.submitInquiry(PUBLIC, form(program.slug));
      const broken: Mailer = {
        description: 'a mail server that is down',
        send: async () => {
          throw new Error('connection refused');
        },
      };
      const offline = new PropertyInquiryService(setup().db, programs, { mailer: broken, log }, clock);
      expect((await offline.updateInquiry(CLI_OPERATOR, id, { status: 'contacted' })).mail).toBe('failed');
      const detail = await service.getInquiry(CLI_OPERATOR, id);
      expect(detail.status).toBe('contacted');
      expect(detail.changes.map((c) => c.mailedAt)).toEqual([null]);
    });

    it('refuses an empty update', async () => {
      const { id } = await service.submitInquiry(PUBLIC, form('alectra'));
      await expectAppError(
        service.updateInquiry(CLI_OPERATOR, id, {}),
        'invalid_input',
        'give a status or an adminNote',
      );
    });

    it('lets only one of two administrators move the same inquiry on; the other is told to reload', async () => {
      const program = await freshProgram();
      const { id } = await service.submitInquiry(PUBLIC, form(program.slug));
      const db = setup().db;
      const other = new PropertyInquiryService(db, programs, { mailer, log }, clock);
      // The other administrator closes the inquiry between this one's read and write.
      let raced = false;
      const racing: Queryable = {
        exec: (text) => db.exec(text),
        query: async (text, params) => {
          if (!raced && text.includes('UPDATE property_inquiry')) {
            raced = true;
            await other.updateInquiry(CLI_OPERATOR, id, { status: 'declined' });
          }
          return db.query(text, params);
        },
      };
      const slow = new PropertyInquiryService(racing, programs, { mailer, log }, clock);
      await expectAppError(
        slow.updateInquiry(CLI_OPERATOR, id, { status: 'contacted' }),
        'conflict',
        'it is now declined',
        'reload',
      );
      expect(raced).toBe(true);
      expect((await service.getInquiry(CLI_OPERATOR, id)).status).toBe('declined');
    });
  });

  describe('counting for the queue badge', () => {
    it('counts every status (zeros included), per utility and per program', async () => {
      const first = await freshProgram();
      const second = await programs.createProgram(CLI_OPERATOR, {
        slug: `${first.slug}-b`,
        name: 'Second program, same utility',
        utility: first.utility,
        timeZone: 'America/Toronto',
        gridGPerKwh: 50,
      });
      const zeros = Object.fromEntries(PROPERTY_INQUIRY_STATUSES.map((status) => [status, 0]));
      expect(await service.countByStatus(adminOf(first))).toEqual(zeros);

      const a = await service.submitInquiry(PUBLIC, form(first.slug));
      await service.submitInquiry(PUBLIC, form(first.slug));
      await service.submitInquiry(PUBLIC, form(second.slug));
      await service.updateInquiry(await realAdminOf(first), a.id, { status: 'contacted' });

      expect(await service.countByStatus(adminOf(first))).toEqual({ ...zeros, new: 2, contacted: 1 });
      expect(await service.countByStatus(adminOf(first), first.slug)).toEqual({ ...zeros, new: 1, contacted: 1 });
      expect(await service.countByStatus(CLI_OPERATOR, second.slug)).toEqual({ ...zeros, new: 1 });
      // Another utility's administrator counts none of them, even naming the program.
      expect(await service.countByStatus(adminOf(alectra), first.slug)).toEqual(zeros);
    });
  });
});

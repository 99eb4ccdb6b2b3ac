/**
 * Property managers' inquiries through their service, on PGlite and on PostgreSQL: submitting the
 * public form (stored, pre-qualified), the staff queue scoped to a utility, reading, moving an
 * inquiry through its statuses with notes (with an injected clock), counting, and access checks.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_OPERATOR, PUBLIC, type Actor } from '../src/actor.js';
import type { Queryable } from '../src/db/database.js';
import { ProgramService, type Program } from '../src/programs/index.js';
import {
  PROPERTY_INQUIRY_STATUSES,
  PropertyInquiryService,
  type TSubmitPropertyInquiry,
} from '../src/property/index.js';
import { expectAppError } from './support/app-errors.js';
import { describeEachDatabase } from './support/databases.js';

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
    service = new PropertyInquiryService(setup().db, programs, clock);
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
      expect(await service.listInquiries(CLI_OPERATOR, { program: mine.slug, status: 'closed' })).toEqual([]);
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
        await expectAppError(service.updateInquiry(actor, ids.mine[0]!, { status: 'closed' }), 'forbidden');
      }
      expect((await service.getInquiry(CLI_OPERATOR, ids.mine[0]!)).status).toBe('new');
    });

    it("answers another utility's inquiry as missing, exactly like one that does not exist", async () => {
      const other = await expectAppError(service.getInquiry(adminOf(mine), ids.theirs[0]!), 'not_found');
      const missing = await expectAppError(service.getInquiry(adminOf(mine), 999_999_999), 'not_found');
      expect(other.message).toBe(`No property inquiry has id ${ids.theirs[0]}.`);
      expect(missing.message).toBe('No property inquiry has id 999999999.');
      await expectAppError(service.updateInquiry(adminOf(mine), ids.theirs[0]!, { status: 'closed' }), 'not_found');
      expect((await service.getInquiry(adminOf(theirs), ids.theirs[0]!)).status).toBe('new');
      await expectAppError(service.getInquiry(CLI_OPERATOR, 0), 'invalid_input', 'id');
    });
  });

  describe('working an inquiry', () => {
    it('moves new → contacted → qualified → closed, keeping notes and the time of each change', async () => {
      const program = await freshProgram();
      const admin = adminOf(program);
      const { id } = await service.submitInquiry(PUBLIC, form(program.slug));

      now = T0 + 3_600_000;
      const contacted = await service.updateInquiry(admin, id, { status: 'contacted', adminNote: ' Called Pat ' });
      expect(contacted).toMatchObject({ status: 'contacted', adminNote: 'Called Pat' });
      expect(contacted.updatedAt.getTime()).toBe(now);
      expect(contacted.createdAt.getTime()).toBe(T0);

      now = T0 + 2 * 3_600_000;
      const qualified = await service.updateInquiry(admin, id, { status: 'qualified' });
      // A status change alone keeps the note.
      expect(qualified).toMatchObject({ status: 'qualified', adminNote: 'Called Pat' });

      const closed = await service.updateInquiry(CLI_OPERATOR, id, {
        status: 'closed',
        adminNote: 'Station installed',
      });
      expect(closed).toMatchObject({ status: 'closed', adminNote: 'Station installed' });
      expect(await service.getInquiry(admin, id)).toEqual(closed);
    });

    it('refuses a skipped step as invalid_transition naming the allowed ones, and changes nothing', async () => {
      const program = await freshProgram();
      const { id } = await service.submitInquiry(PUBLIC, form(program.slug));
      const error = await expectAppError(
        service.updateInquiry(CLI_OPERATOR, id, { status: 'qualified', adminNote: 'lost' }),
        'invalid_transition',
        'contacted or closed',
      );
      expect(error.details).toEqual([{ field: 'status', message: 'allowed from new: contacted, closed' }]);
      expect(await service.getInquiry(CLI_OPERATOR, id)).toMatchObject({ status: 'new', adminNote: null });
    });

    it('closes from any open status, and a closed inquiry keeps its status but takes notes', async () => {
      const program = await freshProgram();
      for (const path of [[], ['contacted'], ['contacted', 'not_qualified']] as const) {
        const { id } = await service.submitInquiry(PUBLIC, form(program.slug));
        for (const status of path) await service.updateInquiry(CLI_OPERATOR, id, { status });
        expect((await service.updateInquiry(CLI_OPERATOR, id, { status: 'closed' })).status).toBe('closed');
        await expectAppError(
          service.updateInquiry(CLI_OPERATOR, id, { status: 'new' }),
          'invalid_transition',
          'closed',
        );
        expect(await service.updateInquiry(CLI_OPERATOR, id, { adminNote: 'Duplicate of another' })).toMatchObject({
          status: 'closed',
          adminNote: 'Duplicate of another',
        });
        // Sending the current status again (a form that posts everything) is not a transition.
        expect(
          (await service.updateInquiry(CLI_OPERATOR, id, { status: 'closed', adminNote: null })).adminNote,
        ).toBeNull();
      }
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
      const other = new PropertyInquiryService(db, programs, clock);
      // The other administrator closes the inquiry between this one's read and write.
      let raced = false;
      const racing: Queryable = {
        exec: (text) => db.exec(text),
        query: async (text, params) => {
          if (!raced && text.includes('UPDATE property_inquiry')) {
            raced = true;
            await other.updateInquiry(CLI_OPERATOR, id, { status: 'closed' });
          }
          return db.query(text, params);
        },
      };
      const slow = new PropertyInquiryService(racing, programs, clock);
      await expectAppError(
        slow.updateInquiry(CLI_OPERATOR, id, { status: 'contacted' }),
        'conflict',
        'it is now closed',
        'reload',
      );
      expect(raced).toBe(true);
      expect((await service.getInquiry(CLI_OPERATOR, id)).status).toBe('closed');
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
      await service.updateInquiry(adminOf(first), a.id, { status: 'contacted' });

      expect(await service.countByStatus(adminOf(first))).toEqual({ ...zeros, new: 2, contacted: 1 });
      expect(await service.countByStatus(adminOf(first), first.slug)).toEqual({ ...zeros, new: 1, contacted: 1 });
      expect(await service.countByStatus(CLI_OPERATOR, second.slug)).toEqual({ ...zeros, new: 1 });
      // Another utility's administrator counts none of them, even naming the program.
      expect(await service.countByStatus(adminOf(alectra), first.slug)).toEqual(zeros);
    });
  });
});

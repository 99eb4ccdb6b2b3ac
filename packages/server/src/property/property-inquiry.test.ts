import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseInput } from '../validation.js';
import {
  allowedInquiryTransitions,
  checkInquiryTransition,
  inquiryStatusMail,
  MIN_UNITS_FOR_OFFER,
  prequalify,
  PROPERTY_INQUIRY_STATUSES,
  ZSubmitPropertyInquirySchema,
  ZUpdatePropertyInquirySchema,
  type TPropertyInquiryStatus,
  type TSubmitPropertyInquiry,
} from './index.js';

/** A complete, valid form for a 24-unit building in Mississauga; override what a test is about. */
function form(overrides: Record<string, unknown> = {}): TSubmitPropertyInquiry {
  return {
    program: 'alectra',
    buildingName: 'Maple Court',
    address: {
      line1: '100 City Centre Dr',
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

function withAddress(overrides: Record<string, unknown>): TSubmitPropertyInquiry {
  return form({ address: { ...(form().address as object), ...overrides } });
}

/** The AppError fn throws; fails the test when it does not throw one. */
function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  return expect.fail('expected an AppError');
}

function fieldsRejected(input: unknown): string[] {
  const error = appError(() => parseInput(ZSubmitPropertyInquirySchema, input));
  expect(error.code).toBe('invalid_input');
  return (error.details ?? []).map((detail) => detail.field);
}

describe('property inquiry form', () => {
  it('accepts a complete form, trimming text and normalising program, country and postal code', () => {
    const parsed = parseInput(
      ZSubmitPropertyInquirySchema,
      form({
        program: '  Alectra ',
        buildingName: '  Maple Court ',
        address: {
          line1: ' 100 City Centre Dr ',
          line2: '',
          city: 'Mississauga',
          region: 'ON',
          postalCode: 'l5b2c9',
          country: 'ca',
        },
        contactEmail: ' pat@example.com ',
        contactPhone: '+1 (905) 555-0100 ext. 12',
        commonAreaNote: '  ',
        parkingSpaces: null,
        message: 'We have a 40-space underground garage.',
      }),
    );
    expect(parsed).toEqual({
      program: 'alectra',
      buildingName: 'Maple Court',
      address: { line1: '100 City Centre Dr', city: 'Mississauga', region: 'ON', postalCode: 'L5B 2C9', country: 'CA' },
      units: 24,
      hasCommonArea: true,
      contactName: 'Pat Manager',
      contactEmail: 'pat@example.com',
      contactPhone: '+1 (905) 555-0100 ext. 12',
      message: 'We have a 40-space underground garage.',
    });
  });

  it('names every bad field at once, each with a message saying what to enter', () => {
    const error = appError(() =>
      parseInput(ZSubmitPropertyInquirySchema, {
        program: 'alectra',
        buildingName: '   ',
        address: { line1: '1 Main St', city: 'Town', region: 'ON', postalCode: '12345', country: 'CA' },
        units: 0,
        hasCommonArea: 'yes',
        contactName: 'Pat',
        contactEmail: 'not-an-email',
      }),
    );
    expect(error.details).toEqual([
      { field: 'buildingName', message: "enter the building's name" },
      { field: 'address.postalCode', message: 'a Canadian postal code looks like "L5B 3C3"' },
      { field: 'units', message: 'a building has at least 1 unit' },
      { field: 'hasCommonArea', message: 'say whether the building has a common area: true or false' },
      { field: 'contactEmail', message: 'enter a valid email address, like "manager@example.com"' },
    ]);
    expect(error.message).toContain("buildingName: enter the building's name");
  });

  it('reports every missing required field of an empty form', () => {
    expect(fieldsRejected({}).sort()).toEqual(
      ['address', 'buildingName', 'contactEmail', 'contactName', 'hasCommonArea', 'program', 'units'].sort(),
    );
    expect(fieldsRejected(form({ address: {} })).sort()).toEqual(
      ['address.city', 'address.country', 'address.line1', 'address.postalCode', 'address.region'].sort(),
    );
  });

  it('rejects unknown fields, at the top and in the address, naming them', () => {
    const top = appError(() => parseInput(ZSubmitPropertyInquirySchema, form({ budget: 5000 })));
    expect(top.message).toContain('unknown field "budget"');
    const nested = appError(() => parseInput(ZSubmitPropertyInquirySchema, withAddress({ unit: '4B' })));
    expect(nested.details).toEqual([{ field: 'address', message: 'unknown field "unit"; remove it' }]);
  });

  it('takes units as a whole number from 1 to 10,000', () => {
    for (const units of [1, 3, 10_000])
      expect(() => parseInput(ZSubmitPropertyInquirySchema, form({ units }))).not.toThrow();
    for (const units of [0, -3, 2.5, 10_001, '24', null]) {
      expect(fieldsRejected(form({ units })), String(units)).toEqual(['units']);
    }
  });

  it('limits the message to 2000 characters', () => {
    expect(() => parseInput(ZSubmitPropertyInquirySchema, form({ message: 'x'.repeat(2000) }))).not.toThrow();
    expect(fieldsRejected(form({ message: 'x'.repeat(2001) }))).toEqual(['message']);
  });

  it('checks Canadian postal codes and US ZIP codes, and leaves other countries free-form', () => {
    expect(parseInput(ZSubmitPropertyInquirySchema, withAddress({ postalCode: 'm5v 3l9' })).address.postalCode).toBe(
      'M5V 3L9',
    );
    expect(fieldsRejected(withAddress({ postalCode: 'M5V' }))).toEqual(['address.postalCode']);
    const us = { region: 'WA', country: 'US' };
    expect(() =>
      parseInput(ZSubmitPropertyInquirySchema, withAddress({ ...us, postalCode: '98201-1234' })),
    ).not.toThrow();
    expect(fieldsRejected(withAddress({ ...us, postalCode: 'L5B 2C9' }))).toEqual(['address.postalCode']);
    expect(() =>
      parseInput(
        ZSubmitPropertyInquirySchema,
        withAddress({ country: 'GB', region: 'London', postalCode: 'SW1A 1AA' }),
      ),
    ).not.toThrow();
  });

  it('takes the country as an ISO 3166 alpha-2 code, not a name or a private-use code', () => {
    for (const country of ['Canada', 'C', 'CAN', 'XX', 'ZZ', 'QM', 'AA']) {
      expect(fieldsRejected(withAddress({ country, postalCode: 'anything' })), country).toEqual(['address.country']);
    }
  });

  it('checks email and phone formats', () => {
    for (const contactEmail of ['pat', 'pat@', '@example.com', 'pat example@example.com', `${'a'.repeat(250)}@x.io`]) {
      expect(fieldsRejected(form({ contactEmail })), contactEmail).toEqual(['contactEmail']);
    }
    for (const contactPhone of ['905-555-0100', '+44 20 7946 0958', '(601) 555 0199 x4']) {
      expect(() => parseInput(ZSubmitPropertyInquirySchema, form({ contactPhone })), contactPhone).not.toThrow();
    }
    for (const contactPhone of ['555', 'call me', '+1 905 555 01OO']) {
      expect(fieldsRejected(form({ contactPhone })), contactPhone).toEqual(['contactPhone']);
    }
  });

  it('rejects a program that is not a slug (an all-digit value would be read as a program id)', () => {
    for (const program of ['', '12', 'alectra utilities', '-alectra']) {
      expect(fieldsRejected(form({ program })), program).toEqual(['program']);
    }
  });
});

describe('pre-qualification', () => {
  it('tells a single-family home it is not eligible, and why', () => {
    const result = prequalify({ units: 1, hasCommonArea: false });
    expect(result.likelyToQualify).toBe(false);
    expect(result.reasons[0]).toBe(
      'A single-family home is not eligible: the offer is for multi-unit residential buildings with a common area.',
    );
  });

  it(`treats buildings of ${MIN_UNITS_FOR_OFFER} or more units with a common area as likely`, () => {
    expect(MIN_UNITS_FOR_OFFER).toBe(3);
    expect(prequalify({ units: 2, hasCommonArea: true }).likelyToQualify).toBe(false);
    expect(prequalify({ units: 2, hasCommonArea: true }).reasons[0]).toContain('3 or more units');
    const likely = prequalify({ units: 3, hasCommonArea: true, parkingSpaces: 4 });
    expect(likely.likelyToQualify).toBe(true);
    expect(likely.reasons[0]).toBe('A residential building of 3 units with a common area fits the offer.');
    expect(likely.reasons.join(' ')).toContain('not a decision');
  });

  it('needs a common area, and parking for the station to serve', () => {
    const noCommonArea = prequalify({ units: 40, hasCommonArea: false });
    expect(noCommonArea.likelyToQualify).toBe(false);
    expect(noCommonArea.reasons[0]).toContain('needs a common area');
    const noParking = prequalify({ units: 40, hasCommonArea: true, parkingSpaces: 0 });
    expect(noParking.likelyToQualify).toBe(false);
    expect(noParking.reasons[0]).toContain('no parking spaces');
    // Not saying how many spaces there are is not the same as having none.
    expect(prequalify({ units: 40, hasCommonArea: true, parkingSpaces: null }).likelyToQualify).toBe(true);
  });

  it('is likely exactly when units ≥ 3, a common area and not zero parking, and always explains itself', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
        (units, hasCommonArea, parkingSpaces) => {
          const result = prequalify({ units, hasCommonArea, parkingSpaces });
          expect(result.likelyToQualify).toBe(units >= 3 && hasCommonArea && parkingSpaces !== 0);
          expect(result.reasons.length).toBeGreaterThan(0);
          // An unlikely answer says it will still be read; a likely one that it is not yet a decision.
          expect(result.reasons.at(-1)).toContain(result.likelyToQualify ? 'not a decision' : 'still read');
        },
      ),
    );
  });
});

describe('inquiry status lifecycle', () => {
  const EXPECTED: Record<TPropertyInquiryStatus, TPropertyInquiryStatus[]> = {
    new: ['contacted', 'declined'],
    contacted: ['qualified', 'declined'],
    qualified: ['installed', 'declined'],
    declined: [],
    installed: [],
  };

  it('allows exactly new → contacted → qualified → installed, and declining any open inquiry', () => {
    for (const from of PROPERTY_INQUIRY_STATUSES) {
      for (const to of PROPERTY_INQUIRY_STATUSES) {
        const allowed = from === to || EXPECTED[from].includes(to);
        if (allowed) expect(() => checkInquiryTransition(7, from, to), `${from} → ${to}`).not.toThrow();
        else expect(() => checkInquiryTransition(7, from, to), `${from} → ${to}`).toThrow(AppError);
      }
      expect([...allowedInquiryTransitions(from)].sort(), from).toEqual([...EXPECTED[from]].sort());
    }
  });

  it('refuses a transition as invalid_transition, naming the allowed ones', () => {
    const error = appError(() => checkInquiryTransition(7, 'new', 'qualified'));
    expect(error.code).toBe('invalid_transition');
    expect(error.message).toBe('Inquiry 7 is new; it can become contacted or declined, not qualified.');
    expect(error.details).toEqual([{ field: 'status', message: 'allowed from new: contacted, declined' }]);
    expect(appError(() => checkInquiryTransition(7, 'installed', 'declined')).message).toBe(
      'Inquiry 7 is installed, which is final; it keeps its status (its team note can still be edited).',
    );
    expect(appError(() => checkInquiryTransition(7, 'contacted', 'installed')).message).toBe(
      'Inquiry 7 is contacted; it can become qualified or declined, not installed.',
    );
  });
});

describe('inquiry update', () => {
  it('needs a status or a note, and clears the note when it is blank or null', () => {
    expect(appError(() => parseInput(ZUpdatePropertyInquirySchema, {})).message).toContain(
      'give a status or an adminNote',
    );
    expect(parseInput(ZUpdatePropertyInquirySchema, { adminNote: '   ' })).toEqual({ adminNote: null });
    expect(parseInput(ZUpdatePropertyInquirySchema, { adminNote: null })).toEqual({ adminNote: null });
    expect(parseInput(ZUpdatePropertyInquirySchema, { status: 'contacted', adminNote: ' Called Pat ' })).toEqual({
      status: 'contacted',
      adminNote: 'Called Pat',
    });
    expect(appError(() => parseInput(ZUpdatePropertyInquirySchema, { status: 'approved' })).details?.[0]?.field).toBe(
      'status',
    );
    expect(
      appError(() => parseInput(ZUpdatePropertyInquirySchema, { status: 'declined', priority: 1 })).message,
    ).toContain('unknown field "priority"');
  });
});

describe('the mail at each status change', () => {
  const inquiry = {
    id: 12,
    buildingName: 'Maple Court',
    address: {
      line1: '1 City Centre Dr',
      line2: undefined,
      city: 'Mississauga',
      region: 'ON',
      postalCode: 'L5B 2C9',
      country: 'CA',
    },
    contactName: 'Pat Manager',
    programName: 'SmartCharge Ontario (Alectra)',
  };

  it('says in words where the inquiry stands, with the note and where to reply', () => {
    const qualified = inquiryStatusMail({ ...inquiry, status: 'qualified' }, 'We will visit on Monday.', 'help@x.ca');
    expect(qualified.subject).toBe('Inquiry 12 (Maple Court): your building qualifies');
    expect(qualified.text).toContain('qualifies for a subsidised Smart Charging Station, plus up to 50 % off');
    expect(qualified.text).toContain('A note from the SmartCharge Ontario (Alectra) team:\nWe will visit on Monday.');
    expect(qualified.text).toContain('Reply to help@x.ca, quoting inquiry 12.');
    for (const status of ['contacted', 'declined', 'installed'] as const) {
      const mail = inquiryStatusMail({ ...inquiry, status }, undefined, null);
      expect(mail.text, status).toContain('Maple Court (1 City Centre Dr, Mississauga)');
      expect(mail.text, status).not.toContain('A note from');
    }
  });
});

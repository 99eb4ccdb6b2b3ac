/**
 * What a property manager's inquiry and an administrator's changes to it may contain, validated,
 * and the inquiry's status lifecycle (new → contacted → qualified → installed, or declined at any
 * open step). The form is public: every message names the field and says what to enter.
 */
import { z } from 'zod';
import { AppError } from '../errors.js';

export const PROPERTY_INQUIRY_STATUSES = ['new', 'contacted', 'qualified', 'declined', 'installed'] as const;
export type TPropertyInquiryStatus = (typeof PROPERTY_INQUIRY_STATUSES)[number];

/**
 * Transitions an administrator may make. Each step is one the inquirer hears about by mail, so none
 * is skipped: a station is installed only in a building found to qualify, which was only after a
 * conversation. Any open inquiry may be declined (not eligible, outside the territory, withdrawn).
 */
const TRANSITIONS: Readonly<Record<TPropertyInquiryStatus, readonly TPropertyInquiryStatus[]>> = {
  new: ['contacted', 'declined'],
  contacted: ['qualified', 'declined'],
  qualified: ['installed', 'declined'],
  declined: [],
  installed: [],
};

export function allowedInquiryTransitions(from: TPropertyInquiryStatus): readonly TPropertyInquiryStatus[] {
  return TRANSITIONS[from];
}

/** Throws invalid_transition naming what the inquiry may become. Staying put is not a transition. */
export function checkInquiryTransition(id: number, from: TPropertyInquiryStatus, to: TPropertyInquiryStatus): void {
  if (from === to) return;
  const allowed = TRANSITIONS[from];
  if (allowed.includes(to)) return;
  const message =
    allowed.length === 0
      ? `Inquiry ${id} is ${from}, which is final; it keeps its status (its team note can still be edited).`
      : `Inquiry ${id} is ${from}; it can become ${allowed.join(' or ')}, not ${to}.`;
  throw new AppError('invalid_transition', message, {
    details: [{ field: 'status', message: `allowed from ${from}: ${allowed.join(', ') || 'none'}` }],
  });
}

/** Names unknown fields in the message itself (zod's own issue has no path below the object). */
function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length === 1 ? 'it' : 'them'}`
        : undefined,
  });
}

function requiredText(what: string, max: number) {
  return z
    .string({ error: `enter ${what}` })
    .trim()
    .min(1, `enter ${what}`)
    .max(max, `${what} is too long: at most ${max} characters`);
}

/** Forms send blank optional fields as "" or null; both mean "not given". */
function optionalText(what: string, max: number) {
  return z
    .string({ error: `${what} must be text` })
    .trim()
    .max(max, `${what} is too long: at most ${max} characters`)
    .nullish()
    .transform((value) => (value ? value : undefined));
}

// ISO 3166-1 alpha-2. AA, QM–QZ, XA–XZ and ZZ are reserved for private use, never a country.
const PRIVATE_USE_COUNTRY = /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/;
const ZCountrySchema = z
  .string({ error: 'enter the country as a two-letter ISO 3166 code, like "CA" or "US"' })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'enter the country as a two-letter ISO 3166 code, like "CA" or "US"')
  .refine((code) => !PRIVATE_USE_COUNTRY.test(code), 'that is not a country code; use one like "CA" or "US"');

const CA_POSTAL = /^([A-Z]\d[A-Z]) ?(\d[A-Z]\d)$/;
const US_ZIP = /^\d{5}(-\d{4})?$/;

export const ZPropertyAddressSchema = strictObject({
  line1: requiredText('the street address', 200),
  line2: optionalText('the second address line', 200),
  city: requiredText('the city', 100),
  region: requiredText('the province or state', 100),
  postalCode: requiredText('the postal code', 20).transform((code) => code.toUpperCase()),
  country: ZCountrySchema,
}).transform((address, ctx) => {
  // The two countries programs run in get a format check (a typo here sends the visit to the wrong street).
  if (address.country === 'CA') {
    const match = CA_POSTAL.exec(address.postalCode);
    if (!match) {
      ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'a Canadian postal code looks like "L5B 3C3"' });
      return z.NEVER;
    }
    return { ...address, postalCode: `${match[1]} ${match[2]}` };
  }
  if (address.country === 'US' && !US_ZIP.test(address.postalCode)) {
    ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'a US ZIP code looks like "39501" or "39501-1234"' });
    return z.NEVER;
  }
  return address;
});
export type TPropertyAddress = z.output<typeof ZPropertyAddressSchema>;

// Digits with the usual separators, an optional leading + and extension; at least 7 digits.
const PHONE = /^\+?[0-9 ().-]{7,25}(\s*(x|ext\.?)\s*\d{1,6})?$/i;

export const ZSubmitPropertyInquirySchema = strictObject({
  program: z
    .string({ error: 'enter the program the offer belongs to (its slug, like "alectra")' })
    .trim()
    .toLowerCase()
    // At least one letter: an all-digit value would be looked up as a program id.
    .regex(
      /^(?=.*[a-z])[a-z0-9][a-z0-9-]{0,62}$/,
      'a program slug is lower-case letters, digits and dashes, like "alectra"',
    ),
  buildingName: requiredText("the building's name", 200),
  address: ZPropertyAddressSchema,
  units: z
    .number({ error: 'enter the number of dwelling units in the building, as a number' })
    .int('enter the number of dwelling units as a whole number')
    .min(1, 'a building has at least 1 unit')
    .max(10_000, 'at most 10,000 units; for a larger complex, send one inquiry per building'),
  hasCommonArea: z.boolean({ error: 'say whether the building has a common area: true or false' }),
  commonAreaNote: optionalText('the common area note', 500),
  parkingSpaces: z
    .number({ error: 'enter the number of parking spaces as a number' })
    .int('enter the number of parking spaces as a whole number')
    .min(0, 'parking spaces cannot be negative')
    .max(100_000, 'at most 100,000 parking spaces')
    .nullish()
    .transform((value) => value ?? undefined),
  contactName: requiredText('your name', 120),
  contactEmail: z
    .string({ error: 'enter your email address' })
    .trim()
    .min(1, 'enter your email address')
    .max(254, 'the email address is too long: at most 254 characters')
    .pipe(z.email('enter a valid email address, like "manager@example.com"')),
  contactPhone: optionalText('the phone number', 40).refine(
    (phone) => phone === undefined || (PHONE.test(phone) && (phone.match(/\d/g)?.length ?? 0) >= 7),
    'enter a phone number with at least 7 digits, like "+1 905 555 0100"',
  ),
  message: optionalText('the message', 2000),
});
export type TSubmitPropertyInquiry = z.input<typeof ZSubmitPropertyInquirySchema>;
export type TPropertyInquiryDetails = z.output<typeof ZSubmitPropertyInquirySchema>;

/** Most inquiries one list request returns. */
export const PROPERTY_INQUIRY_PAGE_LIMIT = 200;

export const ZListPropertyInquiriesSchema = strictObject({
  status: z.enum(PROPERTY_INQUIRY_STATUSES, `status is one of ${PROPERTY_INQUIRY_STATUSES.join(', ')}`).optional(),
  program: z.string().trim().toLowerCase().min(1, 'program: give a program slug').optional(),
  afterId: z.number().int().min(0).optional(),
  limit: z
    .number()
    .int()
    .min(1)
    .max(PROPERTY_INQUIRY_PAGE_LIMIT, `at most ${PROPERTY_INQUIRY_PAGE_LIMIT} at a time`)
    .optional(),
});
export type TListPropertyInquiries = z.input<typeof ZListPropertyInquiriesSchema>;

export const ZUpdatePropertyInquirySchema = strictObject({
  status: z.enum(PROPERTY_INQUIRY_STATUSES, `status is one of ${PROPERTY_INQUIRY_STATUSES.join(', ')}`).optional(),
  // For the inquirer: sent in the mail about this status change, and kept with it.
  note: optionalText('the note to the property manager', 2000),
  // For the team only; null or blank clears it.
  adminNote: z
    .string({ error: 'adminNote must be text, or null to clear it' })
    .trim()
    .max(2000, 'the note is too long: at most 2000 characters')
    .nullable()
    .optional()
    .transform((value) => (value === undefined ? undefined : value || null)),
}).refine((changes) => changes.status !== undefined || changes.adminNote !== undefined, {
  message: 'give a status or an adminNote to change',
});
export type TUpdatePropertyInquiry = z.input<typeof ZUpdatePropertyInquirySchema>;

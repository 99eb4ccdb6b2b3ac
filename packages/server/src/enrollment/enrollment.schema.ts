/** What drivers and administrators send to apply, decide, change and leave. */
import { z } from 'zod';
import { LEAVE_REASONS, SHIPMENT_STATUSES, SHIPMENT_KINDS } from './enrollment.repository.js';

const text = (max: number) => z.string().trim().min(1).max(max);
/**
 * A text field the applicant fills in, with messages in words that name it ("Give the vehicle's
 * make"), since the application form shows each message beside its field as it is.
 */
const answer = (max: number, what: string) =>
  z
    .string({ error: `Give ${what}.` })
    .trim()
    .min(1, `Give ${what}.`)
    .max(max, `Shorten ${what} to at most ${max} characters.`);

export const ZHomeAddressSchema = z.strictObject({
  line1: answer(200, 'the street address'),
  line2: z.string().trim().max(200, 'Shorten the second address line to at most 200 characters.').optional(),
  city: answer(100, 'the city or town'),
  region: answer(100, 'the state or province'),
  postalCode: answer(20, 'the postal or ZIP code'),
  country: z
    .string({ error: 'Give the country as two letters, like CA or US.' })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'Give the country as two letters (ISO 3166), like CA or US.'),
});

export const ZApplicantVehicleSchema = z.strictObject({
  make: answer(60, "the vehicle's make"),
  model: answer(80, "the vehicle's model"),
  modelYear: z
    .number({ error: 'Give the model year, like 2021.' })
    .int('Give the model year as a whole year, like 2021.')
    .min(1990, 'Give the model year, like 2021 (1990 or later).')
    .max(2100, 'Give the model year, like 2021 (2100 at the latest).'),
  vin: z
    .string({ error: "Give the vehicle's VIN (17 characters, on the windshield or your registration)." })
    .trim()
    .toUpperCase()
    .regex(/^[A-HJ-NPR-Z0-9]{17}$/, 'A VIN is 17 letters and digits, without I, O or Q.'),
  variant: z.string().trim().min(1).max(80).optional(),
});

export const ZApplySchema = z.strictObject({
  vehicles: z
    .array(ZApplicantVehicleSchema, { error: 'Name at least one vehicle.' })
    .min(1, 'Name at least one vehicle.')
    .max(10, 'Apply with at most 10 vehicles.'),
  homeAddress: ZHomeAddressSchema,
  utilityAccount: z.string().trim().max(60).default(''),
  paypalEmail: z.email('expected the email address of your PayPal account').optional(),
});
export type TApply = z.input<typeof ZApplySchema>;

export const ZEligibilityQuerySchema = ZApplicantVehicleSchema.omit({ vin: true, variant: true });

export const ZDecisionSchema = z.strictObject({
  /**
   * Approve only these enrollment vehicles (the others are declined); by default every one that is
   * eligible under the program's terms at the time of approval. Either way, no ineligible one.
   */
  vehicles: z.array(z.number().int().positive()).optional(),
  note: z.string().trim().max(1000).optional(),
});
export const ZDeclineSchema = z.strictObject({
  reason: z.string().trim().min(1, 'say why, so the applicant understands').max(1000),
});
export const ZLeaveSchema = z.strictObject({
  reason: z.enum(LEAVE_REASONS),
  note: z.string().trim().max(1000).optional(),
});
export const ZPaypalSchema = z.strictObject({
  paypalEmail: z.email('expected the email address of your PayPal account').nullable(),
});
export const ZShipDeviceSchema = z.strictObject({
  serial: text(64),
  carrier: text(60),
  trackingNumber: text(60),
});
export const ZNoteSchema = z.strictObject({ note: z.string().trim().max(1000).optional() });
export const ZUpdateShipmentSchema = z.strictObject({
  status: z.enum(SHIPMENT_STATUSES),
  carrier: z.string().trim().min(1).max(60).optional(),
  trackingNumber: z.string().trim().min(1).max(60).optional(),
});
export const ZShipmentQuerySchema = z.object({
  kind: z.enum(SHIPMENT_KINDS).optional(),
  status: z.enum(SHIPMENT_STATUSES).optional(),
});
export const ZChangeVehicleSchema = ZApplicantVehicleSchema;

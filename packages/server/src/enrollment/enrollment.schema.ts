/** What drivers and administrators send to apply, decide, change and leave. */
import { z } from 'zod';
import { LEAVE_REASONS, SHIPMENT_STATUSES, SHIPMENT_KINDS } from './enrollment.repository.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const ZHomeAddressSchema = z.strictObject({
  line1: text(200),
  line2: z.string().trim().max(200).optional(),
  city: text(100),
  region: text(100),
  postalCode: text(20),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'expected a two-letter country code (ISO 3166), like CA or US'),
});

export const ZApplicantVehicleSchema = z.strictObject({
  make: text(60),
  model: text(80),
  modelYear: z.number().int().min(1990).max(2100),
  vin: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-HJ-NPR-Z0-9]{17}$/, 'a VIN is 17 letters and digits, without I, O or Q'),
  variant: z.string().trim().min(1).max(80).optional(),
});

export const ZApplySchema = z.strictObject({
  vehicles: z.array(ZApplicantVehicleSchema).min(1, 'name at least one vehicle').max(10),
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

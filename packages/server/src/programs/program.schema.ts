/**
 * What a program says about itself that derivation needs, validated: time zone, territory
 * (GeoJSON), time-of-use periods, grid emission factors, the comparator car.
 */
import { z } from 'zod';
import { ZRatePlanSchema } from './rate-plan.js';

const position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number());
const ring = z
  .array(position)
  .min(4, 'a linear ring has at least four positions')
  .refine(
    (points) => points[0]![0] === points.at(-1)![0] && points[0]![1] === points.at(-1)![1],
    'a linear ring ends where it starts (GeoJSON closes rings by repeating the first position)',
  );
const polygon = z.array(ring).min(1);

export const ZTerritorySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: polygon }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(polygon).min(1) }),
]);
export type TTerritory = z.infer<typeof ZTerritorySchema>;

/** Accepts a bare geometry, a Feature or a FeatureCollection of polygons; keeps one geometry. */
export const ZTerritoryInputSchema = z.unknown().transform((value, ctx): TTerritory | undefined => {
  const geometries: unknown[] = [];
  const v = value as { type?: unknown; geometry?: unknown; features?: unknown };
  if (v && typeof v === 'object' && v.type === 'FeatureCollection' && Array.isArray(v.features)) {
    for (const feature of v.features as { geometry?: unknown }[]) geometries.push(feature?.geometry);
  } else if (v && typeof v === 'object' && v.type === 'Feature') {
    geometries.push(v.geometry);
  } else {
    geometries.push(value);
  }
  const polygons: z.infer<typeof polygon>[] = [];
  for (const geometry of geometries) {
    const parsed = ZTerritorySchema.safeParse(geometry);
    if (!parsed.success) {
      ctx.addIssue({
        code: 'custom',
        // No "territory:" here: parseInput puts the field's path in front of every message.
        message: 'expected GeoJSON Polygon or MultiPolygon geometry (bare, as a Feature or a FeatureCollection)',
      });
      return z.NEVER;
    }
    if (parsed.data.type === 'Polygon') polygons.push(parsed.data.coordinates);
    else polygons.push(...parsed.data.coordinates);
  }
  if (polygons.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'the FeatureCollection has no polygons' });
    return z.NEVER;
  }
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0]! }
    : { type: 'MultiPolygon', coordinates: polygons };
});

const hour = z.number().int().min(0).max(24);
const periodName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'period names are lower_snake_case');

/**
 * Time-of-use: rules in order, the first that matches a local hour wins, else `default`. Hours
 * are whole (every North American TOU plan changes on the hour); `from_hour` > `to_hour` wraps
 * past midnight (23 → 7 is 23:00–07:00).
 */
export const ZTouSchema = z
  .strictObject({
    periods: z.array(periodName).min(1).max(12),
    rules: z
      .array(
        z.strictObject({
          period: periodName,
          days: z.enum(['all', 'weekdays', 'weekends']),
          from_hour: hour,
          to_hour: hour,
        }),
      )
      .max(48),
    default: periodName,
  })
  .superRefine((tou, ctx) => {
    const known = new Set(tou.periods);
    if (!known.has(tou.default)) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: `"${tou.default}" is not one of the periods` });
    }
    tou.rules.forEach((rule, i) => {
      if (!known.has(rule.period)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'period'],
          message: `"${rule.period}" is not one of the periods`,
        });
      }
      if (rule.from_hour === rule.to_hour) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i],
          message: 'from_hour and to_hour are equal: the rule covers no hour',
        });
      }
    });
  });
export type TTou = z.infer<typeof ZTouSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const ZCreateProgramSchema = z.strictObject({
  slug: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a slug is lower-case letters, digits and dashes, like "alectra"'),
  name: z.string().trim().min(1).max(120),
  utility: z.string().trim().min(1).max(120),
  timeZone: z.string().trim().refine(isTimeZone, 'expected an IANA time zone, like America/Toronto'),
  territory: ZTerritoryInputSchema.optional(),
  tou: ZTouSchema.optional(),
  gridGPerKwh: z.number().min(0).max(2000),
  gridHourlyGPerKwh: z.array(z.number().min(0).max(2000)).length(24).optional(),
  gridSource: z.string().trim().max(500).optional(),
  comparatorMpg: z.number().positive().max(200).default(22),
  /** What a kWh costs when (the driver's cost and savings); priced when read, not derived. */
  ratePlan: ZRatePlanSchema.optional(),
});
export type TCreateProgram = z.input<typeof ZCreateProgramSchema>;

/** Who may join. */
export const ZEligibilitySchema = z.strictObject({
  /** Kinds of vehicle accepted: battery electric, plug-in hybrid (fuel-cell cars cannot plug in). */
  powertrains: z.array(z.enum(['BEV', 'PHEV'])).min(1, 'name at least one powertrain (BEV or PHEV)'),
  /** Applicants must be customers of the utility, with an account number. */
  utilityCustomersOnly: z.boolean().default(true),
  /** A regular expression utility account numbers match, e.g. "^[0-9]{10}$". */
  utilityAccountPattern: z
    .string()
    .max(200)
    .refine((pattern) => {
      try {
        new RegExp(pattern);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .optional(),
  /** Shown next to the account-number field ("the 10 digits at the top of your bill"). */
  utilityAccountHint: z.string().trim().max(200).optional(),
  /** Said to applicants, e.g. "you typically charge within the service territory". */
  note: z.string().trim().max(1000).optional(),
  /** The country applicants live in (ISO 3166-1, e.g. US): their address and default units follow it. */
  homeCountry: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'expected a two-letter country code (ISO 3166), like CA or US')
    .optional(),
  /** The states or provinces applicants live in (codes like MS or ON), when the territory is that narrow. */
  homeRegions: z
    .array(
      z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^[A-Z]{2}$/, 'expected a two-letter state or province code, like MS or ON'),
    )
    .max(100)
    .optional(),
});
export type TEligibility = z.infer<typeof ZEligibilitySchema>;

const modelYear = z.number().int().min(1990).max(2100);
/** A supported vehicle: make and model (as people write them), optionally a range of model years. */
export const ZListedVehicleSchema = z
  .strictObject({
    make: z.string().trim().min(1).max(60),
    model: z.string().trim().min(1).max(80),
    yearFrom: modelYear.optional(),
    yearTo: modelYear.optional(),
  })
  .refine((v) => v.yearFrom === undefined || v.yearTo === undefined || v.yearFrom <= v.yearTo, {
    message: 'yearFrom is after yearTo',
    path: ['yearTo'],
  });
export type TListedVehicle = z.infer<typeof ZListedVehicleSchema>;

export const ZPayoutOptionsSchema = z.strictObject({
  /** Monthly PayPal payouts for participants who give a PayPal address, from this many points up. */
  paypal: z.strictObject({ minimumPoints: z.number().int().min(1).default(1) }).optional(),
  /** A gift card for the whole balance of everyone without PayPal: at each year's end, or the program's. */
  giftCard: z
    .strictObject({
      brand: z.string().trim().min(1).max(60),
      when: z.enum(['year_end', 'program_end']),
    })
    .optional(),
});
export type TPayoutOptions = z.infer<typeof ZPayoutOptionsSchema>;

const isoDate = z.iso.date('expected a date as YYYY-MM-DD');

/** The parts of a program enrollment and rewards use: who, with what, when, how many, support, and pay. */
export const ZProgramTermsSchema = z.strictObject({
  region: z.string().trim().max(120).optional(),
  description: z.string().trim().max(4000).optional(),
  eligibility: ZEligibilitySchema.default({ powertrains: ['BEV', 'PHEV'], utilityCustomersOnly: true }),
  vehicleList: z.array(ZListedVehicleSchema).max(500).default([]),
  unlistedVehiclesMayApply: z.boolean().default(false),
  applicationsOpenOn: isoDate.optional(),
  applicationsCloseOn: isoDate.optional(),
  collectionStartsOn: isoDate.optional(),
  collectionEndsOn: isoDate.optional(),
  participantTarget: z.number().int().positive().max(10_000_000).optional(),
  supportEmail: z.email().optional(),
  supportPhone: z.string().trim().max(40).optional(),
  supportHours: z.string().trim().max(200).optional(),
  /** How a participant who leaves returns a device that must come back (an address, or how to get a label). */
  deviceReturnInstructions: z.string().trim().min(1).max(1000).optional(),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code, like USD or CAD')
    .default('USD'),
  /** Points worth one unit of currency: 1000 (1,000 points = $1), or 100 when rewards are counted in cents. */
  pointsPerUnit: z.number().int().positive().max(1_000_000).default(100),
  rewardDisplay: z.enum(['money', 'points']).default('money'),
  payoutOptions: ZPayoutOptionsSchema.default({}),
});
export type TProgramTerms = z.output<typeof ZProgramTermsSchema>;

/**
 * A vehicle profile says, as data, how to read one family of cars: which requests to send (to which
 * ECU, which service and PID, how often) and where each signal sits in the answer (byte and bit
 * position, width, signedness, byte order, scale, offset, unit) — or, for flags, which bits mean
 * "yes". Every profile names its sources. The schema below validates profiles at load time, so a
 * mistake in one is a clear error, not a wrong number on the road.
 *
 * Positions count in the answer payload as reassembled from ISO-TP, from its first byte: the
 * positive response service id (0x62 for service 22, 0x61 for 21). For broadcast frames (monitor
 * requests) they count in the 8 CAN data bytes.
 */
import { z } from 'zod';

/** What a numeric signal measures, each with the units a profile may state it in. */
export const QUANTITY_UNITS = {
  soc: ['%'],
  pack_voltage: ['V'],
  pack_current: ['A'],
  battery_temp: ['°C'],
  soh: ['%'],
  ambient_temp: ['°C'],
  speed: ['km/h', 'mph'],
  odometer: ['km', 'mi'],
  ac_line_voltage: ['V'],
  ac_line_current: ['A'],
  charge_power: ['W', 'kW'],
  hvac_power: ['W', 'kW'],
  aux_power: ['W', 'kW'],
  /** The on-board charger's DC side (what it delivers toward the pack): not the inlet, which is before its losses. */
  charger_output_voltage: ['V'],
  charger_output_current: ['A'],
  charger_output_power: ['W', 'kW'],
} as const;
export type Quantity = keyof typeof QUANTITY_UNITS;
export const QUANTITIES = Object.keys(QUANTITY_UNITS) as Quantity[];

/**
 * Yes/no states: charging (current flowing into the pack from a charger), plugged (a charger
 * connected), dc (the connected charger is a DC fast charger), in_gear (the selector is in a
 * driving position: D, R, L or B).
 */
export const FLAGS = ['charging', 'plugged', 'dc', 'in_gear'] as const;
export type Flag = (typeof FLAGS)[number];

const HEADER = z.string().regex(/^[0-9A-F]{3}$/, 'an 11-bit CAN id as three upper-case hex digits, e.g. 7E4');

export const ZProfileRequestSchema = z.union([
  z.strictObject({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/),
    /** Transmit header (ATSH). */
    header: HEADER,
    /** The answering ECU (ATCRA); by ISO 15765-4 convention header + 8. */
    receive: HEADER,
    service: z.union([z.literal(0x21), z.literal(0x22), z.literal(0x01), z.literal(0x09)]),
    /** PID bytes as hex, e.g. `0101` for 22 01 01, `01` for 21 01. */
    pid: z.string().regex(/^([0-9A-F]{2}){1,2}$/),
    /** Read at most this often (default: every poll). Slow values (state of health) need not be read each second. */
    everyS: z.number().positive().optional(),
    /** Length of the answer payload, as the car sends it (the emulator answers with this many bytes). */
    length: z.int().min(2).max(4095).optional(),
    /** Some ECUs answer only while the car is on (e.g. the cluster): NO DATA from them is not a sign of sleep. */
    optional: z.boolean().optional(),
  }),
  z.strictObject({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/),
    /** A broadcast frame read with ATCRA + ATMA. */
    monitor: HEADER,
    everyS: z.number().positive().optional(),
    optional: z.boolean().optional(),
  }),
]);

const position = {
  request: z.string(),
  /** First byte of the value in the payload (0 = the response service id). */
  byte: z.int().min(0),
  /** Where a bit field starts within `byte`: 0 is the most significant bit (default 0). */
  bit: z.int().min(0).max(7).optional(),
  /** Width in bits (default 8 × bytes). */
  bits: z.int().min(1).max(32).optional(),
  /** Width in whole bytes, 1–4 (default 1). */
  bytes: z.int().min(1).max(4).optional(),
  /** Byte order of multi-byte values (default big-endian, as almost all diagnostics are). */
  endian: z.enum(['big', 'little']).optional(),
  /** What the signal is called in the source. */
  name: z.string(),
  /** Where the definition comes from, when it differs from the profile's sources. */
  note: z.string().optional(),
};

export const ZNumericSignalSchema = z.strictObject({
  quantity: z.enum(QUANTITIES as [Quantity, ...Quantity[]]),
  ...position,
  signed: z.boolean().optional(),
  /** value = raw × scale + offset, in `unit`. */
  scale: z.number().optional(),
  offset: z.number().optional(),
  unit: z.string(),
  /** Raw values that mean "not available" (e.g. 0xFF for an absent sensor). */
  invalid: z.array(z.int()).optional(),
  /**
   * Read only when no other signal gives the quantity: a second field the car fills instead of the
   * first in some markets (the Kona's odometer in miles where the kilometre field reads 0).
   */
  fallback: z.boolean().optional(),
});

export const ZFlagSignalSchema = z.strictObject({
  flag: z.enum(FLAGS),
  ...position,
  /** Bits of the raw value that matter (default all). */
  mask: z.int().min(1).optional(),
  /** The flag is set when (raw & mask) is one of these… */
  anyOf: z.array(z.int()).min(1).optional(),
  /** …or none of these. */
  noneOf: z.array(z.int()).min(1).optional(),
});

export const ZVehicleProfileSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string(),
    /** Catalog model ids this profile reads, and the model years. */
    models: z
      .array(
        z.strictObject({
          id: z.string(),
          yearFrom: z.int(),
          yearTo: z.int(),
          /** Only this catalog variant (part of its name, e.g. `62 kWh`), where one year offered several packs. */
          variant: z.string().optional(),
        }),
      )
      .min(1),
    /** VIN prefixes (world manufacturer id + vehicle descriptor) of the cars it reads. */
    vinPrefixes: z.array(z.string().regex(/^[A-HJ-NPR-Z0-9]{3,11}$/)),
    /** Named public documentation the positions and formulas come from. */
    sources: z.array(z.string()).min(1),
    /** What a user should know: unverified signals, market differences. */
    notes: z.string().optional(),
    requests: z.array(ZProfileRequestSchema).min(1),
    signals: z.array(z.union([ZNumericSignalSchema, ZFlagSignalSchema])).min(1),
  })
  .superRefine((profile, ctx) => {
    const ids = new Set(profile.requests.map((r) => r.id));
    if (ids.size !== profile.requests.length) ctx.addIssue({ code: 'custom', message: 'request ids must be unique' });
    for (const [i, signal] of profile.signals.entries()) {
      if (!ids.has(signal.request)) {
        ctx.addIssue({ code: 'custom', path: ['signals', i, 'request'], message: `no request "${signal.request}"` });
      }
      if ('quantity' in signal) {
        const units: readonly string[] = QUANTITY_UNITS[signal.quantity];
        if (!units.includes(signal.unit)) {
          ctx.addIssue({
            code: 'custom',
            path: ['signals', i, 'unit'],
            message: `${signal.quantity} is stated in ${units.join(' or ')}, not ${signal.unit}`,
          });
        }
      } else if ((signal.anyOf === undefined) === (signal.noneOf === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['signals', i], message: 'a flag needs exactly one of anyOf, noneOf' });
      }
      const widthBits = signal.bits ?? 8 * (signal.bytes ?? 1);
      if ((signal.bit ?? 0) + widthBits > 32 + 8) {
        ctx.addIssue({ code: 'custom', path: ['signals', i], message: 'a signal spans at most 32 bits' });
      }
    }
  });

export type TVehicleProfile = z.infer<typeof ZVehicleProfileSchema>;
export type TProfileRequest = z.infer<typeof ZProfileRequestSchema>;
export type TNumericSignal = z.infer<typeof ZNumericSignalSchema>;
export type TFlagSignal = z.infer<typeof ZFlagSignalSchema>;
export type TProfileSignal = TNumericSignal | TFlagSignal;

export function isFlagSignal(signal: TProfileSignal): signal is TFlagSignal {
  return 'flag' in signal;
}

export function isMonitorRequest(request: TProfileRequest): request is Extract<TProfileRequest, { monitor: string }> {
  return 'monitor' in request;
}

/** A profile checked against the schema (throws with every problem listed). */
export function defineProfile(profile: z.input<typeof ZVehicleProfileSchema>): TVehicleProfile {
  const result = ZVehicleProfileSchema.safeParse(profile);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Vehicle profile ${profile.id} is invalid: ${problems}`);
  }
  return result.data;
}

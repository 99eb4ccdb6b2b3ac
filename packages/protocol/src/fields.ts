/**
 * The signals a C2 reads, with their units, valid ranges and stored resolution.
 *
 * This table is the single description of a telemetry record's numeric fields: the zod schema
 * validates against it, the server's storage codec quantises with it, and docs/protocol.md
 * lists it. Every field name carries its unit (`_mps`, `_m`, `_pct`, `_v`, `_a`, `_c`, `_w`).
 */

export interface NumericFieldSpec {
  /** Unit, as written in docs. */
  readonly unit: string;
  /** Smallest accepted value (inclusive). */
  readonly min: number;
  /** Largest accepted value (inclusive). */
  readonly max: number;
  /** Stored resolution: values are kept at 10^-decimals; finer digits are rounded half away from zero. */
  readonly decimals: number;
  readonly description: string;
}

export const NUMERIC_FIELDS = {
  speed_mps: {
    unit: 'm/s',
    min: 0,
    max: 100,
    decimals: 2,
    description: 'Vehicle speed.',
  },
  odometer_m: {
    unit: 'm',
    min: 0,
    max: 10_000_000_000,
    decimals: 1,
    description: 'Odometer reading.',
  },
  soc_pct: {
    unit: '%',
    min: 0,
    max: 100,
    decimals: 2,
    description: 'Battery state of charge as the vehicle reports it (displayed SoC where the car offers both).',
  },
  pack_voltage_v: {
    unit: 'V',
    min: 0,
    max: 1500,
    decimals: 2,
    description: 'High-voltage battery pack voltage.',
  },
  pack_current_a: {
    unit: 'A',
    min: -3000,
    max: 3000,
    decimals: 2,
    description:
      'High-voltage battery pack current. Positive while discharging (power flows out of the pack), negative while charging or regenerating.',
  },
  ambient_temp_c: {
    unit: '°C',
    min: -60,
    max: 70,
    decimals: 1,
    description: 'Outside air temperature.',
  },
  battery_temp_c: {
    unit: '°C',
    min: -60,
    max: 100,
    decimals: 1,
    description: 'Battery pack temperature (average of the module sensors where the car reports several).',
  },
  hvac_power_w: {
    unit: 'W',
    min: 0,
    max: 30_000,
    decimals: 0,
    description: 'Power drawn by cabin heating and air conditioning (heater, heat pump, A/C compressor).',
  },
  aux_power_w: {
    unit: 'W',
    min: 0,
    max: 10_000,
    decimals: 0,
    description:
      'Power drawn by other accessories through the 12 V DC/DC converter (lights, radio, USB, seat heaters).',
  },
  ac_line_voltage_v: {
    unit: 'V',
    min: 0,
    max: 500,
    decimals: 1,
    description: 'AC supply voltage at the charge inlet while plugged into an AC charger.',
  },
  charge_power_w: {
    unit: 'W',
    min: 0,
    max: 1_000_000,
    decimals: 0,
    description:
      'Power entering the vehicle at the charge inlet (AC: before the onboard charger; DC: as delivered by the station).',
  },
  bms_soh_pct: {
    unit: '%',
    min: 0,
    max: 120,
    decimals: 1,
    description: "State of health as the car's battery management system reports it, where the car offers one.",
  },
} as const satisfies Record<string, NumericFieldSpec>;

export type NumericFieldName = keyof typeof NUMERIC_FIELDS;
export const NUMERIC_FIELD_NAMES = Object.keys(NUMERIC_FIELDS) as NumericFieldName[];

export const LOCATION_FIELDS = {
  lat_deg: {
    unit: '°',
    min: -90,
    max: 90,
    decimals: 7,
    description: 'Latitude (WGS 84).',
  },
  lon_deg: {
    unit: '°',
    min: -180,
    max: 180,
    decimals: 7,
    description: 'Longitude (WGS 84).',
  },
  accuracy_m: {
    unit: 'm',
    min: 0,
    max: 100_000,
    decimals: 1,
    description: 'Horizontal accuracy (one standard deviation), when the GPS reports it.',
  },
} as const satisfies Record<string, NumericFieldSpec>;

export const DRIVE_STATES = ['parked', 'driving'] as const;
export type DriveState = (typeof DRIVE_STATES)[number];

/** `plugged`: connected to a charger but not drawing power (paused, scheduled, finished). */
export const CHARGE_STATES = ['unplugged', 'plugged', 'charging'] as const;
export type ChargeState = (typeof CHARGE_STATES)[number];

export const CHARGE_KINDS = ['ac', 'dc'] as const;
export type ChargeKind = (typeof CHARGE_KINDS)[number];

const POWERS_OF_TEN = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000] as const;

/** 10^decimals for the resolutions used here (0–7 decimals). */
export function scaleOf(decimals: number): number {
  const scale = POWERS_OF_TEN[decimals];
  if (scale === undefined) throw new RangeError(`unsupported resolution: ${decimals} decimals`);
  return scale;
}

/**
 * Rounds a value to `decimals` places (half away from zero on the scaled double), returning the
 * same double that parsing the rounded decimal text gives: roundTo(12.3456, 2) === 12.35.
 * Idempotent, so a value already at the resolution is stored exactly as sent.
 */
export function roundTo(value: number, decimals: number): number {
  const scale = scaleOf(decimals);
  const scaled = Math.sign(value) * Math.round(Math.abs(value) * scale);
  // Division by an exact power of ten yields the correctly rounded double of the decimal.
  return scaled / scale + 0; // + 0 turns -0 into 0
}

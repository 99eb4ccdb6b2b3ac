import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHARGE_KINDS,
  CHARGE_STATES,
  DRIVE_STATES,
  LOCATION_FIELDS,
  NUMERIC_FIELD_NAMES,
  NUMERIC_FIELDS,
  type NumericFieldName,
} from './fields.js';
import { quantizeRecord, quantizeRecordInPlace } from './quantize.js';
import { MAX_BOOT_ID, UPLINK_MAX_RECORDS, ZUplinkBatchSchema, type TUplinkRecord } from './uplink.js';

const EXAMPLE_URL = new URL('../../../docs/examples/uplink-batch.json', import.meta.url);

function example(): Record<string, unknown> & { records: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(EXAMPLE_URL, 'utf8')) as Record<string, unknown> & {
    records: Record<string, unknown>[];
  };
}

function batchWith(record: Record<string, unknown>, envelope: Record<string, unknown> = {}): unknown {
  return {
    v: 1,
    device: 'C2-TEST-1',
    boot: 3,
    records: [{ seq: 0, time_ms: 1_700_000_000_000, ...record }],
    ...envelope,
  };
}

/** The paths zod reports, so a test fails if the batch is refused for another reason than the one meant. */
function refusedPaths(value: unknown): PropertyKey[][] {
  const result = ZUplinkBatchSchema.safeParse(value);
  expect(result.success).toBe(false);
  return result.error?.issues.map((issue) => issue.path) ?? [];
}

describe('ZUplinkBatchSchema', () => {
  it('accepts the example batch in docs/examples and keeps every value as sent', () => {
    const batch = example();
    const result = ZUplinkBatchSchema.safeParse(batch);
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual(batch);
  });

  it('accepts a record with only seq and time_ms', () => {
    expect(ZUplinkBatchSchema.safeParse(batchWith({})).success).toBe(true);
  });

  it('refuses unknown keys on the batch, on a record and in a location', () => {
    expect(refusedPaths({ ...example(), extra: 1 })).toEqual([[]]);
    const withRecordKey = example();
    withRecordKey.records[2] = { ...withRecordKey.records[2], soc: 61 };
    expect(refusedPaths(withRecordKey)).toEqual([['records', 2]]);
    expect(refusedPaths(batchWith({ location: { lat_deg: 1, lon_deg: 2, alt_m: 3 } }))).toEqual([
      ['records', 0, 'location'],
    ]);
  });

  it('refuses Infinity, -Infinity and NaN in numeric fields', () => {
    for (const value of [Infinity, -Infinity, Number.NaN]) {
      expect(refusedPaths(batchWith({ speed_mps: value }))).toEqual([['records', 0, 'speed_mps']]);
      expect(refusedPaths(batchWith({ location: { lat_deg: value, lon_deg: 0 } }))).toEqual([
        ['records', 0, 'location', 'lat_deg'],
      ]);
    }
    expect(refusedPaths(batchWith({ time_ms: Infinity }))).toEqual([['records', 0, 'time_ms']]);
  });

  it('accepts every numeric field at its minimum and maximum and refuses values just outside', () => {
    for (const name of NUMERIC_FIELD_NAMES) {
      const { min, max, decimals } = NUMERIC_FIELDS[name];
      const step = 1 / 10 ** decimals;
      expect(ZUplinkBatchSchema.safeParse(batchWith({ [name]: min })).success, `${name}=${min}`).toBe(true);
      expect(ZUplinkBatchSchema.safeParse(batchWith({ [name]: max })).success, `${name}=${max}`).toBe(true);
      expect(refusedPaths(batchWith({ [name]: min - step }))).toEqual([['records', 0, name]]);
      expect(refusedPaths(batchWith({ [name]: max + step }))).toEqual([['records', 0, name]]);
    }
  });

  it('refuses locations outside the globe and negative accuracy', () => {
    expect(refusedPaths(batchWith({ location: { lat_deg: 90.0000001, lon_deg: 0 } }))).toEqual([
      ['records', 0, 'location', 'lat_deg'],
    ]);
    expect(refusedPaths(batchWith({ location: { lat_deg: 0, lon_deg: -180.0000001 } }))).toEqual([
      ['records', 0, 'location', 'lon_deg'],
    ]);
    expect(refusedPaths(batchWith({ location: { lat_deg: 0, lon_deg: 0, accuracy_m: -0.1 } }))).toEqual([
      ['records', 0, 'location', 'accuracy_m'],
    ]);
    expect(refusedPaths(batchWith({ location: { lat_deg: 0 } }))).toEqual([['records', 0, 'location', 'lon_deg']]);
  });

  it('refuses negative or fractional seq and time_ms', () => {
    expect(refusedPaths(batchWith({ seq: -1 }))).toEqual([['records', 0, 'seq']]);
    expect(refusedPaths(batchWith({ seq: 1.5 }))).toEqual([['records', 0, 'seq']]);
    expect(refusedPaths(batchWith({ time_ms: -1 }))).toEqual([['records', 0, 'time_ms']]);
    expect(refusedPaths(batchWith({ time_ms: 1_700_000_000_000.5 }))).toEqual([['records', 0, 'time_ms']]);
  });

  it('takes boot ids from 0 to 2^32 - 1 only', () => {
    expect(ZUplinkBatchSchema.safeParse(batchWith({}, { boot: 0 })).success).toBe(true);
    expect(ZUplinkBatchSchema.safeParse(batchWith({}, { boot: MAX_BOOT_ID })).success).toBe(true);
    expect(MAX_BOOT_ID).toBe(4_294_967_295);
    expect(refusedPaths(batchWith({}, { boot: MAX_BOOT_ID + 1 }))).toEqual([['boot']]);
    expect(refusedPaths(batchWith({}, { boot: -1 }))).toEqual([['boot']]);
  });

  it('refuses any protocol version other than the literal number 1', () => {
    for (const v of [0, 2, '1', 1.5, null]) {
      expect(refusedPaths(batchWith({}, { v }))).toEqual([['v']]);
    }
    expect(refusedPaths({ device: 'C2-TEST-1', boot: 0, records: [{ seq: 0, time_ms: 0 }] })).toEqual([['v']]);
  });

  it('refuses serials that could not be an MQTT topic level', () => {
    for (const device of ['ab', 'C2/1', 'C2+1', 'C2#1', '-C2', 'C2 1', 'x'.repeat(65)]) {
      expect(refusedPaths(batchWith({}, { device })), device).toEqual([['device']]);
    }
    expect(ZUplinkBatchSchema.safeParse(batchWith({}, { device: 'x'.repeat(64) })).success).toBe(true);
  });

  it('refuses an empty batch and one with more than 3600 records', () => {
    expect(refusedPaths(batchWith({}, { records: [] }))).toEqual([['records']]);
    const records = Array.from({ length: UPLINK_MAX_RECORDS + 1 }, (_, seq) => ({ seq, time_ms: 0 }));
    expect(refusedPaths(batchWith({}, { records }))).toEqual([['records']]);
    expect(ZUplinkBatchSchema.safeParse(batchWith({}, { records: records.slice(1) })).success).toBe(true);
  });

  it('refuses enum values outside the protocol', () => {
    expect(refusedPaths(batchWith({ charge_state: 'fast' }))).toEqual([['records', 0, 'charge_state']]);
    expect(refusedPaths(batchWith({ drive_state: 'reversing' }))).toEqual([['records', 0, 'drive_state']]);
    expect(refusedPaths(batchWith({ charge_kind: 'wireless' }))).toEqual([['records', 0, 'charge_kind']]);
    expect(refusedPaths(batchWith({ engine_on: 'yes' }))).toEqual([['records', 0, 'engine_on']]);
  });
});

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const numericValues = Object.fromEntries(
  NUMERIC_FIELD_NAMES.map((name) => [name, optional(num(NUMERIC_FIELDS[name].min, NUMERIC_FIELDS[name].max))]),
) as Record<NumericFieldName, fc.Arbitrary<number | undefined>>;

/** A record as a device might send it, with full-precision doubles and any subset of fields. */
const rawRecord: fc.Arbitrary<TUplinkRecord> = fc
  .record({
    seq: fc.nat(),
    time_ms: fc.nat(),
    ...numericValues,
    drive_state: optional(fc.constantFrom(...DRIVE_STATES)),
    charge_state: optional(fc.constantFrom(...CHARGE_STATES)),
    charge_kind: optional(fc.constantFrom(...CHARGE_KINDS)),
    engine_on: optional(fc.boolean()),
    location: optional(
      fc.record(
        { lat_deg: num(-90, 90), lon_deg: num(-180, 180), accuracy_m: num(0, 100_000) },
        { requiredKeys: ['lat_deg', 'lon_deg'] },
      ),
    ),
  })
  .map((record) => {
    // Absent means absent (no key), as after JSON.parse.
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
    return out as TUplinkRecord;
  });

/** True when the value is a multiple of 10^-decimals, read the way a decimal text would be. */
function atResolution(value: number, decimals: number): boolean {
  return Number(value.toFixed(decimals)) === value;
}

describe('quantizeRecord', () => {
  it('rounds numeric and location fields to their stored resolution', () => {
    const record: TUplinkRecord = {
      seq: 4,
      time_ms: 1_700_000_000_123,
      soc_pct: 55.55555,
      pack_current_a: -12.345678,
      odometer_m: 18_452_310.46,
      hvac_power_w: 1849.6,
      ambient_temp_c: -4.56,
      location: { lat_deg: 43.589045249, lon_deg: -79.644119851, accuracy_m: 4.26 },
    };
    expect(quantizeRecord(record)).toEqual({
      seq: 4,
      time_ms: 1_700_000_000_123,
      soc_pct: 55.56,
      pack_current_a: -12.35,
      odometer_m: 18_452_310.5,
      hvac_power_w: 1850,
      ambient_temp_c: -4.6,
      location: { lat_deg: 43.5890452, lon_deg: -79.6441199, accuracy_m: 4.3 },
    });
  });

  it('puts every numeric and location field at its resolution and within half a step of the sent value', () => {
    fc.assert(
      fc.property(rawRecord, (record) => {
        const quantized = quantizeRecord(record);
        for (const name of NUMERIC_FIELD_NAMES) {
          const sent = record[name];
          const kept = quantized[name];
          if (sent === undefined) continue;
          const { decimals } = NUMERIC_FIELDS[name];
          expect(kept).toBeTypeOf('number');
          expect(atResolution(kept!, decimals), `${name}: ${sent} → ${kept}`).toBe(true);
          expect(Math.abs(kept! - sent)).toBeLessThanOrEqual(0.5 / 10 ** decimals + Math.abs(sent) * 1e-15);
        }
        if (record.location) {
          for (const key of ['lat_deg', 'lon_deg', 'accuracy_m'] as const) {
            const sent = record.location[key];
            const kept = quantized.location?.[key];
            if (sent === undefined) continue;
            const { decimals } = LOCATION_FIELDS[key];
            expect(atResolution(kept!, decimals), `${key}: ${sent} → ${kept}`).toBe(true);
            expect(Math.abs(kept! - sent)).toBeLessThanOrEqual(0.5 / 10 ** decimals + Math.abs(sent) * 1e-15);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('leaves absent fields absent and the other fields as they were', () => {
    fc.assert(
      fc.property(rawRecord, (record) => {
        const quantized = quantizeRecord(record);
        expect(Object.keys(quantized).sort()).toEqual(Object.keys(record).sort());
        if (record.location)
          expect(Object.keys(quantized.location!).sort()).toEqual(Object.keys(record.location).sort());
        for (const key of ['seq', 'time_ms', 'drive_state', 'charge_state', 'charge_kind', 'engine_on'] as const) {
          expect(quantized[key]).toBe(record[key]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('quantises in place to the same values as the copying version, returning the same object', () => {
    fc.assert(
      fc.property(rawRecord, (record) => {
        const expected = quantizeRecord(record);
        const mine = structuredClone(record);
        expect(quantizeRecordInPlace(mine)).toBe(mine);
        expect(mine).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent, so a device that quantises before sending has its values stored as sent', () => {
    fc.assert(
      fc.property(rawRecord, (record) => {
        const once = quantizeRecord(record);
        expect(quantizeRecord(once)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('does not modify the record it is given', () => {
    const record: TUplinkRecord = {
      seq: 1,
      time_ms: 2,
      soc_pct: 50.123,
      location: { lat_deg: 1.123456789, lon_deg: 2 },
    };
    const copy = structuredClone(record);
    quantizeRecord(record);
    expect(record).toEqual(copy);
  });
});

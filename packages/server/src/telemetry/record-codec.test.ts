import { CHARGE_KINDS, CHARGE_STATES, DRIVE_STATES, quantizeRecord, type TUplinkRecord } from '@smartcharge/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { telemetryStream } from '../../test/support/telemetry-fixtures.js';
import { decodeRecords, encodeRecords, V1_COLUMNS } from './record-codec.js';

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const recordValues = fc.record({
  time_ms: fc.integer({ min: 1_700_000_000_000, max: 1_700_086_399_999 }),
  speed_mps: optional(num(0, 100)),
  odometer_m: optional(num(0, 10_000_000_000)),
  soc_pct: optional(num(0, 100)),
  pack_voltage_v: optional(num(0, 1500)),
  pack_current_a: optional(num(-3000, 3000)),
  ambient_temp_c: optional(num(-60, 70)),
  battery_temp_c: optional(num(-60, 100)),
  hvac_power_w: optional(num(0, 30_000)),
  aux_power_w: optional(num(0, 10_000)),
  ac_line_voltage_v: optional(num(0, 500)),
  charge_power_w: optional(num(0, 1_000_000)),
  bms_soh_pct: optional(num(0, 120)),
  drive_state: optional(fc.constantFrom(...DRIVE_STATES)),
  charge_state: optional(fc.constantFrom(...CHARGE_STATES)),
  charge_kind: optional(fc.constantFrom(...CHARGE_KINDS)),
  engine_on: optional(fc.boolean()),
  location: optional(
    fc.record(
      { lat_deg: num(-90, 90), lon_deg: num(-180, 180), accuracy_m: optional(num(0, 100_000)) },
      { requiredKeys: ['lat_deg', 'lon_deg'] },
    ),
  ),
});

/** Drops keys whose value is undefined, as JSON would. */
function clean(record: Record<string, unknown>): TUplinkRecord {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'object' && value !== null ? clean(value as Record<string, unknown>) : value;
  }
  return out as TUplinkRecord;
}

const chunks = fc
  .tuple(
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), recordValues), { minLength: 1, maxLength: 300 }),
  )
  .map(([firstSeq, items]) => {
    let seq = firstSeq;
    return items.map(([gap, values], i) => {
      if (i > 0) seq += gap;
      return quantizeRecord(clean({ ...values, seq }));
    });
  });

describe('record codec', () => {
  it('gives back exactly the records it was given, at the protocol resolution', () => {
    fc.assert(
      fc.property(chunks, (records) => {
        expect(decodeRecords(encodeRecords(records))).toEqual(records);
      }),
      { numRuns: 300 },
    );
  });

  it('rounds values finer than the resolution the same way the protocol does', () => {
    const raw: TUplinkRecord = { seq: 1, time_ms: 1_700_000_000_000, soc_pct: 55.55555, pack_current_a: -12.345678 };
    expect(decodeRecords(encodeRecords([raw]))).toEqual([quantizeRecord(raw)]);
  });

  it('stores realistic 1 Hz driving and charging in under 12 bytes per record', () => {
    const records = telemetryStream({ startMs: 1_700_000_000_000, driveSeconds: 1800, chargeSeconds: 1800, seed: 7 });
    for (const size of [60, 600]) {
      let bytes = 0;
      for (let i = 0; i < records.length; i += size) bytes += encodeRecords(records.slice(i, i + size)).length;
      expect(bytes / records.length).toBeLessThan(12);
    }
  });

  it('refuses records that are not in increasing sequence order', () => {
    const a = { seq: 5, time_ms: 1 };
    const b = { seq: 5, time_ms: 2 };
    expect(() => encodeRecords([a, b])).toThrow(/increasing seq/);
    expect(() => encodeRecords([])).toThrow(/at least one/);
  });

  it('detects a payload from an unknown codec or one cut short', () => {
    const payload = encodeRecords(telemetryStream({ startMs: 1_700_000_000_000, driveSeconds: 100, chargeSeconds: 0 }));
    expect(() => decodeRecords(Uint8Array.of(9, ...payload.subarray(1)))).toThrow(/codec version 9/);
    expect(() => decodeRecords(payload.subarray(0, payload.length - 5))).toThrow();
  });

  it('has one column per protocol field', () => {
    const numeric = V1_COLUMNS.filter((c) => c.kind === 'numeric').map((c) => c.field);
    expect(new Set(numeric)).toEqual(
      new Set([
        'speed_mps',
        'odometer_m',
        'soc_pct',
        'pack_voltage_v',
        'pack_current_a',
        'ambient_temp_c',
        'battery_temp_c',
        'hvac_power_w',
        'aux_power_w',
        'ac_line_voltage_v',
        'charge_power_w',
        'bms_soh_pct',
      ]),
    );
  });
});

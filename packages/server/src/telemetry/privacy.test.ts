import {
  CHARGE_STATES,
  DRIVE_STATES,
  type ChargeState,
  type DriveState,
  type TUplinkRecord,
} from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import { mayKeepLocation, stripLocations } from './privacy.js';

const HOME = { lat_deg: 43.5890452, lon_deg: -79.6441198, accuracy_m: 4.2 };

function recordAt(charge_state: ChargeState | undefined, drive_state: DriveState | undefined, seq = 1): TUplinkRecord {
  return {
    seq,
    time_ms: 1_700_000_000_000 + seq * 1000,
    soc_pct: 50,
    ...(charge_state === undefined ? {} : { charge_state }),
    ...(drive_state === undefined ? {} : { drive_state }),
    location: { ...HOME },
  };
}

const chargeStates = [...CHARGE_STATES, undefined];
const driveStates = [...DRIVE_STATES, undefined];

describe('mayKeepLocation', () => {
  it('allows a location only while plugged in or charging and not driving', () => {
    const kept: string[] = [];
    for (const charge of chargeStates) {
      for (const drive of driveStates) {
        if (mayKeepLocation(recordAt(charge, drive))) kept.push(`${charge}/${drive}`);
      }
    }
    expect(kept.sort()).toEqual(['charging/parked', 'charging/undefined', 'plugged/parked', 'plugged/undefined']);
  });
});

describe('stripLocations', () => {
  it('keeps the location of records taken while plugged in or charging and parked', () => {
    const records = [recordAt('plugged', 'parked', 1), recordAt('charging', undefined, 2)];
    const { records: out, stripped } = stripLocations(records);
    expect(stripped).toBe(0);
    expect(out).toEqual(records);
    expect(out.every((r) => r.location !== undefined)).toBe(true);
  });

  it('removes the location from every other record and counts each removal', () => {
    const records = [
      recordAt('unplugged', 'parked', 1),
      recordAt('charging', 'driving', 2),
      recordAt('plugged', 'driving', 3),
      recordAt(undefined, undefined, 4),
      recordAt(undefined, 'parked', 5),
      recordAt('unplugged', undefined, 6),
    ];
    const { records: out, stripped } = stripLocations(records);
    expect(stripped).toBe(6);
    for (const [i, record] of out.entries()) {
      expect('location' in record, `record ${i}`).toBe(false);
      const { location: _location, ...rest } = records[i]!;
      expect(record).toEqual(rest);
    }
  });

  it('counts only the records that lost a location in a mixed batch, keeping the order', () => {
    const records = [
      recordAt('charging', 'parked', 1),
      recordAt('unplugged', 'driving', 2),
      { seq: 3, time_ms: 1_700_000_003_000, charge_state: 'unplugged' as const },
      recordAt('plugged', undefined, 4),
      recordAt(undefined, undefined, 5),
    ];
    const { records: out, stripped } = stripLocations(records);
    expect(stripped).toBe(2);
    expect(out.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(out.map((r) => r.location !== undefined)).toEqual([true, false, false, true, false]);
  });

  it('leaves records without a location untouched and does not count them', () => {
    const records: TUplinkRecord[] = [
      { seq: 1, time_ms: 1, charge_state: 'unplugged', drive_state: 'driving', speed_mps: 20 },
      { seq: 2, time_ms: 2 },
    ];
    const copy = structuredClone(records);
    const { records: out, stripped } = stripLocations(records);
    expect(stripped).toBe(0);
    expect(out).toEqual(copy);
  });

  it('does not modify the records it is given', () => {
    const records = [recordAt('unplugged', 'driving', 1)];
    const copy = structuredClone(records);
    stripLocations(records);
    expect(records).toEqual(copy);
  });
});

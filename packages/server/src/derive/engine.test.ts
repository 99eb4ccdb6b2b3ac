import type { TUplinkRecord } from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import { compileProgram, NO_PROGRAM } from '../programs/index.js';
import { allocateColumns, writeRecord } from '../telemetry/reading-columns.js';
import { DeriveEngine } from './engine.js';
import { CHARGE_EFFICIENCY } from './levels.js';
import { DEFAULT_DERIVE_PARAMS } from './params.js';
import { UNKNOWN_VEHICLE } from './vehicle-facts.js';

const T0 = Date.UTC(2026, 0, 5, 2);

function run(records: Omit<TUplinkRecord, 'seq'>[]) {
  const engine = new DeriveEngine(DEFAULT_DERIVE_PARAMS, UNKNOWN_VEHICLE, compileProgram(NO_PROGRAM));
  const columns = allocateColumns(records.length);
  records.forEach((r, i) => writeRecord(columns, i, { seq: i, ...r }));
  for (let i = 0; i < records.length; i++) engine.push(columns, i);
  return engine.takeCompleted();
}

/** An AC charge at 240 V: `seconds` of readings at `packW` into the battery, optionally with the charger's own power. */
function acCharge(seconds: number, packW: number, wallW: number | undefined) {
  const records: Omit<TUplinkRecord, 'seq'>[] = [];
  for (let s = 0; s <= seconds; s++) {
    records.push({
      time_ms: T0 + s * 1000,
      drive_state: 'parked',
      charge_state: 'charging',
      charge_kind: 'ac',
      ac_line_voltage_v: 240,
      pack_voltage_v: 360,
      // Discharge is positive: charging current is negative.
      pack_current_a: -packW / 360,
      soc_pct: 50 + s / 600,
      odometer_m: 1000,
      ...(wallW === undefined ? {} : { charge_power_w: wallW }),
    });
  }
  records.push({
    time_ms: T0 + (seconds + 1) * 1000,
    drive_state: 'parked',
    charge_state: 'unplugged',
    odometer_m: 1000,
  });
  return records;
}

describe('DeriveEngine charging sessions', () => {
  it('measures both energies when the charger reports its power', () => {
    const { sessions } = run(acCharge(3600, 6600, 7200));
    expect(sessions).toHaveLength(1);
    const s = sessions[0]!;
    expect(s).toMatchObject({ level: 'L2', levelBasis: 'voltage', batteryMeasured: true, wallMeasured: true });
    expect(s.batteryWh).toBeCloseTo(6600, -1);
    expect(s.wallWh).toBeCloseTo(7200, -1);
    expect(s.belowMinimum).toBe(false);
  });

  it('estimates the wall side from the battery side, at the level’s efficiency, when only that is measured', () => {
    const { sessions } = run(acCharge(3600, 6600, undefined));
    const s = sessions[0]!;
    expect(s.wallMeasured).toBe(false);
    expect(s.batteryMeasured).toBe(true);
    expect(s.wallWh).toBeCloseTo(s.batteryWh / CHARGE_EFFICIENCY.L2, 3);
  });

  it('keeps a session under 1 kWh at the wall, marked', () => {
    const { sessions } = run(acCharge(300, 6600, 7200));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.wallWh).toBeLessThan(1000);
    expect(sessions[0]!.belowMinimum).toBe(true);
  });

  it('classifies an AC charge without line voltage by its power', () => {
    const records = acCharge(1800, 1300, 1440).map((r) => {
      const { ac_line_voltage_v: _v, ...rest } = r;
      return rest;
    });
    const s = run(records).sessions[0]!;
    expect(s).toMatchObject({ level: 'L1', levelBasis: 'power' });
  });
});

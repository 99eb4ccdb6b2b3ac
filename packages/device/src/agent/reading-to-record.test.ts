import { describe, expect, it } from 'vitest';
import { chargeStateOf, toAgentRecord } from './reading-to-record.js';
import type { VehicleReading } from './vehicle-reader.js';

const base = (values: VehicleReading['values'], flags: VehicleReading['flags'] = {}) => ({
  timeMs: 1_700_000_000_000.4,
  values,
  flags,
});

describe('readings as records', () => {
  it('takes the charge state from the car’s flags', () => {
    expect(chargeStateOf(base({}, { plugged: true, charging: false, dc: false }))).toEqual({
      state: 'plugged',
      kind: 'ac',
    });
    expect(chargeStateOf(base({}, { plugged: false, charging: false }))).toEqual({ state: 'unplugged' });
  });

  it('reads charging from the pack current where the car has no flag, AC or DC from the power', () => {
    const ac = chargeStateOf(base({ pack_current: -18, pack_voltage: 360 }));
    expect(ac).toMatchObject({ state: 'charging', kind: 'ac' });
    expect(ac.chargePowerW).toBeUndefined(); // the inlet is not measured: the server estimates it
    expect(chargeStateOf(base({ pack_current: -120, pack_voltage: 380 }))).toEqual({ state: 'charging', kind: 'dc' });
    // Regenerating while moving is not charging.
    expect(chargeStateOf(base({ pack_current: -40, pack_voltage: 360, speed: 12 })).state).toBe('unplugged');
  });

  it('never lets a bit that reads false hide a charge (real Kona and Niro captures: plugged never set)', () => {
    // The charging flag set, the plug bit clear: charging, not unplugged.
    expect(chargeStateOf(base({ pack_current: -14, pack_voltage: 360 }, { plugged: false, charging: true }))).toEqual({
      state: 'charging',
      kind: 'ac',
    });
    // Neither bit set, but 5 kW flowing into the pack at standstill: charging.
    expect(
      chargeStateOf(base({ pack_current: -14, pack_voltage: 360, speed: 0 }, { plugged: false, charging: false })),
    ).toMatchObject({ state: 'charging', kind: 'ac' });
    // In gear, the same current is regeneration on a slope, not a charge.
    expect(chargeStateOf(base({ pack_current: -14, pack_voltage: 360 }, { in_gear: true })).state).toBe('unplugged');
  });

  it('reads DC from the DC bit, or from a power no onboard charger gives when the bit stays clear', () => {
    // ~5 kW AC and the DC bit clear: AC.
    expect(chargeStateOf(base({ pack_current: -13.9, pack_voltage: 362 }, { dc: false })).kind).toBe('ac');
    // 50 kW with the DC bit clear (the car never sets it): DC all the same.
    expect(chargeStateOf(base({ pack_current: -130, pack_voltage: 385 }, { dc: false, charging: true }))).toEqual({
      state: 'charging',
      kind: 'dc',
    });
    // The DC bit set: DC even in the taper at 8 kW.
    expect(chargeStateOf(base({ pack_current: -20, pack_voltage: 400 }, { dc: true, charging: true })).kind).toBe('dc');
    // Parked, nothing connected, DC bit clear: unplugged, no kind.
    expect(chargeStateOf(base({ pack_current: 0.8, pack_voltage: 370 }, { dc: false, charging: false }))).toEqual({
      state: 'unplugged',
    });
  });

  it('takes the on-board charger delivering power as an AC charge', () => {
    // The Bolt's charger HV side at 380 V × 17 A, no charging flag, the pack current hidden by the car's own load.
    const charge = chargeStateOf(
      base({ pack_current: -0.5, pack_voltage: 380, charger_output_voltage: 380, charger_output_current: 17 }),
    );
    expect(charge).toEqual({ state: 'charging', kind: 'ac' });
    // The charger's DC side is not the inlet: no power is claimed for it.
    expect(charge.chargePowerW).toBeUndefined();
    // A Leaf's charger output (W) above the fast-charge threshold is still AC.
    expect(chargeStateOf(base({ pack_current: -33, pack_voltage: 380, charger_output_power: 6300 })).kind).toBe('ac');
  });

  it('measures AC charging power at the inlet from line voltage and current', () => {
    const charge = chargeStateOf(
      base(
        { pack_current: -20, pack_voltage: 360, ac_line_voltage: 240, ac_line_current: 30 },
        { plugged: true, dc: false },
      ),
    );
    expect(charge).toEqual({ state: 'charging', kind: 'ac', chargePowerW: 7200, acLineVoltageV: 240 });
  });

  it('makes the record a C2 sends, position only while plugged in', () => {
    const location = { lat_deg: 43.6, lon_deg: -79.4 };
    const plugged = toAgentRecord(
      base({ soc: 55.5, pack_current: -20, pack_voltage: 360, odometer: 1000 }, { plugged: true, dc: false }),
      'parked',
      {
        odometer: false,
        location,
      },
    );
    expect(plugged).toEqual({
      time_ms: 1_700_000_000_000,
      soc_pct: 55.5,
      pack_voltage_v: 360,
      pack_current_a: -20,
      drive_state: 'parked',
      charge_state: 'charging',
      charge_kind: 'ac',
      location,
    });
    const driving = toAgentRecord(base({ speed: 20, odometer: 1000 }, { plugged: true }), 'driving', {
      odometer: true,
      location,
    });
    expect(driving).toEqual({
      time_ms: 1_700_000_000_000,
      speed_mps: 20,
      odometer_m: 1000,
      drive_state: 'driving',
      charge_state: 'unplugged',
    });
  });

  it('leaves out values the protocol would refuse', () => {
    const record = toAgentRecord(base({ soc: 127.5, battery_temp: -40, ambient_temp: 215 }), 'parked', {
      odometer: true,
    });
    expect(record).toEqual({
      time_ms: 1_700_000_000_000,
      battery_temp_c: -40,
      drive_state: 'parked',
      charge_state: 'unplugged',
    });
  });
});

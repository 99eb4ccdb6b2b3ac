/**
 * Telemetry for charging journeys: a short drive, then one charge of a chosen kind (Level 1, Level 2,
 * DC fast), outside temperature, length and place, then unplugged. The pack holds `capacityWh`
 * (less than new, so battery health has something to say) and has a chosen internal resistance,
 * so the drive's current steps give power-capacity estimates. Deterministic; records at the
 * protocol's resolution. Charging is sampled every 5 s (DERIVE_SAMPLE_MAX_S counts that as measured).
 */
import { quantizeRecord, type TUplinkRecord } from '@smartcharge/protocol';

export interface ChargeOptions {
  readonly startMs: number;
  readonly firstSeq: number;
  readonly kind: 'L1' | 'L2' | 'DCFC';
  readonly chargeSeconds: number;
  readonly socStart: number;
  readonly ambientC: number;
  readonly place: { readonly lat_deg: number; readonly lon_deg: number };
  readonly odometerM: number;
  /** Usable capacity of this pack (Wh). */
  readonly capacityWh?: number;
  /** Pack resistance (Ω). */
  readonly resistanceOhm?: number;
}

const POWER_W = { L1: 1400, L2: 7200, DCFC: 50_000 } as const;

/** Drive 5 minutes (current stepping between 20 A and 120 A), then charge; last, unplugged. */
export function driveThenCharge(o: ChargeOptions): TUplinkRecord[] {
  const capacityWh = o.capacityWh ?? 58_000;
  const ohm = o.resistanceOhm ?? 0.11;
  const records: TUplinkRecord[] = [];
  let seq = o.firstSeq;
  let time = o.startMs;
  let odometer = o.odometerM;
  // Driving warms the pack; charging keeps it near that.
  const batteryC = Math.max(o.ambientC + 5, 12);
  let soc = o.socStart + 2;
  for (let i = 0; i < 300; i++) {
    const current = Math.floor(i / 10) % 2 === 0 ? 20 : 120;
    const ocv = 330 + soc * 0.75;
    const voltage = ocv - current * ohm;
    const speed = current === 20 ? 12 : 16;
    odometer += speed;
    soc -= ((voltage * current) / 3600 / capacityWh) * 100;
    records.push(
      quantizeRecord({
        seq: seq++,
        time_ms: time,
        speed_mps: speed,
        odometer_m: odometer,
        soc_pct: soc,
        pack_voltage_v: voltage,
        pack_current_a: current,
        ambient_temp_c: o.ambientC,
        battery_temp_c: batteryC,
        hvac_power_w: Math.max(0, 1500 - o.ambientC * 60),
        aux_power_w: 250,
        drive_state: 'driving',
        charge_state: 'unplugged',
      }),
    );
    time += 1000;
  }
  const step = 5;
  for (let i = 0; i < o.chargeSeconds; i += step) {
    const wall = POWER_W[o.kind] * (soc > 90 ? Math.max(0.05, (100 - soc) / 10) : 1);
    const into = wall * 0.92;
    const voltage = 330 + soc * 0.75 + into / 4000;
    soc = Math.min(100, soc + ((into * step) / 3600 / capacityWh) * 100);
    records.push(
      quantizeRecord({
        seq: seq++,
        time_ms: time,
        speed_mps: 0,
        odometer_m: odometer,
        soc_pct: soc,
        pack_voltage_v: voltage,
        pack_current_a: -into / voltage,
        ambient_temp_c: o.ambientC,
        battery_temp_c: batteryC,
        hvac_power_w: 0,
        aux_power_w: 120,
        drive_state: 'parked',
        charge_state: 'charging',
        charge_kind: o.kind === 'DCFC' ? 'dc' : 'ac',
        ...(o.kind === 'DCFC' ? {} : { ac_line_voltage_v: o.kind === 'L1' ? 120 : 240 }),
        charge_power_w: wall,
        location: { ...o.place, accuracy_m: 4 },
      }),
    );
    time += step * 1000;
  }
  records.push({
    seq: seq++,
    time_ms: time + 60_000,
    speed_mps: 0,
    odometer_m: odometer,
    soc_pct: Math.round(soc * 2) / 2,
    drive_state: 'parked',
    charge_state: 'unplugged',
  });
  return records;
}

/**
 * Plausible 1 Hz telemetry for tests and benchmarks: a drive (speed random walk with stops,
 * odometer integrating speed, pack current from traction + HVAC + accessory power, voltage sagging
 * with load) followed by a Level 2 charge at home with GPS. Deterministic for a seed. Values are at
 * the protocol's resolution, so what is stored equals what was sent.
 *
 * Not the fleet simulator (that is its own package and issue): just enough realism that storage
 * compresses as it would for real data, noise included.
 */
import { quantizeRecord, type TUplinkRecord } from '@smartcharge/protocol';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface StreamOptions {
  readonly startMs: number;
  readonly firstSeq?: number;
  readonly driveSeconds: number;
  readonly chargeSeconds: number;
  readonly seed?: number;
  /** Put a GPS fix on every record, even while driving (the server must strip those). */
  readonly gpsWhileDriving?: boolean;
}

export function telemetryStream(options: StreamOptions): TUplinkRecord[] {
  const random = mulberry32(options.seed ?? 1);
  const noise = (scale: number) => (random() - 0.5) * 2 * scale;
  const records: TUplinkRecord[] = [];
  let seq = options.firstSeq ?? 0;
  let time = options.startMs;
  let speed = 0;
  let odometer = 12_345_678 + random() * 1000;
  let soc = 80 - random() * 20;
  const ambient = -5 + random() * 30;
  let batteryTemp = ambient + 5;
  const capacityWh = 64_000;
  const home = { lat_deg: 43.589 + random() * 0.01, lon_deg: -79.644 + random() * 0.01 };

  for (let i = 0; i < options.driveSeconds; i++) {
    const stopping = i % 240 > 200; // a stop every four minutes
    const target = stopping ? 0 : 14 + 8 * Math.sin(i / 90);
    const accel = Math.max(-3, Math.min(2, (target - speed) * 0.2 + noise(0.4)));
    speed = Math.max(0, speed + accel);
    odometer += speed;
    const hvac = Math.max(0, 1500 - ambient * 60 + noise(80));
    const aux = 280 + noise(30);
    const traction = speed * (180 + 0.45 * speed * speed) + 1500 * accel * speed * 0.9;
    const power = traction + hvac + aux;
    const voltage = 330 + soc * 0.75 - power / 4000 + noise(0.3);
    const current = power / voltage;
    soc = Math.max(5, soc - (power / 3600 / capacityWh) * 100);
    batteryTemp += 0.0005 + noise(0.001);
    records.push(
      quantizeRecord({
        seq: seq++,
        time_ms: time,
        speed_mps: speed,
        odometer_m: odometer,
        soc_pct: soc,
        pack_voltage_v: voltage,
        pack_current_a: current,
        ambient_temp_c: ambient,
        battery_temp_c: batteryTemp,
        hvac_power_w: hvac,
        aux_power_w: aux,
        drive_state: 'driving',
        charge_state: 'unplugged',
        ...(options.gpsWhileDriving ? { location: { lat_deg: home.lat_deg + i * 1e-4, lon_deg: home.lon_deg } } : {}),
      }),
    );
    time += 1000;
  }

  for (let i = 0; i < options.chargeSeconds; i++) {
    const taper = soc > 90 ? (100 - soc) / 10 : 1;
    const chargePower = Math.max(0, 7200 * taper + noise(40));
    const lineVoltage = 240 + noise(1.5);
    const voltage = 330 + soc * 0.75 + chargePower / 2000 + noise(0.2);
    const current = -(chargePower * 0.92) / voltage;
    soc = Math.min(100, soc + ((chargePower * 0.92) / 3600 / capacityWh) * 100);
    records.push(
      quantizeRecord({
        seq: seq++,
        time_ms: time,
        speed_mps: 0,
        odometer_m: odometer,
        soc_pct: soc,
        pack_voltage_v: voltage,
        pack_current_a: current,
        ambient_temp_c: ambient,
        battery_temp_c: batteryTemp,
        hvac_power_w: 0,
        aux_power_w: 150 + noise(10),
        drive_state: 'parked',
        charge_state: chargePower > 0 ? 'charging' : 'plugged',
        charge_kind: 'ac',
        ac_line_voltage_v: lineVoltage,
        charge_power_w: chargePower,
        location: {
          lat_deg: home.lat_deg + noise(2e-6),
          lon_deg: home.lon_deg + noise(2e-6),
          accuracy_m: 3 + random() * 2,
        },
      }),
    );
    time += 1000;
  }
  return records;
}

/** The stream, then the car unplugged and parked a minute after its last record (a session's end). */
export function thenUnplugged(records: readonly TUplinkRecord[]): TUplinkRecord[] {
  const last = records.at(-1)!;
  return [
    ...records,
    {
      seq: last.seq + 1,
      time_ms: last.time_ms + 60_000,
      speed_mps: 0,
      odometer_m: last.odometer_m,
      soc_pct: last.soc_pct,
      drive_state: 'parked',
      charge_state: 'unplugged',
    },
  ];
}

import { PROTOCOL_VERSION, ZUplinkBatchSchema, type TUplinkBatch, type UplinkAck } from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import { TransportError, type UplinkTransport } from '../transport.js';
import { SimulatedC2, toRecordValues, type C2Options } from './c2-device.js';
import { emptyFrame, type RecordFrame } from './frame.js';
import { createRandom, type Random } from './random.js';

const T0 = Date.UTC(2026, 0, 12, 8);
const MINUTE = 60_000;

/** A reading of a parked, unplugged car at T0 + `seconds` that knows where it is. */
function frame(seconds: number, overrides: Partial<RecordFrame> = {}): RecordFrame {
  return {
    ...emptyFrame(),
    timeMs: T0 + seconds * 1000,
    odometerM: 12_345_000,
    socPct: 64.5,
    packVoltageV: 371,
    packCurrentA: 0.03,
    ambientTempC: -3,
    batteryTempC: 2,
    auxPowerW: 12,
    latDeg: 43.7,
    lonDeg: -79.4,
    ...overrides,
  };
}

const driving = (seconds: number) => frame(seconds, { driveState: 'driving', speedMps: 14, hvacPowerW: 2500 });
const charging = (seconds: number) =>
  frame(seconds, { chargeState: 'charging', chargeKind: 'ac', acLineVoltageV: 241, chargePowerW: 7100 });

/** A transport that stores what it is sent and acknowledges it, or fails while `offline`. */
class RecordingTransport implements UplinkTransport {
  readonly name = 'recording';
  readonly batches: TUplinkBatch[] = [];
  offline = false;

  send(batch: TUplinkBatch): Promise<UplinkAck> {
    if (this.offline) return Promise.reject(new TransportError('no network'));
    ZUplinkBatchSchema.parse(batch);
    this.batches.push(structuredClone(batch));
    const seqs = batch.records.map((r) => r.seq);
    return Promise.resolve({
      v: PROTOCOL_VERSION,
      ok: true,
      device: batch.device,
      boot: batch.boot,
      seq_min: Math.min(...seqs),
      seq_max: Math.max(...seqs),
      accepted: seqs.length,
      duplicates: 0,
      location_stripped: 0,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Every record delivered, as (boot, seq, time). */
  delivered(): { boot: number; seq: number; timeMs: number }[] {
    return this.batches.flatMap((b) => b.records.map((r) => ({ boot: b.boot, seq: r.seq, timeMs: r.time_ms })));
  }
}

/**
 * A random stream that plays back the given draws, then fails: the device's schedule (reboot and
 * coverage gap) becomes exact. Exponential draws: −ln(1 − u) × mean, so u = 0 means "now".
 */
function scripted(...draws: number[]): Random {
  const fail = () => {
    throw new Error('unexpected draw');
  };
  return {
    next: () => (draws.length > 0 ? draws.shift()! : fail()),
    normal: fail,
    int: fail,
    pick: fail,
    weighted: fail,
    fork: fail,
  };
}

/** u for which an exponential draw gives exactly `multiple` times its mean. */
const timesMean = (multiple: number) => 1 - Math.exp(-multiple);

/** A device that never loses coverage nor reboots (in any time a test spans). */
function device(transport: UplinkTransport, options: Partial<C2Options> = {}): SimulatedC2 {
  return new SimulatedC2({
    serial: 'SIM-TEST-0001',
    transport,
    random: createRandom(1),
    hasEngine: false,
    gapEveryH: 1e9,
    rebootEveryDays: 1e9,
    initialBackoffMs: 1,
    ...options,
  });
}

describe('toRecordValues', () => {
  it('sends the position only while plugged in and not driving', () => {
    expect(toRecordValues(frame(0), false).location).toBeUndefined();
    expect(toRecordValues(driving(0), false).location).toBeUndefined();
    expect(toRecordValues(frame(0, { chargeState: 'plugged', chargeKind: 'ac' }), false).location).toEqual({
      lat_deg: 43.7,
      lon_deg: -79.4,
      accuracy_m: 4,
    });
    expect(toRecordValues(charging(0), false).location).toBeDefined();
    // A car that says it is plugged in while driving is not trusted with a position.
    expect(toRecordValues(frame(0, { chargeState: 'plugged', driveState: 'driving' }), false).location).toBeUndefined();
  });

  it('sends no position when the device has none', () => {
    expect(toRecordValues(charging(0), false).location).toBeDefined();
    expect(toRecordValues({ ...charging(0), latDeg: Number.NaN }, false).location).toBeUndefined();
  });

  it('sends engine_on only for a car with an engine', () => {
    expect(toRecordValues(frame(0, { engineOn: true }), true).engine_on).toBe(true);
    expect(toRecordValues(frame(0, { engineOn: false }), true).engine_on).toBe(false);
    expect(toRecordValues(frame(0, { engineOn: true }), false)).not.toHaveProperty('engine_on');
    expect(toRecordValues(frame(0), true)).not.toHaveProperty('engine_on');
  });

  it('sends bms_soh_pct only when the frame has it', () => {
    expect(toRecordValues(frame(0, { bmsSohPct: 91 }), false).bms_soh_pct).toBe(91);
    expect(toRecordValues(frame(0), false)).not.toHaveProperty('bms_soh_pct');
  });

  it('sends the charging fields only when the car offers them', () => {
    const parked = toRecordValues(frame(0), false);
    for (const field of ['charge_kind', 'ac_line_voltage_v', 'charge_power_w'])
      expect(parked).not.toHaveProperty(field);
    expect(toRecordValues(charging(0), false)).toMatchObject({
      charge_state: 'charging',
      charge_kind: 'ac',
      ac_line_voltage_v: 241,
      charge_power_w: 7100,
    });
  });

  it('always sends the readings every car has', () => {
    expect(toRecordValues(driving(5), false)).toEqual({
      time_ms: T0 + 5000,
      speed_mps: 14,
      odometer_m: 12_345_000,
      soc_pct: 64.5,
      pack_voltage_v: 371,
      pack_current_a: 0.03,
      ambient_temp_c: -3,
      battery_temp_c: 2,
      hvac_power_w: 2500,
      aux_power_w: 12,
      drive_state: 'driving',
      charge_state: 'unplugged',
    });
  });
});

describe('SimulatedC2 upload schedule', () => {
  it('uploads every 5 minutes while the car is active', async () => {
    const c2 = device(new RecordingTransport());
    c2.read(driving(0));
    expect(c2.wantsUpload(T0)).toBe(true);
    await c2.upload(T0);
    c2.read(driving(1));
    expect(c2.wantsUpload(T0 + 5 * MINUTE - 1)).toBe(false);
    expect(c2.wantsUpload(T0 + 5 * MINUTE)).toBe(true);
  });

  it('uploads every 60 minutes while the car sleeps', async () => {
    const c2 = device(new RecordingTransport());
    c2.read(frame(0));
    await c2.upload(T0);
    c2.read(frame(600));
    expect(c2.wantsUpload(T0 + 5 * MINUTE)).toBe(false);
    expect(c2.wantsUpload(T0 + 60 * MINUTE - 1)).toBe(false);
    expect(c2.wantsUpload(T0 + 60 * MINUTE)).toBe(true);
  });

  it('backfilling a history, uploads every 6 simulated hours (or a full batch), whatever the car does', async () => {
    const c2 = device(new RecordingTransport(), { batchRecords: 100 });
    c2.read(driving(0));
    await c2.upload(T0);
    c2.read(driving(1));
    expect(c2.wantsUpload(T0 + 5 * MINUTE, 'backfill')).toBe(false);
    expect(c2.wantsUpload(T0 + 360 * MINUTE - 1, 'backfill')).toBe(false);
    expect(c2.wantsUpload(T0 + 360 * MINUTE, 'backfill')).toBe(true);
    for (let s = 2; s <= 100; s++) c2.read(driving(s));
    expect(c2.wantsUpload(T0 + 10 * MINUTE, 'backfill')).toBe(true);
  });

  it('counts charging as active', async () => {
    const c2 = device(new RecordingTransport());
    c2.read(charging(0));
    await c2.upload(T0);
    c2.read(charging(1));
    expect(c2.wantsUpload(T0 + 5 * MINUTE)).toBe(true);
  });

  it('uploads early when a full batch is waiting', async () => {
    const c2 = device(new RecordingTransport(), { batchRecords: 10 });
    c2.read(frame(0));
    await c2.upload(T0);
    for (let s = 1; s < 10; s++) c2.read(frame(s));
    expect(c2.wantsUpload(T0 + 10_000)).toBe(false);
    c2.read(frame(10));
    expect(c2.wantsUpload(T0 + 10_000)).toBe(true);
  });

  it('has nothing to upload when nothing is pending', async () => {
    const c2 = device(new RecordingTransport());
    expect(c2.wantsUpload(T0)).toBe(false);
    c2.read(frame(0));
    await c2.upload(T0);
    expect(c2.pending).toBe(0);
    expect(c2.wantsUpload(T0 + 24 * 60 * MINUTE)).toBe(false);
  });

  it('sends records in order, in batches of at most batchRecords, with consecutive sequence numbers', async () => {
    const transport = new RecordingTransport();
    const c2 = device(transport, { batchRecords: 100 });
    for (let s = 0; s < 250; s++) c2.read(driving(s));
    expect(c2.produced).toBe(250);
    const result = await c2.upload(T0 + 250_000);
    expect(result).toMatchObject({ acknowledged: 250, pending: 0 });
    expect(transport.batches.map((b) => b.records.length)).toEqual([100, 100, 50]);
    expect(transport.delivered().map((r) => r.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(transport.batches.every((b) => b.device === 'SIM-TEST-0001' && b.boot === 1)).toBe(true);
  });
});

describe('SimulatedC2 coverage gaps', () => {
  it('holds uploads while out of coverage and sends them when coverage returns', async () => {
    const transport = new RecordingTransport();
    // Reboot in a month; a coverage gap starts at the first reading and lasts exactly 45 minutes.
    const c2 = device(transport, { random: scripted(0.5, 0, timesMean(1), 0.5), gapMeanMinutes: 45 });
    for (let s = 0; s < 600; s++) c2.read(driving(s));
    for (const minutes of [5, 10, 30, 44]) {
      expect(c2.outOfCoverage(T0 + minutes * MINUTE)).toBe(true);
      expect(c2.wantsUpload(T0 + minutes * MINUTE)).toBe(false);
    }
    expect(c2.pending).toBe(600);
    const back = T0 + 45 * MINUTE;
    expect(c2.outOfCoverage(back)).toBe(false);
    expect(c2.wantsUpload(back)).toBe(true);
    await c2.upload(back);
    expect(c2.pending).toBe(0);
    expect(transport.delivered()).toHaveLength(600);
  });

  it('keeps records the network refused and delivers them later', async () => {
    const transport = new RecordingTransport();
    const c2 = device(transport);
    for (let s = 0; s < 30; s++) c2.read(driving(s));
    transport.offline = true;
    const failed = await c2.upload(T0 + 30_000);
    expect(failed.pending).toBe(30);
    expect(failed.lastError).toMatch(/no network/);
    transport.offline = false;
    await c2.upload(T0 + 6 * MINUTE);
    expect(transport.delivered().map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});

describe('SimulatedC2 reboots', () => {
  it('starts a new boot with sequence numbers from 0, and still delivers the old boot first', async () => {
    const transport = new RecordingTransport();
    // Reboot due at the first reading; no coverage gap for days; the next reboot a month later.
    const c2 = device(transport, { random: scripted(0, 0.5, 0.5) });
    for (let s = 0; s < 20; s++) c2.read(driving(s));
    transport.offline = true;
    await c2.upload(T0 + 20_000); // fails, then reboots with boot 1's records unsent
    expect(c2.boot).toBe(2);
    expect(c2.pending).toBe(20);
    for (let s = 20; s < 30; s++) c2.read(driving(s));
    expect(c2.pending).toBe(30);
    transport.offline = false;
    await c2.upload(T0 + 6 * MINUTE);
    expect(c2.pending).toBe(0);
    expect(c2.produced).toBe(30);
    const delivered = transport.delivered();
    expect(delivered.map((r) => [r.boot, r.seq])).toEqual([
      ...Array.from({ length: 20 }, (_, i) => [1, i]),
      ...Array.from({ length: 10 }, (_, i) => [2, i]),
    ]);
    expect(delivered.map((r) => r.timeMs)).toEqual(Array.from({ length: 30 }, (_, s) => T0 + s * 1000));
  });

  it('reboots about as often as asked', async () => {
    const c2 = device(new RecordingTransport(), { rebootEveryDays: 10, random: createRandom(3) });
    // A reading and an upload every hour for a year.
    for (let hour = 0; hour < 365 * 24; hour++) {
      c2.read(frame(hour * 3600));
      await c2.upload(T0 + hour * 3_600_000);
    }
    expect(c2.boot - 1).toBeGreaterThan(25);
    expect(c2.boot - 1).toBeLessThan(50);
  });
});

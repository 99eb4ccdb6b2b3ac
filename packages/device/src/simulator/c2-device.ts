/**
 * A simulated C2: reads the vehicle (the frames a VehicleSim produces), keeps what a C2 keeps,
 * and uploads like one — batches of up to ten minutes of 1 Hz data, sent every few minutes while
 * the car is active and hourly while it sleeps, held while out of cellular coverage and sent when
 * coverage returns, resent until acknowledged (the UplinkClient does that part). A position is
 * sent only with readings taken while plugged in. Now and then the device reboots: a new boot id,
 * sequence numbers from zero.
 */
import { UplinkClient, type FlushResult, type RecordValues } from '../uplink-client.js';
import type { UplinkTransport } from '../transport.js';
import type { RecordFrame } from './frame.js';
import type { Random } from './random.js';

export interface C2Options {
  readonly serial: string;
  readonly transport: UplinkTransport;
  readonly random: Random;
  /** The car's model reports these (PHEV engine state, BMS state of health). */
  readonly hasEngine: boolean;
  /** Records per batch (default 600). */
  readonly batchRecords?: number;
  /** Mean hours between coverage gaps, and their mean length (defaults: every ~4 days, ~45 min). */
  readonly gapEveryH?: number;
  readonly gapMeanMinutes?: number;
  /** Mean days between reboots (default 45). */
  readonly rebootEveryDays?: number;
  /** Retry policy of the uplink client (the defaults suit a real network; tests may shorten them). */
  readonly initialBackoffMs?: number;
  /** Boot id of the first boot (default 1); later boots count up from it. */
  readonly firstBoot?: number;
}

const ACTIVE_UPLOAD_MS = 5 * 60_000;
const ASLEEP_UPLOAD_MS = 60 * 60_000;
/** Sending a history as fast as possible: full batches, or every six simulated hours. */
const BACKFILL_UPLOAD_MS = 6 * 60 * 60_000;

/**
 * `device`: when a real C2 would upload (every five minutes while active, hourly asleep).
 * `backfill`: a history compressed into minutes — the same data in far fewer batches, which a
 * server's per-device rate limit (counted in real minutes) would otherwise refuse.
 */
export type UploadPace = 'device' | 'backfill';

export class SimulatedC2 {
  readonly serial: string;
  boot = 1;
  private client: UplinkClient;
  /** Clients of earlier boots that still hold unsent records. */
  private retiring: UplinkClient[] = [];
  private lastUploadMs = -Infinity;
  private gapUntilMs = -Infinity;
  private nextGapMs: number | undefined;
  private nextRebootMs: number | undefined;
  private active = false;
  private readonly batchRecords: number;
  /** Records produced since the simulation started (all boots). */
  produced = 0;
  /** Records the server refused for good (invalid), and the last reason it gave. */
  refused = 0;
  lastRefusal: string | undefined;

  constructor(private readonly options: C2Options) {
    this.serial = options.serial;
    this.batchRecords = options.batchRecords ?? 600;
    this.boot = options.firstBoot ?? 1;
    this.client = this.newClient();
  }

  private newClient(): UplinkClient {
    return new UplinkClient({
      serial: this.serial,
      boot: this.boot,
      transport: this.options.transport,
      batchRecords: this.batchRecords,
      onDropped: (records, error) => {
        this.refused += records.length;
        this.lastRefusal = `${error.code}: ${error.message}`;
      },
      ...(this.options.initialBackoffMs === undefined ? {} : { initialBackoffMs: this.options.initialBackoffMs }),
    });
  }

  get pending(): number {
    return this.client.pending + this.retiring.reduce((n, c) => n + c.pending, 0);
  }

  /** True while the simulated device is out of cellular coverage. */
  outOfCoverage(timeMs: number): boolean {
    return timeMs < this.gapUntilMs;
  }

  /** Takes one reading of the vehicle. */
  read(frame: Readonly<RecordFrame>): void {
    this.schedule(frame.timeMs);
    this.active = frame.driveState === 'driving' || frame.chargeState === 'charging';
    this.client.record(toRecordValues(frame, this.options.hasEngine));
    this.produced++;
  }

  /**
   * Whether the device would upload now (simulated time): in coverage, and its upload interval
   * has passed or it holds a full batch.
   */
  wantsUpload(timeMs: number, pace: UploadPace = 'device'): boolean {
    if (this.pending === 0 || this.outOfCoverage(timeMs)) return false;
    const interval = pace === 'backfill' ? BACKFILL_UPLOAD_MS : this.active ? ACTIVE_UPLOAD_MS : ASLEEP_UPLOAD_MS;
    return timeMs - this.lastUploadMs >= interval || this.client.pending >= this.batchRecords;
  }

  /** Uploads what is buffered (older boots first). Resolves when sent or when the server could not be reached. */
  async upload(timeMs: number): Promise<FlushResult> {
    this.lastUploadMs = timeMs;
    for (const old of this.retiring) await old.flush({ maxAttempts: 3 });
    this.retiring = this.retiring.filter((old) => old.pending > 0);
    const result = await this.client.flush({ maxAttempts: 3 });
    if (this.nextRebootMs !== undefined && timeMs >= this.nextRebootMs) this.reboot(timeMs);
    return result;
  }

  private reboot(timeMs: number): void {
    if (this.client.pending > 0) this.retiring.push(this.client);
    this.boot++;
    this.client = this.newClient();
    this.nextRebootMs = timeMs + this.daysToNextReboot() * 86_400_000;
  }

  private daysToNextReboot(): number {
    return -Math.log(1 - this.options.random.next()) * (this.options.rebootEveryDays ?? 45);
  }

  /** Draws the next coverage gap and reboot when time passes them. */
  private schedule(timeMs: number): void {
    const random = this.options.random;
    if (this.nextRebootMs === undefined) this.nextRebootMs = timeMs + this.daysToNextReboot() * 86_400_000;
    if (this.nextGapMs === undefined) {
      this.nextGapMs = timeMs + -Math.log(1 - random.next()) * (this.options.gapEveryH ?? 96) * 3_600_000;
    }
    if (timeMs >= this.nextGapMs) {
      const minutes = -Math.log(1 - random.next()) * (this.options.gapMeanMinutes ?? 45);
      this.gapUntilMs = timeMs + minutes * 60_000;
      this.nextGapMs = this.gapUntilMs + -Math.log(1 - random.next()) * (this.options.gapEveryH ?? 96) * 3_600_000;
    }
  }
}

/** The reading as a C2 sends it: fields the car offers, the position only while plugged in. */
export function toRecordValues(frame: Readonly<RecordFrame>, hasEngine: boolean): RecordValues {
  const plugged = frame.chargeState !== 'unplugged' && frame.driveState !== 'driving';
  const values: Record<string, unknown> = {
    time_ms: frame.timeMs,
    speed_mps: frame.speedMps,
    odometer_m: frame.odometerM,
    soc_pct: frame.socPct,
    pack_voltage_v: frame.packVoltageV,
    pack_current_a: frame.packCurrentA,
    ambient_temp_c: frame.ambientTempC,
    battery_temp_c: frame.batteryTempC,
    hvac_power_w: frame.hvacPowerW,
    aux_power_w: frame.auxPowerW,
    drive_state: frame.driveState,
    charge_state: frame.chargeState,
  };
  if (frame.chargeKind !== undefined) values.charge_kind = frame.chargeKind;
  if (!Number.isNaN(frame.acLineVoltageV)) values.ac_line_voltage_v = frame.acLineVoltageV;
  if (!Number.isNaN(frame.chargePowerW)) values.charge_power_w = frame.chargePowerW;
  if (hasEngine && frame.engineOn !== undefined) values.engine_on = frame.engineOn;
  if (!Number.isNaN(frame.bmsSohPct)) values.bms_soh_pct = frame.bmsSohPct;
  if (plugged && !Number.isNaN(frame.latDeg)) {
    values.location = { lat_deg: frame.latDeg, lon_deg: frame.lonDeg, accuracy_m: 4 };
  }
  return values as RecordValues;
}

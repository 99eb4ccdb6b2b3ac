/**
 * The edge agent: a C2 built from an ELM327 adapter. It reads the car through a vehicle profile as
 * often as the poll policy allows (every second while driving or charging, rarely while parked,
 * never while the car sleeps), turns readings into uplink records (drive state with stops held
 * back, charge state, position only while plugged in), writes each record to the on-disk journal
 * before anything else, and uploads in batches through the same UplinkClient the simulator uses,
 * marking what the server acknowledged as resolved in the journal. Records of earlier runs that
 * were never acknowledged are sent first, with their original boot and sequence numbers.
 */
import type { TLocation, TUplinkRecord } from '@smartcharge/protocol';
import type { UplinkTransport } from '../transport.js';
import { UplinkClient, type RecordValues } from '../uplink-client.js';
import { systemClock, type AgentClock } from './clock.js';
import { flushDrive, initialDriveState, trackDrive, type DriveTrackerState, type Motion } from './drive-state.js';
import type { Elm327 } from './elm327/elm327.js';
import type { GpsSource } from './gps.js';
import {
  decide,
  DEFAULT_POLL_SETTINGS,
  initialPollState,
  type AgentMode,
  type PollDecision,
  type PollSettings,
  type PollState,
} from './poll-policy.js';
import { isFlagSignal, toBaseUnits, type TVehicleProfile } from './profiles/index.js';
import { chargeStateOf, toAgentRecord } from './reading-to-record.js';
import type { RecordJournal } from './record-journal.js';
import { VehicleReader, type VehicleReading } from './vehicle-reader.js';

export type AgentEvent =
  | {
      readonly type: 'ready';
      readonly adapter: string;
      readonly version?: string;
      readonly standardPids: readonly number[];
    }
  | { readonly type: 'mode'; readonly from: AgentMode; readonly to: AgentMode; readonly timeMs: number }
  | { readonly type: 'upload'; readonly acknowledged: number; readonly pending: number; readonly error?: string }
  | { readonly type: 'refused'; readonly records: number; readonly reason: string }
  | { readonly type: 'gps'; readonly on: boolean; readonly error?: string }
  | { readonly type: 'restored'; readonly boot: number; readonly records: number };

export interface EdgeAgentOptions {
  readonly elm: Elm327;
  readonly profile: TVehicleProfile;
  readonly serial: string;
  /** Where records go. Without one (dry run) nothing is stored or sent. */
  readonly uplink?: {
    readonly transport: UplinkTransport;
    readonly journal: RecordJournal;
    readonly restored?: Map<number, TUplinkRecord[]>;
  };
  readonly clock?: AgentClock;
  readonly gps?: GpsSource;
  readonly poll?: Partial<PollSettings>;
  /** Standstill that ends a drive when the car reports no gear (default 3 minutes). */
  readonly stopHoldMs?: number;
  /** Upload every so often while the car is active, and while it is not (defaults 5 minutes and 1 hour). */
  readonly uploadActiveMs?: number;
  readonly uploadIdleMs?: number;
  readonly batchRecords?: number;
  /** Tries to send what is left when the agent stops, backing off between them (default 3). */
  readonly finalUploadAttempts?: number;
  /** A fix older than this is not attached (default 2 minutes). */
  readonly gpsMaxAgeMs?: number;
  /** Every reading, with the record made of it (undefined while a stop is held back). */
  readonly onReading?: (reading: VehicleReading, record: RecordValues | undefined) => void;
  readonly onEvent?: (event: AgentEvent) => void;
}

export interface AgentSummary {
  readonly readings: number;
  readonly records: number;
  readonly acknowledged: number;
  readonly pending: number;
  /** Time spent in each mode (agent clock). */
  readonly modeMs: Readonly<Record<AgentMode, number>>;
}

/** Whether odometer values are fine enough to measure trips (else distance comes from speed). */
export function odometerUsable(profile: TVehicleProfile, standardPids: ReadonlySet<number>): boolean {
  const odometer = profile.signals.find((s) => !isFlagSignal(s) && s.quantity === 'odometer');
  const hasSpeed = profile.signals.some((s) => !isFlagSignal(s) && s.quantity === 'speed') || standardPids.has(0x0d);
  if (!odometer || isFlagSignal(odometer)) return standardPids.has(0xa6);
  const resolutionM = Math.abs(toBaseUnits(odometer.scale ?? 1, odometer.unit));
  return resolutionM <= 100 || !hasSpeed;
}

export class EdgeAgent {
  private readonly reader: VehicleReader;
  private readonly clock: AgentClock;
  private readonly settings: PollSettings;
  private poll: PollState;
  private drive: DriveTrackerState<VehicleReading> = initialDriveState();
  private client: UplinkClient | undefined;
  private retiring: UplinkClient[] = [];
  private uploading: Promise<void> | undefined;
  private lastUploadMs: number;
  private gpsOn = false;
  private useOdometer = false;
  private readings = 0;
  private records = 0;
  private acknowledged = 0;
  private readonly modeMs: Record<AgentMode, number> = { active: 0, parked: 0, dozing: 0, asleep: 0 };
  private modeSinceMs: number;

  constructor(private readonly options: EdgeAgentOptions) {
    this.clock = options.clock ?? systemClock;
    this.settings = { ...DEFAULT_POLL_SETTINGS, ...options.poll };
    this.reader = new VehicleReader(options.elm, options.profile);
    this.poll = initialPollState(this.clock.now());
    this.lastUploadMs = this.clock.now();
    this.modeSinceMs = this.clock.now();
    const uplink = options.uplink;
    if (uplink) {
      this.client = this.newClient(uplink.journal.boot);
      for (const [boot, records] of uplink.restored ?? new Map<number, TUplinkRecord[]>()) {
        if (records.length === 0) continue;
        const old = this.newClient(boot);
        old.restore(records);
        this.retiring.push(old);
        options.onEvent?.({ type: 'restored', boot, records: records.length });
      }
    }
  }

  get mode(): AgentMode {
    return this.poll.mode;
  }

  get pending(): number {
    return (this.client?.pending ?? 0) + this.retiring.reduce((n, c) => n + c.pending, 0);
  }

  private newClient(boot: number): UplinkClient {
    const uplink = this.options.uplink!;
    const journal = uplink.journal;
    return new UplinkClient({
      serial: this.options.serial,
      boot,
      transport: uplink.transport,
      batchRecords: this.options.batchRecords ?? 600,
      initialBackoffMs: 2000,
      onAck: (ack) => {
        if (ack.ok) void journal.resolve(boot, ack.seq_min, ack.seq_max);
      },
      onDropped: (records, error) => {
        for (const record of records) void journal.resolve(boot, record.seq, record.seq);
        this.options.onEvent?.({ type: 'refused', records: records.length, reason: `${error.code}: ${error.message}` });
      },
    });
  }

  /** Resets the adapter and learns what the car offers. */
  async start(): Promise<void> {
    await this.options.elm.initialize();
    const standard = await this.reader.discoverStandardPids();
    this.useOdometer = odometerUsable(this.options.profile, standard);
    this.options.onEvent?.({
      type: 'ready',
      adapter: this.options.elm.description,
      ...(this.options.elm.version === undefined ? {} : { version: this.options.elm.version }),
      standardPids: [...standard],
    });
  }

  /**
   * Runs until `signal` aborts or `until(now)` says so, then releases held readings, uploads what
   * it can (a few tries) and closes the GPS. Call start() first.
   */
  async run(options: { signal?: AbortSignal; until?: (nowMs: number) => boolean } = {}): Promise<AgentSummary> {
    const { signal, until } = options;
    let next: 'read' | 'voltage' = 'read';
    let dueMs = this.clock.now();
    try {
      while (!signal?.aborted && !(until?.(this.clock.now()) ?? false)) {
        const wait = dueMs - this.clock.now();
        if (wait > 0) {
          await this.clock.sleep(wait, signal);
          continue;
        }
        const startedMs = this.clock.now();
        const decision: PollDecision =
          next === 'read'
            ? decide(this.poll, await this.readOnce(startedMs), this.settings)
            : decide(
                this.poll,
                { kind: 'voltage', timeMs: startedMs, voltageV: await this.options.elm.batteryVoltage() },
                this.settings,
              );
        this.switchMode(decision.state, startedMs);
        next = decision.next;
        // Fixed rate: the next poll is due one interval after this one started.
        dueMs = startedMs + decision.inMs;
        this.maybeUpload(startedMs);
      }
    } finally {
      // Also when the adapter link drops: release held readings, upload what can be, close the journal.
      await this.finish();
    }
    return this.summary();
  }

  private async readOnce(nowMs: number): Promise<{
    kind: 'reading';
    timeMs: number;
    asleep: boolean;
    driveState: 'parked' | 'driving';
    chargeState: 'unplugged' | 'plugged' | 'charging';
  }> {
    const reading = await this.reader.read(nowMs);
    this.readings++;
    if (reading.asleep) {
      this.release(flushDrive(this.drive));
      this.options.onReading?.(reading, undefined);
      await this.setGps(false);
      return { kind: 'reading', timeMs: nowMs, asleep: true, driveState: 'parked', chargeState: 'unplugged' };
    }
    const charge = chargeStateOf(reading);
    const speed = reading.values.speed ?? 0;
    const gear = reading.flags.in_gear;
    const motion: Motion =
      gear === true || speed > 0.5 ? 'moving' : gear === false || charge.state !== 'unplugged' ? 'parked' : 'stopped';
    const tracked = trackDrive(this.drive, reading, nowMs, motion, this.options.stopHoldMs);
    this.drive = tracked.state;
    const made = this.release(tracked);
    this.options.onReading?.(reading, made.find((m) => m.reading === reading)?.record);
    await this.setGps(charge.state !== 'unplugged' && motion !== 'moving');
    const driving = this.drive.phase !== 'parked';
    return {
      kind: 'reading',
      timeMs: nowMs,
      asleep: false,
      driveState: driving ? 'driving' : 'parked',
      chargeState: driving ? 'unplugged' : charge.state,
    };
  }

  /** Readings released by the drive tracker become records: buffered for upload and journaled. */
  private release(released: { released: readonly { item: VehicleReading; driveState: 'parked' | 'driving' }[] }): {
    reading: VehicleReading;
    record: RecordValues;
  }[] {
    const made: { reading: VehicleReading; record: RecordValues }[] = [];
    for (const { item, driveState } of released.released) {
      const location = driveState === 'parked' ? this.location(item.timeMs) : undefined;
      const values = toAgentRecord(item, driveState, { odometer: this.useOdometer, ...(location ? { location } : {}) });
      made.push({ reading: item, record: values });
      this.records++;
      if (this.client) {
        const record = this.client.record(values);
        void this.options.uplink!.journal.append(record);
      }
    }
    return made;
  }

  private location(nowMs: number): TLocation | undefined {
    const fix = this.gpsOn ? this.options.gps?.latest() : undefined;
    if (!fix || nowMs - fix.receivedMs > (this.options.gpsMaxAgeMs ?? 120_000)) return undefined;
    return {
      lat_deg: fix.latDeg,
      lon_deg: fix.lonDeg,
      ...(fix.accuracyM === undefined ? {} : { accuracy_m: fix.accuracyM }),
    };
  }

  private async setGps(on: boolean): Promise<void> {
    const gps = this.options.gps;
    if (!gps || on === this.gpsOn) return;
    this.gpsOn = on;
    try {
      if (on) await gps.start();
      else await gps.stop();
      this.options.onEvent?.({ type: 'gps', on });
    } catch (error) {
      this.gpsOn = false;
      this.options.onEvent?.({ type: 'gps', on: false, error: (error as Error).message });
    }
  }

  private switchMode(state: PollState, nowMs: number): void {
    const from = this.poll.mode;
    this.poll = state;
    if (state.mode === from) return;
    this.modeMs[from] += nowMs - this.modeSinceMs;
    this.modeSinceMs = nowMs;
    this.options.onEvent?.({ type: 'mode', from, to: state.mode, timeMs: nowMs });
    // The end of a drive or a charge: send it now rather than at the next interval.
    if (from === 'active') this.lastUploadMs = -Infinity;
  }

  private maybeUpload(nowMs: number): void {
    if (!this.client || this.uploading || this.pending === 0) return;
    const interval =
      this.poll.mode === 'active' ? (this.options.uploadActiveMs ?? 300_000) : (this.options.uploadIdleMs ?? 3_600_000);
    const full = this.client.pending >= (this.options.batchRecords ?? 600);
    if (nowMs - this.lastUploadMs < interval && !full) return;
    this.lastUploadMs = nowMs;
    this.uploading = this.upload(1).finally(() => {
      this.uploading = undefined;
    });
  }

  private async upload(maxAttempts: number): Promise<void> {
    let acknowledged = 0;
    let error: string | undefined;
    for (const old of this.retiring) {
      const result = await old.flush({ maxAttempts });
      acknowledged += result.acknowledged;
      error ??= result.lastError;
    }
    this.retiring = this.retiring.filter((c) => c.pending > 0);
    if (this.client) {
      const result = await this.client.flush({ maxAttempts });
      acknowledged += result.acknowledged;
      error ??= result.lastError;
    }
    this.acknowledged += acknowledged;
    this.options.onEvent?.({ type: 'upload', acknowledged, pending: this.pending, ...(error ? { error } : {}) });
  }

  private async finish(): Promise<void> {
    this.release(flushDrive(this.drive));
    this.drive = initialDriveState();
    await this.uploading;
    if (this.client && this.pending > 0) await this.upload(this.options.finalUploadAttempts ?? 3);
    await this.options.uplink?.journal.close();
    await this.setGps(false);
    this.modeMs[this.poll.mode] += this.clock.now() - this.modeSinceMs;
    this.modeSinceMs = this.clock.now();
  }

  private summary(): AgentSummary {
    return {
      readings: this.readings,
      records: this.records,
      acknowledged: this.acknowledged,
      pending: this.pending,
      modeMs: { ...this.modeMs },
    };
  }
}

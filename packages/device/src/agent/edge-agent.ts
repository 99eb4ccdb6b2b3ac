/**
 * The edge agent: a C2 built from an ELM327 adapter. It reads the car through a vehicle profile as
 * often as the poll policy allows (every second while driving or charging, rarely while parked,
 * never while the car sleeps), turns readings into uplink records (drive state with stops held
 * back, charge state, position only while plugged in), and hands each to the AgentUplink, which
 * journals it on disk before the agent goes on and uploads in batches.
 *
 * A GPS that will not start is tried again once a minute while plugged in, not at every reading.
 */
import type { TLocation, TUplinkRecord } from '@smartcharge/protocol';
import type { UplinkTransport } from '../transport.js';
import type { RecordValues } from '../uplink-client.js';
import { AgentUplink, type UplinkEvent } from './agent-uplink.js';
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

/** While plugged in: how often a GPS that would not start is tried again (or a running one checked). */
const GPS_RETRY_MS = 60_000;

export type AgentEvent =
  | {
      readonly type: 'ready';
      readonly adapter: string;
      readonly version?: string;
      readonly standardPids: readonly number[];
    }
  | { readonly type: 'mode'; readonly from: AgentMode; readonly to: AgentMode; readonly timeMs: number }
  | { readonly type: 'gps'; readonly on: boolean; readonly error?: string }
  | UplinkEvent;

export interface EdgeAgentOptions {
  readonly elm: Elm327;
  readonly profile: TVehicleProfile;
  readonly serial: string;
  /** Where records go. Without one (dry run) nothing is stored or sent. */
  readonly uplink?: {
    readonly transport: UplinkTransport;
    readonly journal: RecordJournal;
    readonly restored?: ReadonlyMap<number, readonly TUplinkRecord[]>;
  };
  readonly clock?: AgentClock;
  readonly gps?: GpsSource;
  readonly poll?: Partial<PollSettings>;
  /** Standstill that ends a drive when the car reports no gear (default 3 minutes). */
  readonly stopHoldMs?: number;
  /** Upload every so often while the car is active, and while it is not (defaults 5 minutes and 1 hour). */
  readonly uploadActiveMs?: number;
  readonly uploadIdleMs?: number;
  /** Records per batch (default 600); a full batch is sent without waiting for the interval. */
  readonly batchRecords?: number;
  /** Tries to send what is left when the agent stops, 2 s then 4 s … apart on its clock (default 3). */
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
  private readonly uplink: AgentUplink | undefined;
  private gpsOn = false;
  private gpsFailing = false;
  private gpsCheckMs = -Infinity;
  private useOdometer = false;
  private readings = 0;
  private records = 0;
  private readonly modeMs: Record<AgentMode, number> = { active: 0, parked: 0, dozing: 0, asleep: 0 };
  private modeSinceMs: number;

  constructor(private readonly options: EdgeAgentOptions) {
    this.clock = options.clock ?? systemClock;
    this.settings = { ...DEFAULT_POLL_SETTINGS, ...options.poll };
    this.reader = new VehicleReader(options.elm, options.profile);
    this.poll = initialPollState(this.clock.now());
    this.modeSinceMs = this.clock.now();
    if (options.uplink) {
      this.uplink = new AgentUplink({
        ...options.uplink,
        serial: options.serial,
        clock: this.clock,
        ...pick(options, ['uploadActiveMs', 'uploadIdleMs', 'batchRecords', 'finalUploadAttempts', 'onEvent']),
      });
    }
  }

  get mode(): AgentMode {
    return this.poll.mode;
  }

  get pending(): number {
    return this.uplink?.pending ?? 0;
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
        await this.uplink?.applyJournalCap();
        this.uplink?.maybeUpload(startedMs, this.poll.mode === 'active');
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
      await this.release(flushDrive(this.drive));
      this.options.onReading?.(reading, undefined);
      await this.setGps(false, nowMs);
      return { kind: 'reading', timeMs: nowMs, asleep: true, driveState: 'parked', chargeState: 'unplugged' };
    }
    const charge = chargeStateOf(reading);
    const speed = reading.values.speed ?? 0;
    const gear = reading.flags.in_gear;
    const motion: Motion =
      gear === true || speed > 0.5 ? 'moving' : gear === false || charge.state !== 'unplugged' ? 'parked' : 'stopped';
    const tracked = trackDrive(this.drive, reading, nowMs, motion, this.options.stopHoldMs);
    this.drive = tracked.state;
    const made = await this.release(tracked);
    this.options.onReading?.(reading, made.find((m) => m.reading === reading)?.record);
    await this.setGps(charge.state !== 'unplugged' && motion !== 'moving', nowMs);
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
  private async release(released: {
    released: readonly { item: VehicleReading; driveState: 'parked' | 'driving' }[];
  }): Promise<{ reading: VehicleReading; record: RecordValues }[]> {
    const made: { reading: VehicleReading; record: RecordValues }[] = [];
    for (const { item, driveState } of released.released) {
      const location = driveState === 'parked' ? this.location(item.timeMs) : undefined;
      const values = toAgentRecord(item, driveState, { odometer: this.useOdometer, ...(location ? { location } : {}) });
      made.push({ reading: item, record: values });
      this.records++;
      await this.uplink?.add(values);
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

  /**
   * GPS on while plugged in, off otherwise. While it should be on, start() is called again once a
   * minute: it retries a source that would not start, and reconnects one whose link dropped (a
   * running source ignores it). A failure is said once per plug-in.
   */
  private async setGps(want: boolean, nowMs: number): Promise<void> {
    const gps = this.options.gps;
    if (!gps) return;
    if (!want) {
      this.gpsCheckMs = -Infinity;
      this.gpsFailing = false;
      if (!this.gpsOn) return;
      this.gpsOn = false;
      try {
        await gps.stop();
        this.options.onEvent?.({ type: 'gps', on: false });
      } catch (error) {
        this.options.onEvent?.({ type: 'gps', on: false, error: (error as Error).message });
      }
      return;
    }
    if (nowMs < this.gpsCheckMs) return;
    this.gpsCheckMs = nowMs + GPS_RETRY_MS;
    try {
      await gps.start();
      this.gpsFailing = false;
      if (this.gpsOn) return;
      this.gpsOn = true;
      this.options.onEvent?.({ type: 'gps', on: true });
    } catch (error) {
      this.gpsOn = false;
      if (this.gpsFailing) return;
      this.gpsFailing = true;
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
    if (from === 'active') this.uplink?.uploadSoon();
  }

  private async finish(): Promise<void> {
    await this.release(flushDrive(this.drive));
    this.drive = initialDriveState();
    await this.uplink?.finish();
    await this.setGps(false, this.clock.now());
    this.modeMs[this.poll.mode] += this.clock.now() - this.modeSinceMs;
    this.modeSinceMs = this.clock.now();
  }

  private summary(): AgentSummary {
    return {
      readings: this.readings,
      records: this.records,
      acknowledged: this.uplink?.acknowledged ?? 0,
      pending: this.pending,
      modeMs: { ...this.modeMs },
    };
  }
}

/** The options of `keys` that are set (exactOptionalPropertyTypes: an absent option stays absent). */
function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (object[key] !== undefined) picked[key] = object[key];
  return picked;
}

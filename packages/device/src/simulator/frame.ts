/**
 * What a simulated vehicle exposes each time its C2 reads it: one reused, mutable frame (no
 * allocation per record on the hot path), handed to an output that copies what it keeps.
 * Absent values are NaN (numbers) or undefined (the rest).
 */
import type { ChargeKind, ChargeState, DriveState } from '@smartcharge/protocol';
import type { ChargerLevel } from './charging.js';

export interface RecordFrame {
  timeMs: number;
  speedMps: number;
  odometerM: number;
  socPct: number;
  packVoltageV: number;
  packCurrentA: number;
  ambientTempC: number;
  batteryTempC: number;
  hvacPowerW: number;
  auxPowerW: number;
  driveState: DriveState;
  chargeState: ChargeState;
  chargeKind: ChargeKind | undefined;
  acLineVoltageV: number;
  chargePowerW: number;
  /** Where the car is (the device decides whether it may send it). */
  latDeg: number;
  lonDeg: number;
  /** Plug-in hybrids only. */
  engineOn: boolean | undefined;
  /** Only for cars whose BMS reports it. */
  bmsSohPct: number;
}

export function emptyFrame(): RecordFrame {
  return {
    timeMs: 0,
    speedMps: 0,
    odometerM: 0,
    socPct: 0,
    packVoltageV: 0,
    packCurrentA: 0,
    ambientTempC: 0,
    batteryTempC: 0,
    hvacPowerW: 0,
    auxPowerW: 0,
    driveState: 'parked',
    chargeState: 'unplugged',
    chargeKind: undefined,
    acLineVoltageV: Number.NaN,
    chargePowerW: Number.NaN,
    latDeg: Number.NaN,
    lonDeg: Number.NaN,
    engineOn: undefined,
    bmsSohPct: Number.NaN,
  };
}

/** A trip as it really happened (for scoring derived trips). */
export interface TripTruth {
  readonly type: 'trip';
  readonly serial: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly purpose: string;
  readonly distanceM: number;
  /** Plug-in hybrids: distance with the engine off; equals distanceM for battery EVs. */
  readonly electricDistanceM: number;
  /** Net energy out of the battery terminals (Wh), traction + HVAC + accessories − regeneration. */
  readonly batteryEnergyWh: number;
  readonly hvacEnergyWh: number;
  readonly auxEnergyWh: number;
  readonly socStartPct: number;
  readonly socEndPct: number;
  readonly ambientMeanC: number;
  readonly ambientMinC: number;
  readonly ambientMaxC: number;
}

export interface ChargeSegmentTruth {
  readonly startMs: number;
  readonly endMs: number;
  readonly inletEnergyWh: number;
  readonly batteryEnergyWh: number;
}

/** A plug-in session as it really happened: from plugging in to unplugging. */
export interface SessionTruth {
  readonly type: 'session';
  readonly serial: string;
  readonly pluggedMs: number;
  readonly unpluggedMs: number;
  readonly level: ChargerLevel;
  readonly site: 'home' | 'work' | 'public';
  readonly latDeg: number;
  readonly lonDeg: number;
  readonly inTerritory: boolean;
  readonly segments: readonly ChargeSegmentTruth[];
  readonly inletEnergyWh: number;
  readonly batteryEnergyWh: number;
  readonly peakInletW: number;
  readonly socStartPct: number;
  readonly socEndPct: number;
  readonly ambientMeanC: number;
}

/** The battery's true state at the end of each local day. */
export interface DayTruth {
  readonly type: 'day';
  readonly serial: string;
  readonly date: string;
  readonly capacityKwh: number;
  readonly sohPct: number;
  readonly powerCapacityPct: number;
  readonly odometerM: number;
}

export type Truth = TripTruth | SessionTruth | DayTruth;

export interface SimOutput {
  /** One reading; the frame is reused after the call returns. */
  record(frame: Readonly<RecordFrame>): void;
  truth(event: Truth): void;
}

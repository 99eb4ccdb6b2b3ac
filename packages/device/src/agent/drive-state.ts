/**
 * Whether the car is being driven, from what a reading shows. With a gear selector signal it is
 * plain: in D or R is driving, in P is parked. With speed alone a stop at a red light looks like
 * parking, so a reading at standstill is held back until the car moves again (then it was a stop
 * within the drive) or stays still for `holdMs` (then the drive ended when it stopped). The held
 * readings are bounded by holdMs at the polling rate.
 *
 * Pure: (state, reading) → (state, readings released with their drive state).
 */
import type { DriveState } from '@smartcharge/protocol';

/** moving: speed or gear says driving. stopped: standstill, maybe a pause. parked: surely not driving (gear P, charging). */
export type Motion = 'moving' | 'stopped' | 'parked';

export interface DriveTrackerState<T> {
  readonly phase: 'parked' | 'driving' | 'stopped';
  readonly stoppedSinceMs: number;
  readonly held: readonly T[];
}

export interface Released<T> {
  readonly item: T;
  readonly driveState: DriveState;
}

export function initialDriveState<T>(): DriveTrackerState<T> {
  return { phase: 'parked', stoppedSinceMs: 0, held: [] };
}

/** A standstill longer than this ends the drive (default 3 minutes, longer than any red light). */
export const DEFAULT_HOLD_MS = 180_000;

export function trackDrive<T>(
  state: DriveTrackerState<T>,
  item: T,
  timeMs: number,
  motion: Motion,
  holdMs = DEFAULT_HOLD_MS,
): { state: DriveTrackerState<T>; released: Released<T>[] } {
  const release = (items: readonly T[], driveState: DriveState) => items.map((i) => ({ item: i, driveState }));
  if (motion === 'moving') {
    return {
      state: { phase: 'driving', stoppedSinceMs: 0, held: [] },
      released: [...release(state.held, 'driving'), { item, driveState: 'driving' }],
    };
  }
  if (state.phase === 'parked' || motion === 'parked') {
    return {
      state: { phase: 'parked', stoppedSinceMs: 0, held: [] },
      released: [...release(state.held, 'parked'), { item, driveState: 'parked' }],
    };
  }
  // Standstill during (or just after) a drive.
  const since = state.phase === 'stopped' ? state.stoppedSinceMs : timeMs;
  if (timeMs - since >= holdMs) {
    return {
      state: { phase: 'parked', stoppedSinceMs: 0, held: [] },
      released: [...release(state.held, 'parked'), { item, driveState: 'parked' }],
    };
  }
  return { state: { phase: 'stopped', stoppedSinceMs: since, held: [...state.held, item] }, released: [] };
}

/** Releases whatever is held as parked (the agent stops, or the car fell asleep). */
export function flushDrive<T>(state: DriveTrackerState<T>): { state: DriveTrackerState<T>; released: Released<T>[] } {
  return {
    state: { phase: 'parked', stoppedSinceMs: 0, held: [] },
    released: state.held.map((item) => ({ item, driveState: 'parked' as const })),
  };
}

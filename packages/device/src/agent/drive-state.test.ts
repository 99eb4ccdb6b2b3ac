import { describe, expect, it } from 'vitest';
import { flushDrive, initialDriveState, trackDrive, type DriveTrackerState, type Motion } from './drive-state.js';

/** Feeds (second, motion) pairs; returns every released second with its drive state, in order. */
function run(
  steps: readonly [number, Motion][],
  holdMs = 180_000,
): { released: string[]; state: DriveTrackerState<number> } {
  let state = initialDriveState<number>();
  const released: string[] = [];
  for (const [second, motion] of steps) {
    const out = trackDrive(state, second, second * 1000, motion, holdMs);
    state = out.state;
    released.push(...out.released.map((r) => `${r.item}:${r.driveState}`));
  }
  return { released, state };
}

describe('drive state from readings', () => {
  it('makes a red-light stop part of the drive once the car moves again', () => {
    const { released } = run([
      [0, 'moving'],
      [1, 'stopped'],
      [2, 'stopped'],
      [3, 'moving'],
    ]);
    expect(released).toEqual(['0:driving', '1:driving', '2:driving', '3:driving']);
  });

  it('ends the drive when it stopped, once the standstill outlasts the hold', () => {
    const { released, state } = run(
      [
        [0, 'moving'],
        [10, 'stopped'],
        [100, 'stopped'],
        [200, 'stopped'],
      ],
      180_000,
    );
    // The drive ended at second 10: the first standstill reading is the first parked one.
    expect(released).toEqual(['0:driving', '10:parked', '100:parked', '200:parked']);
    expect(state.phase).toBe('parked');
  });

  it('ends the drive at once when the gear says park or a charger is connected', () => {
    expect(
      run([
        [0, 'moving'],
        [1, 'stopped'],
        [2, 'parked'],
      ]).released,
    ).toEqual(['0:driving', '1:parked', '2:parked']);
  });

  it('holds nothing while parked: a standstill before any drive is parked', () => {
    expect(
      run([
        [0, 'stopped'],
        [1, 'stopped'],
      ]).released,
    ).toEqual(['0:parked', '1:parked']);
  });

  it('releases what it holds as parked when flushed (the agent stops)', () => {
    const { state } = run([
      [0, 'moving'],
      [1, 'stopped'],
      [2, 'stopped'],
    ]);
    expect(state.held).toEqual([1, 2]);
    expect(flushDrive(state).released.map((r) => `${r.item}:${r.driveState}`)).toEqual(['1:parked', '2:parked']);
  });
});

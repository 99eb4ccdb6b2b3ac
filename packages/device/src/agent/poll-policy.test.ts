import { describe, expect, it } from 'vitest';
import {
  decide,
  DEFAULT_POLL_SETTINGS as S,
  initialPollState,
  type Observation,
  type PollState,
} from './poll-policy.js';

const reading = (
  timeMs: number,
  drive: 'parked' | 'driving',
  charge: 'unplugged' | 'plugged' | 'charging' = 'unplugged',
  asleep = false,
): Observation => ({
  kind: 'reading',
  timeMs,
  asleep,
  driveState: drive,
  chargeState: charge,
});
const volts = (timeMs: number, voltageV: number | undefined): Observation => ({ kind: 'voltage', timeMs, voltageV });

describe('poll policy', () => {
  it('reads every second while driving or charging', () => {
    const start = initialPollState(0);
    expect(decide(start, reading(0, 'driving'))).toMatchObject({ next: 'read', inMs: 1000, state: { mode: 'active' } });
    expect(decide(start, reading(0, 'parked', 'charging'))).toMatchObject({ next: 'read', inMs: 1000 });
  });

  it('backs off while parked, then stops reading the bus', () => {
    let state: PollState = decide(initialPollState(0), reading(0, 'driving')).state;
    expect(decide(state, reading(60_000, 'parked'))).toMatchObject({ inMs: S.parkedMs, state: { mode: 'parked' } });
    expect(decide(state, reading(5 * 60_000, 'parked'))).toMatchObject({ inMs: S.parkedSlowMs });
    state = decide(state, reading(11 * 60_000, 'parked')).state;
    expect(state.mode).toBe('dozing');
    expect(decide(state, volts(11 * 60_000 + 5000, 12.6))).toMatchObject({
      next: 'voltage',
      state: { mode: 'asleep' },
    });
  });

  it('stays off the bus while asleep until the DC/DC converter starts', () => {
    const asleep = decide(initialPollState(0), reading(0, 'parked', 'unplugged', true));
    expect(asleep).toMatchObject({ next: 'voltage', inMs: S.voltageCheckMs, state: { mode: 'asleep' } });
    expect(decide(asleep.state, volts(5000, 12.5))).toMatchObject({ next: 'voltage', state: { mode: 'asleep' } });
    expect(decide(asleep.state, volts(10_000, 14.1))).toMatchObject({
      next: 'read',
      inMs: 0,
      state: { mode: 'parked' },
    });
  });

  it('checks a low 12 V battery less often', () => {
    const asleep = decide(initialPollState(0), reading(0, 'parked', 'unplugged', true)).state;
    expect(decide(asleep, volts(5000, 11.6)).inMs).toBe(S.voltageCheckMs * 4);
  });

  it('reads a dozing car that is visibly on only now and then', () => {
    const dozing: PollState = { mode: 'dozing', lastActiveMs: 0, lastReadMs: 700_000 };
    expect(decide(dozing, volts(705_000, 14.0))).toMatchObject({ next: 'voltage' });
    expect(decide(dozing, volts(700_000 + S.dozingReadMs, 14.0))).toMatchObject({ next: 'read', inMs: 0 });
  });

  it('probes the car rarely when the adapter cannot read its voltage', () => {
    const asleep: PollState = { mode: 'asleep', lastActiveMs: 0, lastReadMs: 0 };
    expect(decide(asleep, volts(60_000, undefined))).toMatchObject({ next: 'voltage' });
    expect(decide(asleep, volts(S.blindProbeMs, undefined))).toMatchObject({ next: 'read', inMs: 0 });
  });
});

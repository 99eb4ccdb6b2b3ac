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
    const woken = decide(asleep.state, volts(10_000, 14.1));
    // The reading decides whether it woke: the mode changes only then.
    expect(woken).toMatchObject({ next: 'read', inMs: 0, state: { mode: 'asleep' } });
    expect(decide(woken.state, reading(10_000, 'parked'))).toMatchObject({ next: 'read', state: { mode: 'parked' } });
  });

  it('probes a sleeping car whose 12 V battery reads high (surface charge, a 12 V top-up) only rarely', () => {
    // The agent's loop: do what the policy says, when it says.
    let decision = decide(initialPollState(0), reading(0, 'parked', 'unplugged', true));
    let t = 0;
    let probes = 0;
    while (t < 3_600_000) {
      t += decision.inMs;
      if (decision.next === 'read') {
        probes++;
        decision = decide(decision.state, reading(t, 'parked', 'unplugged', true));
      } else {
        decision = decide(decision.state, volts(t, 13.5));
      }
    }
    // One probe when the high voltage is first seen, then one each blind-probe interval.
    expect(probes).toBeLessThanOrEqual(1 + 3_600_000 / S.blindProbeMs);
    expect(decision.state.mode).toBe('asleep');
  });

  it('wakes at once when the voltage rises again after falling, and treats a car found awake as just woken', () => {
    let state = decide(initialPollState(0), reading(0, 'parked', 'unplugged', true)).state;
    state = decide(state, volts(5000, 13.5)).state; // probed: still asleep
    state = decide(state, reading(5000, 'parked', 'unplugged', true)).state;
    expect(decide(state, volts(10_000, 13.5)).next).toBe('voltage');
    state = decide(state, volts(10_000, 12.5)).state;
    expect(decide(state, volts(15_000, 14.2))).toMatchObject({ next: 'read', inMs: 0 });
    // Found awake (parked) after an hour asleep: polled as a car that just woke, not one that dozes.
    const awake = decide(decide(state, volts(3_600_000, 14.2)).state, reading(3_600_000, 'parked'));
    expect(awake).toMatchObject({ next: 'read', inMs: S.parkedMs, state: { mode: 'parked' } });
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

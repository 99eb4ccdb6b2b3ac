/**
 * How often the agent talks to the car, so that it never keeps a car awake nor runs down its 12 V
 * battery. Modes:
 *
 *   active   driving or charging: a reading every second.
 *   parked   awake but still: a reading every 5 s, backing off to one a minute.
 *   dozing   parked long enough that the car should sleep: no bus traffic; a reading every
 *            10 minutes only while the adapter's voltage shows the car's DC/DC converter running.
 *   asleep   the car did not answer, or its 12 V battery reads as resting: no bus traffic at all;
 *            the adapter's own voltage (ATRV, which does not touch the bus) is checked every 5 s,
 *            and a rise above the wake threshold (the DC/DC converter starting: the car was switched
 *            on or plugged in) brings one reading, which says whether the car woke. While the
 *            voltage stays high and the car does not answer (a battery just charged, or the car
 *            topping up its 12 V battery without waking the bus) it is probed only every
 *            `blindProbeMs`: a level above the threshold is not a wake-up, a rise to it is.
 *
 * Pure: (state, observation) → (state, what to do next and when).
 */
import type { ChargeState, DriveState } from '@smartcharge/protocol';

export type AgentMode = 'active' | 'parked' | 'dozing' | 'asleep';

export interface PollSettings {
  readonly activeMs: number;
  readonly parkedMs: number;
  /** Parked polling slows to this after `parkedFastForMs`. */
  readonly parkedSlowMs: number;
  readonly parkedFastForMs: number;
  /** Parked (not charging) this long: stop regular polling. */
  readonly dozeAfterMs: number;
  /** While dozing with the DC/DC converter running: one reading this often. */
  readonly dozingReadMs: number;
  /** Voltage checks while asleep or dozing. */
  readonly voltageCheckMs: number;
  /** Adapter voltage at or above this means the car's DC/DC converter runs (the car is on or charging). */
  readonly wakeVoltageV: number;
  /** Below this the 12 V battery is low: talk to the car only when it is clearly on. */
  readonly lowVoltageV: number;
  /**
   * Probe a sleeping car this often when the voltage cannot tell whether it woke: the adapter cannot
   * read it, or it stays above `wakeVoltageV` while the car does not answer.
   */
  readonly blindProbeMs: number;
}

export const DEFAULT_POLL_SETTINGS: PollSettings = {
  activeMs: 1000,
  parkedMs: 5_000,
  parkedSlowMs: 60_000,
  parkedFastForMs: 180_000,
  dozeAfterMs: 600_000,
  dozingReadMs: 600_000,
  voltageCheckMs: 5_000,
  wakeVoltageV: 13.2,
  lowVoltageV: 12.0,
  blindProbeMs: 300_000,
};

export interface PollState {
  readonly mode: AgentMode;
  /** When the car was last seen driving or charging. */
  readonly lastActiveMs: number;
  /** When the car was last read (for dozing reads and blind probes). */
  readonly lastReadMs: number;
  /** Whether the last voltage check (since the car was last seen awake) showed the DC/DC converter running. */
  readonly running?: boolean;
}

export type Observation =
  | {
      readonly kind: 'reading';
      readonly timeMs: number;
      readonly asleep: boolean;
      readonly driveState: DriveState;
      readonly chargeState: ChargeState;
    }
  | { readonly kind: 'voltage'; readonly timeMs: number; readonly voltageV: number | undefined };

export interface PollDecision {
  readonly state: PollState;
  /** What to do next: read the car, or only check the adapter's voltage. */
  readonly next: 'read' | 'voltage';
  readonly inMs: number;
}

export function initialPollState(nowMs: number): PollState {
  return { mode: 'parked', lastActiveMs: nowMs, lastReadMs: -Infinity };
}

export function decide(state: PollState, obs: Observation, s: PollSettings = DEFAULT_POLL_SETTINGS): PollDecision {
  if (obs.kind === 'reading') {
    const t = obs.timeMs;
    if (obs.asleep) {
      return { state: { ...state, mode: 'asleep', lastReadMs: t }, next: 'voltage', inMs: s.voltageCheckMs };
    }
    const active = obs.driveState === 'driving' || obs.chargeState === 'charging';
    if (active) return { state: { mode: 'active', lastActiveMs: t, lastReadMs: t }, next: 'read', inMs: s.activeMs };
    // A car that answers after sleeping has just woken: it is polled as one, not as one long parked.
    const lastActiveMs = state.mode === 'asleep' ? t : state.lastActiveMs;
    const stillFor = t - lastActiveMs;
    if (stillFor >= s.dozeAfterMs) {
      return { state: { mode: 'dozing', lastActiveMs, lastReadMs: t }, next: 'voltage', inMs: s.voltageCheckMs };
    }
    const interval = stillFor >= s.parkedFastForMs ? s.parkedSlowMs : s.parkedMs;
    return { state: { mode: 'parked', lastActiveMs, lastReadMs: t }, next: 'read', inMs: interval };
  }
  const t = obs.timeMs;
  const volts = obs.voltageV;
  if (volts === undefined) {
    // No voltage to go by: probe the car now and then.
    const wait = Math.max(0, state.lastReadMs + s.blindProbeMs - t);
    return wait === 0
      ? { state, next: 'read', inMs: 0 }
      : { state, next: 'voltage', inMs: Math.min(wait, s.voltageCheckMs) };
  }
  const running = volts >= s.wakeVoltageV;
  if (state.mode === 'asleep') {
    // The DC/DC converter started (switched on, plugged in, charging by timer): see whether the car
    // woke. Still high after a reading found it asleep: not a new start, probe only now and then.
    const rose = running && state.running !== true;
    if (rose || (running && t - state.lastReadMs >= s.blindProbeMs)) {
      return { state: { ...state, running }, next: 'read', inMs: 0 };
    }
    const inMs = volts < s.lowVoltageV ? s.voltageCheckMs * 4 : s.voltageCheckMs;
    return { state: { ...state, running }, next: 'voltage', inMs };
  }
  // Dozing: read again only while the car is visibly on, and not often.
  if (running && t - state.lastReadMs >= s.dozingReadMs) return { state: { ...state, running }, next: 'read', inMs: 0 };
  if (!running) return { state: { ...state, mode: 'asleep', running }, next: 'voltage', inMs: s.voltageCheckMs };
  return { state: { ...state, running }, next: 'voltage', inMs: s.voltageCheckMs };
}

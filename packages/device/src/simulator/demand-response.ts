/**
 * Demand-response events as a simulated vehicle sees them: the windows its driver was told about
 * (or, in the control group, was not), where they come from (the fleet asks a source, e.g. the
 * server's treatment windows), and how the driver answers. A told driver who does not opt out
 * lets home charging wait out the window (curtail, shift) or limits it (cap); charging needed to
 * keep the minimum charge or to be ready by the ready-by time goes ahead, and counts as an opt-out
 * by charging.
 *
 * Opt-out shares: published managed-charging programs see roughly 5–20 % of event participations
 * opted out (NS Power pays in full up to 25 %; ev.energy budgets 2 overrides a month); here each
 * driver's per-event share is drawn around 10 % (2–26 %), and more than doubles when the car is low.
 * All these draws come from the vehicle's own demand-response stream, so a run without events
 * draws nothing new and stays identical to one before this module existed.
 */
import type { Random } from './random.js';

export type DrTarget = 'curtail' | 'shift' | 'cap';

/** One event window as one vehicle sees it (its own randomized start and end). */
export interface DrWindow {
  readonly eventId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly target: DrTarget;
  /** The charging power limit in the window, for target 'cap' (kW at the wall). */
  readonly capKw?: number;
  /** Whether the driver was told (treatment); control participants are never told and change nothing. */
  readonly told: boolean;
  /** Already opted out (e.g. in the portal): the driver charges as usual. */
  readonly optedOut?: boolean;
  /** Local minute of the day by which the car must be charged (driver preference), if any. */
  readonly readyByMinute?: number;
  /** The charge the driver wants kept whatever the event (driver preference), 0–100. */
  readonly minSocPct?: number;
}

/** Where a vehicle's windows come from. */
export interface DrWindowSource {
  windowsFor(serial: string, fromMs: number, toMs: number): readonly DrWindow[];
}

export type DrOptOutReason = 'explicit' | 'charging';
/** Told of an opt-out (explicit: the driver tapped opt-out; charging: charged in the window anyway). */
export type DrOptOutSink = (serial: string, eventId: string, atMs: number, reason: DrOptOutReason) => void;

/** A driver's demand-response habit. */
export interface DrTrait {
  /** Chance (0–1) of opting out of an event, the car not being low. */
  readonly optOutShare: number;
}

export function drawDrTrait(random: Random): DrTrait {
  const u = random.next();
  return { optOutShare: 0.02 + 0.24 * u * u };
}

/** Whether a told driver opts out of an event, given the charge now. */
export function decidesToOptOut(trait: DrTrait, socPct: number, random: Random): boolean {
  const share = Math.min(0.8, socPct < 30 ? trait.optOutShare * 2.5 : trait.optOutShare);
  return random.next() < share;
}

/** What the vehicle needs: the source, its own stream, the driver's trait, and where opt-outs go. */
export interface VehicleDemandResponse {
  readonly source: DrWindowSource;
  readonly random: Random;
  readonly trait: DrTrait;
  readonly onOptOut?: DrOptOutSink;
}

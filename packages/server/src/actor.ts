/**
 * Who is asking. Every service entry point takes an actor and checks it before reading.
 * Operators (platform staff) come through the CLI on the machine, the operator token or a signed-in
 * operator account; drivers and program administrators sign in (accounts context); devices
 * present their credential; a share link's holder (viewer) reads one vehicle's stats; the public
 * (no sign-in) may only apply, sign up and send inquiries.
 */
import { AppError } from './errors.js';

export type Actor =
  | { readonly kind: 'operator'; readonly via: 'cli' | 'token' | 'session' | 'system'; readonly accountId?: number }
  | { readonly kind: 'program_admin'; readonly accountId: number; readonly utility: string }
  | { readonly kind: 'driver'; readonly accountId: number }
  | { readonly kind: 'device'; readonly deviceId: number; readonly serial: string }
  // Someone holding a driver's share link: reads that one vehicle's stats, nothing else.
  | { readonly kind: 'viewer'; readonly shareId: number; readonly vehicleId: number }
  | { readonly kind: 'public' };

export const CLI_OPERATOR: Actor = { kind: 'operator', via: 'cli' };
export const PUBLIC: Actor = { kind: 'public' };
/** The platform itself (scheduled jobs, one context acting for another after checking the caller). */
export const SYSTEM: Actor = { kind: 'operator', via: 'system' };

export function requireOperator(actor: Actor): void {
  if (actor.kind !== 'operator') throw new AppError('forbidden', 'Only platform operators may do this.');
}

/** Operators, or program administrators (whose utility the caller must still check). */
export function requireStaff(actor: Actor): asserts actor is Extract<Actor, { kind: 'operator' | 'program_admin' }> {
  if (actor.kind !== 'operator' && actor.kind !== 'program_admin') {
    throw new AppError('forbidden', 'Only program administrators and operators may do this.');
  }
}

/** Operators manage every utility's programs; a program administrator only their own utility's. */
export function requireUtility(actor: Actor, utility: string): void {
  if (actor.kind === 'operator') return;
  if (actor.kind === 'program_admin' && actor.utility === utility) return;
  // Same answer whether the program exists elsewhere or not: no peeking at other utilities.
  throw new AppError('forbidden', 'You may only manage programs of your own utility.');
}

/** The signed-in account behind an actor, if there is one. */
export function accountIdOf(actor: Actor): number | undefined {
  return actor.kind === 'driver' || actor.kind === 'program_admin'
    ? actor.accountId
    : actor.kind === 'operator'
      ? actor.accountId
      : undefined;
}

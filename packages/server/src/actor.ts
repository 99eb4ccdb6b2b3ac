/**
 * Who is asking. Every service entry point takes an actor and checks it before reading.
 * Operators (platform staff) come through the CLI on the machine or the operator token;
 * drivers and program administrators arrive with the accounts context.
 */
import { AppError } from './errors.js';

export type Actor =
  | { readonly kind: 'operator'; readonly via: 'cli' | 'token' }
  | { readonly kind: 'device'; readonly deviceId: number; readonly serial: string };

export const CLI_OPERATOR: Actor = { kind: 'operator', via: 'cli' };

export function requireOperator(actor: Actor): void {
  if (actor.kind !== 'operator') throw new AppError('forbidden', 'Only platform operators may do this.');
}

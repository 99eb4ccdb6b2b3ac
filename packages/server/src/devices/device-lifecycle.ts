/**
 * A device's life: provisioned (in stock, credential issued) → shipped → installed → active
 * (sending data) → removed (unplugged, e.g. by an auto shop; may come back) → returned.
 * Pure rules, no I/O.
 */
import { AppError } from '../errors.js';

export const DEVICE_STATUSES = ['provisioned', 'shipped', 'installed', 'active', 'removed', 'returned'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** Transitions an operator may make by hand. */
const MANUAL_TRANSITIONS: Readonly<Record<DeviceStatus, readonly DeviceStatus[]>> = {
  provisioned: ['shipped', 'installed', 'returned'],
  shipped: ['installed', 'returned'],
  installed: ['active', 'removed'],
  active: ['removed'],
  removed: ['installed', 'active', 'returned'],
  returned: ['provisioned'],
};

/** Statuses from which arriving data makes a device active (data means it is plugged in and working). */
export const ACTIVATED_BY_DATA: readonly DeviceStatus[] = ['provisioned', 'shipped', 'installed', 'removed'];

export function isDeviceStatus(value: string): value is DeviceStatus {
  return (DEVICE_STATUSES as readonly string[]).includes(value);
}

export function allowedTransitions(from: DeviceStatus): readonly DeviceStatus[] {
  return MANUAL_TRANSITIONS[from];
}

export function checkTransition(serial: string, from: DeviceStatus, to: DeviceStatus): void {
  if (from === to) throw new AppError('invalid_transition', `Device ${serial} is already ${to}.`);
  const allowed = MANUAL_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    throw new AppError(
      'invalid_transition',
      `Device ${serial} is ${from}; it can become ${allowed.join(' or ')}, not ${to}.`,
    );
  }
}

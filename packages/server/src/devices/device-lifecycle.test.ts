import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import {
  ACTIVATED_BY_DATA,
  allowedTransitions,
  checkTransition,
  DEVICE_STATUSES,
  isDeviceStatus,
  type DeviceStatus,
} from './device-lifecycle.js';

/** The lifecycle of the module header (provisioned → shipped → installed → active → removed → returned), pair by pair. */
const EXPECTED: Record<DeviceStatus, DeviceStatus[]> = {
  // In stock: shipped to a driver, installed straight away by a technician, or sent back.
  provisioned: ['shipped', 'installed', 'returned'],
  shipped: ['installed', 'returned'],
  installed: ['active', 'removed'],
  // A working device must be unplugged (removed) before it can be returned.
  active: ['removed'],
  // A removed device may be plugged in again, or sent back.
  removed: ['installed', 'active', 'returned'],
  // A returned device is refurbished and provisioned again.
  returned: ['provisioned'],
};

/** Runs fn, which must throw an AppError, and returns it. */
function appError(fn: () => void): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  return expect.fail('expected an AppError');
}

describe('device lifecycle', () => {
  it('allows exactly the documented manual transitions', () => {
    for (const from of DEVICE_STATUSES) {
      for (const to of DEVICE_STATUSES) {
        const allowed = EXPECTED[from].includes(to);
        if (allowed) expect(() => checkTransition('C2-1', from, to), `${from} → ${to}`).not.toThrow();
        else expect(() => checkTransition('C2-1', from, to), `${from} → ${to}`).toThrow(AppError);
      }
      expect([...allowedTransitions(from)].sort(), from).toEqual([...EXPECTED[from]].sort());
    }
  });

  it('refuses a forbidden transition as invalid_transition, saying what the device can become', () => {
    const error = appError(() => checkTransition('C2-DEMO-1', 'active', 'returned'));
    expect(error.code).toBe('invalid_transition');
    expect(error.message).toBe('Device C2-DEMO-1 is active; it can become removed, not returned.');
    expect(appError(() => checkTransition('C2-DEMO-1', 'shipped', 'active')).message).toBe(
      'Device C2-DEMO-1 is shipped; it can become installed or returned, not active.',
    );
  });

  it('refuses a transition to the current status, saying the device is already there', () => {
    for (const status of DEVICE_STATUSES) {
      const error = appError(() => checkTransition('C2-DEMO-1', status, status));
      expect(error.code).toBe('invalid_transition');
      expect(error.message).toBe(`Device C2-DEMO-1 is already ${status}.`);
    }
  });

  it('activates on arriving data every device that is not active already or returned', () => {
    expect([...ACTIVATED_BY_DATA].sort()).toEqual(['installed', 'provisioned', 'removed', 'shipped']);
  });

  it('recognises the six statuses and nothing else', () => {
    for (const status of DEVICE_STATUSES) expect(isDeviceStatus(status)).toBe(true);
    for (const other of ['', 'Active', 'lost', 'toString', 'constructor'])
      expect(isDeviceStatus(other), other).toBe(false);
    expect(DEVICE_STATUSES).toHaveLength(6);
  });
});

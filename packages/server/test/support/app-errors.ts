/** Assertions on the one error type services throw. */
import { expect } from 'vitest';
import { AppError, type ErrorCode } from '../../src/errors.js';

/** The AppError a call fails with; fails the test when the call succeeds or throws something else. */
export async function caught(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an AppError, but it succeeded');
}

/** Fails unless the call fails with this code and a message naming each of `mentions`. */
export async function expectAppError(
  call: Promise<unknown>,
  code: ErrorCode,
  ...mentions: string[]
): Promise<AppError> {
  const error = await caught(call);
  expect(error.code, error.message).toBe(code);
  for (const mention of mentions) expect(error.message).toContain(mention);
  return error;
}

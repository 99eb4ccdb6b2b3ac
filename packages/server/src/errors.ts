/**
 * The one error type services throw. The HTTP layer chooses a status from the code
 * (http/error-handler.ts); the CLI prints the message. Messages say what was wrong and what to do.
 */

export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'conflict',
  'invalid_transition',
  'unauthenticated',
  'forbidden',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  readonly field: string;
  readonly message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[] | undefined;
  /** For rate_limited: seconds until a retry can succeed (HTTP sends it as Retry-After). */
  readonly retryAfterS: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { details?: readonly ErrorDetail[]; retryAfterS?: number; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options?.details;
    this.retryAfterS = options?.retryAfterS;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** PostgreSQL SQLSTATE of a driver error (pg and PGlite both expose `.code`), if any. */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  duplicateTable: '42P07',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

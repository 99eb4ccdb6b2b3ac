/**
 * Why ingest refused a batch: a protocol error code (shared with devices), a message that says
 * what to fix, and for record problems the list of issues with record index and field.
 */
import type { RecordIssue, UplinkErrorCode } from '@smartcharge/protocol';

/** Codes for which the batch itself is fine: keep it and send it again later. */
const RETRYABLE: ReadonlySet<UplinkErrorCode> = new Set([
  'rate_limited',
  'unavailable',
  'missing_credential',
  'unknown_device',
  'invalid_credential',
  'revoked_credential',
]);

export class UplinkRejection extends Error {
  readonly code: UplinkErrorCode;
  readonly issues: readonly RecordIssue[] | undefined;
  readonly retryAfterS: number | undefined;

  constructor(
    code: UplinkErrorCode,
    message: string,
    options: { issues?: readonly RecordIssue[]; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UplinkRejection';
    this.code = code;
    this.issues = options.issues;
    this.retryAfterS = options.retryAfterS;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

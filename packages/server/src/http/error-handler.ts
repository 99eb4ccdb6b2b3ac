/**
 * The one place where errors become HTTP statuses: AppError codes for the API, uplink error
 * codes (the protocol's drop reasons) for device traffic.
 */
import type { UplinkErrorCode } from '@smartcharge/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

export const APP_ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  unauthenticated: 401,
  forbidden: 403,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export const UPLINK_ERROR_STATUS: Readonly<Record<UplinkErrorCode, number>> = {
  malformed_json: 400,
  unsupported_media_type: 415,
  unsupported_version: 400,
  invalid_batch: 400,
  invalid_record: 422,
  batch_too_large: 413,
  missing_credential: 401,
  unknown_device: 401,
  invalid_credential: 401,
  revoked_credential: 401,
  device_mismatch: 403,
  device_returned: 403,
  rate_limited: 429,
  unavailable: 503,
};

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: readonly unknown[] };
}

/** Error handler for the JSON API (not the uplink, which answers with protocol acks). */
export function apiErrorHandler(log: Logger) {
  return (error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply): void => {
    if (error instanceof AppError) {
      if (error.retryAfterS !== undefined) void reply.header('retry-after', String(error.retryAfterS));
      void reply.code(APP_ERROR_STATUS[error.code]).send({
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      } satisfies ApiErrorBody);
      return;
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      void reply.code(status).send({ error: { code: 'invalid_input', message: error.message } } satisfies ApiErrorBody);
      return;
    }
    log.error({ err: error, url: request.url }, 'request failed');
    void reply
      .code(500)
      .send({ error: { code: 'internal', message: 'Something went wrong on the server; it has been logged.' } });
  };
}

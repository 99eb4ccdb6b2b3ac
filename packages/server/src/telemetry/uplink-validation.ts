/**
 * Reading an uplink batch: JSON, protocol version, schema, then the checks a schema cannot make
 * (repeated sequence numbers, timestamps too far ahead of or behind the server clock).
 * Every problem is reported with the record index and field path, several at once, so a
 * device maker can fix them in one go.
 *
 * The zod schema in @smartcharge/protocol is the definition. On the hot path a validator that Ajv
 * compiles from the JSON Schema generated from it checks the parsed body in place (no copy, about
 * twice as fast); only a batch it refuses goes through zod, whose issues word the answer.
 * A test holds the two to the same verdicts.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  LOCATION_FIELDS,
  NUMERIC_FIELDS,
  SUPPORTED_PROTOCOL_VERSIONS,
  UPLINK_MAX_RECORDS,
  ZUplinkBatchSchema,
  uplinkBatchJsonSchema,
  type RecordIssue,
  type RecordIssueCode,
  type TUplinkBatch,
} from '@smartcharge/protocol';
import type { z } from 'zod';
import { formatPath } from '../validation.js';
import { UplinkRejection } from './uplink-rejection.js';

/** Issues listed in one answer; the message says how many more there were. */
const MAX_REPORTED_ISSUES = 50;

const { $schema: _dialect, ...batchJsonSchema } = uplinkBatchJsonSchema();
/** Compiled once; accepts exactly what ZUplinkBatchSchema accepts (see uplink-validation.test.ts). */
export const isUplinkBatch = new Ajv2020({ allErrors: false, strict: false }).compile<TUplinkBatch>(batchJsonSchema);

export interface TimeWindow {
  readonly nowMs: number;
  readonly maxFutureMs: number;
  readonly maxAgeMs: number;
}

export function parseJsonBody(body: Uint8Array | string): unknown {
  const text =
    typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.trim() === '')
    throw new UplinkRejection('malformed_json', 'The body is empty; send an uplink batch as JSON.');
  try {
    return JSON.parse(text);
  } catch (error) {
    const hint = /\b(NaN|-?Infinity)\b/.test(text)
      ? ' (NaN and Infinity are not JSON: leave a field out when its value is unknown)'
      : '';
    throw new UplinkRejection('malformed_json', `The body is not valid JSON: ${(error as Error).message}${hint}.`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `${value} (not a finite number)`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !(key in current)) return { found: false, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: current };
}

function rangeText(field: PropertyKey | undefined, parent: PropertyKey | undefined): string | undefined {
  const spec =
    parent === 'location'
      ? LOCATION_FIELDS[field as keyof typeof LOCATION_FIELDS]
      : NUMERIC_FIELDS[field as keyof typeof NUMERIC_FIELDS];
  return spec ? `between ${spec.min} and ${spec.max} ${spec.unit}` : undefined;
}

function toRecordIssues(root: unknown, zodIssues: readonly z.core.$ZodIssue[]): RecordIssue[] {
  const issues: RecordIssue[] = [];
  for (const issue of zodIssues) {
    const path = issue.path;
    const index = path[0] === 'records' && typeof path[1] === 'number' ? path[1] : undefined;
    const at = (field: string, code: RecordIssueCode, message: string): void => {
      issues.push({ ...(index === undefined ? {} : { index }), field, code, message });
    };
    const field = formatPath(path) || '(batch)';
    const { found, value } = valueAt(root, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const name = formatPath([...path, key]);
          at(
            name,
            'unknown_field',
            `${name} is not a field of protocol v1 (check its spelling against docs/protocol.md).`,
          );
        }
        break;
      case 'invalid_type':
        if (!found) at(field, 'missing_field', `${field} is required.`);
        else at(field, 'wrong_type', `${field} must be ${expectedText(issue.expected)}, got ${describe(value)}.`);
        break;
      case 'too_big':
      case 'too_small': {
        const range = rangeText(path[path.length - 1], path[path.length - 2]);
        at(field, 'out_of_range', `${field} must be ${range ?? issue.message.toLowerCase()}, got ${describe(value)}.`);
        break;
      }
      default:
        at(field, 'invalid_value', `${field}: ${issue.message}, got ${describe(value)}.`);
    }
  }
  return issues;
}

function expectedText(expected: string): string {
  if (expected === 'int') return 'an integer';
  if (expected === 'number') return 'a finite number';
  if (expected === 'object') return 'an object';
  if (expected === 'array') return 'an array';
  return `a ${expected}`;
}

function reject(issues: RecordIssue[]): never {
  const envelopeOnly = issues.every((issue) => issue.index === undefined);
  const shown = issues.slice(0, MAX_REPORTED_ISSUES);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  const summary = shown
    .slice(0, 3)
    .map((issue) => issue.message)
    .join(' ');
  throw new UplinkRejection(
    envelopeOnly ? 'invalid_batch' : 'invalid_record',
    `${issues.length} problem${issues.length === 1 ? '' : 's'} in the batch${more}: ${summary}${shown.length > 3 ? ' …' : ''}`,
    { issues: shown },
  );
}

function isoOf(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** Validates a parsed body as a v1 batch; throws UplinkRejection naming every problem. */
export function validateBatch(value: unknown, window: TimeWindow): TUplinkBatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UplinkRejection(
      'invalid_batch',
      'The body must be a JSON object: an uplink batch (see docs/protocol.md).',
    );
  }
  const version = (value as { v?: unknown }).v;
  if (version === undefined) {
    throw new UplinkRejection('invalid_batch', 'v (the protocol version) is required; this server speaks version 1.');
  }
  if (typeof version !== 'number' || !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    throw new UplinkRejection(
      'unsupported_version',
      `Protocol version ${describe(version)} is not supported; this server accepts ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}.`,
    );
  }
  const records = (value as { records?: unknown }).records;
  if (Array.isArray(records) && records.length > UPLINK_MAX_RECORDS) {
    throw new UplinkRejection(
      'batch_too_large',
      `The batch has ${records.length} records; at most ${UPLINK_MAX_RECORDS} are accepted. Split it into smaller batches.`,
    );
  }

  let batch: TUplinkBatch;
  if (isUplinkBatch(value)) {
    batch = value;
  } else {
    const parsed = ZUplinkBatchSchema.safeParse(value);
    if (parsed.success) {
      throw new Error('internal: the compiled and zod batch schemas disagree; please report this batch');
    }
    reject(toRecordIssues(value, parsed.error.issues));
  }

  const issues: RecordIssue[] = [];
  // Devices send records in order: strictly increasing sequence numbers cannot repeat, so the
  // map of seen sequence numbers is needed only when they do not.
  const ordered = batch.records;
  let increasing = true;
  for (let i = 1; i < ordered.length && increasing; i++) increasing = ordered[i]!.seq > ordered[i - 1]!.seq;
  const firstIndexOfSeq = increasing ? undefined : new Map<number, number>();
  const latest = window.nowMs + window.maxFutureMs;
  const earliest = window.nowMs - window.maxAgeMs;
  ordered.forEach((record, index) => {
    const earlier = firstIndexOfSeq?.get(record.seq);
    if (earlier === undefined) firstIndexOfSeq?.set(record.seq, index);
    else {
      issues.push({
        index,
        field: `records[${index}].seq`,
        code: 'duplicate_seq',
        message: `records[${index}].seq ${record.seq} repeats records[${earlier}].seq; each record needs its own sequence number.`,
      });
    }
    if (record.time_ms > latest) {
      issues.push({
        index,
        field: `records[${index}].time_ms`,
        code: 'future_timestamp',
        message: `records[${index}].time_ms ${isoOf(record.time_ms)} is more than ${window.maxFutureMs / 1000} s ahead of the server clock (${isoOf(window.nowMs)}); check the device clock.`,
      });
    } else if (record.time_ms < earliest) {
      issues.push({
        index,
        field: `records[${index}].time_ms`,
        code: 'stale_timestamp',
        message: `records[${index}].time_ms ${isoOf(record.time_ms)} is more than ${Math.round(window.maxAgeMs / 86_400_000)} days old; check the device clock.`,
      });
    }
  });
  if (issues.length > 0) reject(issues);
  return batch;
}

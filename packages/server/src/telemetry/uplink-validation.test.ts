import { readFileSync } from 'node:fs';
import { ZUplinkBatchSchema, type RecordIssue } from '@smartcharge/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UplinkRejection } from './uplink-rejection.js';
import { parseJsonBody, validateBatch, type TimeWindow } from './uplink-validation.js';

const NOW_MS = Date.UTC(2026, 5, 1, 12, 0, 0);
const DAY_MS = 86_400_000;
const WINDOW: TimeWindow = { nowMs: NOW_MS, maxFutureMs: 600_000, maxAgeMs: 400 * DAY_MS };

type Json = Record<string, unknown>;

function rec(seq: number, fields: Json = {}): Json {
  return { seq, time_ms: NOW_MS - 60_000 + seq * 1000, soc_pct: 50, ...fields };
}

function batch(records: Json[], envelope: Json = {}): Json {
  return { v: 1, device: 'C2-TEST-1', boot: 3, records, ...envelope };
}

/** Runs fn, which must throw an UplinkRejection, and returns it. */
function rejection(fn: () => unknown): UplinkRejection {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UplinkRejection);
    return error as UplinkRejection;
  }
  expect.fail('expected an UplinkRejection, but nothing was thrown');
}

function refusal(value: unknown, window = WINDOW): UplinkRejection {
  return rejection(() => validateBatch(value, window));
}

/** index, field and code of each issue: what a device maker acts on. */
function issueKeys(error: UplinkRejection): Pick<RecordIssue, 'index' | 'field' | 'code'>[] {
  return (error.issues ?? []).map(({ index, field, code }) => ({
    ...(index === undefined ? {} : { index }),
    field,
    code,
  }));
}

describe('parseJsonBody', () => {
  it('parses JSON given as text or as bytes', () => {
    expect(parseJsonBody('{"v":1}')).toEqual({ v: 1 });
    expect(parseJsonBody(new TextEncoder().encode('{"v":1,"records":[]}'))).toEqual({ v: 1, records: [] });
  });

  it('reads only the bytes of a view into a larger buffer', () => {
    const whole = Buffer.from('xxxx{"device":"C2-TEST-1"}yyyy', 'utf8');
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 4, whole.length - 8);
    expect(parseJsonBody(view)).toEqual({ device: 'C2-TEST-1' });
  });

  it('refuses an empty body as malformed_json, not retryable', () => {
    for (const body of ['', '  \n\t', new Uint8Array(0)]) {
      const error = rejection(() => parseJsonBody(body));
      expect(error.code).toBe('malformed_json');
      expect(error.message).toMatch(/empty/);
      expect(error.retryable).toBe(false);
    }
  });

  it('refuses text that is not JSON as malformed_json', () => {
    const error = rejection(() => parseJsonBody('{"v":1,'));
    expect(error.code).toBe('malformed_json');
    expect(error.message).toMatch(/^The body is not valid JSON: /);
    expect(error.message).not.toMatch(/NaN/);
    expect(error.retryable).toBe(false);
  });

  it('explains that NaN and Infinity are not JSON when the body contains them', () => {
    for (const body of ['{"soc_pct": NaN}', '{"speed_mps": Infinity}', '{"pack_current_a": -Infinity}']) {
      const error = rejection(() => parseJsonBody(body));
      expect(error.code).toBe('malformed_json');
      expect(error.message, body).toContain('NaN and Infinity are not JSON');
    }
  });
});

describe('validateBatch', () => {
  it('returns a valid batch, such as the example in docs/examples', () => {
    const example = JSON.parse(
      readFileSync(new URL('../../../../docs/examples/uplink-batch.json', import.meta.url), 'utf8'),
    ) as { records: { time_ms: number }[] };
    const lastMs = Math.max(...example.records.map((r) => r.time_ms));
    expect(validateBatch(example, { ...WINDOW, nowMs: lastMs + 10_000 })).toEqual(example);
    const small = batch([rec(0), rec(1)]);
    expect(validateBatch(small, WINDOW)).toEqual(small);
  });

  it('refuses a body that is not a JSON object as invalid_batch', () => {
    for (const value of [null, [], 'batch', 42, true]) {
      const error = refusal(value);
      expect(error.code, JSON.stringify(value)).toBe('invalid_batch');
      expect(error.message).toMatch(/must be a JSON object/);
      expect(error.retryable).toBe(false);
    }
  });

  it('refuses a batch without v as invalid_batch, naming the field', () => {
    const { v: _v, ...rest } = batch([rec(0)]);
    const error = refusal(rest);
    expect(error.code).toBe('invalid_batch');
    expect(error.message).toMatch(/^v \(the protocol version\) is required/);
    expect(error.retryable).toBe(false);
  });

  it('refuses any other version as unsupported_version, saying which versions are accepted', () => {
    for (const v of [2, 0, '1', null]) {
      const error = refusal(batch([rec(0)], { v }));
      expect(error.code, JSON.stringify(v)).toBe('unsupported_version');
      expect(error.message).toMatch(/this server accepts 1\.$/);
      expect(error.retryable).toBe(false);
    }
    expect(refusal(batch([rec(0)], { v: 2 })).message).toMatch(/^Protocol version 2 is not supported/);
  });

  it('refuses more than 3600 records as batch_too_large before looking at them', () => {
    const error = refusal(batch(Array.from({ length: 3601 }, () => ({ junk: true }))));
    expect(error.code).toBe('batch_too_large');
    expect(error.message).toMatch(/3601 records; at most 3600/);
    expect(error.retryable).toBe(false);
  });

  it('accepts exactly 3600 records', () => {
    const records = Array.from({ length: 3600 }, (_, seq) => ({ seq, time_ms: NOW_MS - 3_600_000 + seq * 1000 }));
    expect(validateBatch(batch(records), WINDOW).records).toHaveLength(3600);
  });

  it('reports a field of the wrong type as wrong_type with the record index and path', () => {
    const error = refusal(batch([rec(0), rec(1, { soc_pct: '50' })]));
    expect(error.code).toBe('invalid_record');
    expect(error.retryable).toBe(false);
    expect(issueKeys(error)).toEqual([{ index: 1, field: 'records[1].soc_pct', code: 'wrong_type' }]);
    expect(error.issues![0]!.message).toBe('records[1].soc_pct must be a finite number, got "50".');
  });

  it('reports Infinity (possible over MQTT decoders that allow it) as wrong_type, not a finite number', () => {
    const error = refusal(batch([rec(0, { speed_mps: Infinity })]));
    expect(issueKeys(error)).toEqual([{ index: 0, field: 'records[0].speed_mps', code: 'wrong_type' }]);
    expect(error.issues![0]!.message).toContain('Infinity (not a finite number)');
  });

  it('reports a fractional seq as wrong_type asking for an integer', () => {
    const error = refusal(batch([rec(0), rec(1.5)]));
    expect(issueKeys(error)).toEqual([{ index: 1, field: 'records[1].seq', code: 'wrong_type' }]);
    expect(error.issues![0]!.message).toMatch(/must be an integer, got 1\.5/);
  });

  it('reports a missing required field as missing_field', () => {
    const { time_ms: _time, ...noTime } = rec(2);
    const error = refusal(batch([rec(0), rec(1), noTime]));
    expect(error.code).toBe('invalid_record');
    expect(issueKeys(error)).toEqual([{ index: 2, field: 'records[2].time_ms', code: 'missing_field' }]);
    expect(error.issues![0]!.message).toBe('records[2].time_ms is required.');
  });

  it('reports fields protocol v1 does not have as unknown_field, with the full path', () => {
    const error = refusal(
      batch([rec(0, { soc: 50 }), rec(1, { location: { lat_deg: 1, lon_deg: 2, alt_m: 100 } })], { extra: 1 }),
    );
    expect(error.code).toBe('invalid_record');
    expect(issueKeys(error)).toEqual(
      expect.arrayContaining([
        { index: 0, field: 'records[0].soc', code: 'unknown_field' },
        { index: 1, field: 'records[1].location.alt_m', code: 'unknown_field' },
        { field: 'extra', code: 'unknown_field' },
      ]),
    );
    expect(error.issues).toHaveLength(3);
  });

  it('reports values outside a field range as out_of_range, giving the range and unit', () => {
    const error = refusal(
      batch([rec(0, { soc_pct: 100.5 }), rec(1, { location: { lat_deg: 91, lon_deg: 0 } }), rec(2, { seq: -1 })]),
    );
    expect(issueKeys(error)).toEqual([
      { index: 0, field: 'records[0].soc_pct', code: 'out_of_range' },
      { index: 1, field: 'records[1].location.lat_deg', code: 'out_of_range' },
      { index: 2, field: 'records[2].seq', code: 'out_of_range' },
    ]);
    expect(error.issues![0]!.message).toBe('records[0].soc_pct must be between 0 and 100 %, got 100.5.');
    expect(error.issues![1]!.message).toBe('records[1].location.lat_deg must be between -90 and 90 °, got 91.');
  });

  it('reports a value outside an enum as invalid_value', () => {
    const error = refusal(batch([rec(0, { charge_state: 'fast' })]));
    expect(issueKeys(error)).toEqual([{ index: 0, field: 'records[0].charge_state', code: 'invalid_value' }]);
    expect(error.issues![0]!.message).toContain('"fast"');
  });

  it('reports problems with the envelope alone as invalid_batch, without a record index', () => {
    const error = refusal(batch([rec(0)], { device: 'C2/1', boot: -1 }));
    expect(error.code).toBe('invalid_batch');
    expect(issueKeys(error)).toEqual([
      { field: 'device', code: 'invalid_value' },
      { field: 'boot', code: 'out_of_range' },
    ]);
    const empty = refusal(batch([]));
    expect(empty.code).toBe('invalid_batch');
    expect(issueKeys(empty)).toEqual([{ field: 'records', code: 'out_of_range' }]);
  });

  it('reports a repeated seq as duplicate_seq on the later record, naming the earlier one', () => {
    const error = refusal(batch([rec(5), rec(6), rec(5, { time_ms: NOW_MS })]));
    expect(error.code).toBe('invalid_record');
    expect(issueKeys(error)).toEqual([{ index: 2, field: 'records[2].seq', code: 'duplicate_seq' }]);
    expect(error.issues![0]!.message).toMatch(/records\[2\]\.seq 5 repeats records\[0\]\.seq/);
  });

  it('reports records more than maxFutureMs ahead of the server clock as future_timestamp', () => {
    const atLimit = NOW_MS + WINDOW.maxFutureMs;
    expect(validateBatch(batch([rec(0, { time_ms: atLimit })]), WINDOW).records).toHaveLength(1);
    const error = refusal(batch([rec(0), rec(1, { time_ms: atLimit + 1 })]));
    expect(error.code).toBe('invalid_record');
    expect(issueKeys(error)).toEqual([{ index: 1, field: 'records[1].time_ms', code: 'future_timestamp' }]);
    expect(error.issues![0]!.message).toContain('more than 600 s ahead of the server clock');
  });

  it('reports records older than maxAgeMs as stale_timestamp', () => {
    const oldest = NOW_MS - WINDOW.maxAgeMs;
    expect(validateBatch(batch([rec(0, { time_ms: oldest })]), WINDOW).records).toHaveLength(1);
    const error = refusal(batch([rec(0, { time_ms: oldest - 1 }), rec(1)]));
    expect(error.code).toBe('invalid_record');
    expect(issueKeys(error)).toEqual([{ index: 0, field: 'records[0].time_ms', code: 'stale_timestamp' }]);
    expect(error.issues![0]!.message).toContain('more than 400 days old');
  });

  it('reports every schema problem of a batch in one answer', () => {
    const { time_ms: _time, ...noTime } = rec(3);
    const error = refusal(
      batch([rec(0, { soc_pct: 'full' }), rec(1, { speed_mps: 101 }), rec(2, { drive_state: 'flying' }), noTime]),
    );
    expect(issueKeys(error)).toEqual([
      { index: 0, field: 'records[0].soc_pct', code: 'wrong_type' },
      { index: 1, field: 'records[1].speed_mps', code: 'out_of_range' },
      { index: 2, field: 'records[2].drive_state', code: 'invalid_value' },
      { index: 3, field: 'records[3].time_ms', code: 'missing_field' },
    ]);
    expect(error.message).toMatch(/^4 problems in the batch: /);
    // The message quotes the first three and marks that there are more.
    expect(error.message).toContain(error.issues![0]!.message);
    expect(error.message).toContain(error.issues![2]!.message);
    expect(error.message).not.toContain(error.issues![3]!.message);
    expect(error.message.endsWith(' …')).toBe(true);
  });

  it('reports every sequence and clock problem in one answer', () => {
    const error = refusal(
      batch([rec(0), rec(0, { time_ms: NOW_MS + DAY_MS }), rec(2, { time_ms: NOW_MS - 401 * DAY_MS })]),
    );
    expect(issueKeys(error)).toEqual([
      { index: 1, field: 'records[1].seq', code: 'duplicate_seq' },
      { index: 1, field: 'records[1].time_ms', code: 'future_timestamp' },
      { index: 2, field: 'records[2].time_ms', code: 'stale_timestamp' },
    ]);
  });

  it('lists at most 50 issues and says how many more there were', () => {
    const error = refusal(batch(Array.from({ length: 60 }, (_, seq) => rec(seq, { soc_pct: 200 }))));
    expect(error.code).toBe('invalid_record');
    expect(error.issues).toHaveLength(50);
    expect(error.issues!.map((issue) => issue.index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(error.message).toMatch(/^60 problems in the batch \(and 10 more\): /);
  });

  it('says nothing about more issues when there are exactly 50', () => {
    const error = refusal(batch(Array.from({ length: 50 }, (_, seq) => rec(seq, { soc_pct: 200 }))));
    expect(error.issues).toHaveLength(50);
    expect(error.message).toMatch(/^50 problems in the batch: /);
    expect(error.message).not.toContain('more)');
  });

  it('uses the singular for a single problem', () => {
    const error = refusal(batch([rec(0, { soc_pct: -1 })]));
    expect(error.message).toBe(`1 problem in the batch: ${error.issues![0]!.message}`);
  });
});

// ---------------------------------------------------------------------------
// Whatever validates on the hot path, the verdict is the protocol schema's.

/** Values that sit on or across the edges of the protocol's types and ranges. */
const oddValue = fc.constantFrom<unknown>(
  Number.NaN,
  Infinity,
  -Infinity,
  -1,
  -0,
  0,
  0.5,
  1.5,
  100.01,
  2 ** 32,
  2 ** 53,
  1e12,
  '1',
  '',
  null,
  true,
  [],
  {},
  'fast',
  'driving',
  'charging',
  'ac',
  'C2/1',
  { lat_deg: 91, lon_deg: 0 },
  { lat_deg: Number.NaN, lon_deg: 0 },
  { lat_deg: 1, lon_deg: 2, alt_m: 3 },
  { lat_deg: 1 },
  undefined,
);

const recordField = fc.constantFrom(
  'seq',
  'time_ms',
  'speed_mps',
  'odometer_m',
  'soc_pct',
  'pack_current_a',
  'hvac_power_w',
  'bms_soh_pct',
  'drive_state',
  'charge_state',
  'charge_kind',
  'engine_on',
  'location',
  'unknown_field',
);
const envelopeField = fc.constantFrom('v', 'device', 'boot', 'sent_at_ms', 'records', 'extra');

const validRecords = fc.integer({ min: 1, max: 6 }).map((n) =>
  Array.from({ length: n }, (_, i): Json => ({
    seq: 100 + i,
    time_ms: NOW_MS - 10_000 + i * 1000,
    soc_pct: 60.5,
    drive_state: 'parked',
    charge_state: 'charging',
    location: { lat_deg: 43.5890452, lon_deg: -79.6441198, accuracy_m: 4.2 },
  })),
);

/** A valid batch with a few fields, in records or the envelope, set to odd values (undefined: removed). */
const oddBatch = fc
  .tuple(
    validRecords,
    fc.array(fc.tuple(fc.nat(), recordField, oddValue), { maxLength: 3 }),
    fc.array(fc.tuple(envelopeField, oddValue), { maxLength: 1 }),
  )
  .map(([records, recordChanges, envelopeChanges]) => {
    const out: Json = { v: 1, device: 'C2-TEST-1', boot: 3, sent_at_ms: NOW_MS, records };
    for (const [at, field, value] of recordChanges) {
      const target = records[at % records.length]!;
      if (value === undefined) delete target[field];
      else target[field] = structuredClone(value);
    }
    for (const [field, value] of envelopeChanges) {
      if (value === undefined) delete out[field];
      else out[field] = structuredClone(value);
    }
    return out;
  });

describe('validateBatch verdicts', () => {
  it('accepts exactly the batches the protocol schema accepts (with distinct seqs, within the time window)', () => {
    fc.assert(
      fc.property(oddBatch, (value) => {
        const parsed = ZUplinkBatchSchema.safeParse(structuredClone(value));
        const records = parsed.data?.records ?? [];
        const expectedOk =
          parsed.success &&
          new Set(records.map((r) => r.seq)).size === records.length &&
          records.every((r) => r.time_ms <= NOW_MS + WINDOW.maxFutureMs && r.time_ms >= NOW_MS - WINDOW.maxAgeMs);
        let outcome: unknown = 'accepted';
        try {
          validateBatch(value, WINDOW);
        } catch (error) {
          outcome = error;
        }
        if (expectedOk) expect(outcome).toBe('accepted');
        else expect(outcome).toBeInstanceOf(UplinkRejection);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('UplinkRejection', () => {
  it('marks refusals of the batch itself as not retryable and transient ones as retryable', () => {
    for (const code of ['malformed_json', 'unsupported_version', 'invalid_batch', 'invalid_record'] as const) {
      expect(new UplinkRejection(code, 'x').retryable, code).toBe(false);
    }
    for (const code of ['batch_too_large', 'device_mismatch', 'device_returned'] as const) {
      expect(new UplinkRejection(code, 'x').retryable, code).toBe(false);
    }
    for (const code of ['rate_limited', 'unavailable', 'unknown_device', 'invalid_credential'] as const) {
      expect(new UplinkRejection(code, 'x').retryable, code).toBe(true);
    }
  });
});

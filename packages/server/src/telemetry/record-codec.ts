/**
 * The stored form of telemetry: a chunk of records (one device, one boot, one UTC day, sorted by
 * sequence number) as one compact columnar payload.
 *
 * Each column holds one field across the chunk's records: numbers as integers at the protocol's
 * resolution, written as zig-zag varint deltas from the previous record (delta-of-delta for
 * steadily increasing fields: time and odometer), enums as one byte each, booleans as bits, with a
 * presence bitmap when some records lack the field. The whole is then deflated. At 1 Hz, where
 * consecutive readings differ little, a record costs around ten bytes.
 *
 * Layout of codec v1 (never change it; add a v2 and keep decoding v1):
 *   u8 codec version (1) | u8 compression (0 none, 1 raw deflate) | body
 *   body: uvarint count | uvarint column mask | seq column | time column | present columns in order
 *   seq:  uvarint first, then uvarint (gap - 1) per record (strictly increasing)
 *   time: uvarint first, svarint first delta, then svarint delta-of-delta
 *   each present column: u8 presence (0 all, 1 bitmap of ceil(count/8) bytes follows), then values
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  CHARGE_KINDS,
  CHARGE_STATES,
  DRIVE_STATES,
  LOCATION_FIELDS,
  NUMERIC_FIELDS,
  scaleOf,
  type NumericFieldName,
  type TLocation,
  type TUplinkRecord,
} from '@smartcharge/protocol';
import { ByteReader, ByteWriter } from './varint.js';

export const CODEC_VERSION = 1;
const COMPRESSION_NONE = 0;
const COMPRESSION_DEFLATE = 1;
/** Bodies smaller than this are not worth deflating. */
const MIN_DEFLATE_BYTES = 64;

type NumericColumn = { readonly kind: 'numeric'; readonly field: NumericFieldName; readonly order: 1 | 2 };
type EnumColumn = {
  readonly kind: 'enum';
  readonly field: 'drive_state' | 'charge_state' | 'charge_kind';
  readonly values: readonly string[];
};
type Column =
  | NumericColumn
  | EnumColumn
  | { readonly kind: 'bool'; readonly field: 'engine_on' }
  | { readonly kind: 'location' }
  | { readonly kind: 'accuracy' };

/** Column order of codec v1. Append only; each column's position is its bit in the mask. */
export const V1_COLUMNS: readonly Column[] = [
  { kind: 'numeric', field: 'speed_mps', order: 1 },
  { kind: 'numeric', field: 'odometer_m', order: 2 },
  { kind: 'numeric', field: 'soc_pct', order: 1 },
  { kind: 'numeric', field: 'pack_voltage_v', order: 1 },
  { kind: 'numeric', field: 'pack_current_a', order: 1 },
  { kind: 'numeric', field: 'ambient_temp_c', order: 1 },
  { kind: 'numeric', field: 'battery_temp_c', order: 1 },
  { kind: 'numeric', field: 'hvac_power_w', order: 1 },
  { kind: 'numeric', field: 'aux_power_w', order: 1 },
  { kind: 'numeric', field: 'ac_line_voltage_v', order: 1 },
  { kind: 'numeric', field: 'charge_power_w', order: 1 },
  { kind: 'numeric', field: 'bms_soh_pct', order: 1 },
  { kind: 'enum', field: 'drive_state', values: DRIVE_STATES },
  { kind: 'enum', field: 'charge_state', values: CHARGE_STATES },
  { kind: 'enum', field: 'charge_kind', values: CHARGE_KINDS },
  { kind: 'bool', field: 'engine_on' },
  { kind: 'location' },
  { kind: 'accuracy' },
];

const LAT_SCALE = scaleOf(LOCATION_FIELDS.lat_deg.decimals);
const LON_SCALE = scaleOf(LOCATION_FIELDS.lon_deg.decimals);
const ACCURACY_SCALE = scaleOf(LOCATION_FIELDS.accuracy_m.decimals);

/** Scaled integer, rounding half away from zero like the protocol's roundTo(). */
function scaled(value: number, scale: number): number {
  return value < 0 ? -Math.round(-value * scale) : Math.round(value * scale);
}

/** Column of each record key (location is handled on its own). */
const COLUMN_OF_KEY: Readonly<Record<string, number>> = Object.fromEntries(
  V1_COLUMNS.flatMap((column, index) => ('field' in column ? [[column.field, index]] : [])),
);
const LOCATION_COLUMN = V1_COLUMNS.findIndex((column) => column.kind === 'location');
const ACCURACY_COLUMN = V1_COLUMNS.findIndex((column) => column.kind === 'accuracy');
const SCALE_OF_COLUMN = V1_COLUMNS.map((column) =>
  column.kind === 'numeric' ? scaleOf(NUMERIC_FIELDS[column.field].decimals) : 1,
);

/** One column gathered from a chunk's records: the values present, as integers, and where. */
interface Gathered {
  readonly values: number[];
  readonly present: Uint8Array;
}

/**
 * Encodes records sorted by strictly increasing seq. Numbers beyond the protocol's resolution are
 * rounded to it. Throws on an empty list or unsorted sequence numbers.
 */
export function encodeRecords(records: readonly TUplinkRecord[]): Uint8Array {
  const count = records.length;
  if (count === 0) throw new RangeError('a chunk holds at least one record');
  const out = new ByteWriter(64 + count * 24);
  out.uvarint(count);

  // Gather columns in one pass over each record's own keys (records carry only what the car offers).
  const bitmapBytes = Math.ceil(count / 8);
  const columns: Gathered[] = V1_COLUMNS.map(() => ({ values: [], present: new Uint8Array(bitmapBytes) }));
  for (let i = 0; i < count; i++) {
    const record = records[i] as Record<string, unknown>;
    for (const key in record) {
      const value = record[key];
      if (value === undefined) continue;
      const index = COLUMN_OF_KEY[key];
      if (index !== undefined) {
        const column = V1_COLUMNS[index]!;
        const target = columns[index]!;
        target.present[i >> 3]! |= 1 << (i & 7);
        if (column.kind === 'numeric') target.values.push(scaled(value as number, SCALE_OF_COLUMN[index]!));
        else if (column.kind === 'enum') target.values.push(column.values.indexOf(value as string));
        else target.values.push(value === true ? 1 : 0);
      } else if (key === 'location') {
        const location = value as TLocation;
        const target = columns[LOCATION_COLUMN]!;
        target.present[i >> 3]! |= 1 << (i & 7);
        target.values.push(scaled(location.lat_deg, LAT_SCALE), scaled(location.lon_deg, LON_SCALE));
        if (location.accuracy_m !== undefined) {
          const accuracy = columns[ACCURACY_COLUMN]!;
          accuracy.present[i >> 3]! |= 1 << (i & 7);
          accuracy.values.push(scaled(location.accuracy_m, ACCURACY_SCALE));
        }
      }
    }
  }

  let mask = 0;
  columns.forEach((column, bit) => {
    if (column.values.length > 0) mask += 2 ** bit;
  });
  out.uvarint(mask);

  // seq: strictly increasing
  const first = records[0]!;
  out.uvarint(first.seq);
  for (let i = 1; i < count; i++) {
    const gap = records[i]!.seq - records[i - 1]!.seq;
    if (!(gap >= 1)) throw new RangeError(`records must be sorted by increasing seq (index ${i})`);
    out.uvarint(gap - 1);
  }

  // time: delta of delta
  out.uvarint(first.time_ms);
  let previousTime = first.time_ms;
  let previousDelta = 0;
  for (let i = 1; i < count; i++) {
    const time = records[i]!.time_ms;
    const delta = time - previousTime;
    if (i === 1) out.svarint(delta);
    else out.svarint(delta - previousDelta);
    previousDelta = delta;
    previousTime = time;
  }

  V1_COLUMNS.forEach((column, bit) => {
    const gathered = columns[bit]!;
    const present = column.kind === 'location' ? gathered.values.length / 2 : gathered.values.length;
    if (present === 0) return;
    if (present === count) {
      out.u8(0);
    } else {
      out.u8(1);
      out.bytes(gathered.present);
    }
    writeColumn(out, column, gathered.values);
  });

  const body = out.finish();
  const compressed = body.length >= MIN_DEFLATE_BYTES ? deflateRawSync(body, { level: 3 }) : undefined;
  const useDeflate = compressed !== undefined && compressed.length < body.length;
  const payloadBody = useDeflate ? compressed : body;
  const payload = new Uint8Array(2 + payloadBody.length);
  payload[0] = CODEC_VERSION;
  payload[1] = useDeflate ? COMPRESSION_DEFLATE : COMPRESSION_NONE;
  payload.set(payloadBody, 2);
  return payload;
}

/** Writes one column's gathered integer values (numbers already scaled; enums as codes; booleans 0/1). */
function writeColumn(out: ByteWriter, column: Column, values: readonly number[]): void {
  switch (column.kind) {
    case 'numeric': {
      let previous = 0;
      let previousDelta = 0;
      for (let n = 0; n < values.length; n++) {
        const v = values[n]!;
        const delta = v - previous;
        if (column.order === 2 && n > 0) out.svarint(delta - previousDelta);
        else out.svarint(delta);
        previousDelta = n === 0 ? 0 : delta;
        previous = v;
      }
      return;
    }
    case 'enum':
      for (const code of values) out.u8(code);
      return;
    case 'bool': {
      let byte = 0;
      let bits = 0;
      for (const value of values) {
        if (value === 1) byte |= 1 << bits;
        if (++bits === 8) {
          out.u8(byte);
          byte = 0;
          bits = 0;
        }
      }
      if (bits > 0) out.u8(byte);
      return;
    }
    case 'location': {
      // Interleaved latitude, longitude; each a delta from the previous fix.
      let lat = 0;
      let lon = 0;
      for (let n = 0; n < values.length; n += 2) {
        out.svarint(values[n]! - lat);
        out.svarint(values[n + 1]! - lon);
        lat = values[n]!;
        lon = values[n + 1]!;
      }
      return;
    }
    case 'accuracy': {
      let previous = 0;
      for (const value of values) {
        out.svarint(value - previous);
        previous = value;
      }
      return;
    }
  }
}

export function decodeRecords(payload: Uint8Array): TUplinkRecord[] {
  if (payload.length < 2) throw new RangeError('payload too short');
  if (payload[0] !== CODEC_VERSION) throw new RangeError(`unknown telemetry codec version ${payload[0]}`);
  const compression = payload[1];
  const rawBody = payload.subarray(2);
  const body =
    compression === COMPRESSION_DEFLATE
      ? inflateRawSync(rawBody)
      : compression === COMPRESSION_NONE
        ? rawBody
        : undefined;
  if (!body) throw new RangeError(`unknown compression ${compression}`);
  const input = new ByteReader(body);
  const count = input.uvarint();
  const mask = input.uvarint();

  const records: Record<string, unknown>[] = [];
  let seq = input.uvarint();
  records[0] = { seq, time_ms: 0 };
  for (let i = 1; i < count; i++) {
    seq += input.uvarint() + 1;
    records[i] = { seq, time_ms: 0 };
  }
  let time = input.uvarint();
  records[0].time_ms = time;
  let delta = 0;
  for (let i = 1; i < count; i++) {
    delta = i === 1 ? input.svarint() : delta + input.svarint();
    time += delta;
    records[i]!.time_ms = time;
  }

  V1_COLUMNS.forEach((column, bit) => {
    if (Math.floor(mask / 2 ** bit) % 2 === 0) return;
    const presence = input.u8();
    const bitmap = presence === 1 ? input.bytes(Math.ceil(count / 8)) : undefined;
    const indices: number[] = [];
    for (let i = 0; i < count; i++) {
      if (!bitmap || (bitmap[i >> 3]! & (1 << (i & 7))) !== 0) indices.push(i);
    }
    readColumn(input, column, indices, records);
  });
  if (input.remaining !== 0) throw new RangeError('payload has trailing bytes');
  return records as TUplinkRecord[];
}

function readColumn(input: ByteReader, column: Column, indices: number[], records: Record<string, unknown>[]): void {
  switch (column.kind) {
    case 'numeric': {
      const scale = scaleOf(NUMERIC_FIELDS[column.field].decimals);
      let value = 0;
      let delta = 0;
      indices.forEach((index, n) => {
        const step = input.svarint();
        if (n === 0) {
          value = step;
        } else if (column.order === 2) {
          delta += step;
          value += delta;
        } else {
          value += step;
        }
        records[index]![column.field] = value / scale + 0;
      });
      return;
    }
    case 'enum': {
      for (const index of indices) {
        const code = input.u8();
        const value = column.values[code];
        if (value === undefined) throw new RangeError(`bad ${column.field} code ${code}`);
        records[index]![column.field] = value;
      }
      return;
    }
    case 'bool': {
      let byte = 0;
      indices.forEach((index, n) => {
        if (n % 8 === 0) byte = input.u8();
        records[index]!.engine_on = (byte & (1 << (n % 8))) !== 0;
      });
      return;
    }
    case 'location': {
      let lat = 0;
      let lon = 0;
      for (const index of indices) {
        lat += input.svarint();
        lon += input.svarint();
        records[index]!.location = { lat_deg: lat / LAT_SCALE + 0, lon_deg: lon / LON_SCALE + 0 } satisfies TLocation;
      }
      return;
    }
    case 'accuracy': {
      let value = 0;
      for (const index of indices) {
        value += input.svarint();
        const location = records[index]!.location as { accuracy_m?: number } | undefined;
        if (!location) throw new RangeError('accuracy without a location');
        location.accuracy_m = value / ACCURACY_SCALE + 0;
      }
      return;
    }
  }
}

/**
 * Telemetry records as columns: one typed array per field, for reading a vehicle-year back fast.
 *
 * Derivation walks millions of records; building an object per record would cost more than the
 * walk itself. A stored chunk decodes straight into these arrays (no record objects in between),
 * and committed batches reach the live path in the same form, so both see identical values.
 *
 * Absent values: NaN for numbers, ABSENT (255) for enums and the engine flag.
 */
import { inflateRawSync } from 'node:zlib';
import {
  CHARGE_KINDS,
  CHARGE_STATES,
  DRIVE_STATES,
  LOCATION_FIELDS,
  NUMERIC_FIELDS,
  scaleOf,
  type TUplinkRecord,
} from '@smartcharge/protocol';
import { CODEC_VERSION, V1_COLUMNS } from './record-codec.js';
import { ByteReader } from './varint.js';

export const ABSENT = 255;
/** Codes of the enum columns: the index in the protocol's list (parked 0, driving 1; unplugged 0, plugged 1, charging 2; ac 0, dc 1). */
export const DRIVING = DRIVE_STATES.indexOf('driving');
export const PLUGGED = CHARGE_STATES.indexOf('plugged');
export const CHARGING = CHARGE_STATES.indexOf('charging');
export const AC = CHARGE_KINDS.indexOf('ac');
export const DC = CHARGE_KINDS.indexOf('dc');

export interface ReadingColumns {
  count: number;
  timeMs: Float64Array;
  speedMps: Float64Array;
  odometerM: Float64Array;
  socPct: Float64Array;
  packVoltageV: Float64Array;
  packCurrentA: Float64Array;
  ambientTempC: Float64Array;
  batteryTempC: Float64Array;
  hvacPowerW: Float64Array;
  auxPowerW: Float64Array;
  acLineVoltageV: Float64Array;
  chargePowerW: Float64Array;
  bmsSohPct: Float64Array;
  latDeg: Float64Array;
  lonDeg: Float64Array;
  driveState: Uint8Array;
  chargeState: Uint8Array;
  chargeKind: Uint8Array;
  engineOn: Uint8Array;
}

type NumericKey = Exclude<keyof ReadingColumns, 'count' | 'driveState' | 'chargeState' | 'chargeKind' | 'engineOn'>;

/** Column of ReadingColumns for each numeric protocol field. */
const NUMERIC_TARGET = {
  speed_mps: 'speedMps',
  odometer_m: 'odometerM',
  soc_pct: 'socPct',
  pack_voltage_v: 'packVoltageV',
  pack_current_a: 'packCurrentA',
  ambient_temp_c: 'ambientTempC',
  battery_temp_c: 'batteryTempC',
  hvac_power_w: 'hvacPowerW',
  aux_power_w: 'auxPowerW',
  ac_line_voltage_v: 'acLineVoltageV',
  charge_power_w: 'chargePowerW',
  bms_soh_pct: 'bmsSohPct',
} as const satisfies Record<keyof typeof NUMERIC_FIELDS, NumericKey>;

const ENUM_TARGET = { drive_state: 'driveState', charge_state: 'chargeState', charge_kind: 'chargeKind' } as const;

export function allocateColumns(count: number): ReadingColumns {
  const numbers = () => new Float64Array(count).fill(Number.NaN);
  const codes = () => new Uint8Array(count).fill(ABSENT);
  return {
    count,
    timeMs: new Float64Array(count),
    speedMps: numbers(),
    odometerM: numbers(),
    socPct: numbers(),
    packVoltageV: numbers(),
    packCurrentA: numbers(),
    ambientTempC: numbers(),
    batteryTempC: numbers(),
    hvacPowerW: numbers(),
    auxPowerW: numbers(),
    acLineVoltageV: numbers(),
    chargePowerW: numbers(),
    bmsSohPct: numbers(),
    latDeg: numbers(),
    lonDeg: numbers(),
    driveState: codes(),
    chargeState: codes(),
    chargeKind: codes(),
    engineOn: codes(),
  };
}

const LAT_SCALE = scaleOf(LOCATION_FIELDS.lat_deg.decimals);
const LON_SCALE = scaleOf(LOCATION_FIELDS.lon_deg.decimals);

/**
 * Decodes a stored chunk (record codec v1) into columns. Values are exactly those decodeRecords
 * gives (same scaling and rounding); sequence numbers and GPS accuracy are skipped.
 */
export function decodeColumns(payload: Uint8Array): ReadingColumns {
  if (payload.length < 2) throw new RangeError('payload too short');
  if (payload[0] !== CODEC_VERSION) throw new RangeError(`unknown telemetry codec version ${payload[0]}`);
  const compression = payload[1];
  const rawBody = payload.subarray(2);
  const body = compression === 1 ? inflateRawSync(rawBody) : compression === 0 ? rawBody : undefined;
  if (!body) throw new RangeError(`unknown compression ${compression}`);
  const input = new ByteReader(body);
  const count = input.uvarint();
  const mask = input.uvarint();
  const out = allocateColumns(count);

  // seq: not needed here, but must be read past.
  input.uvarint();
  for (let i = 1; i < count; i++) input.uvarint();
  const time = out.timeMs;
  let t = input.uvarint();
  time[0] = t;
  let delta = 0;
  for (let i = 1; i < count; i++) {
    delta = i === 1 ? input.svarint() : delta + input.svarint();
    t += delta;
    time[i] = t;
  }

  const indices = new Int32Array(count);
  for (let bit = 0; bit < V1_COLUMNS.length; bit++) {
    if (Math.floor(mask / 2 ** bit) % 2 === 0) continue;
    const column = V1_COLUMNS[bit]!;
    const presence = input.u8();
    let n = count;
    if (presence === 1) {
      const bitmap = input.bytes(Math.ceil(count / 8));
      n = 0;
      for (let i = 0; i < count; i++) if ((bitmap[i >> 3]! & (1 << (i & 7))) !== 0) indices[n++] = i;
    } else {
      for (let i = 0; i < count; i++) indices[i] = i;
    }
    switch (column.kind) {
      case 'numeric': {
        const target = out[NUMERIC_TARGET[column.field]];
        const scale = scaleOf(NUMERIC_FIELDS[column.field].decimals);
        let value = 0;
        let step = 0;
        for (let k = 0; k < n; k++) {
          const s = input.svarint();
          if (k === 0) value = s;
          else if (column.order === 2) {
            step += s;
            value += step;
          } else value += s;
          target[indices[k]!] = value / scale + 0;
        }
        break;
      }
      case 'enum': {
        const target = out[ENUM_TARGET[column.field]];
        const limit = column.values.length;
        for (let k = 0; k < n; k++) {
          const code = input.u8();
          if (code >= limit) throw new RangeError(`bad ${column.field} code ${code}`);
          target[indices[k]!] = code;
        }
        break;
      }
      case 'bool': {
        let byte = 0;
        for (let k = 0; k < n; k++) {
          if (k % 8 === 0) byte = input.u8();
          out.engineOn[indices[k]!] = (byte >> (k % 8)) & 1;
        }
        break;
      }
      case 'location': {
        let lat = 0;
        let lon = 0;
        for (let k = 0; k < n; k++) {
          lat += input.svarint();
          lon += input.svarint();
          out.latDeg[indices[k]!] = lat / LAT_SCALE + 0;
          out.lonDeg[indices[k]!] = lon / LON_SCALE + 0;
        }
        break;
      }
      case 'accuracy':
        for (let k = 0; k < n; k++) input.svarint();
        break;
    }
  }
  if (input.remaining !== 0) throw new RangeError('payload has trailing bytes');
  return out;
}

/** Columns from record objects (already at the protocol's resolution), in the order given. */
export function columnsFromRecords(records: readonly TUplinkRecord[]): ReadingColumns {
  const out = allocateColumns(records.length);
  records.forEach((record, i) => writeRecord(out, i, record));
  return out;
}

const NUMERIC_ENTRIES = Object.entries(NUMERIC_TARGET) as [keyof typeof NUMERIC_TARGET, NumericKey][];

/** Writes one record into row `i` of `out` (whose row must be empty: NaN and ABSENT). */
export function writeRecord(out: ReadingColumns, i: number, record: TUplinkRecord): void {
  out.timeMs[i] = record.time_ms;
  for (const [field, key] of NUMERIC_ENTRIES) {
    const value = record[field];
    if (value !== undefined) out[key][i] = value;
  }
  if (record.drive_state !== undefined) out.driveState[i] = DRIVE_STATES.indexOf(record.drive_state);
  if (record.charge_state !== undefined) out.chargeState[i] = CHARGE_STATES.indexOf(record.charge_state);
  if (record.charge_kind !== undefined) out.chargeKind[i] = CHARGE_KINDS.indexOf(record.charge_kind);
  if (record.engine_on !== undefined) out.engineOn[i] = record.engine_on ? 1 : 0;
  if (record.location !== undefined) {
    out.latDeg[i] = record.location.lat_deg;
    out.lonDeg[i] = record.location.lon_deg;
  }
}

/** The records of `columns` at `indices`, as new columns (for filtering and merging). */
export function selectColumns(columns: ReadingColumns, indices: ArrayLike<number>): ReadingColumns {
  const out = allocateColumns(indices.length);
  for (const key of Object.keys(out) as (keyof ReadingColumns)[]) {
    if (key === 'count') continue;
    const from = columns[key];
    const to = out[key];
    for (let k = 0; k < indices.length; k++) to[k] = from[indices[k]!]!;
  }
  return out;
}

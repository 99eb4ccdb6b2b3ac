/**
 * Uplink protocol v1: the batch a device sends and the acknowledgement it gets back.
 *
 * The same JSON batch travels over HTTP (`POST /api/v1/uplink`) and MQTT
 * (`smartcharge/v1/devices/{serial}/uplink`). See docs/protocol.md for the prose version.
 */
import { z } from 'zod';
import {
  CHARGE_KINDS,
  CHARGE_STATES,
  DRIVE_STATES,
  LOCATION_FIELDS,
  NUMERIC_FIELDS,
  type NumericFieldSpec,
} from './fields.js';

export const PROTOCOL_VERSION = 1;
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

/** Most records one batch may carry: an hour of 1 Hz data. */
export const UPLINK_MAX_RECORDS = 3600;
/** Largest encoded batch accepted, in bytes (HTTP body or MQTT payload). */
export const UPLINK_MAX_BYTES = 2 * 1024 * 1024;

/** Device serials are also MQTT topic levels, so they never contain `/`, `+` or `#`. */
export const DEVICE_SERIAL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;

/** Boot ids are unsigned 32-bit: a boot counter kept in flash, or a random number drawn at boot. */
export const MAX_BOOT_ID = 0xffff_ffff;

function numeric(spec: NumericFieldSpec) {
  return z
    .number()
    .min(spec.min)
    .max(spec.max)
    .meta({ description: `${spec.description} Unit: ${spec.unit}. Stored to ${spec.decimals} decimal places.` });
}

export const ZDeviceSerialSchema = z
  .string()
  .regex(DEVICE_SERIAL_PATTERN, 'a serial is 3–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const ZLocationSchema = z
  .strictObject({
    lat_deg: numeric(LOCATION_FIELDS.lat_deg),
    lon_deg: numeric(LOCATION_FIELDS.lon_deg),
    accuracy_m: numeric(LOCATION_FIELDS.accuracy_m).optional(),
  })
  .meta({
    description:
      'GPS position. Kept by the server only for records taken while plugged in (charge_state plugged or charging, not driving); dropped from every other record at ingest.',
  });

export const ZUplinkRecordSchema = z
  .strictObject({
    seq: z
      .int()
      .min(0)
      .meta({ description: 'Record sequence number, unique within (device, boot); increases by one per record.' }),
    time_ms: z.int().min(0).meta({ description: 'When the values were read: Unix time in milliseconds (UTC).' }),
    speed_mps: numeric(NUMERIC_FIELDS.speed_mps).optional(),
    odometer_m: numeric(NUMERIC_FIELDS.odometer_m).optional(),
    soc_pct: numeric(NUMERIC_FIELDS.soc_pct).optional(),
    pack_voltage_v: numeric(NUMERIC_FIELDS.pack_voltage_v).optional(),
    pack_current_a: numeric(NUMERIC_FIELDS.pack_current_a).optional(),
    ambient_temp_c: numeric(NUMERIC_FIELDS.ambient_temp_c).optional(),
    battery_temp_c: numeric(NUMERIC_FIELDS.battery_temp_c).optional(),
    hvac_power_w: numeric(NUMERIC_FIELDS.hvac_power_w).optional(),
    aux_power_w: numeric(NUMERIC_FIELDS.aux_power_w).optional(),
    ac_line_voltage_v: numeric(NUMERIC_FIELDS.ac_line_voltage_v).optional(),
    charge_power_w: numeric(NUMERIC_FIELDS.charge_power_w).optional(),
    bms_soh_pct: numeric(NUMERIC_FIELDS.bms_soh_pct).optional(),
    drive_state: z.enum(DRIVE_STATES).optional().meta({ description: 'Whether the vehicle is parked or driving.' }),
    charge_state: z.enum(CHARGE_STATES).optional().meta({
      description: 'unplugged; plugged (connected, not drawing power: paused, scheduled or full); charging.',
    }),
    charge_kind: z
      .enum(CHARGE_KINDS)
      .optional()
      .meta({ description: 'ac or dc: the kind of charger connected, while plugged in.' }),
    engine_on: z
      .boolean()
      .optional()
      .meta({ description: 'Plug-in hybrids and range extenders: whether the combustion engine is running.' }),
    location: ZLocationSchema.optional(),
  })
  .meta({ description: 'One timestamped reading of the vehicle. Only seq and time_ms are required.' });

export const ZUplinkBatchSchema = z
  .strictObject({
    v: z.literal(PROTOCOL_VERSION).meta({ description: 'Protocol version.' }),
    device: ZDeviceSerialSchema.meta({ description: 'Serial of the sending device.' }),
    boot: z.int().min(0).max(MAX_BOOT_ID).meta({ description: 'Boot id: sequence numbers restart with each boot.' }),
    sent_at_ms: z
      .int()
      .min(0)
      .optional()
      .meta({ description: 'Device clock when the batch was sent (Unix ms), to detect clock skew.' }),
    records: z.array(ZUplinkRecordSchema).min(1).max(UPLINK_MAX_RECORDS),
  })
  .meta({
    title: 'SmartCharge uplink batch, protocol v1',
    description: 'A batch of telemetry records from one device, sent over HTTP or MQTT.',
  });

export type TUplinkRecord = z.infer<typeof ZUplinkRecordSchema>;
export type TUplinkBatch = z.infer<typeof ZUplinkBatchSchema>;
export type TLocation = z.infer<typeof ZLocationSchema>;

/** The JSON Schema published at docs/uplink-batch.schema.json. */
export function uplinkBatchJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://smartcharge.dev/schemas/uplink-batch-v1.json',
    ...z.toJSONSchema(ZUplinkBatchSchema, { target: 'draft-2020-12' }),
  };
}

// ---------------------------------------------------------------------------
// Acknowledgements

/** Why a batch was refused. Devices decide from `retryable` whether to send it again. */
export const UPLINK_ERROR_CODES = [
  'malformed_json',
  'unsupported_media_type',
  'unsupported_version',
  'invalid_batch',
  'invalid_record',
  'batch_too_large',
  'missing_credential',
  'unknown_device',
  'invalid_credential',
  'revoked_credential',
  'device_mismatch',
  'device_returned',
  'rate_limited',
  'unavailable',
] as const;
export type UplinkErrorCode = (typeof UPLINK_ERROR_CODES)[number];

/** What was wrong with one field of one record (or of the batch envelope when index is absent). */
export const RECORD_ISSUE_CODES = [
  'missing_field',
  'unknown_field',
  'wrong_type',
  'out_of_range',
  'invalid_value',
  'duplicate_seq',
  'future_timestamp',
  'stale_timestamp',
] as const;
export type RecordIssueCode = (typeof RECORD_ISSUE_CODES)[number];

export interface RecordIssue {
  /** Index of the record in `records`; absent for problems with the envelope. */
  readonly index?: number;
  /** Path of the offending field, e.g. `records[3].soc_pct`. */
  readonly field: string;
  readonly code: RecordIssueCode;
  readonly message: string;
}

export interface UplinkAckOk {
  readonly v: typeof PROTOCOL_VERSION;
  readonly ok: true;
  readonly device: string;
  readonly boot: number;
  readonly seq_min: number;
  readonly seq_max: number;
  /** Records newly stored by this batch. */
  readonly accepted: number;
  /** Records already stored by an earlier send (same device, boot and seq); not stored again. */
  readonly duplicates: number;
  /** Records whose location was removed because the vehicle was not plugged in. */
  readonly location_stripped: number;
}

export interface UplinkAckError {
  readonly v: typeof PROTOCOL_VERSION;
  readonly ok: false;
  /** Echoed when the server could read them, so an MQTT device can match the ack to its batch. */
  readonly device?: string;
  readonly boot?: number;
  readonly seq_min?: number;
  readonly seq_max?: number;
  readonly error: {
    readonly code: UplinkErrorCode;
    readonly message: string;
    /** true: send the same batch again later; false: this batch will never be accepted as it is. */
    readonly retryable: boolean;
    readonly retry_after_s?: number;
    readonly issues?: readonly RecordIssue[];
  };
}

export type UplinkAck = UplinkAckOk | UplinkAckError;

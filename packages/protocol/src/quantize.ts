/**
 * Rounding a record to the protocol's stored resolution.
 *
 * The server stores every numeric field at the resolution in NUMERIC_FIELDS / LOCATION_FIELDS.
 * A device that quantises before sending gets back exactly what it sent.
 */
import { LOCATION_FIELDS, NUMERIC_FIELDS, NUMERIC_FIELD_NAMES, roundTo } from './fields.js';
import type { TUplinkRecord } from './uplink.js';

/**
 * Rounds a record's numbers to the stored resolution in place (for records the caller owns, such
 * as those just parsed from JSON: no copy on the ingest hot path). Returns the same object.
 */
export function quantizeRecordInPlace(record: TUplinkRecord): TUplinkRecord {
  const target = record as Record<string, unknown>;
  for (const name of NUMERIC_FIELD_NAMES) {
    const value = record[name];
    if (value !== undefined) target[name] = roundTo(value, NUMERIC_FIELDS[name].decimals);
  }
  const location = record.location;
  if (location) {
    location.lat_deg = roundTo(location.lat_deg, LOCATION_FIELDS.lat_deg.decimals);
    location.lon_deg = roundTo(location.lon_deg, LOCATION_FIELDS.lon_deg.decimals);
    if (location.accuracy_m !== undefined) {
      location.accuracy_m = roundTo(location.accuracy_m, LOCATION_FIELDS.accuracy_m.decimals);
    }
  }
  return record;
}

/** A copy of the record with its numbers rounded to the stored resolution. */
export function quantizeRecord(record: TUplinkRecord): TUplinkRecord {
  const out: Record<string, unknown> = { ...record };
  for (const name of NUMERIC_FIELD_NAMES) {
    const value = record[name];
    if (value !== undefined) out[name] = roundTo(value, NUMERIC_FIELDS[name].decimals);
  }
  if (record.location) {
    const { lat_deg, lon_deg, accuracy_m } = record.location;
    out.location = {
      lat_deg: roundTo(lat_deg, LOCATION_FIELDS.lat_deg.decimals),
      lon_deg: roundTo(lon_deg, LOCATION_FIELDS.lon_deg.decimals),
      ...(accuracy_m === undefined ? {} : { accuracy_m: roundTo(accuracy_m, LOCATION_FIELDS.accuracy_m.decimals) }),
    };
  }
  return out as TUplinkRecord;
}

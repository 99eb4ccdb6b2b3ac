/**
 * Rounding a record to the protocol's stored resolution.
 *
 * The server stores every numeric field at the resolution in NUMERIC_FIELDS / LOCATION_FIELDS.
 * A device that quantises before sending gets back exactly what it sent.
 */
import { LOCATION_FIELDS, NUMERIC_FIELDS, NUMERIC_FIELD_NAMES, roundTo } from './fields.js';
import type { TUplinkRecord } from './uplink.js';

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

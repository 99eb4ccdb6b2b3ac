/**
 * A reading as a C2 sends it: the quantities under their uplink field names, the charge state
 * (from the car's flags, or read from the pack current where the car has none), AC or DC, the power
 * at the inlet, and a position only while plugged in. Values outside the protocol's ranges are left
 * out rather than sent to be refused.
 */
import {
  NUMERIC_FIELDS,
  type ChargeKind,
  type ChargeState,
  type DriveState,
  type NumericFieldName,
  type TLocation,
} from '@smartcharge/protocol';
import type { RecordValues } from '../uplink-client.js';
import type { VehicleReading } from './vehicle-reader.js';

/** Current into the pack beyond this (A) at standstill counts as charging when the car has no charging flag. */
export const CHARGING_CURRENT_A = 1.5;
/** Charging power above this is a DC fast charger when the car does not say (the largest onboard chargers give 11 kW). */
export const DC_POWER_W = 11_500;

export interface ChargeReading {
  readonly state: ChargeState;
  readonly kind?: ChargeKind;
  readonly chargePowerW?: number;
  readonly acLineVoltageV?: number;
}

export function chargeStateOf(reading: Pick<VehicleReading, 'values' | 'flags'>): ChargeReading {
  const { values, flags } = reading;
  const current = values.pack_current;
  const voltage = values.pack_voltage;
  const still = (values.speed ?? 0) < 0.5 && flags.in_gear !== true;
  const inferredCharging = still && current !== undefined && current < -CHARGING_CURRENT_A && flags.plugged !== false;
  const charging = flags.charging ?? inferredCharging;
  const plugged = flags.plugged ?? charging;
  if (!plugged) return { state: 'unplugged' };
  const batteryPowerW = current !== undefined && voltage !== undefined ? Math.abs(current * voltage) : undefined;
  const kind: ChargeKind | undefined =
    flags.dc !== undefined
      ? flags.dc
        ? 'dc'
        : 'ac'
      : charging && batteryPowerW !== undefined
        ? batteryPowerW > DC_POWER_W
          ? 'dc'
          : 'ac'
        : undefined;
  const acV = values.ac_line_voltage;
  const acA = values.ac_line_current;
  let chargePowerW: number | undefined;
  if (charging) {
    if (kind === 'ac' && acV !== undefined && acA !== undefined && acV > 50 && acA > 0) chargePowerW = acV * acA;
    else if (values.charge_power !== undefined) chargePowerW = values.charge_power;
    // Otherwise the inlet is not measured (the pack side is not the inlet): the server estimates it.
  }
  return {
    state: charging ? 'charging' : 'plugged',
    ...(kind === undefined ? {} : { kind }),
    ...(chargePowerW === undefined ? {} : { chargePowerW }),
    ...(kind === 'ac' && acV !== undefined && acV > 50 ? { acLineVoltageV: acV } : {}),
  };
}

/** The record fields of a reading. `odometer` false leaves the odometer out (too coarse to measure trips). */
export function toAgentRecord(
  reading: Pick<VehicleReading, 'timeMs' | 'values' | 'flags'>,
  driveState: DriveState,
  options: { odometer: boolean; location?: TLocation },
): RecordValues {
  const charge = chargeStateOf(reading);
  const v = reading.values;
  const record: Record<string, unknown> = { time_ms: Math.round(reading.timeMs) };
  const put = (field: NumericFieldName, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    const spec = NUMERIC_FIELDS[field];
    if (value >= spec.min && value <= spec.max) record[field] = value;
  };
  put('speed_mps', v.speed);
  if (options.odometer) put('odometer_m', v.odometer);
  put('soc_pct', v.soc);
  put('pack_voltage_v', v.pack_voltage);
  put('pack_current_a', v.pack_current);
  put('ambient_temp_c', v.ambient_temp);
  put('battery_temp_c', v.battery_temp);
  put('hvac_power_w', v.hvac_power);
  put('aux_power_w', v.aux_power);
  put('bms_soh_pct', v.soh);
  record.drive_state = driveState;
  // A car being driven is not charging, whatever a stale flag says.
  record.charge_state = driveState === 'driving' ? 'unplugged' : charge.state;
  if (driveState !== 'driving' && charge.state !== 'unplugged') {
    if (charge.kind) record.charge_kind = charge.kind;
    put('ac_line_voltage_v', charge.acLineVoltageV);
    put('charge_power_w', charge.chargePowerW ?? (charge.state === 'plugged' ? 0 : undefined));
    if (options.location) record.location = options.location;
  }
  return record as RecordValues;
}

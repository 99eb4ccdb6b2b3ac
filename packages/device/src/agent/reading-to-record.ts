/**
 * A reading as a C2 sends it: the quantities under their uplink field names, the charge state
 * (from the car's flags, its on-board charger and the pack current, each able only to add), AC or
 * DC, the power at the inlet, and a position only while plugged in. Values outside the protocol's ranges are left
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

/** Current into the pack beyond this (A) at standstill is a charge, whatever the car's bits say. */
export const CHARGING_CURRENT_A = 1.5;
/** Charging power above this is a DC fast charger when the car does not say (the largest onboard chargers give 11 kW). */
export const DC_POWER_W = 11_500;
/** The on-board charger delivering more than this (W) is an AC charge under way. */
export const CHARGER_OUTPUT_W = 200;

export interface ChargeReading {
  readonly state: ChargeState;
  readonly kind?: ChargeKind;
  readonly chargePowerW?: number;
  readonly acLineVoltageV?: number;
}

/**
 * The charge state from every sign the car gives, each of which can only add: a charging flag, the
 * on-board charger delivering power, or current flowing into the pack at standstill is a charge; a
 * plug or port bit, or a charge, is a connection. A bit that reads false never hides what the others
 * show (real Kona and Niro captures never set their "plugged" bit, even at 7 kW). AC or DC: the car's
 * DC bit, else the on-board charger running (AC), else more than an onboard charger can give (DC).
 */
export function chargeStateOf(reading: Pick<VehicleReading, 'values' | 'flags'>): ChargeReading {
  const { values, flags } = reading;
  const current = values.pack_current;
  const voltage = values.pack_voltage;
  const still = (values.speed ?? 0) < 0.5 && flags.in_gear !== true;
  const chargerOutputW =
    values.charger_output_power ??
    (values.charger_output_voltage !== undefined && values.charger_output_current !== undefined
      ? values.charger_output_voltage * values.charger_output_current
      : undefined);
  const chargerRunning = still && chargerOutputW !== undefined && chargerOutputW > CHARGER_OUTPUT_W;
  const currentIn = still && current !== undefined && current < -CHARGING_CURRENT_A;
  const charging = flags.charging === true || chargerRunning || currentIn;
  const plugged = flags.plugged === true || flags.dc === true || charging;
  if (!plugged) return { state: 'unplugged' };
  const batteryPowerW = current !== undefined && voltage !== undefined ? Math.abs(current * voltage) : undefined;
  const acV = values.ac_line_voltage;
  const acA = values.ac_line_current;
  const acFlowing = acV !== undefined && acA !== undefined && acV > 50 && acA > 0;
  let kind: ChargeKind | undefined;
  if (flags.dc === true) kind = 'dc';
  else if (chargerRunning || acFlowing) kind = 'ac';
  else if (charging && batteryPowerW !== undefined && batteryPowerW > DC_POWER_W) kind = 'dc';
  else if (flags.dc === false || (charging && batteryPowerW !== undefined)) kind = 'ac';
  let chargePowerW: number | undefined;
  if (charging) {
    if (kind === 'ac' && acFlowing) chargePowerW = acV * acA;
    else if (values.charge_power !== undefined) chargePowerW = values.charge_power;
    // Otherwise the inlet is not measured (the pack side and the charger's DC side are not the inlet): the server estimates it.
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

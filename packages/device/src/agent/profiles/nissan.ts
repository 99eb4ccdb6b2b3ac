/**
 * Nissan Leaf, every pack: the Li-ion battery controller (LBC, 79B → 7BB) answers service 21 groups
 * as LeafSpy reads them, and the vehicle control module (VCM, 797 → 79A) answers service 22 with the
 * charge mode, plug state, charger output, auxiliary and climate power, outside temperature and
 * speed. The LBC's group 1 grew with the packs: 41 bytes on the 24 kWh car, 43 on the 30 kWh car, 53
 * on the 40 and 62 kWh cars (ZE1, 2018 on), which also moved the state of charge two bytes on.
 *
 * Gear and odometer: the 24 and 30 kWh cars broadcast them on the Car-CAN the OBD port carries
 * (frames 0x421, 0x5C5), the odometer in the units of the car's market, so there is one profile per
 * unit. The ZE1 puts a gateway in front of that bus: there the VCM gives the gear and the body
 * control module (743 → 763) the odometer in kilometres.
 */
import { defineProfile, type TProfileRequest, type TProfileSignal, type TVehicleProfile } from './profile-schema.js';

const OVMS_LEAF =
  'Open Vehicle Monitoring System v3, vehicle_nissanleaf (LBC group 1, 4 and 61 replies of each pack; frames 0x421, 0x5C5)';
const LEAF_BMS =
  'MacLeod and Pothier, NissanLeafBMS (group 1 and group 61 decoding, after the "Leaf CAN bus messages" sheet)';
const LEAF_2018 =
  'Nissan Leaf 2018 active polling list (March 2021; VCM 797/79A service 22, LBC groups 1, 4, 61, BCM odometer), linked from dalathegreat/leaf_can_bus_messages and its wiki page "Vehicle Control Module (VCM)"';

/** The VCM's service 22 values, one PID each, the value from the byte after the PID echo (`data[4]` in the list). */
const VCM_REQUESTS: TProfileRequest[] = [
  { id: 'vcm_charge_mode', header: '797', receive: '79A', service: 0x22, pid: '114E', length: 4 },
  { id: 'vcm_plug', header: '797', receive: '79A', service: 0x22, pid: '1234', length: 4, everyS: 5 },
  { id: 'vcm_obc_power', header: '797', receive: '79A', service: 0x22, pid: '1236', length: 5, everyS: 5 },
  { id: 'vcm_speed', header: '797', receive: '79A', service: 0x22, pid: '121A', length: 5 },
  { id: 'vcm_aux_power', header: '797', receive: '79A', service: 0x22, pid: '1152', length: 4, everyS: 5 },
  { id: 'vcm_ac_power', header: '797', receive: '79A', service: 0x22, pid: '1151', length: 4, everyS: 5 },
  { id: 'vcm_ambient', header: '797', receive: '79A', service: 0x22, pid: '115D', length: 4, everyS: 10 },
];

const VCM_SIGNALS: TProfileSignal[] = [
  // Charge mode: 0 not charging, 1 Level 1 (100–120 V), 2 Level 2 (200–240 V), 3 Level 3 quick charging.
  { flag: 'charging', request: 'vcm_charge_mode', byte: 3, noneOf: [0], name: 'Charge mode: 1, 2 or 3 (charging)' },
  { flag: 'dc', request: 'vcm_charge_mode', byte: 3, anyOf: [3], name: 'Charge mode 3: Level 3 quick charging' },
  // The J1772 (L1/L2) port only: 0 not plugged, 1 partly plugged (no charge possible), 2 plugged. A CHAdeMO
  // plug reads 0 here; the charge mode says it then.
  { flag: 'plugged', request: 'vcm_plug', byte: 3, anyOf: [2], name: 'J1772 plug state 2: plugged' },
  {
    quantity: 'charger_output_power',
    request: 'vcm_obc_power',
    byte: 3,
    bytes: 2,
    scale: 100,
    unit: 'W',
    name: 'OBC Out Pwr: charging power from the on-board charger (its DC side)',
  },
  { quantity: 'speed', request: 'vcm_speed', byte: 3, bytes: 2, scale: 0.1, unit: 'km/h', name: 'Speed' },
  {
    quantity: 'aux_power',
    request: 'vcm_aux_power',
    byte: 3,
    scale: 100,
    unit: 'W',
    name: 'Aux Pwr (100 W steps): lights, radio, navigation, rear defroster',
  },
  {
    quantity: 'hvac_power',
    request: 'vcm_ac_power',
    byte: 3,
    scale: 250,
    unit: 'W',
    name: 'AC Pwr (250 W steps): the climate system, cabin PTC heater included',
  },
  // °F = raw × 0.9 − 40.9, so °C = raw × 0.5 − 40.5.
  {
    quantity: 'ambient_temp',
    request: 'vcm_ambient',
    byte: 3,
    scale: 0.5,
    offset: -40.5,
    unit: '°C',
    name: 'Ambient temperature (outside sensor)',
  },
];

function lbcTemperatures(): TProfileSignal[] {
  return [4, 7, 10, 13].map((byte, i) => ({
    quantity: 'battery_temp' as const,
    request: 'lbc04',
    byte,
    signed: true,
    unit: '°C',
    invalid: [0xff],
    name: `Pack temperature ${i + 1}`,
  }));
}

const LBC_CURRENT_VOLTAGE: TProfileSignal[] = [
  {
    quantity: 'pack_current',
    request: 'lbc01',
    byte: 2,
    bytes: 4,
    signed: true,
    scale: 1 / 1024,
    unit: 'A',
    name: 'HV battery current 1',
  },
  { quantity: 'pack_voltage', request: 'lbc01', byte: 20, bytes: 2, scale: 0.01, unit: 'V', name: 'Pack voltage' },
];

/** The 24 and 30 kWh cars (ZE0, AZE0): LBC group 1 of 41 or 43 bytes, gear and odometer broadcast. */
function aze0Profile(pack: 24 | 30, odometerUnit: 'km' | 'mi'): TVehicleProfile {
  const us = odometerUnit === 'mi';
  const years = pack === 24 ? { yearFrom: 2011, yearTo: 2016 } : { yearFrom: 2016, yearTo: 2017 };
  return defineProfile({
    id: `nissan-leaf-${pack}kwh${us ? '-us' : ''}`,
    name: `Nissan Leaf ${pack} kWh (${years.yearFrom}–${years.yearTo})${us ? ', North American odometer in miles' : ''}`,
    models: [{ id: 'nissan-leaf', ...years, variant: `${pack} kWh` }],
    // The 30 kWh car's VIN does not say its pack: choose it by model, year and variant, or --profile.
    vinPrefixes: pack === 30 ? [] : us ? ['JN1AZ0CP', '1N4AZ0CP'] : ['SJNFAAZE0', 'SJNFBAZE0', 'JN1FAAZE0'],
    sources: [OVMS_LEAF, LEAF_BMS, LEAF_2018],
    notes: `Group 1 of the ${pack} kWh LBC is ${pack === 24 ? 41 : 43} bytes. The VCM positions are published for the 2018 car; LeafSpy shows the same values on the earlier cars, whose positions are not independently confirmed. The odometer counts whole units; Level 1 or 2 is read (charge mode) but the uplink carries only AC or DC.`,
    requests: [
      { id: 'lbc01', header: '79B', receive: '7BB', service: 0x21, pid: '01', length: pack === 24 ? 41 : 43 },
      { id: 'lbc04', header: '79B', receive: '7BB', service: 0x21, pid: '04', length: 16, everyS: 10 },
      { id: 'lbc61', header: '79B', receive: '7BB', service: 0x21, pid: '61', length: 16, everyS: 600, optional: true },
      ...VCM_REQUESTS,
      { id: 'shifter', monitor: '421' },
      { id: 'meter', monitor: '5C5', everyS: 5 },
    ],
    signals: [
      ...LBC_CURRENT_VOLTAGE,
      {
        quantity: 'soc',
        request: 'lbc01',
        byte: 31,
        bytes: 3,
        scale: 0.0001,
        unit: '%',
        name: 'State of charge (LBC)',
      },
      ...lbcTemperatures(),
      {
        quantity: 'soh',
        request: 'lbc61',
        byte: 4,
        bytes: 2,
        scale: 0.01,
        unit: '%',
        name: 'State of health',
        note: LEAF_BMS,
      },
      ...VCM_SIGNALS,
      {
        flag: 'in_gear',
        request: 'shifter',
        byte: 0,
        mask: 0x38,
        anyOf: [0x10, 0x20, 0x38],
        name: 'Selector R, D or B',
      },
      { quantity: 'odometer', request: 'meter', byte: 1, bytes: 3, unit: odometerUnit, name: 'Odometer' },
    ],
  });
}

/** The 40 and 62 kWh cars (ZE1): LBC group 1 of 53 bytes, group 61 of 331; gear and odometer polled behind the gateway. */
function ze1Profile(pack: 40 | 62): TVehicleProfile {
  return defineProfile({
    id: `nissan-leaf-${pack}kwh`,
    name: `Nissan Leaf ${pack} kWh${pack === 62 ? ' (e+ / Plus)' : ''} (${pack === 40 ? 2018 : 2019}–2021)`,
    models: [{ id: 'nissan-leaf', yearFrom: pack === 40 ? 2018 : 2019, yearTo: 2021, variant: `${pack} kWh` }],
    // SJNFAAZE1: the European ZE1 (the VIN in the 2018 polling list). The e+ cannot be told from it.
    vinPrefixes: pack === 40 ? ['SJNFAAZE1'] : [],
    sources: [LEAF_2018, OVMS_LEAF],
    notes:
      'The 40 and 62 kWh LBCs answer alike (OVMS reads both as the ZE1). The broadcast frames of the older cars are behind the ZE1 gateway: gear from the VCM, odometer from the body control module, in kilometres. Level 1 or 2 is read (charge mode) but the uplink carries only AC or DC.',
    requests: [
      { id: 'lbc01', header: '79B', receive: '7BB', service: 0x21, pid: '01', length: 53 },
      { id: 'lbc04', header: '79B', receive: '7BB', service: 0x21, pid: '04', length: 31, everyS: 10 },
      {
        id: 'lbc61',
        header: '79B',
        receive: '7BB',
        service: 0x21,
        pid: '61',
        length: 331,
        everyS: 600,
        optional: true,
      },
      ...VCM_REQUESTS,
      { id: 'vcm_gear', header: '797', receive: '79A', service: 0x22, pid: '1156', length: 4 },
      { id: 'bcm_odometer', header: '743', receive: '763', service: 0x22, pid: '0E01', length: 6, everyS: 5 },
    ],
    signals: [
      ...LBC_CURRENT_VOLTAGE,
      {
        quantity: 'soc',
        request: 'lbc01',
        byte: 33,
        bytes: 3,
        scale: 0.0001,
        unit: '%',
        name: 'State of charge (LBC)',
      },
      ...lbcTemperatures(),
      { quantity: 'soh', request: 'lbc61', byte: 4, bytes: 2, scale: 0.01, unit: '%', name: 'State of health' },
      ...VCM_SIGNALS,
      // 1 Park, 2 Reverse, 3 Neutral, 4 Drive, 7 Eco.
      { flag: 'in_gear', request: 'vcm_gear', byte: 3, anyOf: [2, 4, 7], name: 'Gear R, D or Eco' },
      { quantity: 'odometer', request: 'bcm_odometer', byte: 3, bytes: 3, unit: 'km', name: 'Odometer (km)' },
    ],
  });
}

export const NISSAN_LEAF_24KWH = aze0Profile(24, 'km');
export const NISSAN_LEAF_24KWH_US = aze0Profile(24, 'mi');
export const NISSAN_LEAF_30KWH = aze0Profile(30, 'km');
export const NISSAN_LEAF_30KWH_US = aze0Profile(30, 'mi');
export const NISSAN_LEAF_40KWH = ze1Profile(40);
export const NISSAN_LEAF_62KWH = ze1Profile(62);

/**
 * GM battery EVs: the Chevrolet Bolt EV (2017–2021) and Spark EV (2013–2015). Single-value GM
 * diagnostic PIDs (service 22), one request per value, on the hybrid/EV powertrain control module
 * (7E4), the battery energy control module side (7E1) and the engine control module (7E0).
 */
import { defineProfile } from './profile-schema.js';

const ABRP_AUTOPI =
  'Iternio (A Better Routeplanner), autopi-link my_abrp.py, Chevy PID list, github.com/iternio/autopi-link';
const OVMS_BOLT = 'Open Vehicle Monitoring System v3, vehicle_boltev (vehicle_boltev.cpp)';
const OVMS_VOLT = 'Open Vehicle Monitoring System v3, vehicle_voltampera (the same GM PIDs on the Volt/Ampera)';
const OBDB_BOLT =
  'OBDb signal set for the Chevrolet Bolt EV (signalsets/v3/default.json, and its response tests of 2017–2023 cars)';

export const CHEVROLET_BOLT_SPARK = defineProfile({
  id: 'chevrolet-bolt-spark',
  name: 'Chevrolet Bolt EV (2017–2021) and Spark EV (2013–2015)',
  models: [
    { id: 'chevrolet-bolt-ev', yearFrom: 2017, yearTo: 2021 },
    { id: 'chevrolet-spark-ev', yearFrom: 2013, yearTo: 2015 },
  ],
  vinPrefixes: ['1G1FW6S0', '1G1FX6S0', '1G1FY6S0', '1G1FZ6S0', 'KL8CL6S0', 'KL8CK6S0'],
  sources: [ABRP_AUTOPI, OVMS_BOLT, OBDB_BOLT, OVMS_VOLT],
  notes:
    'Positions from the public Bolt EV lists named. On the Spark EV the 7E4 PIDs (8334, 434F, 4368, 4369, 801E) are the GM family ones OVMS also reads on the Volt; the 7E1 pack voltage and current PIDs are unverified there. The Bolt reports no state of health. Charging comes from the charge mode (4373), the on-board charger delivering power (its HV side, 436B × 436C: AC charging) or current into the pack; 4373, 436B and 436C are from the Bolt lists and unverified on the Spark EV. The HV side of the charger is not the inlet: inlet power is the AC line voltage × current (4368 × 4369).',
  requests: [
    { id: 'soc', header: '7E4', receive: '7EC', service: 0x22, pid: '8334', length: 4 },
    { id: 'volts', header: '7E1', receive: '7E9', service: 0x22, pid: '2885', length: 5 },
    { id: 'amps', header: '7E1', receive: '7E9', service: 0x22, pid: '2414', length: 5 },
    { id: 'gear', header: '7E1', receive: '7E9', service: 0x22, pid: '2889', length: 4 },
    { id: 'speed', header: '7E0', receive: '7E8', service: 0x22, pid: '000D', length: 4 },
    { id: 'charger', header: '7E4', receive: '7EC', service: 0x22, pid: '4531', length: 4 },
    { id: 'obc_volts', header: '7E4', receive: '7EC', service: 0x22, pid: '4368', length: 4, everyS: 5 },
    { id: 'obc_amps', header: '7E4', receive: '7EC', service: 0x22, pid: '4369', length: 4, everyS: 5 },
    { id: 'charge_mode', header: '7E4', receive: '7EC', service: 0x22, pid: '4373', length: 5 },
    { id: 'obc_hv_volts', header: '7E4', receive: '7EC', service: 0x22, pid: '436B', length: 5, everyS: 5 },
    { id: 'obc_hv_amps', header: '7E4', receive: '7EC', service: 0x22, pid: '436C', length: 5, everyS: 5 },
    { id: 'pack_temp', header: '7E4', receive: '7EC', service: 0x22, pid: '434F', length: 4, everyS: 10 },
    { id: 'outside', header: '7E4', receive: '7EC', service: 0x22, pid: '801E', length: 4, everyS: 10 },
  ],
  signals: [
    { quantity: 'soc', request: 'soc', byte: 3, scale: 100 / 255, unit: '%', name: 'HV battery charge (display)' },
    {
      quantity: 'pack_voltage',
      request: 'volts',
      byte: 3,
      bytes: 2,
      scale: 0.01,
      unit: 'V',
      name: 'HV battery voltage',
    },
    {
      quantity: 'pack_current',
      request: 'amps',
      byte: 3,
      bytes: 2,
      signed: true,
      scale: 0.05,
      unit: 'A',
      name: 'HV battery current (positive discharging)',
    },
    { flag: 'in_gear', request: 'gear', byte: 3, anyOf: [1, 3, 7], name: 'PRNDL: 1 = L, 3 = D, 7 = R (8 = P, 6 = N)' },
    { quantity: 'speed', request: 'speed', byte: 3, unit: 'km/h', name: 'Vehicle speed', note: OBDB_BOLT },
    { flag: 'plugged', request: 'charger', byte: 3, noneOf: [0], name: 'Charger type: 0 none, 1 L1, 2 L2, 3 DC' },
    { flag: 'dc', request: 'charger', byte: 3, anyOf: [3], name: 'Charger type 3 = DC fast charger', note: OVMS_BOLT },
    {
      quantity: 'ac_line_voltage',
      request: 'obc_volts',
      byte: 3,
      scale: 2,
      unit: 'V',
      name: 'On-board charger AC voltage',
    },
    {
      quantity: 'ac_line_current',
      request: 'obc_amps',
      byte: 3,
      scale: 0.2,
      unit: 'A',
      name: 'On-board charger AC current',
    },
    // Two bytes, the flag in the last bit (OBDb bit index 15): 00 00 not charging, FF FF charging.
    {
      flag: 'charging',
      request: 'charge_mode',
      byte: 4,
      mask: 0x01,
      anyOf: [0x01],
      name: 'Charging mode',
      note: OBDB_BOLT,
    },
    {
      quantity: 'charger_output_voltage',
      request: 'obc_hv_volts',
      byte: 3,
      bytes: 2,
      scale: 0.5,
      unit: 'V',
      name: 'Charger HV voltage',
      note: OBDB_BOLT,
    },
    {
      quantity: 'charger_output_current',
      request: 'obc_hv_amps',
      byte: 3,
      bytes: 2,
      signed: true,
      scale: 0.05,
      unit: 'A',
      name: 'Charger HV current',
      note: OBDB_BOLT,
    },
    {
      quantity: 'battery_temp',
      request: 'pack_temp',
      byte: 3,
      offset: -40,
      unit: '°C',
      name: 'HV battery temperature',
    },
    {
      quantity: 'ambient_temp',
      request: 'outside',
      byte: 3,
      scale: 0.5,
      offset: -40,
      unit: '°C',
      name: 'Outside temperature (raw)',
    },
  ],
});

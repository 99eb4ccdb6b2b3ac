/**
 * Hyundai and Kia battery EVs of 2014–2021: one battery management system design (BMS at 7E4,
 * answering on 7EC) read with service 21 on the first generation (Soul EV, Ioniq Electric 28 kWh)
 * and service 22 with two-byte PIDs on the 64 kWh generation (Kona Electric, Niro EV, Soul EV 2020).
 */
import { defineProfile, type TProfileSignal } from './profile-schema.js';

const JEJUSOUL =
  'JejuSoul, "OBD-PIDs-for-HKMC-EVs" community PID sheets (Torque Pro extended PIDs), github.com/JejuSoul';
const EVNOTIPI = 'EVNotify / EVNotiPi car modules (cars/kona_ev.py, car/ioniq_bev.py), github.com/EVNotify/EVNotiPi';
const OVMS_NIRO = 'Open Vehicle Monitoring System v3, vehicle_kianiroev (kn_can_poll.cpp)';
const OVMS_SOUL = 'Open Vehicle Monitoring System v3, vehicle_kiasoulev (ks_can_poll.cpp)';

/** BMS answer to 21 01, identical on the Soul EV and the Ioniq Electric (61 01 at bytes 0–1). */
const BMS_2101_SIGNALS: TProfileSignal[] = [
  { flag: 'charging', request: 'bms01', byte: 11, mask: 0x80, anyOf: [0x80], name: 'HV charging (bit 7)' },
  {
    flag: 'plugged',
    request: 'bms01',
    byte: 11,
    mask: 0x60,
    noneOf: [0],
    name: 'Normal (bit 5) or rapid (bit 6) charge port',
  },
  { flag: 'dc', request: 'bms01', byte: 11, mask: 0x40, anyOf: [0x40], name: 'Rapid charge port (bit 6)' },
  {
    quantity: 'pack_current',
    request: 'bms01',
    byte: 12,
    bytes: 2,
    signed: true,
    scale: 0.1,
    unit: 'A',
    name: 'Battery current',
  },
  { quantity: 'pack_voltage', request: 'bms01', byte: 14, bytes: 2, scale: 0.1, unit: 'V', name: 'Battery DC voltage' },
  ...[1, 2, 3, 4, 5].map((n): TProfileSignal => ({
    quantity: 'battery_temp',
    request: 'bms01',
    byte: 17 + n,
    signed: true,
    unit: '°C',
    name: `Battery module ${n} temperature`,
  })),
  { quantity: 'soc', request: 'bms05', byte: 33, scale: 0.5, unit: '%', name: 'State of charge (display)' },
  {
    quantity: 'soh',
    request: 'bms05',
    byte: 27,
    bytes: 2,
    scale: 0.1,
    unit: '%',
    name: 'State of health ("maximum deterioration" in the PID sheets)',
  },
];

const BMS_2101_REQUESTS = [
  { id: 'bms01', header: '7E4', receive: '7EC', service: 0x21, pid: '01', length: 61 },
  { id: 'bms05', header: '7E4', receive: '7EC', service: 0x21, pid: '05', length: 45, everyS: 10 },
] as const;

export const HYUNDAI_IONIQ_ELECTRIC_2017 = defineProfile({
  id: 'hyundai-ioniq-electric-2017',
  name: 'Hyundai Ioniq Electric 28 kWh (2017–2019)',
  models: [{ id: 'hyundai-ioniq-electric', yearFrom: 2017, yearTo: 2019 }],
  vinPrefixes: ['KMHC75LH', 'KMHC85LH', 'KMHC851H'],
  sources: [JEJUSOUL, EVNOTIPI],
  requests: [
    ...BMS_2101_REQUESTS,
    { id: 'vmcu01', header: '7E2', receive: '7EA', service: 0x21, pid: '01', length: 24 },
    { id: 'env80', header: '7E6', receive: '7EE', service: 0x21, pid: '80', length: 25, everyS: 10, optional: true },
  ],
  signals: [
    ...BMS_2101_SIGNALS,
    // VMCU 21 01: gear bits P, R, N, D in byte 7; "real vehicle speed" little-endian, 1/100 mph.
    { flag: 'in_gear', request: 'vmcu01', byte: 7, mask: 0x0f, anyOf: [0x02, 0x08], name: 'Gear R or D' },
    {
      quantity: 'speed',
      request: 'vmcu01',
      byte: 15,
      bytes: 2,
      endian: 'little',
      signed: true,
      scale: 0.01,
      unit: 'mph',
      name: 'VMCU real vehicle speed',
    },
    {
      quantity: 'ambient_temp',
      request: 'env80',
      byte: 14,
      scale: 0.5,
      offset: -40,
      unit: '°C',
      name: 'External temperature',
    },
  ],
});

export const KIA_SOUL_EV_2015 = defineProfile({
  id: 'kia-soul-ev-2015',
  name: 'Kia Soul EV 27/30 kWh (2014–2019)',
  models: [{ id: 'kia-soul-ev', yearFrom: 2014, yearTo: 2019 }],
  vinPrefixes: ['KNDJX3AE', 'KNDJP3AE'],
  sources: [JEJUSOUL, OVMS_SOUL],
  notes: 'No ambient temperature in the BMS: the standard PID 46 is used where the car answers it.',
  requests: [
    ...BMS_2101_REQUESTS,
    { id: 'vmcu00', header: '7E2', receive: '7EA', service: 0x21, pid: '00', length: 24 },
    { id: 'vmcu01', header: '7E2', receive: '7EA', service: 0x21, pid: '01', length: 24 },
  ],
  signals: [
    ...BMS_2101_SIGNALS,
    // VMCU 21 00 byte 9 (Torque letter h): P, R, N, D, B bits; 21 01 byte 12 (letter k): speed in km/h.
    { flag: 'in_gear', request: 'vmcu00', byte: 9, mask: 0x1a, noneOf: [0], name: 'Gear R, D or B' },
    { quantity: 'speed', request: 'vmcu01', byte: 12, unit: 'km/h', name: 'VMCU real vehicle speed' },
  ],
});

export const HYUNDAI_KIA_64KWH = defineProfile({
  id: 'hyundai-kia-64kwh',
  name: 'Hyundai Kona Electric, Kia Niro EV, Kia Soul EV (2019–2021)',
  models: [
    { id: 'hyundai-kona-electric', yearFrom: 2019, yearTo: 2021 },
    { id: 'kia-niro-ev', yearFrom: 2019, yearTo: 2021 },
    { id: 'kia-soul-ev', yearFrom: 2020, yearTo: 2021 },
  ],
  vinPrefixes: ['KM8K23AG', 'KM8K33AG', 'KM8K53AG', 'KM8K63AG', 'KNDCC3LG', 'KNDCE3LG', 'KNDJ33AU'],
  sources: [EVNOTIPI, OVMS_NIRO, JEJUSOUL],
  notes:
    'The cluster (7C6) answers the odometer only while the car is on, in whole units (kilometres, or miles where the kilometre field reads 0); trip distance then comes from speed. The charge-port bits are not set on the cars captured so far: AC or DC then comes from the power (above 11.5 kW is DC), so the last minutes of a fast charge, tapered below that, read as AC.',
  requests: [
    { id: 'bms0101', header: '7E4', receive: '7EC', service: 0x22, pid: '0101', length: 62 },
    { id: 'bms0105', header: '7E4', receive: '7EC', service: 0x22, pid: '0105', length: 46, everyS: 10 },
    { id: 'ac0100', header: '7B3', receive: '7BB', service: 0x22, pid: '0100', length: 38 },
    { id: 'vmcu01', header: '7E2', receive: '7EA', service: 0x21, pid: '01', length: 24 },
    {
      id: 'cm_b002',
      header: '7C6',
      receive: '7CE',
      service: 0x22,
      pid: 'B002',
      length: 15,
      everyS: 10,
      optional: true,
    },
  ],
  signals: [
    // Charge state: every bit the car may set counts, none that it leaves clear hides a charge (the
    // agent also reads a charge from current into the pack at standstill). Real Kona and Niro
    // captures show charging bits 2 (byte 53) as 0x09 while charging and 0x0D while driving, with
    // bit 7 ("plugged") never set, and charging bits 1 (byte 12) at 0x03 whatever the charger
    // (OVMS #280, JejuSoul #35 and #39): the port bits below are read where a car sets them.
    {
      flag: 'charging',
      request: 'bms0101',
      byte: 53,
      mask: 0x0c,
      anyOf: [0x08],
      name: 'Charging bits 2: 0x08 set, BMS ignition (0x04) clear',
      note: `${EVNOTIPI}; ${OVMS_NIRO} (main relay on, ignition off)`,
    },
    {
      flag: 'charging',
      request: 'bms0101',
      byte: 12,
      mask: 0x80,
      anyOf: [0x80],
      name: 'Charging bits 1: HV charging (bit 7)',
    },
    {
      flag: 'plugged',
      request: 'bms0101',
      byte: 53,
      mask: 0x80,
      anyOf: [0x80],
      name: 'Charging bits 2: charge port connected (bit 7)',
    },
    {
      flag: 'plugged',
      request: 'bms0101',
      byte: 12,
      mask: 0x60,
      noneOf: [0],
      name: 'Charging bits 1: normal (0x20, AC) or rapid (0x40, DC) charge port',
    },
    // A bit field, not a value: 0x40 is the rapid (DC) port. The old rule "≠ 3" read DC when parked and on AC.
    {
      flag: 'dc',
      request: 'bms0101',
      byte: 12,
      mask: 0x40,
      anyOf: [0x40],
      name: 'Charging bits 1: rapid charge port (bit 6)',
    },
    {
      quantity: 'pack_current',
      request: 'bms0101',
      byte: 13,
      bytes: 2,
      signed: true,
      scale: 0.1,
      unit: 'A',
      name: 'DC battery current',
    },
    {
      quantity: 'pack_voltage',
      request: 'bms0101',
      byte: 15,
      bytes: 2,
      scale: 0.1,
      unit: 'V',
      name: 'DC battery voltage',
    },
    ...[1, 2, 3, 4].map((n): TProfileSignal => ({
      quantity: 'battery_temp',
      request: 'bms0101',
      byte: 18 + n,
      signed: true,
      unit: '°C',
      name: `Battery module ${n} temperature`,
    })),
    { quantity: 'soh', request: 'bms0105', byte: 28, bytes: 2, scale: 0.1, unit: '%', name: 'State of health' },
    { quantity: 'soc', request: 'bms0105', byte: 34, scale: 0.5, unit: '%', name: 'State of charge (display)' },
    {
      quantity: 'ambient_temp',
      request: 'ac0100',
      byte: 9,
      scale: 0.5,
      offset: -40,
      unit: '°C',
      name: 'Outdoor temperature',
    },
    { quantity: 'speed', request: 'ac0100', byte: 32, unit: 'km/h', name: 'Vehicle speed', note: OVMS_NIRO },
    {
      flag: 'in_gear',
      request: 'vmcu01',
      byte: 7,
      mask: 0x0f,
      anyOf: [0x02, 0x08],
      name: 'Shift status R or D',
      note: OVMS_NIRO,
    },
    // Kilometre markets fill bytes 9–11; North American (and UK) cars leave them at 0 and count miles in 12–14.
    { quantity: 'odometer', request: 'cm_b002', byte: 9, bytes: 3, unit: 'km', invalid: [0], name: 'Odometer (km)' },
    {
      quantity: 'odometer',
      request: 'cm_b002',
      byte: 12,
      bytes: 3,
      unit: 'mi',
      invalid: [0],
      fallback: true,
      name: 'Odometer (miles)',
      note: `${OVMS_NIRO} (kn_can_poll.cpp, the Kona reading 12–14; OVMS issue #278, a UK Kona: 7808 mi there, 0 in 9–11)`,
    },
  ],
});

/**
 * Nissan Leaf with the 24 kWh battery (2011–2015): the Li-ion battery controller (LBC, 79B →
 * 7BB) answers service 21 groups as LeafSpy reads them, and two Car-CAN broadcast frames give the
 * gear selector (0x421) and the odometer (0x5C5). The odometer counts in the units of the car's
 * market (0x355 says which), so there is one profile per unit.
 */
import { defineProfile, type TVehicleProfile } from './profile-schema.js';

const OVMS_LEAF = 'Open Vehicle Monitoring System v3, vehicle_nissanleaf (group 1, 2, 4 replies; frames 0x421, 0x5C5)';
const LEAF_BMS =
  'MacLeod and Pothier, NissanLeafBMS (group 1 and group 61 decoding, after the "Leaf CAN bus messages" sheet)';

function leafProfile(odometerUnit: 'km' | 'mi'): TVehicleProfile {
  const us = odometerUnit === 'mi';
  return defineProfile({
    id: us ? 'nissan-leaf-24kwh-us' : 'nissan-leaf-24kwh',
    name: `Nissan Leaf 24 kWh (2011–2015)${us ? ', North American odometer in miles' : ''}`,
    models: [{ id: 'nissan-leaf', yearFrom: 2011, yearTo: 2015 }],
    vinPrefixes: us ? ['JN1AZ0CP', '1N4AZ0CP'] : ['SJNFAAZE', 'SJNFBAZE', 'JN1FAAZE'],
    sources: [OVMS_LEAF, LEAF_BMS],
    notes:
      'Group 1 layout of the 24 kWh LBC (41-byte answer); the 30, 40 and 62 kWh controllers put later fields elsewhere and need their own profile. The car answers no speed PID: trip distance comes from the odometer (whole units). Charging is read from the pack current; AC or DC from the charging power.',
    requests: [
      { id: 'lbc01', header: '79B', receive: '7BB', service: 0x21, pid: '01', length: 41 },
      { id: 'lbc04', header: '79B', receive: '7BB', service: 0x21, pid: '04', length: 16, everyS: 10 },
      { id: 'lbc61', header: '79B', receive: '7BB', service: 0x21, pid: '61', length: 16, everyS: 600, optional: true },
      { id: 'shifter', monitor: '421' },
      { id: 'meter', monitor: '5C5', everyS: 5 },
    ],
    signals: [
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
      {
        quantity: 'soc',
        request: 'lbc01',
        byte: 31,
        bytes: 3,
        scale: 0.0001,
        unit: '%',
        name: 'State of charge (LBC)',
      },
      ...[4, 7, 10, 13].map((byte, i) => ({
        quantity: 'battery_temp' as const,
        request: 'lbc04',
        byte,
        signed: true,
        unit: '°C',
        invalid: [0xff],
        name: `Pack temperature ${i + 1}`,
      })),
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

export const NISSAN_LEAF_24KWH = leafProfile('km');
export const NISSAN_LEAF_24KWH_US = leafProfile('mi');

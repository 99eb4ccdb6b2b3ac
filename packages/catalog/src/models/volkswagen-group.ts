/**
 * Volkswagen group plug-ins on the seed lists: e-Golf, the Golf GTE and Passat GTE (Europe only), and
 * the Audi A3 Sportback e-tron, which shares the GTE's drivetrain and liquid-cooled pack. Alectra's
 * "Audi A3 Electric" is that plug-in hybrid: there was no battery-electric A3 for sale.
 * The European GTEs have no US rating: NEDC or WLTP as named; their fuel use once depleted is not
 * published, so it is approximated from the A3 e-tron's EPA gas-only figure.
 */
import type { CatalogModel } from '../types.js';
import { HOLD_TO_75, NO_DC } from './dc-tapers.js';
import {
  kgFromLb,
  kmFromMiles,
  lPer100kmFromMpg,
  whPerKmFromKwhPer100km,
  whPerKmFromKwhPer100mi,
  whPerKmFromMpge,
} from './units.js';

export const VOLKSWAGEN_GROUP_MODELS: readonly CatalogModel[] = [
  {
    id: 'volkswagen-e-golf',
    make: 'Volkswagen',
    model: 'e-Golf',
    powertrain: 'BEV',
    cooling: 'passive',
    heatPump: true,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    variants: [
      {
        yearFrom: 2015,
        yearTo: 2016,
        name: '24.2 kWh',
        usableBatteryKwh: 21.2,
        nominalPackVoltageV: 323,
        ratedWhPerKm: whPerKmFromKwhPer100mi(29),
        maxAcKw: 7.2,
        maxDcKw: 40,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3391),
        source:
          'fueleconomy.gov 2015 Volkswagen e-Golf: 29 kWh/100 mi (116 MPGe), 83 mi; VW: 24.2 kWh (usable approx. ' +
          '21.2), 323 V, 7.2 kW onboard on SEL (3.6 kW on SE), CCS approx. 40 kW; heat pump optional',
      },
      {
        yearFrom: 2017,
        yearTo: 2021,
        name: '35.8 kWh',
        usableBatteryKwh: 32,
        nominalPackVoltageV: 323,
        ratedWhPerKm: whPerKmFromKwhPer100mi(28),
        maxAcKw: 7.2,
        maxDcKw: 40,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3459),
        source:
          'fueleconomy.gov 2017 Volkswagen e-Golf: 28 kWh/100 mi (119 MPGe), 125 mi; VW: 35.8 kWh (usable approx. ' +
          '32), 7.2 kW onboard, CCS approx. 40 kW; heat pump optional; curb mass approx.',
      },
    ],
  },
  {
    id: 'volkswagen-golf-gte',
    make: 'Volkswagen',
    model: 'Golf GTE',
    powertrain: 'PHEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes: 'Sold in Europe only.',
    variants: [
      {
        yearFrom: 2015,
        yearTo: 2020,
        name: '8.8 kWh (Golf 7)',
        usableBatteryKwh: 6.2,
        nominalPackVoltageV: 352,
        ratedWhPerKm: whPerKmFromKwhPer100km(11.4),
        maxAcKw: 3.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1524,
        electricRangeKm: 50,
        fuelLPer100km: lPer100kmFromMpg(35),
        source:
          'VW Golf GTE NEDC: 50 km electric, approx. 11.4 kWh/100 km; 8.8 kWh liquid-cooled (usable approx. 6.2), ' +
          '3.6 kW; fuel use once depleted approx. (Audi A3 e-tron EPA, same drivetrain)',
      },
      {
        yearFrom: 2021,
        yearTo: 2021,
        name: '13 kWh (Golf 8)',
        usableBatteryKwh: 10.4,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100km(12),
        maxAcKw: 3.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1624,
        electricRangeKm: 62,
        fuelLPer100km: 5.5,
        source:
          'VW Golf 8 GTE WLTP: approx. 62 km electric, approx. 12 kWh/100 km; 13 kWh (usable 10.4), 3.6 kW; ' +
          'fuel use once depleted, pack voltage and curb mass approx.',
      },
    ],
  },
  {
    id: 'volkswagen-passat-gte',
    make: 'Volkswagen',
    model: 'Passat GTE',
    powertrain: 'PHEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes: 'Sold in Europe only (saloon and estate).',
    variants: [
      {
        yearFrom: 2015,
        yearTo: 2019,
        name: '9.9 kWh',
        usableBatteryKwh: 7.5,
        nominalPackVoltageV: 352,
        ratedWhPerKm: whPerKmFromKwhPer100km(12.2),
        maxAcKw: 3.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1722,
        electricRangeKm: 50,
        fuelLPer100km: 7,
        source:
          'VW Passat GTE NEDC: 50 km electric, approx. 12.2 kWh/100 km; 9.9 kWh (usable approx. 7.5), 3.6 kW; ' +
          'fuel use once depleted and curb mass approx.',
      },
      {
        yearFrom: 2020,
        yearTo: 2021,
        name: '13 kWh',
        usableBatteryKwh: 10.6,
        nominalPackVoltageV: 352,
        ratedWhPerKm: whPerKmFromKwhPer100km(14),
        maxAcKw: 3.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1750,
        electricRangeKm: 55,
        fuelLPer100km: 7,
        source:
          'VW Passat GTE (2020 update) WLTP: approx. 55 km electric, approx. 14 kWh/100 km; 13 kWh (usable approx. ' +
          '10.6), 3.6 kW; fuel use once depleted and curb mass approx.',
      },
    ],
  },
  {
    id: 'audi-a3-sportback-e-tron',
    make: 'Audi',
    model: 'A3 Sportback e-tron',
    powertrain: 'PHEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    notes: 'Listed by Alectra as "A3 Electric" and by Mississippi as "A3 eTron": the same plug-in hybrid.',
    variants: [
      {
        yearFrom: 2016,
        yearTo: 2018,
        name: '8.8 kWh',
        usableBatteryKwh: 6.2,
        nominalPackVoltageV: 352,
        ratedWhPerKm: whPerKmFromMpge(83),
        maxAcKw: 3.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3616),
        electricRangeKm: kmFromMiles(16),
        fuelLPer100km: lPer100kmFromMpg(35),
        source:
          'fueleconomy.gov 2016 Audi A3 Sportback e-tron: approx. 83 MPGe, 16 mi electric, approx. 35 mpg on gas; ' +
          'Audi: 8.8 kWh of 96 cells (usable approx. 6.2, about 70 % of gross), 3.6 kW onboard',
      },
    ],
  },
];

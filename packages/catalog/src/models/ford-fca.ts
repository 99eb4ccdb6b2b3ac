/**
 * Ford and Fiat Chrysler plug-ins on the seed lists. Ford's Energi ratings are the revised labels
 * (Ford restated the 2013–2014 figures in 2014).
 */
import type { CatalogModel } from '../types.js';
import { HOLD_TO_75, NO_DC } from './dc-tapers.js';
import { kgFromLb, kmFromMiles, lPer100kmFromMpg, whPerKmFromKwhPer100mi, whPerKmFromMpge } from './units.js';

export const FORD_FCA_MODELS: readonly CatalogModel[] = [
  {
    id: 'ford-focus-electric',
    make: 'Ford',
    model: 'Focus Electric',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2012,
        yearTo: 2016,
        name: '23 kWh',
        usableBatteryKwh: 20,
        nominalPackVoltageV: 320,
        ratedWhPerKm: whPerKmFromKwhPer100mi(32),
        maxAcKw: 6.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3624),
        source:
          'fueleconomy.gov 2012 Ford Focus Electric: 32 kWh/100 mi (105 MPGe), 76 mi; Ford: 23 kWh liquid-cooled ' +
          '(usable approx. 20), 6.6 kW onboard, no DC; pack voltage approx.',
      },
      {
        yearFrom: 2017,
        yearTo: 2018,
        name: '33.5 kWh',
        usableBatteryKwh: 31,
        nominalPackVoltageV: 330,
        ratedWhPerKm: whPerKmFromKwhPer100mi(31),
        maxAcKw: 6.6,
        maxDcKw: 47,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3688),
        source:
          'fueleconomy.gov 2017 Ford Focus Electric: 31 kWh/100 mi (107 MPGe), 115 mi; Ford: 33.5 kWh (usable ' +
          'approx. 31), 6.6 kW onboard, CCS standard (peak approx. 47 kW); pack voltage and curb mass approx.',
      },
    ],
  },
  {
    id: 'ford-c-max-energi',
    make: 'Ford',
    model: 'C-Max Energi',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2017,
        name: '7.6 kWh',
        usableBatteryKwh: 6,
        nominalPackVoltageV: 300,
        ratedWhPerKm: whPerKmFromMpge(88),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3899),
        electricRangeKm: kmFromMiles(19),
        fuelLPer100km: lPer100kmFromMpg(38),
        source:
          'Ford/EPA revised 2013–2014 C-Max Energi label: 88 MPGe, 19 mi electric, 38 mpg on gas; 7.6 kWh ' +
          '(usable approx. 6), 3.3 kW onboard; pack voltage approx.',
      },
    ],
  },
  {
    id: 'ford-fusion-energi',
    make: 'Ford',
    model: 'Fusion Energi',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2018,
        name: '7.6 kWh',
        usableBatteryKwh: 6,
        nominalPackVoltageV: 300,
        ratedWhPerKm: whPerKmFromMpge(97),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3913),
        electricRangeKm: kmFromMiles(21),
        fuelLPer100km: lPer100kmFromMpg(42),
        source:
          'fueleconomy.gov 2017 Ford Fusion Energi: 97 MPGe, 21 mi electric, 42 mpg on gas (2013–2016: 88 MPGe, ' +
          '19 mi, 38 mpg revised); 7.6 kWh (usable approx. 6); pack voltage approx.',
      },
      {
        yearFrom: 2019,
        yearTo: 2020,
        name: '9 kWh',
        usableBatteryKwh: 7,
        nominalPackVoltageV: 300,
        ratedWhPerKm: whPerKmFromMpge(103),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3913),
        electricRangeKm: kmFromMiles(26),
        fuelLPer100km: lPer100kmFromMpg(42),
        source:
          'fueleconomy.gov 2019 Ford Fusion Energi: 103 MPGe, 26 mi electric, 42 mpg on gas; 9.0 kWh (usable ' +
          'approx. 7); pack voltage and curb mass approx.',
      },
    ],
  },
  {
    id: 'chrysler-pacifica-hybrid',
    make: 'Chrysler',
    model: 'Pacifica Hybrid',
    powertrain: 'PHEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes: 'A plug-in hybrid despite the name; Chrysler sold no non-plug-in Pacifica hybrid in these years.',
    variants: [
      {
        yearFrom: 2017,
        yearTo: 2021,
        name: '16 kWh',
        usableBatteryKwh: 13,
        nominalPackVoltageV: 355,
        ratedWhPerKm: whPerKmFromMpge(84),
        maxAcKw: 6.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(4987),
        electricRangeKm: kmFromMiles(33),
        fuelLPer100km: lPer100kmFromMpg(30),
        source:
          'fueleconomy.gov 2017 Chrysler Pacifica Hybrid: 84 MPGe, 33 mi electric, approx. 30 mpg on gas; 16 kWh, ' +
          '96 LG Chem cells (usable approx. 13), 6.6 kW onboard (about 2 h at 240 V); cooling approx.',
      },
    ],
  },
  {
    id: 'fiat-500e',
    make: 'Fiat',
    model: '500e',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    notes:
      "Sold 2013–2019 in the US; the catalog covers Alectra's 2013–2015, so later cars (84 mi, 30 kWh/100 mi) do " +
      'not resolve.',
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2015,
        name: '24 kWh',
        usableBatteryKwh: 22,
        nominalPackVoltageV: 364,
        ratedWhPerKm: whPerKmFromKwhPer100mi(29),
        maxAcKw: 6.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(2980),
        source:
          'fueleconomy.gov 2013 Fiat 500e: 29 kWh/100 mi (116 MPGe), 87 mi; Fiat: 24 kWh liquid-cooled (usable ' +
          'approx. 22), 364 V, 6.6 kW onboard, no DC',
      },
    ],
  },
];

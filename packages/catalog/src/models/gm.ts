/**
 * General Motors' plug-ins on the seed lists: Chevrolet Bolt EV, Spark EV and Volt, the Volt-based
 * Cadillac ELR and Opel Ampera. US cars are rated from fueleconomy.gov (EPA combined).
 */
import type { CatalogModel } from '../types.js';
import { BOLT_STEPS, HOLD_TO_75, NO_DC } from './dc-tapers.js';
import { kgFromLb, kmFromMiles, lPer100kmFromMpg, whPerKmFromKwhPer100km, whPerKmFromKwhPer100mi } from './units.js';

export const GM_MODELS: readonly CatalogModel[] = [
  {
    id: 'chevrolet-bolt-ev',
    make: 'Chevrolet',
    model: 'Bolt EV',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    variants: [
      {
        yearFrom: 2017,
        yearTo: 2019,
        name: '60 kWh',
        usableBatteryKwh: 58,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(28),
        maxAcKw: 7.2,
        maxDcKw: 55,
        dcTaper: BOLT_STEPS,
        curbMassKg: kgFromLb(3563),
        source:
          'fueleconomy.gov 2017 Chevrolet Bolt EV: 28 kWh/100 mi, 238 mi; GM spec: 60 kWh pack (usable approx. 58), ' +
          '7.2 kW onboard, 55 kW DC (DC port optional)',
      },
      {
        yearFrom: 2020,
        yearTo: 2021,
        name: '66 kWh',
        usableBatteryKwh: 65,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(29),
        maxAcKw: 7.2,
        maxDcKw: 55,
        dcTaper: BOLT_STEPS,
        curbMassKg: kgFromLb(3589),
        source:
          'fueleconomy.gov 2020 Chevrolet Bolt EV: 29 kWh/100 mi, 259 mi; GM spec sheet: 66 kWh (usable approx. 65), ' +
          '7.2 kW onboard, 55 kW DC',
      },
    ],
  },
  {
    id: 'chevrolet-spark-ev',
    make: 'Chevrolet',
    model: 'Spark EV',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    notes:
      'Mississippi lists "Chevrolet Spark": only the EV is a plug-in. Alectra lists 2013–2015; US deliveries began ' +
      'mid-2013 as 2014 models, so 2013 is covered by the first variant.',
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2014,
        name: '21 kWh A123 (LFP)',
        usableBatteryKwh: 19,
        nominalPackVoltageV: 370,
        ratedWhPerKm: whPerKmFromKwhPer100mi(28),
        maxAcKw: 3.3,
        maxDcKw: 48,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(2989),
        source:
          'fueleconomy.gov 2014 Chevrolet Spark EV: 28 kWh/100 mi (119 MPGe), 82 mi; GM: A123 pack of 336 LFP cells, ' +
          '21.3 kWh (usable approx. 19), 3.3 kW onboard, CCS optional (80 % in about 20 min, peak approx. 48 kW); ' +
          'pack voltage approx.',
      },
      {
        yearFrom: 2015,
        yearTo: 2015,
        name: '19 kWh LG Chem',
        usableBatteryKwh: 18,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(28),
        maxAcKw: 3.3,
        maxDcKw: 48,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(2903),
        source:
          'GM 2015 Spark EV release: 19 kWh, 192 LG Chem cells, 86 lb lighter pack, same EPA 82 mi and 119 MPGe ' +
          '(28 kWh/100 mi); usable approx. 18, DC peak approx. 48 kW',
      },
    ],
  },
  {
    id: 'chevrolet-volt',
    make: 'Chevrolet',
    model: 'Volt',
    powertrain: 'PHEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2011,
        yearTo: 2012,
        name: '16 kWh (first generation)',
        usableBatteryKwh: 10.3,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(36),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3781),
        electricRangeKm: kmFromMiles(35),
        fuelLPer100km: lPer100kmFromMpg(37),
        source:
          'fueleconomy.gov 2011 Chevrolet Volt: 36 kWh/100 mi (93 MPGe), 35 mi electric, 37 mpg on gas; GM: 16 kWh, ' +
          'usable approx. 10.3',
      },
      {
        yearFrom: 2013,
        yearTo: 2015,
        name: '16.5–17.1 kWh (first generation)',
        usableBatteryKwh: 10.8,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(35),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3786),
        electricRangeKm: kmFromMiles(38),
        fuelLPer100km: lPer100kmFromMpg(37),
        source:
          'fueleconomy.gov 2013 Chevrolet Volt: 35 kWh/100 mi (98 MPGe), 38 mi electric, 37 mpg on gas; GM: 16.5 kWh ' +
          '(17.1 kWh for 2015), usable approx. 10.8',
      },
      {
        yearFrom: 2016,
        yearTo: 2019,
        name: '18.4 kWh (second generation)',
        usableBatteryKwh: 14,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(31),
        maxAcKw: 3.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3543),
        electricRangeKm: kmFromMiles(53),
        fuelLPer100km: lPer100kmFromMpg(42),
        source:
          'fueleconomy.gov 2016 Chevrolet Volt: 31 kWh/100 mi (106 MPGe), 53 mi electric, 42 mpg on gas; GM: 18.4 kWh ' +
          '(usable approx. 14), 3.6 kW onboard (7.2 kW on 2019 Premier)',
      },
    ],
  },
  {
    id: 'cadillac-elr',
    make: 'Cadillac',
    model: 'ELR',
    powertrain: 'PHEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes: 'Sold as 2014 and 2016 models only: Cadillac skipped the 2015 model year.',
    variants: [
      {
        yearFrom: 2014,
        yearTo: 2014,
        name: '16.5 kWh',
        usableBatteryKwh: 10.8,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(41),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(4070),
        electricRangeKm: kmFromMiles(37),
        fuelLPer100km: lPer100kmFromMpg(33),
        source:
          'fueleconomy.gov 2014 Cadillac ELR: 41 kWh/100 mi (82 MPGe), 37 mi electric, 33 mpg on gas; Volt-derived ' +
          '16.5 kWh pack, usable approx. 10.8',
      },
      {
        yearFrom: 2016,
        yearTo: 2016,
        name: '17.1 kWh',
        usableBatteryKwh: 11.1,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(40),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(4050),
        electricRangeKm: kmFromMiles(39),
        fuelLPer100km: lPer100kmFromMpg(31),
        source:
          'fueleconomy.gov 2016 Cadillac ELR: 85 MPGe (40 kWh/100 mi), 39 mi electric, 31 mpg on gas; 17.1 kWh pack, ' +
          'usable approx. 11.1; curb mass approx.',
      },
    ],
  },
  {
    id: 'opel-ampera',
    make: 'Opel',
    model: 'Ampera',
    powertrain: 'PHEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes:
      'The 2012–2015 Volt-based Ampera (Vauxhall Ampera in the UK), never sold in the US. Not the 2017+ ' +
      'Ampera-e, which is the Chevrolet Bolt EV sold in Europe.',
    variants: [
      {
        yearFrom: 2012,
        yearTo: 2015,
        name: '16 kWh',
        usableBatteryKwh: 10.8,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100km(16.9),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1732,
        electricRangeKm: 83,
        fuelLPer100km: lPer100kmFromMpg(37),
        source:
          'Opel Ampera NEDC homologation: approx. 16.9 kWh/100 km, 83 km electric; fuel use once depleted approx., ' +
          'taken from the identical Chevrolet Volt (EPA 37 mpg)',
      },
    ],
  },
];

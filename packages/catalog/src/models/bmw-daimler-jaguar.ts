/**
 * BMW, Daimler (Mercedes-Benz, smart) and Jaguar plug-ins on the seed lists. BMW's packs are cooled
 * by the air-conditioning refrigerant directly: an active, liquid-class system, catalogued as liquid.
 */
import type { CatalogModel } from '../types.js';
import { HOLD_TO_75, IPACE, NO_DC } from './dc-tapers.js';
import { kgFromLb, kmFromMiles, lPer100kmFromMpg, whPerKmFromKwhPer100mi, whPerKmFromMpge } from './units.js';

export const BMW_DAIMLER_JAGUAR_MODELS: readonly CatalogModel[] = [
  {
    id: 'bmw-i3',
    make: 'BMW',
    model: 'i3',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: true,
    reportsSoh: false,
    listedBy: ['alectra'],
    notes:
      'Pack cooled by refrigerant from the air-conditioning circuit. The i3 REx (range extender) shares the pack; ' +
      'figures here are for the battery-only car. Heat pump optional, commonly fitted.',
    variants: [
      {
        yearFrom: 2014,
        yearTo: 2016,
        name: '60 Ah (22 kWh)',
        usableBatteryKwh: 18.8,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(27),
        maxAcKw: 7.4,
        maxDcKw: 50,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(2799),
        source:
          'fueleconomy.gov 2014 BMW i3 BEV: 27 kWh/100 mi (124 MPGe), 81 mi; BMW: 21.6 kWh gross, 18.8 usable, ' +
          '7.4 kW onboard, CCS optional (50 kW)',
      },
      {
        yearFrom: 2017,
        yearTo: 2018,
        name: '94 Ah (33 kWh)',
        usableBatteryKwh: 27.2,
        nominalPackVoltageV: 353,
        ratedWhPerKm: whPerKmFromKwhPer100mi(29),
        maxAcKw: 7.4,
        maxDcKw: 50,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(2961),
        source:
          'fueleconomy.gov 2017 BMW i3 BEV (94 Ah): 29 kWh/100 mi (118 MPGe), 114 mi; BMW: 33 kWh gross, 27.2 usable, ' +
          '7.4 kW onboard, CCS 50 kW',
      },
      {
        yearFrom: 2019,
        yearTo: 2021,
        name: '120 Ah (42 kWh)',
        usableBatteryKwh: 37.9,
        nominalPackVoltageV: 352,
        ratedWhPerKm: whPerKmFromKwhPer100mi(30),
        maxAcKw: 7.4,
        maxDcKw: 50,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3010),
        source:
          'fueleconomy.gov 2019 BMW i3 BEV (120 Ah): 30 kWh/100 mi (113 MPGe), 153 mi; BMW: 42.2 kWh gross, ' +
          '37.9 usable (approx.), 7.4 kW onboard, CCS 50 kW; curb mass approx.',
      },
    ],
  },
  {
    id: 'bmw-x5-xdrive40e',
    make: 'BMW',
    model: 'X5 xDrive40e',
    powertrain: 'PHEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2016,
        yearTo: 2018,
        name: '9 kWh',
        usableBatteryKwh: 6.7,
        nominalPackVoltageV: 351,
        ratedWhPerKm: whPerKmFromMpge(56),
        maxAcKw: 3.7,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(5220),
        electricRangeKm: kmFromMiles(14),
        fuelLPer100km: lPer100kmFromMpg(24),
        source:
          'fueleconomy.gov 2016 BMW X5 xDrive40e: 56 MPGe, 14 mi electric, 24 mpg on gas; BMW: 9.0 kWh, 96 cells ' +
          '(usable approx. 6.7), full charge in 2 h 45 min at 240 V (approx. 3.7 kW)',
      },
    ],
  },
  {
    id: 'mercedes-benz-b250e',
    make: 'Mercedes-Benz',
    model: 'B250e',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes:
      'Sold as the B-Class Electric Drive (2014–2015) and B250e (2016–2017), with a Tesla-built pack and motor. ' +
      'The optional Range Plus charge unlocks about 3 kWh more, not counted here.',
    variants: [
      {
        yearFrom: 2014,
        yearTo: 2017,
        name: '28 kWh',
        usableBatteryKwh: 28,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(84),
        maxAcKw: 10,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3924),
        source:
          'fueleconomy.gov 2014 Mercedes-Benz B-Class Electric Drive: 84 MPGe, 87 mi; Mercedes: 28 kWh usable ' +
          '(36 kWh gross), no DC; onboard charger (approx. 10 kW) and pack voltage approx.',
      },
    ],
  },
  {
    id: 'smart-fortwo-electric-drive',
    make: 'smart',
    model: 'fortwo electric drive',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    notes: 'Renamed EQ fortwo in 2018. Cooling of both packs approx. (liquid-cooled per Daimler material).',
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2016,
        name: '17.6 kWh (third generation, 451)',
        usableBatteryKwh: 17,
        nominalPackVoltageV: 340,
        ratedWhPerKm: whPerKmFromKwhPer100mi(32),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(2094),
        source:
          'fueleconomy.gov 2013 smart fortwo electric drive: 32 kWh/100 mi (107 MPGe), 68 mi; 17.6 kWh (usable ' +
          'approx. 17), 3.3 kW onboard (22 kW optional in Europe), no DC; pack voltage and curb mass approx.',
      },
      {
        yearFrom: 2017,
        yearTo: 2019,
        name: '17.6 kWh (fourth generation, 453)',
        usableBatteryKwh: 16.7,
        nominalPackVoltageV: 340,
        ratedWhPerKm: whPerKmFromKwhPer100mi(31),
        maxAcKw: 7.2,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(2390),
        source:
          'fueleconomy.gov 2017 smart fortwo electric drive coupe: approx. 31 kWh/100 mi (108 MPGe), 58 mi; ' +
          '17.6 kWh (usable approx. 16.7), 7.2 kW onboard, no DC; pack voltage and curb mass approx.',
      },
    ],
  },
  {
    id: 'jaguar-i-pace',
    make: 'Jaguar',
    model: 'I-PACE',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: true,
    reportsSoh: false,
    listedBy: ['alectra'],
    notes: 'Heat pump optional (standard in some markets).',
    variants: [
      {
        yearFrom: 2019,
        yearTo: 2020,
        name: '90 kWh (7 kW AC)',
        usableBatteryKwh: 84.7,
        nominalPackVoltageV: 389,
        ratedWhPerKm: whPerKmFromKwhPer100mi(44),
        maxAcKw: 7,
        maxDcKw: 100,
        dcTaper: IPACE,
        curbMassKg: 2170,
        source:
          'fueleconomy.gov 2019 Jaguar I-PACE: 44 kWh/100 mi (76 MPGe), 234 mi; Jaguar: 90 kWh gross, 84.7 usable, ' +
          '389 V, 7 kW onboard, 100 kW DC (about 85 kW before the 2019 software update)',
      },
      {
        yearFrom: 2021,
        yearTo: 2021,
        name: '90 kWh (11 kW AC)',
        usableBatteryKwh: 84.7,
        nominalPackVoltageV: 389,
        ratedWhPerKm: whPerKmFromKwhPer100mi(44),
        maxAcKw: 11,
        maxDcKw: 100,
        dcTaper: IPACE,
        curbMassKg: 2170,
        source:
          'fueleconomy.gov 2021 Jaguar I-PACE: approx. 44 kWh/100 mi; Jaguar 2021 update: 11 kW three-phase onboard ' +
          'charger, 84.7 kWh usable, 100 kW DC',
      },
    ],
  },
];

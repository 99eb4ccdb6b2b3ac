/**
 * Honda and Toyota on the seed lists, including the one fuel-cell car (Mirai), which has a traction
 * battery but no charge port: it is catalogued with no AC or DC charging, and its rated consumption
 * is EPA's hydrogen figure in kWh equivalent (1 kg H2 ≈ 1 gallon gasoline ≈ 33.7 kWh), not electricity.
 */
import type { CatalogModel } from '../types.js';
import { NO_DC } from './dc-tapers.js';
import { kgFromLb, kmFromMiles, lPer100kmFromMpg, whPerKmFromKwhPer100mi, whPerKmFromMpge } from './units.js';

export const HONDA_TOYOTA_MODELS: readonly CatalogModel[] = [
  {
    id: 'honda-fit-ev',
    make: 'Honda',
    model: 'Fit EV',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    notes: 'Lease-only compliance car with a Toshiba SCiB lithium-titanate pack, cooled by fan-driven ambient air.',
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2014,
        name: '20 kWh',
        usableBatteryKwh: 19,
        nominalPackVoltageV: 330,
        ratedWhPerKm: whPerKmFromKwhPer100mi(29),
        maxAcKw: 6.6,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3252),
        source:
          'fueleconomy.gov 2013 Honda Fit EV: 29 kWh/100 mi (118 MPGe), 82 mi; Honda: 20 kWh SCiB (usable approx. ' +
          '19), air-cooled, 6.6 kW onboard, no DC; pack voltage approx.',
      },
    ],
  },
  {
    id: 'toyota-mirai',
    make: 'Toyota',
    model: 'Mirai',
    powertrain: 'FCEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes:
      'Hydrogen fuel-cell car: no charge port. The small traction battery buffers the fuel cell and stores braking ' +
      'energy, so maxAcKw is 0, maxDcKw null and ratedRangeKm 0. ratedWhPerKm is hydrogen energy (EPA MPGe), ' +
      'not wall electricity; EPA range on hydrogen: 312 mi (2016), 402 mi (2021 XLE).',
    variants: [
      {
        yearFrom: 2016,
        yearTo: 2020,
        name: 'First generation (1.6 kWh NiMH)',
        usableBatteryKwh: 1.6,
        nominalPackVoltageV: 245,
        ratedWhPerKm: whPerKmFromMpge(67),
        maxAcKw: 0,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(4075),
        source:
          'fueleconomy.gov 2016 Toyota Mirai: 67 MPGe on hydrogen, 312 mi; Toyota: 1.6 kWh nickel-metal hydride ' +
          'traction battery (gross; the usable window is smaller), 245 V',
      },
      {
        yearFrom: 2021,
        yearTo: 2021,
        name: 'Second generation (1.24 kWh Li-ion)',
        usableBatteryKwh: 1.24,
        nominalPackVoltageV: 311,
        ratedWhPerKm: whPerKmFromMpge(74),
        maxAcKw: 0,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(4235),
        source:
          'fueleconomy.gov 2021 Toyota Mirai XLE: 74 MPGe on hydrogen, 402 mi; Toyota: 1.24 kWh lithium-ion ' +
          'traction battery (gross), 310.8 V',
      },
    ],
  },
  {
    id: 'toyota-prius-plug-in',
    make: 'Toyota',
    model: 'Prius Plug-in Hybrid',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2012,
        yearTo: 2015,
        name: '4.4 kWh',
        usableBatteryKwh: 3,
        nominalPackVoltageV: 207,
        ratedWhPerKm: whPerKmFromKwhPer100mi(29),
        maxAcKw: 2,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3165),
        electricRangeKm: kmFromMiles(11),
        fuelLPer100km: lPer100kmFromMpg(50),
        source:
          'fueleconomy.gov 2012 Toyota Prius Plug-in: 95 MPGe (29 kWh/100 mi plus a little gas), 11 mi blended ' +
          'electric range, 50 mpg on gas; Toyota: 4.4 kWh, 207.2 V (usable approx. 3), full charge in 1.5 h at 240 V ' +
          '(approx. 2 kW)',
      },
    ],
  },
  {
    id: 'toyota-prius-prime',
    make: 'Toyota',
    model: 'Prius Prime',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: true,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2017,
        yearTo: 2021,
        name: '8.8 kWh',
        usableBatteryKwh: 6.4,
        nominalPackVoltageV: 352,
        ratedWhPerKm: whPerKmFromMpge(133),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3365),
        electricRangeKm: kmFromMiles(25),
        fuelLPer100km: lPer100kmFromMpg(54),
        source:
          'fueleconomy.gov 2017 Toyota Prius Prime: 133 MPGe, 25 mi electric, 54 mpg on gas; Toyota: 8.8 kWh, ' +
          '351.5 V (usable approx. 6.4), 3.3 kW onboard, gas-injection heat pump standard in the US',
      },
    ],
  },
];

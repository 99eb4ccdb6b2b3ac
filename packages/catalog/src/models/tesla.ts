/**
 * Tesla on the seed lists. Variants follow the battery packs, not the trims: a Performance or
 * dual-motor car shares its pack and chargers with the Long Range variant of its years, so it is
 * covered there (its EPA efficiency is a few percent worse). Tesla's usable capacities are not
 * published; the figures are the commonly reported ones from owners' CAN-bus readings, marked approx.
 * DC peaks are on the Supercharger generation the car was built for; early Model 3s reached 250 kW
 * through a 2019 software update. The BMS does not expose state of health over the diagnostic port.
 */
import type { CatalogModel } from '../types.js';
import { TESLA_RAVEN, TESLA_V2, TESLA_V3, TESLA_V3_SMALL_PACK } from './dc-tapers.js';
import { kgFromLb, whPerKmFromKwhPer100mi, whPerKmFromMpge } from './units.js';

export const TESLA_MODELS: readonly CatalogModel[] = [
  {
    id: 'tesla-model-s',
    make: 'Tesla',
    model: 'Model S',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    notes:
      'Not catalogued: the short-lived Standard Range (2019–2020). Refreshed 2021 Long Range cars have a heat pump; ' +
      'the pre-refresh 2021 cars do not, so only the Plaid variant carries it.',
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2015,
        name: '60 kWh',
        usableBatteryKwh: 58,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(95),
        maxAcKw: 10,
        maxDcKw: 90,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(4323),
        source:
          'fueleconomy.gov 2013 Tesla Model S 60 kWh: 95 MPGe, 208 mi; 10 kW onboard (20 kW with the twin-charger ' +
          'option); usable capacity, pack voltage, DC peak (approx. 90 kW) and curb mass approx.',
      },
      {
        yearFrom: 2013,
        yearTo: 2016,
        name: '85 kWh',
        usableBatteryKwh: 79,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(89),
        maxAcKw: 10,
        maxDcKw: 120,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(4647),
        source:
          'fueleconomy.gov 2013 Tesla Model S 85 kWh: 89 MPGe (38 kWh/100 mi), 265 mi; usable approx. 79 kWh; ' +
          '10 kW onboard (20 kW twin-charger option), 120 kW Supercharging',
      },
      {
        yearFrom: 2015,
        yearTo: 2016,
        name: '70 kWh',
        usableBatteryKwh: 66,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(101),
        maxAcKw: 10,
        maxDcKw: 100,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(4469),
        source:
          'fueleconomy.gov 2015 Tesla Model S 70D: 101 MPGe, 240 mi; usable approx. 66 kWh; DC peak approx. 100 kW; ' +
          'curb mass approx.',
      },
      {
        yearFrom: 2015,
        yearTo: 2017,
        name: '90 kWh',
        usableBatteryKwh: 84,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(103),
        maxAcKw: 11.5,
        maxDcKw: 120,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(4647),
        source:
          'fueleconomy.gov 2016 Tesla Model S 90D: 103 MPGe, 294 mi; usable approx. 84 kWh; 11.5 kW onboard ' +
          '(48 A), 120 kW Supercharging',
      },
      {
        yearFrom: 2016,
        yearTo: 2019,
        name: '75 kWh',
        usableBatteryKwh: 72.5,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(103),
        maxAcKw: 11.5,
        maxDcKw: 110,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(4469),
        source:
          'fueleconomy.gov 2017 Tesla Model S 75D: 103 MPGe, 259 mi; usable approx. 72.5 kWh; 11.5 kW onboard, ' +
          'DC peak approx. 110 kW',
      },
      {
        yearFrom: 2017,
        yearTo: 2018,
        name: '100 kWh',
        usableBatteryKwh: 98,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(102),
        maxAcKw: 11.5,
        maxDcKw: 120,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(4941),
        source:
          'fueleconomy.gov 2017 Tesla Model S 100D: 102 MPGe, 335 mi; usable approx. 98 kWh; 11.5 kW onboard ' +
          '(16.5 kW optional), 120 kW Supercharging',
      },
      {
        yearFrom: 2019,
        yearTo: 2021,
        name: 'Long Range (100 kWh)',
        usableBatteryKwh: 98,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(28),
        maxAcKw: 11.5,
        maxDcKw: 200,
        dcTaper: TESLA_RAVEN,
        curbMassKg: kgFromLb(4883),
        source:
          'fueleconomy.gov 2020 Tesla Model S Long Range Plus: 402 mi, approx. 28 kWh/100 mi; usable approx. 98 kWh; ' +
          '11.5 kW onboard, about 200 kW on V3 Superchargers (250 kW after the 2021 refresh)',
      },
      {
        yearFrom: 2021,
        yearTo: 2021,
        name: 'Plaid',
        usableBatteryKwh: 95,
        nominalPackVoltageV: 450,
        ratedWhPerKm: whPerKmFromMpge(119),
        maxAcKw: 11.5,
        maxDcKw: 250,
        dcTaper: TESLA_V3,
        curbMassKg: kgFromLb(4766),
        heatPump: true,
        source:
          'fueleconomy.gov 2021 Tesla Model S Plaid: 119 MPGe, 396 mi; usable approx. 95 kWh, pack voltage approx.; ' +
          '11.5 kW onboard, 250 kW Supercharging, heat pump',
      },
    ],
  },
  {
    id: 'tesla-model-3',
    make: 'Tesla',
    model: 'Model 3',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    notes:
      'Not catalogued: the Mid Range (late 2018 to early 2019) and the Standard Range (2019). The 2021 model year ' +
      'brought the heat pump.',
    variants: [
      {
        yearFrom: 2018,
        yearTo: 2020,
        name: 'Long Range',
        usableBatteryKwh: 75,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(26),
        maxAcKw: 11.5,
        maxDcKw: 250,
        dcTaper: TESLA_V3,
        curbMassKg: kgFromLb(3838),
        source:
          'fueleconomy.gov 2018 Tesla Model 3 Long Range: 26 kWh/100 mi (130 MPGe), 310 mi (AWD and Performance: ' +
          '28–29 kWh/100 mi); usable approx. 75 kWh; 11.5 kW onboard, 250 kW on V3 (120 kW before the 2019 update)',
      },
      {
        yearFrom: 2019,
        yearTo: 2020,
        name: 'Standard Range Plus',
        usableBatteryKwh: 50,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(24),
        maxAcKw: 7.6,
        maxDcKw: 170,
        dcTaper: TESLA_V3_SMALL_PACK,
        curbMassKg: kgFromLb(3552),
        source:
          'fueleconomy.gov 2019 Tesla Model 3 Standard Range Plus: 24 kWh/100 mi (141 MPGe), 240 mi; usable approx. ' +
          '50 kWh; 7.6 kW onboard (32 A), 170 kW on V3',
      },
      {
        yearFrom: 2021,
        yearTo: 2021,
        name: 'Standard Range Plus',
        usableBatteryKwh: 53,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(24),
        maxAcKw: 7.6,
        maxDcKw: 170,
        dcTaper: TESLA_V3_SMALL_PACK,
        curbMassKg: kgFromLb(3582),
        heatPump: true,
        source:
          'fueleconomy.gov 2021 Tesla Model 3 Standard Range Plus: 24 kWh/100 mi (142 MPGe), 263 mi; usable approx. ' +
          '53 kWh; 7.6 kW onboard, 170 kW on V3, heat pump',
      },
      {
        yearFrom: 2021,
        yearTo: 2021,
        name: 'Long Range',
        usableBatteryKwh: 78,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(25),
        maxAcKw: 11.5,
        maxDcKw: 250,
        dcTaper: TESLA_V3,
        curbMassKg: kgFromLb(4065),
        heatPump: true,
        source:
          'fueleconomy.gov 2021 Tesla Model 3 Long Range AWD: 25 kWh/100 mi (134 MPGe), 353 mi; 82 kWh pack, usable ' +
          'approx. 78; 11.5 kW onboard, 250 kW on V3, heat pump',
      },
    ],
  },
  {
    id: 'tesla-model-x',
    make: 'Tesla',
    model: 'Model X',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    notes:
      'Not catalogued: the short-lived Standard Range (2019–2020). The refreshed X and its heat pump came for 2022.',
    variants: [
      {
        yearFrom: 2016,
        yearTo: 2017,
        name: '90 kWh',
        usableBatteryKwh: 84,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(92),
        maxAcKw: 11.5,
        maxDcKw: 120,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(5271),
        source:
          'fueleconomy.gov 2016 Tesla Model X 90D: 92 MPGe, 257 mi; usable approx. 84 kWh; 11.5 kW onboard (17.2 kW ' +
          'optional), 120 kW Supercharging',
      },
      {
        yearFrom: 2016,
        yearTo: 2019,
        name: '75 kWh',
        usableBatteryKwh: 72.5,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromMpge(93),
        maxAcKw: 11.5,
        maxDcKw: 110,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(5185),
        source:
          'fueleconomy.gov 2017 Tesla Model X 75D: 93 MPGe, 238 mi; usable approx. 72.5 kWh; DC peak approx. 110 kW',
      },
      {
        yearFrom: 2017,
        yearTo: 2018,
        name: '100 kWh',
        usableBatteryKwh: 98,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(38),
        maxAcKw: 11.5,
        maxDcKw: 120,
        dcTaper: TESLA_V2,
        curbMassKg: kgFromLb(5421),
        source:
          'fueleconomy.gov 2017 Tesla Model X 100D: 295 mi, approx. 38 kWh/100 mi; usable approx. 98 kWh; ' +
          '120 kW Supercharging',
      },
      {
        yearFrom: 2019,
        yearTo: 2021,
        name: 'Long Range (100 kWh)',
        usableBatteryKwh: 98,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(33),
        maxAcKw: 11.5,
        maxDcKw: 200,
        dcTaper: TESLA_RAVEN,
        curbMassKg: kgFromLb(5421),
        source:
          'fueleconomy.gov 2020 Tesla Model X Long Range Plus: 351 mi, approx. 33 kWh/100 mi; usable approx. 98 kWh; ' +
          'about 200 kW on V3 Superchargers; curb mass approx.',
      },
    ],
  },
  {
    id: 'tesla-model-y',
    make: 'Tesla',
    model: 'Model Y',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: true,
    reportsSoh: false,
    listedBy: ['alectra'],
    notes: 'Not catalogued: the Standard Range RWD sold briefly in early 2021. Heat pump standard from launch.',
    variants: [
      {
        yearFrom: 2020,
        yearTo: 2021,
        name: 'Long Range',
        usableBatteryKwh: 75,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(28),
        maxAcKw: 11.5,
        maxDcKw: 250,
        dcTaper: TESLA_V3,
        curbMassKg: kgFromLb(4416),
        source:
          'fueleconomy.gov 2020 Tesla Model Y Long Range AWD: 28 kWh/100 mi (121 MPGe), 316 mi; usable approx. ' +
          '75 kWh; 11.5 kW onboard, 250 kW on V3',
      },
    ],
  },
];

/**
 * Hyundai and Kia plug-ins on the seed lists. Their BMS exposes state of health over OBD-II on the
 * battery-electric models (the figure apps such as Car Scanner read); the plug-in hybrids' is not
 * documented, so those say false. Heat pumps: standard on Canadian Kona Electric, Niro EV and Soul EV
 * (Alectra is in Ontario), not fitted to US Kona/Niro.
 */
import type { CatalogModel } from '../types.js';
import { HOLD_TO_75, NO_DC } from './dc-tapers.js';
import { kgFromLb, kmFromMiles, lPer100kmFromMpg, whPerKmFromKwhPer100mi, whPerKmFromMpge } from './units.js';

export const HYUNDAI_KIA_MODELS: readonly CatalogModel[] = [
  {
    id: 'hyundai-ioniq-electric',
    make: 'Hyundai',
    model: 'Ioniq Electric',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: true,
    reportsSoh: true,
    listedBy: ['alectra', 'mississippi'],
    variants: [
      {
        yearFrom: 2017,
        yearTo: 2019,
        name: '28 kWh',
        usableBatteryKwh: 28,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(25),
        maxAcKw: 6.6,
        maxDcKw: 69,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3164),
        source:
          'fueleconomy.gov 2017 Hyundai Ioniq Electric: 25 kWh/100 mi (136 MPGe), 124 mi; Hyundai: 28 kWh air-cooled, ' +
          '360 V, 6.6 kW onboard; DC peak approx. 69 kW on a 100 kW charger; heat pump standard or optional by trim/market',
      },
      {
        yearFrom: 2020,
        yearTo: 2021,
        name: '38.3 kWh',
        usableBatteryKwh: 38.3,
        nominalPackVoltageV: 319,
        ratedWhPerKm: whPerKmFromKwhPer100mi(25),
        maxAcKw: 7.2,
        maxDcKw: 44,
        dcTaper: HOLD_TO_75,
        curbMassKg: 1540,
        source:
          'fueleconomy.gov 2020 Hyundai Ioniq Electric: 25 kWh/100 mi (133 MPGe), 170 mi; Hyundai: 38.3 kWh, 319 V, ' +
          '7.2 kW onboard; DC peak approx. 44 kW; curb mass approx.',
      },
    ],
  },
  {
    id: 'hyundai-ioniq-plug-in-hybrid',
    make: 'Hyundai',
    model: 'Ioniq Plug-in Hybrid',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2018,
        yearTo: 2021,
        name: '8.9 kWh',
        usableBatteryKwh: 7,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromMpge(119),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3263),
        electricRangeKm: kmFromMiles(29),
        fuelLPer100km: lPer100kmFromMpg(52),
        source:
          'fueleconomy.gov 2018 Hyundai Ioniq Plug-in: 119 MPGe, 29 mi electric, 52 mpg on gas; Hyundai: 8.9 kWh ' +
          '(usable approx. 7), 3.3 kW onboard; pack voltage approx.',
      },
    ],
  },
  {
    id: 'hyundai-kona-electric',
    make: 'Hyundai',
    model: 'Kona Electric',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: true,
    reportsSoh: true,
    listedBy: ['alectra'],
    notes: 'North America had only the 64 kWh pack; the European 39.2 kWh version is not catalogued.',
    variants: [
      {
        yearFrom: 2019,
        yearTo: 2021,
        name: '64 kWh',
        usableBatteryKwh: 64,
        nominalPackVoltageV: 356,
        ratedWhPerKm: whPerKmFromKwhPer100mi(28),
        maxAcKw: 7.2,
        maxDcKw: 77,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3715),
        source:
          'fueleconomy.gov 2019 Hyundai Kona Electric: 28 kWh/100 mi (120 MPGe), 258 mi; Hyundai: 64 kWh, 356 V, ' +
          '7.2 kW onboard, DC rated 100 kW (observed peak approx. 77 kW); heat pump standard in Canada, not in the US',
      },
    ],
  },
  {
    id: 'hyundai-sonata-plug-in-hybrid',
    make: 'Hyundai',
    model: 'Sonata Plug-in Hybrid',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2016,
        yearTo: 2019,
        name: '9.8 kWh',
        usableBatteryKwh: 8,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromMpge(99),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1720,
        electricRangeKm: kmFromMiles(27),
        fuelLPer100km: lPer100kmFromMpg(40),
        source:
          'fueleconomy.gov 2016 Hyundai Sonata Plug-in Hybrid: 99 MPGe, 27 mi electric, 40 mpg on gas (39 mpg from ' +
          '2017); Hyundai: 9.8 kWh (usable approx. 8); pack voltage and curb mass approx.',
      },
    ],
  },
  {
    id: 'kia-niro-ev',
    make: 'Kia',
    model: 'Niro EV',
    powertrain: 'BEV',
    cooling: 'liquid',
    heatPump: true,
    reportsSoh: true,
    listedBy: ['alectra'],
    notes: 'North America had only the 64 kWh pack; the European 39.2 kWh e-Niro is not catalogued.',
    variants: [
      {
        yearFrom: 2019,
        yearTo: 2021,
        name: '64 kWh',
        usableBatteryKwh: 64,
        nominalPackVoltageV: 356,
        ratedWhPerKm: whPerKmFromKwhPer100mi(30),
        maxAcKw: 7.2,
        maxDcKw: 77,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3854),
        source:
          'fueleconomy.gov 2019 Kia Niro EV: 30 kWh/100 mi (112 MPGe), 239 mi; Kia: 64 kWh, 356 V, 7.2 kW onboard, ' +
          'DC rated 100 kW (observed peak approx. 77 kW); heat pump standard in Canada (approx.)',
      },
    ],
  },
  {
    id: 'kia-niro-plug-in-hybrid',
    make: 'Kia',
    model: 'Niro Plug-in Hybrid',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2018,
        yearTo: 2021,
        name: '8.9 kWh',
        usableBatteryKwh: 7,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromMpge(105),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3354),
        electricRangeKm: kmFromMiles(26),
        fuelLPer100km: lPer100kmFromMpg(46),
        source:
          'fueleconomy.gov 2018 Kia Niro Plug-in Hybrid: 105 MPGe, 26 mi electric, 46 mpg on gas; Kia: 8.9 kWh ' +
          '(usable approx. 7); pack voltage approx.',
      },
    ],
  },
  {
    id: 'kia-optima-plug-in-hybrid',
    make: 'Kia',
    model: 'Optima Plug-in Hybrid',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2017,
        yearTo: 2020,
        name: '9.8 kWh',
        usableBatteryKwh: 8,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromMpge(103),
        maxAcKw: 3.3,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: kgFromLb(3800),
        electricRangeKm: kmFromMiles(29),
        fuelLPer100km: lPer100kmFromMpg(40),
        source:
          'fueleconomy.gov 2017 Kia Optima Plug-in Hybrid: 103 MPGe, 29 mi electric, approx. 40 mpg on gas; Kia: ' +
          '9.8 kWh (usable approx. 8); pack voltage and curb mass approx.',
      },
    ],
  },
  {
    id: 'kia-soul-ev',
    make: 'Kia',
    model: 'Soul EV',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: true,
    reportsSoh: true,
    listedBy: ['alectra', 'mississippi'],
    notes:
      'First generation (2014–2019) is air-cooled; the 2020 second generation is liquid-cooled and was sold in ' +
      'Canada (not the US) with 39.2 or 64 kWh. Alectra lists 2014: the first cars arrived in fall 2014 as 2015 models.',
    variants: [
      {
        yearFrom: 2014,
        yearTo: 2017,
        name: '27 kWh',
        usableBatteryKwh: 26,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(32),
        maxAcKw: 6.6,
        maxDcKw: 70,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3289),
        source:
          'fueleconomy.gov 2015 Kia Soul EV: 32 kWh/100 mi (105 MPGe), 93 mi; Kia Canada: 27 kWh, 360 V, 192 cells, ' +
          'air-cooled, 6.6 kW onboard, CHAdeMO (peak approx. 70 kW on a 100 kW charger); usable approx. 26; heat pump ' +
          'standard on upper trims',
      },
      {
        yearFrom: 2018,
        yearTo: 2019,
        name: '30 kWh',
        usableBatteryKwh: 28,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(31),
        maxAcKw: 6.6,
        maxDcKw: 70,
        dcTaper: HOLD_TO_75,
        curbMassKg: kgFromLb(3289),
        source:
          'fueleconomy.gov 2018 Kia Soul EV: 31 kWh/100 mi (108 MPGe), 111 mi; Kia: 30 kWh (usable approx. 28); ' +
          'DC peak and curb mass approx.',
      },
      {
        yearFrom: 2020,
        yearTo: 2021,
        name: '64 kWh',
        usableBatteryKwh: 64,
        nominalPackVoltageV: 356,
        ratedWhPerKm: whPerKmFromMpge(114),
        maxAcKw: 7.2,
        maxDcKw: 77,
        dcTaper: HOLD_TO_75,
        curbMassKg: 1682,
        cooling: 'liquid',
        source:
          'Kia-published EPA estimate for the 2020 Soul EV: 114 MPGe, 243 mi (car not sold in the US); Kia: 64 kWh ' +
          'liquid-cooled, 7.2 kW onboard, DC rated 100 kW (observed peak approx. 77 kW); heat pump standard in Canada',
      },
      {
        yearFrom: 2020,
        yearTo: 2021,
        name: '39.2 kWh',
        usableBatteryKwh: 39.2,
        nominalPackVoltageV: 327,
        ratedWhPerKm: whPerKmFromMpge(114),
        maxAcKw: 7.2,
        maxDcKw: 50,
        dcTaper: HOLD_TO_75,
        curbMassKg: 1600,
        cooling: 'liquid',
        source:
          'Kia Canada 2020 Soul EV Premium: 39.2 kWh, about 248 km rated; efficiency approx., taken from the 64 kWh ' +
          "car's EPA estimate (114 MPGe); DC peak approx. 50 kW, curb mass approx.",
      },
    ],
  },
];

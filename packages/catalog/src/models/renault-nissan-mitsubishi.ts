/**
 * Renault–Nissan–Mitsubishi alliance plug-ins on the seed lists, with the PSA cars built on
 * Mitsubishi's i-MiEV technology (Citroën C-Zero, Peugeot iOn, Citroën Berlingo Electric).
 * European-only models are rated on NEDC or WLTP as each source says; those ratings flatter range
 * compared with EPA's. State of health: Leaf and e-NV200 through Leaf Spy, Zoe through CanZE.
 */
import type { CatalogModel } from '../types.js';
import { CHADEMO_HALF, CHADEMO_SMALL_PACK, HOLD_TO_55, NO_DC, OUTLANDER_PHEV } from './dc-tapers.js';
import { kgFromLb, kmFromMiles, lPer100kmFromMpg, whPerKmFromKwhPer100km, whPerKmFromKwhPer100mi } from './units.js';

const I_MIEV_FAMILY_NOTE =
  'Same car as the Mitsubishi i-MiEV. Early European cars have a 16 kWh pack of 88 cells; later ones 14.5 kWh ' +
  'of 80 cells: the usable figure is approximate for both.';

export const RENAULT_NISSAN_MITSUBISHI_MODELS: readonly CatalogModel[] = [
  {
    id: 'nissan-leaf',
    make: 'Nissan',
    model: 'Leaf',
    powertrain: 'BEV',
    cooling: 'passive',
    heatPump: true,
    reportsSoh: true,
    listedBy: ['alectra', 'mississippi'],
    notes:
      'Mississippi\'s "Gen 1" is 2011–2017 (24 and 30 kWh), "Gen 2" is 2018 on (40 and 62 kWh). Heat pump on ' +
      'SV/SL (and European Acenta/Tekna) from 2013; S trims have a resistive heater.',
    variants: [
      {
        yearFrom: 2011,
        yearTo: 2012,
        name: '24 kWh (3.3 kW charger)',
        usableBatteryKwh: 21,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(34),
        maxAcKw: 3.3,
        maxDcKw: 45,
        dcTaper: CHADEMO_HALF,
        curbMassKg: kgFromLb(3354),
        heatPump: false,
        source:
          'fueleconomy.gov 2011 Nissan Leaf: 34 kWh/100 mi (99 MPGe), 73 mi; Nissan: 24 kWh (usable approx. 21), ' +
          '3.3 kW onboard, CHAdeMO (standard on SL, peak approx. 45 kW)',
      },
      {
        yearFrom: 2013,
        yearTo: 2015,
        name: '24 kWh (6.6 kW charger)',
        usableBatteryKwh: 21,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(29),
        maxAcKw: 6.6,
        maxDcKw: 45,
        dcTaper: CHADEMO_HALF,
        curbMassKg: kgFromLb(3291),
        source:
          'fueleconomy.gov 2013 Nissan Leaf: 29 kWh/100 mi (115 MPGe), 75 mi (84 mi on the 2014–2015 label); ' +
          'Nissan: 24 kWh (usable approx. 21), 6.6 kW onboard on SV/SL (S 3.3 kW), CHAdeMO peak approx. 45 kW',
      },
      {
        yearFrom: 2016,
        yearTo: 2016,
        name: '24 kWh (S)',
        usableBatteryKwh: 21,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(30),
        maxAcKw: 3.3,
        maxDcKw: 45,
        dcTaper: CHADEMO_HALF,
        curbMassKg: kgFromLb(3291),
        heatPump: false,
        source:
          'fueleconomy.gov 2016 Nissan Leaf S (24 kWh): approx. 30 kWh/100 mi, 84 mi; 3.3 kW onboard (6.6 kW and ' +
          'CHAdeMO optional), usable approx. 21',
      },
      {
        yearFrom: 2016,
        yearTo: 2017,
        name: '30 kWh',
        usableBatteryKwh: 27,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100mi(30),
        maxAcKw: 6.6,
        maxDcKw: 45,
        dcTaper: CHADEMO_HALF,
        curbMassKg: kgFromLb(3391),
        source:
          'fueleconomy.gov 2016 Nissan Leaf 30 kWh: 30 kWh/100 mi (112 MPGe), 107 mi; Nissan: 30 kWh (usable ' +
          'approx. 27), 6.6 kW onboard, CHAdeMO peak approx. 45 kW',
      },
      {
        yearFrom: 2018,
        yearTo: 2021,
        name: '40 kWh',
        usableBatteryKwh: 39,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(30),
        maxAcKw: 6.6,
        maxDcKw: 46,
        dcTaper: CHADEMO_HALF,
        curbMassKg: kgFromLb(3433),
        source:
          'fueleconomy.gov 2018 Nissan Leaf: 30 kWh/100 mi (112 MPGe), 151 mi; Nissan: 40 kWh (usable approx. 39), ' +
          '6.6 kW onboard, CHAdeMO peak approx. 46 kW, throttled to about half when the passively cooled pack is hot ' +
          'after a previous rapid charge',
      },
      {
        yearFrom: 2019,
        yearTo: 2021,
        name: '62 kWh (e+ / Plus)',
        usableBatteryKwh: 59,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100mi(31),
        maxAcKw: 6.6,
        maxDcKw: 70,
        dcTaper: CHADEMO_HALF,
        curbMassKg: kgFromLb(3853),
        source:
          'fueleconomy.gov 2019 Nissan Leaf S Plus: 31 kWh/100 mi (108 MPGe), 226 mi; Nissan: 62 kWh (usable ' +
          'approx. 59), 6.6 kW onboard, CHAdeMO rated 100 kW (observed peak approx. 70 kW)',
      },
    ],
  },
  {
    id: 'nissan-e-nv200',
    make: 'Nissan',
    model: 'e-NV200',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: true,
    listedBy: ['mississippi'],
    notes:
      'Van and Evalia people-carrier; Leaf cells in a differently shaped pack which, unlike the Leaf, has a ' +
      'fan-driven cooling/heating system (Nissan press kit, 2014). Never sold in the US.',
    variants: [
      {
        yearFrom: 2014,
        yearTo: 2017,
        name: '24 kWh',
        usableBatteryKwh: 21,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100km(16.5),
        maxAcKw: 6.6,
        maxDcKw: 45,
        dcTaper: CHADEMO_HALF,
        curbMassKg: 1500,
        source:
          'Nissan e-NV200 NEDC: 170 km, approx. 16.5 kWh/100 km; 24 kWh (usable approx. 21), 3.3 kW onboard with ' +
          '6.6 kW optional, CHAdeMO (80 % in 30 min); curb mass approx.',
      },
      {
        yearFrom: 2018,
        yearTo: 2021,
        name: '40 kWh',
        usableBatteryKwh: 39,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100km(22),
        maxAcKw: 6.6,
        maxDcKw: 46,
        dcTaper: CHADEMO_HALF,
        curbMassKg: 1556,
        source:
          'Nissan e-NV200 40 kWh WLTP: 200 km combined; consumption approx. 22 kWh/100 km (derived from that range); ' +
          '1,556 kg van; 6.6 kW onboard, CHAdeMO peak approx. 46 kW',
      },
    ],
  },
  {
    id: 'mitsubishi-i-miev',
    make: 'Mitsubishi',
    model: 'i-MiEV',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['alectra', 'mississippi'],
    variants: [
      {
        yearFrom: 2012,
        yearTo: 2016,
        name: '16 kWh',
        usableBatteryKwh: 14.5,
        nominalPackVoltageV: 330,
        ratedWhPerKm: whPerKmFromKwhPer100mi(30),
        maxAcKw: 3.3,
        maxDcKw: 45,
        dcTaper: CHADEMO_SMALL_PACK,
        curbMassKg: kgFromLb(2579),
        source:
          'fueleconomy.gov 2012 Mitsubishi i-MiEV: 30 kWh/100 mi (112 MPGe), 62 mi; Mitsubishi: 16 kWh, 88 cells ' +
          '(330 V), 3.3 kW onboard, CHAdeMO optional (peak approx. 45 kW); usable approx. 14.5',
      },
    ],
  },
  {
    id: 'citroen-c-zero',
    make: 'Citroën',
    model: 'C-Zero',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes: I_MIEV_FAMILY_NOTE,
    variants: [
      {
        yearFrom: 2010,
        yearTo: 2020,
        name: '16 / 14.5 kWh',
        usableBatteryKwh: 14,
        nominalPackVoltageV: 330,
        ratedWhPerKm: whPerKmFromKwhPer100km(12.6),
        maxAcKw: 3.3,
        maxDcKw: 45,
        dcTaper: CHADEMO_SMALL_PACK,
        curbMassKg: 1120,
        source:
          'Citroën C-Zero NEDC: 150 km, approx. 12.6 kWh/100 km; usable approx. 14 kWh; CHAdeMO peak approx. 45 kW; ' +
          'curb mass approx.',
      },
    ],
  },
  {
    id: 'peugeot-ion',
    make: 'Peugeot',
    model: 'iOn',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes: I_MIEV_FAMILY_NOTE,
    variants: [
      {
        yearFrom: 2010,
        yearTo: 2020,
        name: '16 / 14.5 kWh',
        usableBatteryKwh: 14,
        nominalPackVoltageV: 330,
        ratedWhPerKm: whPerKmFromKwhPer100km(12.6),
        maxAcKw: 3.3,
        maxDcKw: 45,
        dcTaper: CHADEMO_SMALL_PACK,
        curbMassKg: 1120,
        source:
          'Peugeot iOn NEDC: 150 km, approx. 12.6 kWh/100 km; usable approx. 14 kWh; CHAdeMO peak approx. 45 kW; ' +
          'curb mass approx.',
      },
    ],
  },
  {
    id: 'citroen-berlingo-electric',
    make: 'Citroën',
    model: 'Berlingo Electric',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes:
      'The 2013–2020 van with Mitsubishi-derived drivetrain and 22.5 kWh in two packs, not the 1998–2005 ' +
      'nickel-cadmium Berlingo Électrique nor the 2021 ë-Berlingo.',
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2020,
        name: '22.5 kWh',
        usableBatteryKwh: 20,
        nominalPackVoltageV: 330,
        ratedWhPerKm: whPerKmFromKwhPer100km(17.7),
        maxAcKw: 3.3,
        maxDcKw: 35,
        dcTaper: CHADEMO_SMALL_PACK,
        curbMassKg: 1600,
        source:
          'Citroën Berlingo Electric (2013 launch material): 22.5 kWh, NEDC 170 km, CHAdeMO 80 % in about 35 min; ' +
          'consumption, usable capacity (approx. 20), DC peak (approx. 35 kW), voltage and curb mass approx.',
      },
    ],
  },
  {
    id: 'mitsubishi-outlander-phev',
    make: 'Mitsubishi',
    model: 'Outlander PHEV',
    powertrain: 'PHEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes:
      'Years are North American (2018 on); Europe and Japan had it from 2013. The only PHEV here with DC charging.',
    variants: [
      {
        yearFrom: 2018,
        yearTo: 2020,
        name: '12 kWh',
        usableBatteryKwh: 9.5,
        nominalPackVoltageV: 300,
        ratedWhPerKm: whPerKmFromKwhPer100mi(46),
        maxAcKw: 3.3,
        maxDcKw: 22,
        dcTaper: OUTLANDER_PHEV,
        curbMassKg: kgFromLb(4178),
        electricRangeKm: kmFromMiles(22),
        fuelLPer100km: lPer100kmFromMpg(25),
        source:
          'fueleconomy.gov 2018 Mitsubishi Outlander PHEV: 74 MPGe (46 kWh/100 mi), 22 mi electric, 25 mpg on gas; ' +
          'Mitsubishi: 12 kWh (usable approx. 9.5), CHAdeMO to 80 % (peak approx. 22 kW)',
      },
      {
        yearFrom: 2021,
        yearTo: 2021,
        name: '13.8 kWh',
        usableBatteryKwh: 11,
        nominalPackVoltageV: 300,
        ratedWhPerKm: whPerKmFromKwhPer100mi(46),
        maxAcKw: 3.3,
        maxDcKw: 22,
        dcTaper: OUTLANDER_PHEV,
        curbMassKg: 1900,
        electricRangeKm: kmFromMiles(24),
        fuelLPer100km: lPer100kmFromMpg(26),
        source:
          'fueleconomy.gov 2021 Mitsubishi Outlander PHEV: approx. 74 MPGe, 24 mi electric, 26 mpg on gas; 13.8 kWh ' +
          '(usable approx. 11); curb mass approx.',
      },
    ],
  },
  {
    id: 'renault-fluence-ze',
    make: 'Renault',
    model: 'Fluence Z.E.',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: true,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes: 'Built for Better Place battery swapping; the pack stands behind the rear seats.',
    variants: [
      {
        yearFrom: 2011,
        yearTo: 2014,
        name: '22 kWh',
        usableBatteryKwh: 22,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100km(14),
        maxAcKw: 3.5,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1605,
        source:
          'Renault Fluence Z.E. NEDC: 185 km, approx. 14 kWh/100 km; 22 kWh, 3.5 kW onboard, no DC; heat-pump climate ' +
          'system and curb mass approx.',
      },
    ],
  },
  {
    id: 'renault-kangoo-ze',
    make: 'Renault',
    model: 'Kangoo Z.E.',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    variants: [
      {
        yearFrom: 2011,
        yearTo: 2016,
        name: '22 kWh',
        usableBatteryKwh: 22,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100km(15.5),
        maxAcKw: 3.5,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1410,
        source:
          'Renault Kangoo Z.E. NEDC: 170 km, approx. 15.5 kWh/100 km; 22 kWh, 3.5 kW onboard, no DC; curb mass approx.',
      },
      {
        yearFrom: 2017,
        yearTo: 2021,
        name: '33 kWh',
        usableBatteryKwh: 33,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100km(16.3),
        maxAcKw: 7,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1500,
        heatPump: true,
        source:
          'Renault Kangoo Z.E. 33 (2017): NEDC 270 km, WLTP 230 km; consumption approx. 16.3 kWh/100 km (derived from ' +
          'the WLTP range); 7 kW onboard, heat pump, no DC; curb mass approx.',
      },
    ],
  },
  {
    id: 'renault-twizy',
    make: 'Renault',
    model: 'Twizy',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: false,
    reportsSoh: false,
    listedBy: ['mississippi'],
    notes: 'A two-seat quadricycle with a low-voltage pack and no cabin heating at all.',
    variants: [
      {
        yearFrom: 2012,
        yearTo: 2021,
        name: '6.1 kWh',
        usableBatteryKwh: 6.1,
        nominalPackVoltageV: 58,
        ratedWhPerKm: whPerKmFromKwhPer100km(6.3),
        maxAcKw: 2,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 474,
        source:
          'Renault Twizy (ECE R101): 100 km, approx. 6.3 kWh/100 km; 6.1 kWh, 58 V, full charge in 3.5 h from a ' +
          'domestic socket (approx. 2 kW), no DC',
      },
    ],
  },
  {
    id: 'renault-zoe',
    make: 'Renault',
    model: 'Zoe',
    powertrain: 'BEV',
    cooling: 'air',
    heatPump: true,
    reportsSoh: true,
    listedBy: ['mississippi'],
    notes: 'Never sold in North America. Q-motor versions charge at 43 kW AC; R-motor versions at 22 kW.',
    variants: [
      {
        yearFrom: 2013,
        yearTo: 2014,
        name: '22 kWh (Q210, 43 kW AC)',
        usableBatteryKwh: 22,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100km(14.6),
        maxAcKw: 43,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1468,
        source:
          'Renault Zoe Q210 NEDC: 210 km, 14.6 kWh/100 km; 22 kWh, Chameleon charger up to 43 kW AC, no DC; heat ' +
          'pump standard',
      },
      {
        yearFrom: 2015,
        yearTo: 2016,
        name: '22 kWh (R240, 22 kW AC)',
        usableBatteryKwh: 22,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100km(13.3),
        maxAcKw: 22,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1468,
        source: 'Renault Zoe R240 NEDC: 240 km, approx. 13.3 kWh/100 km; 22 kWh, 22 kW AC, no DC',
      },
      {
        yearFrom: 2017,
        yearTo: 2019,
        name: '41 kWh (ZE40)',
        usableBatteryKwh: 41,
        nominalPackVoltageV: 360,
        ratedWhPerKm: whPerKmFromKwhPer100km(16),
        maxAcKw: 22,
        maxDcKw: null,
        dcTaper: NO_DC,
        curbMassKg: 1480,
        source:
          'Renault Zoe ZE40 R90 WLTP: 300 km, approx. 16 kWh/100 km (derived from that range; NEDC 400 km); 41 kWh, ' +
          '22 kW AC (Q90 43 kW), no DC',
      },
      {
        yearFrom: 2020,
        yearTo: 2021,
        name: '52 kWh (ZE50)',
        usableBatteryKwh: 52,
        nominalPackVoltageV: 350,
        ratedWhPerKm: whPerKmFromKwhPer100km(17.2),
        maxAcKw: 22,
        maxDcKw: 46,
        dcTaper: HOLD_TO_55,
        curbMassKg: 1502,
        source:
          'Renault Zoe ZE50 R110 WLTP: 395 km, approx. 17.2 kWh/100 km; 52 kWh, 22 kW AC, optional CCS (peak approx. ' +
          '46 kW)',
      },
    ],
  },
];

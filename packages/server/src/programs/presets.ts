/**
 * Ready-made programs for the three utilities the simulator drives in, with what derivation needs:
 * time zone, territory, time-of-use periods and grid emission factors. Figures name their source.
 *
 * Terms and rewards are the seed pages' (../shared/seeds): Alectra pays $50 at the start and $5 a
 * month, BEV only; Mississippi Power pays 25,000 points at the start, 5,000 a month and 25,000
 * after a year (1,000 points = $1), BEV and PHEV, unlisted vehicles may apply, 60 participants.
 * The pilots' own dates (Alectra: applications from June 2020, data until December 2022;
 * Mississippi: from September 2020, about a year) are long past, so the presets leave the
 * application window and collection period open: a utility sets its own. Support email
 * addresses are blank on the seed pages and left unset here.
 *
 * The territories are the simulator's hand-drawn outlines (approximate, a few kilometres out in
 * places): good for a demo and for tests, NOT the utilities' legal service boundaries. A real
 * program uploads its own.
 */
import { REGIONS } from '@smartcharge/device';
import type { TCreateProgram } from './program.service.js';
import { ALECTRA_VEHICLES, MISSISSIPPI_VEHICLES } from './preset-vehicle-lists.js';
import type { TRatePlanInput } from './rate-plan.js';

export const PRESET_IDS = ['alectra', 'mississippi-power', 'snohomish-pud'] as const;
export type PresetId = (typeof PRESET_IDS)[number];

/**
 * Ontario grid, g CO2e/kWh by local hour of day (index 0 = 00:00–01:00): IESO hourly generation
 * with the St-Jacques, Bucking & O'Brien (2020) method, 2024 means by hour ending (the latest year
 * in shared/reference/ontario-hourly-emission-factors.csv).
 */
const ONTARIO_2024_HOURLY = [
  56.5, 51.2, 50.2, 53.3, 60.1, 68.6, 76.5, 82.8, 85.7, 87.9, 89.3, 90.5, 91.0, 91.3, 91.8, 93.9, 97.5, 99.8, 99.9,
  99.2, 98.7, 92.2, 80.1, 67.3,
];
/**
 * Ontario's Regulated Price Plan, Time-of-Use (the plan most Alectra households are on), prices set
 * by the Ontario Energy Board from 1 November 2024: off-peak 7.6 ¢, mid-peak 12.2 ¢, on-peak 15.8 ¢
 * per kWh (the same release as the Ultra-Low Overnight prices in the `tou` above). Winter (from 1
 * November) weekdays: on-peak 7–11 and 17–19, mid-peak 11–17; summer (from 1 May) weekdays:
 * on-peak 11–17, mid-peak 7–11 and 17–19; off-peak every other hour, all weekend and on the
 * holidays the OEB lists (a holiday on a weekend moves to the next weekday). Electricity line only:
 * delivery, regulatory charges, the Ontario Electricity Rebate and HST are not in it.
 */
const ONTARIO_RPP_TOU_2024: TRatePlanInput = {
  name: 'Ontario Time-of-Use prices',
  periods: [
    { key: 'off_peak', label: 'Off-peak', pricePerKwh: 0.076 },
    { key: 'mid_peak', label: 'Mid-peak', pricePerKwh: 0.122 },
    { key: 'on_peak', label: 'On-peak', pricePerKwh: 0.158 },
  ],
  seasons: [
    {
      label: 'Winter',
      from: '11-01',
      rules: [
        { period: 'off_peak', days: 'weekends', from_hour: 0, to_hour: 24 },
        { period: 'on_peak', days: 'weekdays', from_hour: 7, to_hour: 11 },
        { period: 'mid_peak', days: 'weekdays', from_hour: 11, to_hour: 17 },
        { period: 'on_peak', days: 'weekdays', from_hour: 17, to_hour: 19 },
      ],
      default: 'off_peak',
    },
    {
      label: 'Summer',
      from: '05-01',
      rules: [
        { period: 'off_peak', days: 'weekends', from_hour: 0, to_hour: 24 },
        { period: 'mid_peak', days: 'weekdays', from_hour: 7, to_hour: 11 },
        { period: 'on_peak', days: 'weekdays', from_hour: 11, to_hour: 17 },
        { period: 'mid_peak', days: 'weekdays', from_hour: 17, to_hour: 19 },
      ],
      default: 'off_peak',
    },
  ],
  // New Year's Day, Family Day, Good Friday, Victoria Day, Canada Day, Civic Holiday, Labour Day,
  // Thanksgiving, Christmas and Boxing Day, as observed.
  holidays: [
    ...['2025-01-01', '2025-02-17', '2025-04-18', '2025-05-19', '2025-07-01', '2025-08-04', '2025-09-01'],
    ...['2025-10-13', '2025-12-25', '2025-12-26', '2026-01-01', '2026-02-16', '2026-04-03', '2026-05-18'],
    ...['2026-07-01', '2026-08-03', '2026-09-07', '2026-10-12', '2026-12-25', '2026-12-28', '2027-01-01'],
    ...['2027-02-15', '2027-03-26', '2027-05-24', '2027-07-01', '2027-08-02', '2027-09-06', '2027-10-11'],
    ...['2027-12-27', '2027-12-28'],
  ],
  compareWith: { period: 'on_peak' },
  source: 'Ontario Energy Board, Regulated Price Plan prices from 1 November 2024',
  note: 'The electricity line of the bill only: delivery, regulatory charges, the Ontario Electricity Rebate and HST are not included.',
};

/**
 * A flat price where the preset does not know the utility's residential time-of-use tariff: the
 * state's average residential revenue per kWh (EIA, Electric Power Annual 2023, October 2024). An
 * approximation, not the utility's rate: its administrator enters the real plan.
 */
const flatRate = (cents: number, state: string): TRatePlanInput => ({
  name: 'Flat rate (approximate)',
  periods: [{ key: 'all_hours', label: 'All hours', pricePerKwh: cents / 100 }],
  seasons: [{ label: 'All year', from: '01-01', rules: [], default: 'all_hours' }],
  source: `Approximation: the average residential price in ${state} in 2023 (EIA Electric Power Annual), not the utility's tariff`,
  note: 'One price at all hours: when you charge does not change the cost.',
});

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export const PRESETS: Readonly<Record<PresetId, TCreateProgram>> = {
  alectra: {
    slug: 'alectra',
    name: 'SmartCharge Ontario (Alectra)',
    utility: 'Alectra Utilities',
    timeZone: 'America/Toronto',
    territory: REGIONS.ontario.territory.geometry,
    // Ontario Energy Board Ultra-Low Overnight plan: 23–07 every day ultra-low (2.8 ¢/kWh),
    // 16–21 on weekdays on-peak (28.4 ¢), weekends 07–23 off-peak, otherwise mid-peak. Holidays
    // count as weekdays here.
    tou: {
      periods: ['ultra_low', 'on_peak', 'mid_peak', 'weekend_off_peak'],
      rules: [
        { period: 'ultra_low', days: 'all', from_hour: 23, to_hour: 7 },
        { period: 'on_peak', days: 'weekdays', from_hour: 16, to_hour: 21 },
        { period: 'weekend_off_peak', days: 'weekends', from_hour: 7, to_hour: 23 },
      ],
      default: 'mid_peak',
    },
    gridGPerKwh: Math.round(mean(ONTARIO_2024_HOURLY) * 10) / 10,
    gridHourlyGPerKwh: ONTARIO_2024_HOURLY,
    gridSource: 'Ontario 2024 hourly means (IESO generation, St-Jacques, Bucking & O’Brien 2020 method)',
    comparatorMpg: 22,
    ratePlan: ONTARIO_RPP_TOU_2024,
    region: 'Ontario, Canada',
    description:
      'Share how your EV drives and charges with Alectra, to help plan the grid, and earn rewards: $50 to start and $5 every month.',
    eligibility: {
      powertrains: ['BEV'],
      utilityCustomersOnly: true,
      homeCountry: 'CA',
      homeRegions: ['ON'],
      note: 'You own or lease a fully battery electric vehicle (BEV) and are an Alectra customer who typically charges within Alectra’s service territory. Plug-in hybrids may be considered in the future.',
    },
    vehicleList: [...ALECTRA_VEHICLES],
    unlistedVehiclesMayApply: false,
    supportHours: 'Monday to Friday, 8 am – 5 pm Eastern',
    currency: 'CAD',
    pointsPerUnit: 100,
    rewardDisplay: 'money',
    rewardRules: [
      { key: 'start', type: 'start_bonus', label: 'Start bonus', points: 5000, minKwh: 1, requireTerritory: true },
      {
        key: 'monthly',
        type: 'monthly_participation',
        label: 'Monthly reward',
        points: 500,
        minKwh: 1,
        requireTerritory: true,
      },
    ],
    payoutOptions: { paypal: { minimumPoints: 100 }, giftCard: { brand: 'Amazon', when: 'year_end' } },
  },
  'mississippi-power': {
    slug: 'mississippi-power',
    name: 'SmartCharge Mississippi',
    utility: 'Mississippi Power',
    timeZone: 'America/Chicago',
    territory: REGIONS.mississippi.territory.geometry,
    gridGPerKwh: 384,
    gridSource: 'EPA eGRID2023 (June 2025), SERC South subregion (SRSO), CO2e',
    comparatorMpg: 22,
    // Mississippi Power's residential time-of-use prices are not known here: a flat approximation.
    ratePlan: flatRate(13.23, 'Mississippi'),
    region: 'Mississippi, United States',
    description:
      'Help Mississippi Power plan for more EVs and earn rewards: 25,000 points per vehicle to start, 5,000 a month and 25,000 after a year (1,000 points = $1).',
    eligibility: {
      powertrains: ['BEV', 'PHEV'],
      utilityCustomersOnly: true,
      homeCountry: 'US',
      homeRegions: ['MS'],
      note: 'You own or lease a plug-in electric vehicle (battery electric or plug-in hybrid) and are a Mississippi Power customer who typically charges within Mississippi.',
    },
    vehicleList: [...MISSISSIPPI_VEHICLES],
    unlistedVehiclesMayApply: true,
    participantTarget: 60,
    supportPhone: '1-800-975-2434',
    supportHours: 'Monday to Friday, 8 am – 5 pm Eastern (7 am – 4 pm Central)',
    currency: 'USD',
    pointsPerUnit: 1000,
    rewardDisplay: 'points',
    rewardRules: [
      { key: 'start', type: 'start_bonus', label: 'Start bonus', points: 25000, minKwh: 1, requireTerritory: true },
      {
        key: 'monthly',
        type: 'monthly_participation',
        label: 'Monthly reward',
        points: 5000,
        minKwh: 1,
        requireTerritory: true,
      },
      { key: 'first_year', type: 'tenure_bonus', label: 'End-of-year bonus', points: 25000, afterMonths: 12 },
    ],
    payoutOptions: { paypal: { minimumPoints: 1000 }, giftCard: { brand: 'Amazon', when: 'program_end' } },
  },
  'snohomish-pud': {
    slug: 'snohomish-pud',
    name: 'SmartCharge Snohomish County',
    utility: 'Snohomish County PUD',
    timeZone: 'America/Los_Angeles',
    territory: REGIONS.washington.territory.geometry,
    // About 98 % of the PUD's own supply is carbon-free (2019); the rest counted at Washington's
    // rate for unspecified power (0.437 t CO2e/MWh, Department of Ecology): 2 % × 437 ≈ 9 g/kWh.
    gridGPerKwh: 9,
    gridSource: 'Approximation: 2 % of supply at Washington’s unspecified-power rate (437 g/kWh)',
    comparatorMpg: 22,
    ratePlan: flatRate(10.98, 'Washington'),
    region: 'Snohomish County, Washington, United States',
    description:
      'Earn rewards for sharing how your EV charges: $50 to start, $5 a month, and 5¢ for every kWh charged between midnight and 8 am.',
    eligibility: { powertrains: ['BEV', 'PHEV'], utilityCustomersOnly: true, homeCountry: 'US', homeRegions: ['WA'] },
    unlistedVehiclesMayApply: true,
    currency: 'USD',
    pointsPerUnit: 100,
    rewardDisplay: 'money',
    // Beyond the seeds: an off-peak energy reward after Con Edison's SmartCharge ($0.05/kWh, 00:00–08:00).
    rewardRules: [
      { key: 'start', type: 'start_bonus', label: 'Start bonus', points: 5000, minKwh: 1, requireTerritory: true },
      {
        key: 'monthly',
        type: 'monthly_participation',
        label: 'Monthly reward',
        points: 500,
        minKwh: 1,
        requireTerritory: true,
      },
      {
        key: 'overnight_kwh',
        type: 'energy_in_hours',
        label: 'Overnight charging',
        pointsPerKwh: 5,
        hours: { from: 0, to: 8 },
        days: 'all',
        requireTerritory: true,
      },
    ],
    payoutOptions: { paypal: { minimumPoints: 100 }, giftCard: { brand: 'Amazon', when: 'year_end' } },
  },
};

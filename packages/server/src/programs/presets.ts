/**
 * Ready-made programs for the three utilities the simulator drives in, with what derivation needs:
 * time zone, territory, time-of-use periods and grid emission factors. Figures name their source.
 *
 * The territories are the simulator's hand-drawn outlines (approximate, a few kilometres out in
 * places): good for a demo and for tests, NOT the utilities' legal service boundaries. A real
 * program uploads its own.
 */
import { REGIONS } from '@smartcharge/device';
import type { TCreateProgram } from './program.schema.js';

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
  },
};

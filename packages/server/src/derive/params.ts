/**
 * Thresholds of derivation: documented settings (DERIVE_*) with defaults. Changing one changes
 * what is derived; run `smartcharge rebuild` afterwards to apply it to past data.
 */
import type { Config } from '../config.js';

export interface DeriveParams {
  /** Readings further apart than this while driving end one trip and start another (ms). */
  readonly tripMaxGapMs: number;
  /** Plugged-in readings further apart than this (or with the car moved between them) make two sessions (ms). */
  readonly sessionMaxGapMs: number;
  /** Longest interval between readings integrated as measured; longer ones are gaps, estimated (ms). */
  readonly sampleMaxMs: number;
  /** Wall energy a plug-in session needs to count as a charge event (Wh); below it, kept and marked. */
  readonly minSessionWh: number;
  /** Capacity estimates: smallest state-of-charge rise, highest state of charge used, pack temperature range. */
  readonly capacityMinSocDelta: number;
  readonly capacityMaxSoc: number;
  readonly capacityTempMinC: number;
  readonly capacityTempMaxC: number;
  /** Battery health: trailing window of estimates for each week (days), and how many estimates a value needs. */
  readonly healthWindowDays: number;
  readonly healthMinEstimates: number;
}

export const DEFAULT_DERIVE_PARAMS: DeriveParams = {
  tripMaxGapMs: 600_000,
  sessionMaxGapMs: 86_400_000,
  sampleMaxMs: 5_000,
  minSessionWh: 1_000,
  capacityMinSocDelta: 20,
  capacityMaxSoc: 95,
  capacityTempMinC: 5,
  capacityTempMaxC: 30,
  healthWindowDays: 56,
  healthMinEstimates: 3,
};

export type DeriveSettings = Pick<
  Config,
  | 'deriveTripMaxGapS'
  | 'deriveSessionMaxGapS'
  | 'deriveSampleMaxS'
  | 'deriveMinSessionWh'
  | 'deriveCapacityMinSocDelta'
  | 'deriveCapacityMaxSoc'
  | 'deriveCapacityTempMinC'
  | 'deriveCapacityTempMaxC'
  | 'deriveHealthWindowDays'
  | 'deriveHealthMinEstimates'
>;

export function deriveParamsFrom(settings: DeriveSettings): DeriveParams {
  return {
    tripMaxGapMs: settings.deriveTripMaxGapS * 1000,
    sessionMaxGapMs: settings.deriveSessionMaxGapS * 1000,
    sampleMaxMs: settings.deriveSampleMaxS * 1000,
    minSessionWh: settings.deriveMinSessionWh,
    capacityMinSocDelta: settings.deriveCapacityMinSocDelta,
    capacityMaxSoc: settings.deriveCapacityMaxSoc,
    capacityTempMinC: settings.deriveCapacityTempMinC,
    capacityTempMaxC: settings.deriveCapacityTempMaxC,
    healthWindowDays: settings.deriveHealthWindowDays,
    healthMinEstimates: settings.deriveHealthMinEstimates,
  };
}

/** The settings that give DEFAULT_DERIVE_PARAMS (tests and benchmarks that build services directly). */
export const DEFAULT_DERIVE_SETTINGS: DeriveSettings = {
  deriveTripMaxGapS: DEFAULT_DERIVE_PARAMS.tripMaxGapMs / 1000,
  deriveSessionMaxGapS: DEFAULT_DERIVE_PARAMS.sessionMaxGapMs / 1000,
  deriveSampleMaxS: DEFAULT_DERIVE_PARAMS.sampleMaxMs / 1000,
  deriveMinSessionWh: DEFAULT_DERIVE_PARAMS.minSessionWh,
  deriveCapacityMinSocDelta: DEFAULT_DERIVE_PARAMS.capacityMinSocDelta,
  deriveCapacityMaxSoc: DEFAULT_DERIVE_PARAMS.capacityMaxSoc,
  deriveCapacityTempMinC: DEFAULT_DERIVE_PARAMS.capacityTempMinC,
  deriveCapacityTempMaxC: DEFAULT_DERIVE_PARAMS.capacityTempMaxC,
  deriveHealthWindowDays: DEFAULT_DERIVE_PARAMS.healthWindowDays,
  deriveHealthMinEstimates: DEFAULT_DERIVE_PARAMS.healthMinEstimates,
};

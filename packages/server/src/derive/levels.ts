/**
 * Charging level of a session (SAE J1772 levels): AC or DC first, then the AC line voltage, then
 * the power. Level 1 is 120 V AC (1.4–1.9 kW), Level 2 is 208/240 V AC (up to 19.2 kW), DC fast
 * charging is 50–350 kW.
 */
export type ChargeLevel = 'L1' | 'L2' | 'DCFC';
export type LevelBasis = 'kind' | 'voltage' | 'power';

/** AC line voltage below this is Level 1 (120 V nominal); from L2_MIN_V up it is Level 2 (208/240 V). */
export const L1_MAX_V = 150;
export const L2_MIN_V = 180;
/** From power alone: below this Level 1, up to DC_MIN_W Level 2, above DC fast. */
export const L1_MAX_W = 2_400;
export const DC_MIN_W = 20_000;

export function classifyLevel(
  kind: 'ac' | 'dc' | undefined,
  acLineVoltageV: number,
  powerW: number,
): { level: ChargeLevel; basis: LevelBasis } | undefined {
  if (kind === 'dc') return { level: 'DCFC', basis: 'kind' };
  if (!Number.isNaN(acLineVoltageV)) {
    if (acLineVoltageV < L1_MAX_V) return { level: 'L1', basis: 'voltage' };
    if (acLineVoltageV >= L2_MIN_V) return { level: 'L2', basis: 'voltage' };
  }
  if (Number.isNaN(powerW) || powerW <= 0) return undefined;
  if (kind === undefined && powerW > DC_MIN_W) return { level: 'DCFC', basis: 'power' };
  return { level: powerW < L1_MAX_W ? 'L1' : 'L2', basis: 'power' };
}

/**
 * Typical share of the wall energy that reaches the battery, for estimating one side when only the
 * other is measured: Level 2 about 3 % more efficient than Level 1 (VEIC on FleetCarma data), the
 * catalog's 0.88 overall; DC losses are only the car's side (cables, pack).
 */
export const CHARGE_EFFICIENCY: Readonly<Record<ChargeLevel, number>> = { L1: 0.85, L2: 0.88, DCFC: 0.95 };

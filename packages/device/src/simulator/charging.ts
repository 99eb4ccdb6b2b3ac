/**
 * Charging power, second by second, at Level 1 (120 V), Level 2 (208/240 V) and DC fast chargers:
 * what enters the car's inlet (what a C2 reports, and what the wall meter sees less cable
 * losses) and what reaches the battery after the onboard charger, the car's own load while
 * charging and battery conditioning. Figures: SAE J1772 levels (L1 12–16 A at 120 V, L2 up to
 * 80 A at 208/240 V), onboard charger efficiency about 93 %, which with the car's 12 V and pump
 * load while awake makes Level 2 about 3 % more efficient than Level 1 overall (VEIC study on
 * FleetCarma data), DC about 95 % battery-side.
 */
import type { CatalogVariant } from '@smartcharge/catalog';

export type ChargerLevel = 'L1' | 'L2' | 'DCFC';

export interface Charger {
  readonly level: ChargerLevel;
  /** AC supply voltage (L1, L2), or 0 for DC. */
  readonly lineVoltageV: number;
  /** Most the equipment delivers (kW): EVSE rating for AC, station rating for DC. */
  readonly maxKw: number;
  readonly lat: number;
  readonly lon: number;
  readonly inTerritory: boolean;
  readonly site: 'home' | 'work' | 'public';
}

export interface ChargeStep {
  /** Power entering the inlet (W). */
  inletW: number;
  /** Power into the battery terminals (W, positive = charging). */
  batteryW: number;
}

/** Onboard charger efficiency, and the car's own load while awake and charging (W). */
const OBC_EFFICIENCY = 0.935;
const AWAKE_LOAD_W: Record<ChargerLevel, number> = { L1: 110, L2: 240, DCFC: 350 };
const DC_EFFICIENCY = 0.96;

/** AC power falls off near full (constant-voltage phase): full power to 92 %, a quarter at 100 %. */
function acTaper(socPct: number): number {
  if (socPct <= 92) return 1;
  return Math.max(0.15, 1 - ((socPct - 92) / 8) * 0.78);
}

/** DC fast charging is throttled while the pack is cold (before it warms up). */
function dcColdLimit(batteryTempC: number): number {
  if (batteryTempC >= 20) return 1;
  if (batteryTempC <= -10) return 0.2;
  return 0.2 + (0.8 * (batteryTempC + 10)) / 30;
}

/** Interpolated DC power the car accepts at this state of charge (W). */
export function carDcLimitW(variant: CatalogVariant, socPct: number): number {
  if (variant.maxDcKw === null || variant.dcTaper.length === 0) return 0;
  const points = variant.dcTaper;
  let fraction = points[points.length - 1]!.fraction;
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    if (socPct <= b.socPct) {
      fraction = a.fraction + ((b.fraction - a.fraction) * (socPct - a.socPct)) / Math.max(1e-9, b.socPct - a.socPct);
      break;
    }
  }
  return Math.max(0, fraction) * variant.maxDcKw * 1000;
}

export function chargePower(
  charger: Charger,
  variant: CatalogVariant,
  socPct: number,
  batteryTempC: number,
  out: ChargeStep,
): void {
  if (charger.level === 'DCFC') {
    const delivered = Math.min(charger.maxKw * 1000, carDcLimitW(variant, socPct) * dcColdLimit(batteryTempC));
    out.inletW = delivered;
    out.batteryW = Math.max(0, delivered * DC_EFFICIENCY - AWAKE_LOAD_W.DCFC);
    return;
  }
  const inlet = Math.min(charger.maxKw, variant.maxAcKw) * 1000 * acTaper(socPct);
  out.inletW = inlet;
  out.batteryW = Math.max(0, inlet * OBC_EFFICIENCY - AWAKE_LOAD_W[charger.level]);
}

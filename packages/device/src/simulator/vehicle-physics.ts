/**
 * Traction energy from a speed trace: road load (rolling resistance and aerodynamic drag, both
 * worse in the cold — denser air, stiffer tyres, winter roads), inertia, drivetrain losses, and
 * regenerative braking limited by a cold or full battery. Parameters come from the catalog
 * (mass) and generic values by size (drag area), then a road-load factor is calibrated per car
 * so that its consumption matches its rating (see calibrate()).
 */
import type { CatalogModel, CatalogVariant } from '@smartcharge/catalog';

const G = 9.81;
/** Passengers and cargo on a typical trip. */
const PAYLOAD_KG = 110;
/** Wheels, axles and motor rotor add to the mass the motor accelerates. */
const ROTATING_MASS_FACTOR = 1.04;

export function airDensity(tempC: number): number {
  return 101_325 / (287.05 * (tempC + 273.15));
}

/**
 * Rolling resistance factor: cold tyres (+0.6 % per °C below 22) and, on a road covered in snow or
 * slush (a day it snowed: see Climate.roadSnowAt), +2.4 % more per °C below freezing: +73 % at −20 °C (+25 % dry).
 * Snow falls on about half the days below freezing where these fleets live, so on average the term
 * adds what a flat +1.2 %/°C on every cold day did (which Geotab's winter curve was fitted with).
 */
export function rollingFactor(tempC: number, snowyRoad = false): number {
  return 1 + 0.006 * Math.max(0, 22 - tempC) + (snowyRoad ? 0.024 * Math.max(0, -tempC) : 0);
}

/**
 * Motor and inverter efficiency relative to a mild day: hotter coolant means more copper loss (copper's
 * resistance rises 0.39 %/K, and copper is about a third of a drivetrain's losses), about 0.13 % of the
 * input per °C above 25 °C. Small on its own: the larger heat costs are the cooling loads (thermalManagement).
 */
export function drivetrainHeatFactor(ambientC: number): number {
  return 1 - 0.0013 * Math.max(0, ambientC - 25);
}

export interface TractionDemand {
  /** Battery-side power for traction, including drivetrain losses (negative when regenerating). */
  batteryW: number;
  /** Power at the wheels (positive driving, negative braking). */
  wheelW: number;
}

export class VehiclePhysics {
  readonly massKg: number;
  /** Drag area Cd·A (m²), before calibration. */
  readonly dragAreaM2: number;
  readonly crr: number;
  /** Calibrated multiplier on the road load (rolling + aero), so consumption matches the rating. */
  roadLoadFactor = 1;
  /** Most regenerative power at the wheels the powertrain accepts (W). */
  readonly maxRegenW: number;
  readonly maxTractionW: number;

  constructor(model: CatalogModel, variant: CatalogVariant) {
    this.massKg = variant.curbMassKg + PAYLOAD_KG;
    // Generic drag area by size: a 1,600 kg hatchback about 0.70 m², a 2,300 kg SUV about 0.85 m².
    this.dragAreaM2 = 0.5 + 0.00015 * variant.curbMassKg;
    this.crr = model.powertrain === 'PHEV' ? 0.0095 : 0.0088;
    this.maxRegenW = Math.min(120_000, 40 * variant.curbMassKg);
    this.maxTractionW = Math.max(60_000, 75 * variant.curbMassKg);
  }

  /**
   * Battery-side traction power for one second going from `v0` to `v1` (m/s).
   * `regenLimitFactor` (0–1) scales the regeneration the battery accepts (cold or full pack).
   */
  demand(
    v0: number,
    v1: number,
    ambientC: number,
    regenLimitFactor: number,
    out: TractionDemand,
    snowyRoad = false,
  ): void {
    const v = (v0 + v1) / 2;
    const accel = v1 - v0;
    const rolling = v > 0.1 ? this.massKg * G * this.crr * rollingFactor(ambientC, snowyRoad) : 0;
    const aero = 0.5 * airDensity(ambientC) * this.dragAreaM2 * v * v;
    const force = this.massKg * ROTATING_MASS_FACTOR * accel + this.roadLoadFactor * (rolling + aero);
    const wheelW = Math.min(this.maxTractionW, force * v);
    out.wheelW = wheelW;
    if (wheelW >= 0) {
      // Motor and inverter: about 90 % at useful loads, plus fixed losses while moving.
      out.batteryW = v > 0.1 ? wheelW / (0.9 * drivetrainHeatFactor(ambientC)) + 250 : 0;
    } else {
      const regen = Math.min(-wheelW, this.maxRegenW * regenLimitFactor, 2500 * v);
      out.batteryW = -regen * 0.72 * drivetrainHeatFactor(ambientC);
    }
  }
}

/** Share of full regeneration a pack accepts at this temperature and state of charge. */
export function regenAcceptance(batteryTempC: number, socPct: number): number {
  const thermal = batteryTempC <= -10 ? 0.1 : batteryTempC >= 10 ? 1 : 0.1 + (0.9 * (batteryTempC + 10)) / 20;
  const full = socPct >= 98 ? 0.1 : socPct >= 90 ? 0.1 + (0.9 * (98 - socPct)) / 8 : 1;
  return thermal * full;
}

/**
 * One second of driving on the battery: traction, the cabin, and the cooling and heating the car
 * runs for its pack and drivetrain. Shared by the fleet's vehicles and the dynamometer runs, so
 * the published dynamometer figures test the very model the fleet drives with.
 */
import type { BatteryCooling } from '@smartcharge/catalog';
import type { Battery, ElectricalState } from './battery.js';
import type { Cabin, CabinPower } from './cabin.js';
import { regenAcceptance, type TractionDemand, type VehiclePhysics } from './vehicle-physics.js';

/** Electric power the car's thermal management draws, and the heat it puts into the pack (W, negative: removed). */
export interface ThermalLoad {
  electricW: number;
  packHeatW: number;
}

/**
 * Thermal management while driving (W).
 * - Every car: radiator fan and coolant pumps for the motor and power electronics, from 25 °C
 *   outside, 15 W per °C.
 * - Liquid-cooled packs: heated in deep cold (pack below −8 °C: 1.8 kW, for power and regeneration);
 *   in heat the chiller and its pump run while driving to hold the pack near 30 °C against the heat
 *   soaking in (20 W per °C outside above 25 °C), with a pull-down of 700 W while the pack is above
 *   35 °C (removing 2.5 times that as heat, a chiller's usual coefficient of performance).
 * - Air-cooled packs: a blower, 10 W per °C above 25 °C.
 * Fitted, with the drivetrain's loss in heat (drivetrainHeatFactor), to the dynamometer study's
 * −4 % range at 95 °F with HVAC off (see realism.test.ts); how it splits between them is our estimate.
 */
export function thermalManagement(
  cooling: BatteryCooling,
  batteryTempC: number,
  ambientC: number,
  out: ThermalLoad,
): void {
  const heat = Math.max(0, ambientC - 25);
  let electricW = 15 * heat;
  let packHeatW = 0;
  if (cooling === 'liquid') {
    if (batteryTempC < -8) {
      electricW += 1800;
      packHeatW = 1800 * 0.9;
    } else {
      electricW += 20 * heat;
      if (batteryTempC > 35) {
        electricW += 700;
        packHeatW = -2.5 * 700;
      }
    }
  } else if (cooling === 'air') {
    electricW += 10 * heat;
  }
  out.electricW = electricW;
  out.packHeatW = packHeatW;
}

/** The parts a car drives with. */
export class ElectricDrive {
  readonly demand: TractionDemand = { batteryW: 0, wheelW: 0 };
  readonly cabinPower: CabinPower = { hvacW: 0, auxW: 0 };
  readonly thermal: ThermalLoad = { electricW: 0, packHeatW: 0 };
  readonly electrical: ElectricalState = { voltageV: 0, currentA: 0, heatW: 0 };

  constructor(
    readonly physics: VehiclePhysics,
    readonly cabin: Cabin,
    readonly battery: Battery,
    readonly cooling: BatteryCooling,
    /** Climate control on (the default) or off. */
    readonly hvac = true,
  ) {}

  /** Works out this second's loads (traction, cabin, thermal) going from `v0` to `v1` m/s. */
  loads(v0: number, v1: number, ambientC: number, sunFactor: number, snowyRoad: boolean): void {
    const battery = this.battery;
    this.physics.demand(v0, v1, ambientC, regenAcceptance(battery.tempC, battery.socPct), this.demand, snowyRoad);
    this.cabin.drive(ambientC, sunFactor, this.cabinPower, this.hvac);
    thermalManagement(this.cooling, battery.tempC, ambientC, this.thermal);
  }

  /** What the battery is asked for when it carries everything (a battery EV). */
  get terminalW(): number {
    return this.demand.batteryW + this.cabinPower.hvacW + this.cabinPower.auxW + this.thermal.electricW;
  }

  /** Draws `terminalW` from the pack for one second, and moves its temperature. */
  draw(terminalW: number, ambientC: number): void {
    const battery = this.battery;
    battery.step(terminalW, 1, this.electrical);
    battery.noteTime(1);
    // Driving, the pack drifts toward outside; conditioning adds or removes heat.
    battery.relaxTemperature(ambientC, 1, 30);
    battery.tempC += this.thermal.packHeatW / battery.heatCapacityJPerK;
  }

  /** Power the battery really delivered this second (W; the BMS may give less than asked). */
  get deliveredW(): number {
    return this.electrical.voltageV * this.electrical.currentA;
  }
}

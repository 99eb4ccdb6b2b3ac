/**
 * Cabin climate and the power it costs: heating (resistive, or a heat pump whose efficiency
 * falls with the cold), air conditioning against heat and sun, the blower, and accessories
 * (12 V loads, seat and mirror heaters in winter). A cold-soaked cabin must first be warmed,
 * which is why short winter trips cost so much more per kilometre than long ones.
 */

const SETPOINT_C = 21;
/** Heat the cabin loses per kelvin of difference with outside, while driving (W/K): walls, glass, fresh air. */
const CABIN_LOSS_W_PER_K = 80;
/** Effective heat capacity warmed at a cold start: the air and the inner surfaces (J/K). */
const CABIN_HEAT_CAPACITY_J_PER_K = 60000;
/** Warm-up: the heater works this hard at most (thermal W). */
const MAX_HEATER_W = 6500;
/** Extra heat load of the sun on a summer afternoon (thermal W). */
const SOLAR_LOAD_W = 900;

/**
 * How much of the winter extras run (0–1): dehumidifying the cabin (the A/C compressor runs with
 * the heater to keep the glass clear), defrosters, seat and steering-wheel heaters. Most around
 * and just below freezing, when the air is damp; fewer in dry deep cold.
 */
export function winterExtras(ambientC: number): number {
  if (ambientC >= 18) return 0;
  if (ambientC >= 0) return (18 - ambientC) / 18;
  if (ambientC >= -12) return 1;
  return Math.max(0.65, 1 - (-12 - ambientC) * 0.04);
}
const DEHUMIDIFY_W = 550;
const WINTER_ACCESSORIES_W = 250;
/** 12 V loads that always run: electronics, lights, infotainment. */
const BASE_AUX_W = 260;

function heatPumpCop(ambientC: number): number {
  if (ambientC <= -15) return 1;
  return Math.min(3, 1 + ((ambientC + 15) / 25) * 2);
}

export interface CabinPower {
  /** Heating and air conditioning, electric (W): what a C2 reads as HVAC power. */
  hvacW: number;
  /** Other accessories through the 12 V converter (W). */
  auxW: number;
}

export class Cabin {
  tempC: number;

  constructor(
    initialC: number,
    private readonly heatPump: boolean,
  ) {
    this.tempC = initialC;
  }

  /**
   * One second of driving: returns electric HVAC and accessory power in `out`. With `hvac` false the
   * climate control is off (as in a dynamometer test's "HVAC off" runs): no heating, cooling, blower,
   * defrosting or seat heating; the cabin drifts toward outside and only the 12 V base load remains.
   */
  drive(ambientC: number, sunFactor: number, out: CabinPower, hvac = true): void {
    const loss = CABIN_LOSS_W_PER_K * (this.tempC - ambientC);
    const solarW = SOLAR_LOAD_W * sunFactor;
    if (!hvac) {
      this.tempC += (solarW - loss) / CABIN_HEAT_CAPACITY_J_PER_K;
      out.hvacW = 0;
      out.auxW = BASE_AUX_W;
      return;
    }
    let thermalW = 0;
    let electricW = 0;
    if (this.tempC < SETPOINT_C - 0.5 || ambientC < 15) {
      // Heating: hold the setpoint against the loss, and close the gap within a few minutes.
      const warmUp = (CABIN_HEAT_CAPACITY_J_PER_K * Math.max(0, SETPOINT_C - this.tempC)) / 300;
      thermalW = Math.min(MAX_HEATER_W, Math.max(0, loss - solarW) + warmUp);
      electricW = thermalW / (this.heatPump ? heatPumpCop(ambientC) : 1);
    } else if (ambientC > 22 || this.tempC > SETPOINT_C + 1) {
      // Cooling: the heat load grows with the temperature difference and the sun while the
      // compressor's efficiency falls as it gets hotter, so the cost grows about with the square
      // of the excess over 22 °C (fitted to Geotab's curve with the heat costs of electric-drive.ts
      // and drivetrainHeatFactor: about 2.2 kW at 40 °C).
      const pullDown = (CABIN_HEAT_CAPACITY_J_PER_K * Math.max(0, this.tempC - SETPOINT_C)) / 400;
      const load = Math.max(0, -loss) + solarW + pullDown;
      thermalW = -load;
      const excess = Math.max(0, ambientC - 22);
      electricW = 4.2 * excess * excess + 60 * sunFactor + pullDown / 3;
    }
    this.tempC += (thermalW - loss + solarW) / CABIN_HEAT_CAPACITY_J_PER_K;
    const blowerW = thermalW === 0 ? 60 : 180;
    const winter = winterExtras(ambientC);
    out.hvacW = electricW + blowerW + DEHUMIDIFY_W * winter;
    // 12 V loads: electronics, lights, infotainment; in winter defrosters, seat and wheel heaters.
    out.auxW = BASE_AUX_W + WINTER_ACCESSORIES_W * winter;
  }

  /** Parked (HVAC off): the cabin drifts toward outside, warmer than it in the sun. */
  park(ambientC: number, sunFactor: number, dtS: number): void {
    const target = ambientC + 12 * sunFactor;
    this.tempC += (target - this.tempC) * (1 - Math.exp(-dtS / 2400));
  }
}

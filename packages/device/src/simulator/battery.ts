/**
 * The traction battery as the simulator sees it: open-circuit voltage against state of charge,
 * terminal voltage and current for a power demand (internal resistance, higher when cold),
 * heating, and ageing (capacity and power fade from time, temperature, state of charge and
 * charging, faster with DC fast charging and without liquid cooling).
 *
 * Simplifications, on purpose: one lumped cell model per pack (no per-module spread), linear
 * calendar fade in time (real fade is faster in the first months, roughly with the square root
 * of time), and a lumped thermal mass.
 */
import type { BatteryCooling } from '@smartcharge/catalog';

/** Open-circuit voltage of an NMC cell against state of charge (typical published shape). */
const CELL_OCV: readonly (readonly [socPct: number, volts: number])[] = [
  [0, 3.3],
  [5, 3.45],
  [10, 3.52],
  [20, 3.6],
  [30, 3.65],
  [40, 3.7],
  [50, 3.75],
  [60, 3.82],
  [70, 3.9],
  [80, 3.98],
  [90, 4.07],
  [100, 4.17],
];
const NOMINAL_CELL_V = 3.7;

/** OCV tabulated every 0.5 % for a cheap lookup on the 1 Hz path. */
const OCV_TABLE = new Float64Array(201);
for (let i = 0; i <= 200; i++) {
  const soc = i / 2;
  let k = 0;
  while (k < CELL_OCV.length - 2 && CELL_OCV[k + 1]![0] < soc) k++;
  const [s0, v0] = CELL_OCV[k]!;
  const [s1, v1] = CELL_OCV[k + 1]!;
  OCV_TABLE[i] = v0 + ((v1 - v0) * (soc - s0)) / (s1 - s0);
}

export function cellOcv(socPct: number): number {
  const x = Math.min(200, Math.max(0, socPct * 2));
  const i = Math.min(199, Math.floor(x));
  const f = x - i;
  return OCV_TABLE[i]! * (1 - f) + OCV_TABLE[i + 1]! * f;
}

/** Resistance multiplier against cell temperature: about ×2.4 at 0 °C and ×5 at −20 °C. */
export function resistanceFactor(tempC: number): number {
  return tempC < 25 ? Math.exp(0.035 * (25 - tempC)) : Math.exp(0.01 * (25 - tempC));
}

/** Thermal time constant of a parked pack (hours): liquid-cooled packs are insulated. */
const PARKED_TIME_CONSTANT_H: Record<BatteryCooling, number> = { liquid: 14, air: 8, passive: 7 };

/**
 * Ageing rates, calibrated so a mixed fleet lands near Geotab's average of 2.3 % capacity per
 * year (2019 study, 6,300 EVs), mostly-AC drivers lower and frequent DC fast charging higher
 * (up to ~3 %/year), and passively cooled packs (2015 Leaf: 4.2 %/year) far higher.
 */
const AGEING = {
  /** Calendar fade per year at 25 °C and 50 % SoC, as a fraction of new capacity. */
  calendarPerYear: 0.0135,
  /** Arrhenius-like doubling every this many °C above 25. */
  calendarDoublingC: 13,
  /** Calendar fade multiplier from mean SoC: higher state of charge ages faster. */
  socStress: (socPct: number) => 0.65 + 0.7 * (socPct / 100),
  /** Fade per equivalent full cycle of AC charging and driving. */
  perCycle: 0.00012,
  /** Extra fade per equivalent full cycle delivered by DC fast charging at 100 kW (scales with power). */
  perDcCycleAt100kw: 0.0006,
  cooling: { liquid: 1, air: 1.35, passive: 1.9 } satisfies Record<BatteryCooling, number>,
  /** Internal resistance grows this many times faster than capacity fades. */
  resistanceGrowthPerFade: 2.5,
} as const;

export interface BatteryInit {
  readonly usableKwh: number;
  readonly nominalPackVoltageV: number;
  readonly cooling: BatteryCooling;
  readonly socPct: number;
  readonly tempC: number;
}

export interface ElectricalState {
  voltageV: number;
  currentA: number;
  /** Heat generated inside the pack during the step (W). */
  heatW: number;
}

export class Battery {
  readonly newCapacityWh: number;
  readonly seriesCells: number;
  readonly cooling: BatteryCooling;
  /** Thermal mass of the pack (J/K): about 6.5 kg of pack per kWh at ~1 kJ/(kg·K). */
  readonly heatCapacityJPerK: number;
  /** Fraction of new capacity lost so far. */
  fade = 0;
  /** State of charge relative to today's usable capacity, 0–100. */
  socPct: number;
  tempC: number;
  private readonly newResistanceOhm: number;
  // Since the last call to age(): what stresses the pack.
  private stressSeconds = 0;
  private socSecondsSum = 0;
  private tempSecondsSum = 0;
  private cycledWh = 0;
  private dcStressWh = 0;

  constructor(init: BatteryInit) {
    this.newCapacityWh = init.usableKwh * 1000;
    this.seriesCells = Math.round(init.nominalPackVoltageV / NOMINAL_CELL_V);
    this.cooling = init.cooling;
    this.heatCapacityJPerK = init.usableKwh * 6.5 * 1000;
    this.socPct = init.socPct;
    this.tempC = init.tempC;
    // About a 3.5 % voltage drop at a 1C discharge when new, at 25 °C.
    const oneC = this.newCapacityWh / init.nominalPackVoltageV;
    this.newResistanceOhm = (0.035 * init.nominalPackVoltageV) / oneC;
  }

  get capacityWh(): number {
    return this.newCapacityWh * (1 - this.fade);
  }

  /** State of health: today's capacity as a share of new, 0–100. */
  get sohPct(): number {
    return (1 - this.fade) * 100;
  }

  /** Power capacity relative to new (deliverable power scales with 1/resistance), 0–100. */
  get powerCapacityPct(): number {
    return 100 / (1 + AGEING.resistanceGrowthPerFade * this.fade);
  }

  get energyWh(): number {
    return (this.socPct / 100) * this.capacityWh;
  }

  openCircuitV(): number {
    return this.seriesCells * cellOcv(this.socPct);
  }

  resistanceOhm(): number {
    return this.newResistanceOhm * (1 + AGEING.resistanceGrowthPerFade * this.fade) * resistanceFactor(this.tempC);
  }

  /** Most power the pack can deliver right now (W), at the voltage floor of 3.0 V per cell. */
  maxDischargeW(): number {
    const ocv = this.openCircuitV();
    const floor = this.seriesCells * 3.0;
    return (floor * (ocv - floor)) / this.resistanceOhm();
  }

  /**
   * Draws `terminalW` (positive discharges, negative charges) for `dtS` seconds: updates the
   * state of charge and temperature, and writes voltage, current and heat into `out`.
   */
  step(terminalW: number, dtS: number, out: ElectricalState): void {
    const ocv = this.openCircuitV();
    const r = this.resistanceOhm();
    // The BMS never lets a cell fall below 3.0 V: demands beyond that are not delivered (the car is slower).
    if (terminalW > 0) terminalW = Math.min(terminalW, this.maxDischargeW());
    // An empty pack delivers nothing, and never (within its internal losses) more than the energy it has left.
    if (terminalW > 0) terminalW = Math.min(terminalW, (this.energyWh * 3600) / dtS);
    // P = (OCV − I·R)·I  →  I = (OCV − √(OCV² − 4RP)) / 2R; past the pack's limit, deliver its maximum.
    const discriminant = ocv * ocv - 4 * r * terminalW;
    const current = discriminant > 0 ? (ocv - Math.sqrt(discriminant)) / (2 * r) : ocv / (2 * r);
    const voltage = ocv - current * r;
    const heatW = current * current * r;
    const chemicalWh = (ocv * current * dtS) / 3600;
    this.socPct = Math.min(100, Math.max(0, this.socPct - (chemicalWh / this.capacityWh) * 100));
    this.tempC += (heatW * dtS) / this.heatCapacityJPerK;
    this.cycledWh += Math.abs(chemicalWh);
    out.voltageV = voltage;
    out.currentA = current;
    out.heatW = heatW;
  }

  /** Moves the pack temperature toward `targetC` with time constant `timeConstantH` (parked or conditioned). */
  relaxTemperature(targetC: number, dtS: number, timeConstantH = PARKED_TIME_CONSTANT_H[this.cooling]): void {
    const k = 1 - Math.exp(-dtS / (timeConstantH * 3600));
    this.tempC += (targetC - this.tempC) * k;
  }

  /** Notes DC fast-charging energy (battery side) at a given power, for its extra ageing. */
  noteDcCharge(energyWh: number, powerW: number): void {
    this.dcStressWh += energyWh * Math.min(1.6, Math.max(0.4, powerW / 100_000));
  }

  /** Accumulates calendar stress for `dtS` seconds at the present state of charge and temperature. */
  noteTime(dtS: number): void {
    this.stressSeconds += dtS;
    this.socSecondsSum += this.socPct * dtS;
    this.tempSecondsSum += this.tempC * dtS;
  }

  /** Applies the ageing accumulated since the last call (call about once a simulated day). */
  age(): void {
    if (this.stressSeconds > 0) {
      const years = this.stressSeconds / (365.25 * 86_400);
      const meanSoc = this.socSecondsSum / this.stressSeconds;
      const meanTemp = this.tempSecondsSum / this.stressSeconds;
      const thermal = Math.pow(2, (meanTemp - 25) / AGEING.calendarDoublingC);
      this.fade += AGEING.calendarPerYear * years * thermal * AGEING.socStress(meanSoc) * AGEING.cooling[this.cooling];
    }
    const cycles = this.cycledWh / 2 / this.newCapacityWh;
    const dcCycles = this.dcStressWh / this.newCapacityWh;
    // Without liquid cooling a pack ages faster from heat; under fast charging the penalty is
    // milder than for time (the square root of the calendar factor): DC stress dominates anyway.
    const cooling = AGEING.cooling[this.cooling];
    this.fade += AGEING.perCycle * cycles * cooling + AGEING.perDcCycleAt100kw * dcCycles * Math.sqrt(cooling);
    this.fade = Math.min(0.6, this.fade);
    this.stressSeconds = 0;
    this.socSecondsSum = 0;
    this.tempSecondsSum = 0;
    this.cycledWh = 0;
    this.dcStressWh = 0;
  }
}

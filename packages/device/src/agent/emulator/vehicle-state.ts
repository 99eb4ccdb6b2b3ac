/**
 * What the ELM327 emulator answers from: the car's state at a moment, in base units. A test drives
 * it directly (a fixed state) or through a ScriptedVehicle that moves with the simulator's physics.
 */

export interface VehicleState {
  /** ECUs asleep: diagnostic requests get NO DATA, the bus is silent. */
  readonly asleep: boolean;
  /** The 12 V battery as the adapter measures it (ATRV): about 14 V while the DC/DC converter runs. */
  readonly auxVoltageV: number;
  readonly speedMps: number;
  readonly odometerM: number;
  readonly socPct: number;
  readonly packVoltageV: number;
  /** Positive discharging. */
  readonly packCurrentA: number;
  readonly batteryTempC: number;
  readonly ambientTempC: number;
  readonly sohPct: number;
  readonly acLineVoltageV: number;
  readonly acLineCurrentA: number;
  readonly chargePowerW: number;
  /** The on-board charger's DC side while it charges (AC charging only; 0 on a DC fast charger). */
  readonly chargerOutputVoltageV: number;
  readonly chargerOutputCurrentA: number;
  readonly hvacPowerW: number;
  readonly auxPowerW: number;
  readonly inGear: boolean;
  readonly plugged: boolean;
  readonly charging: boolean;
  readonly dc: boolean;
}

export interface EmulatedVehicle {
  /** The state at `timeMs` (called with non-decreasing times). */
  stateAt(timeMs: number): VehicleState;
  readonly vin: string;
}

export const PARKED_AWAKE: VehicleState = {
  asleep: false,
  auxVoltageV: 14.1,
  speedMps: 0,
  odometerM: 12_345_600,
  socPct: 64.5,
  packVoltageV: 372.4,
  packCurrentA: 1.2,
  batteryTempC: 21,
  ambientTempC: 14.5,
  sohPct: 97.3,
  acLineVoltageV: 0,
  acLineCurrentA: 0,
  chargePowerW: 0,
  chargerOutputVoltageV: 0,
  chargerOutputCurrentA: 0,
  hvacPowerW: 0,
  auxPowerW: 300,
  inGear: false,
  plugged: false,
  charging: false,
  dc: false,
};

/** A car whose state the test sets. */
export class FixedVehicle implements EmulatedVehicle {
  state: VehicleState;

  constructor(
    state: Partial<VehicleState> = {},
    readonly vin = 'KM8K33AG5LU000001',
  ) {
    this.state = { ...PARKED_AWAKE, ...state };
  }

  set(changes: Partial<VehicleState>): void {
    this.state = { ...this.state, ...changes };
  }

  stateAt(): VehicleState {
    return this.state;
  }
}

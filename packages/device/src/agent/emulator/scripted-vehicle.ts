/**
 * A car that follows a script — park, drive so far, charge at such a charger until so full —
 * with the fleet simulator's physics: speed traces over city, suburban and highway legs, traction
 * and regeneration from the road load, the battery's voltage sag and state of charge, charging
 * power with the onboard charger's losses and the DC taper. It goes to sleep after a few minutes
 * parked with nothing to do, as real cars do, and wakes for the next step. It also keeps the truth
 * (distance and energy of each trip and session) so tests can score what the agent produced.
 */
import type { CatalogModel, CatalogVariant } from '@smartcharge/catalog';
import { Battery, type ElectricalState } from '../../simulator/battery.js';
import { chargePower, type ChargeStep, type Charger } from '../../simulator/charging.js';
import { routeFor, speedTrace } from '../../simulator/drive-cycle.js';
import { createRandom, type Random } from '../../simulator/random.js';
import { regenAcceptance, VehiclePhysics, type TractionDemand } from '../../simulator/vehicle-physics.js';
import type { EmulatedVehicle, VehicleState } from './vehicle-state.js';

export type ScriptStep =
  | { readonly kind: 'park'; readonly minutes: number }
  | { readonly kind: 'drive'; readonly km: number }
  | {
      readonly kind: 'charge';
      readonly level: 'L1' | 'L2' | 'DCFC';
      /** Most the equipment delivers. */
      readonly kw: number;
      readonly untilSocPct: number;
      /** Stay plugged in this long after charging stops (default 5). */
      readonly pluggedMinutesAfter?: number;
    };

export interface TripTruth {
  readonly startMs: number;
  readonly endMs: number;
  readonly distanceM: number;
  readonly batteryWh: number;
}

export interface SessionTruth {
  readonly pluggedMs: number;
  readonly unpluggedMs: number;
  readonly inletWh: number;
  readonly batteryWh: number;
  readonly socStartPct: number;
  readonly socEndPct: number;
}

export interface ScriptedVehicleOptions {
  readonly model: CatalogModel;
  readonly variant: CatalogVariant;
  readonly startMs: number;
  readonly script: readonly ScriptStep[];
  readonly socPct?: number;
  readonly ambientC?: number;
  readonly seed?: number;
  /** Parked with nothing to do for this long, the car sleeps (default 3 minutes). */
  readonly sleepAfterMs?: number;
  readonly vin?: string;
}

const SECOND = 1000;

export class ScriptedVehicle implements EmulatedVehicle {
  readonly vin: string;
  readonly trips: TripTruth[] = [];
  readonly sessions: SessionTruth[] = [];
  private readonly battery: Battery;
  private readonly physics: VehiclePhysics;
  private readonly random: Random;
  private readonly ambientC: number;
  private readonly sleepAfterMs: number;
  private readonly steps: ScriptStep[];
  private timeMs: number;
  private odometerM = 24_000_000;
  private idleSinceMs: number;
  private state: VehicleState;
  // The step under way.
  private trace: number[] | undefined;
  private traceIndex = 0;
  private parkUntilMs: number | undefined;
  private charge: { charger: Charger; untilSoc: number; doneAtMs: number | undefined; afterMs: number } | undefined;
  private trip: { startMs: number; distanceM: number; batteryWh: number } | undefined;
  private session: { pluggedMs: number; inletWh: number; batteryWh: number; socStart: number } | undefined;
  private readonly electrical: ElectricalState = { voltageV: 0, currentA: 0, heatW: 0 };
  private readonly demand: TractionDemand = { batteryW: 0, wheelW: 0 };
  private readonly step: ChargeStep = { inletW: 0, batteryW: 0 };

  constructor(private readonly options: ScriptedVehicleOptions) {
    this.vin = options.vin ?? 'KM8K33AG5LU000001';
    this.random = createRandom(options.seed ?? 7);
    this.ambientC = options.ambientC ?? 18;
    this.sleepAfterMs = options.sleepAfterMs ?? 180_000;
    this.steps = [...options.script];
    this.timeMs = options.startMs;
    this.idleSinceMs = options.startMs;
    this.physics = new VehiclePhysics(options.model, options.variant);
    this.battery = new Battery({
      usableKwh: options.variant.usableBatteryKwh,
      nominalPackVoltageV: options.variant.nominalPackVoltageV,
      cooling: options.model.cooling,
      socPct: options.socPct ?? 60,
      tempC: this.ambientC + 3,
    });
    this.battery.fade = 0.04;
    this.state = this.snapshot(0, 0, false);
  }

  /** True when the script has run out (the car stays parked from then on). */
  get finished(): boolean {
    return (
      this.steps.length === 0 && this.trace === undefined && this.charge === undefined && this.parkUntilMs === undefined
    );
  }

  stateAt(timeMs: number): VehicleState {
    // Bounded: one pass per simulated second.
    while (this.timeMs + SECOND <= timeMs) this.tick();
    return this.state;
  }

  private tick(): void {
    if (this.trace === undefined && this.charge === undefined && this.parkUntilMs === undefined) this.startNext();
    if (this.trace !== undefined) this.driveSecond();
    else if (this.charge !== undefined) this.chargeSecond();
    else this.parkSecond();
  }

  private startNext(): void {
    const next = this.steps.shift();
    if (next === undefined) return;
    if (next.kind === 'park') {
      this.parkUntilMs = this.timeMs + next.minutes * 60_000;
    } else if (next.kind === 'drive') {
      this.trace = speedTrace(routeFor(next.km * 1000, this.random), this.random, 1);
      this.traceIndex = 0;
      this.trip = { startMs: this.timeMs, distanceM: 0, batteryWh: 0 };
    } else {
      this.charge = {
        charger: {
          level: next.level,
          lineVoltageV: next.level === 'DCFC' ? 0 : next.level === 'L1' ? 120 : 240,
          maxKw: next.kw,
          lat: 43.65,
          lon: -79.38,
          inTerritory: true,
          site: 'home',
        },
        untilSoc: next.untilSocPct,
        doneAtMs: undefined,
        afterMs: (next.pluggedMinutesAfter ?? 5) * 60_000,
      };
      this.session = { pluggedMs: this.timeMs, inletWh: 0, batteryWh: 0, socStart: this.battery.socPct };
    }
  }

  private driveSecond(): void {
    const trace = this.trace!;
    const v0 = trace[this.traceIndex]!;
    const v1 = trace[this.traceIndex + 1] ?? 0;
    this.physics.demand(v0, v1, this.ambientC, regenAcceptance(this.battery.tempC, this.battery.socPct), this.demand);
    const terminalW = this.demand.batteryW + 450; // traction plus accessories and a little climate
    this.battery.step(terminalW, 1, this.electrical);
    this.battery.relaxTemperature(this.ambientC + 8, 1, 2);
    const stepM = (v0 + v1) / 2;
    this.odometerM += stepM;
    this.trip!.distanceM += stepM;
    this.trip!.batteryWh += (this.electrical.voltageV * this.electrical.currentA) / 3600;
    this.timeMs += SECOND;
    this.traceIndex++;
    const moving = this.traceIndex < trace.length - 1;
    this.state = this.snapshot(v1, 0, moving);
    if (!moving) {
      this.trips.push({ startMs: this.trip!.startMs, endMs: this.timeMs, ...this.tripTotals() });
      this.trace = undefined;
      this.trip = undefined;
      this.idleSinceMs = this.timeMs;
    }
  }

  private tripTotals(): { distanceM: number; batteryWh: number } {
    return { distanceM: this.trip!.distanceM, batteryWh: this.trip!.batteryWh };
  }

  private chargeSecond(): void {
    const charge = this.charge!;
    const session = this.session!;
    const charging = charge.doneAtMs === undefined;
    if (charging) {
      chargePower(charge.charger, this.options.variant, this.battery.socPct, this.battery.tempC, this.step);
      this.battery.step(-this.step.batteryW, 1, this.electrical);
      session.inletWh += this.step.inletW / 3600;
      session.batteryWh += this.step.batteryW / 3600;
      if (this.battery.socPct >= charge.untilSoc || this.step.batteryW <= 0) charge.doneAtMs = this.timeMs + SECOND;
    } else {
      this.battery.step(0, 1, this.electrical);
    }
    this.battery.relaxTemperature(this.ambientC + (charge.charger.level === 'DCFC' ? 12 : 3), 1, 1);
    this.timeMs += SECOND;
    const inletW = charging ? this.step.inletW : 0;
    this.state = this.snapshot(0, inletW, false, charge.charger, charging);
    if (charge.doneAtMs !== undefined && this.timeMs >= charge.doneAtMs + charge.afterMs) {
      this.sessions.push({
        pluggedMs: session.pluggedMs,
        unpluggedMs: this.timeMs,
        inletWh: session.inletWh,
        batteryWh: session.batteryWh,
        socStartPct: session.socStart,
        socEndPct: this.battery.socPct,
      });
      this.charge = undefined;
      this.session = undefined;
      this.idleSinceMs = this.timeMs;
    }
  }

  private parkSecond(): void {
    this.battery.relaxTemperature(this.ambientC, 1);
    this.timeMs += SECOND;
    if (this.parkUntilMs !== undefined && this.timeMs >= this.parkUntilMs) this.parkUntilMs = undefined;
    this.state = this.snapshot(0, 0, false);
  }

  private snapshot(
    speedMps: number,
    inletW: number,
    inGear: boolean,
    charger?: Charger,
    charging = false,
  ): VehicleState {
    const battery = this.battery;
    const active = inGear || charger !== undefined || this.trace !== undefined;
    const asleep = !active && this.timeMs - this.idleSinceMs >= this.sleepAfterMs;
    const parked = !active;
    const ac = charger !== undefined && charger.level !== 'DCFC';
    return {
      asleep,
      auxVoltageV: asleep ? 12.4 : 14.2,
      speedMps,
      odometerM: this.odometerM,
      socPct: battery.socPct,
      packVoltageV: parked ? battery.openCircuitV() : this.electrical.voltageV,
      packCurrentA: parked ? 0.8 : this.electrical.currentA,
      batteryTempC: battery.tempC,
      ambientTempC: this.ambientC,
      sohPct: battery.sohPct,
      acLineVoltageV: ac ? charger.lineVoltageV : 0,
      acLineCurrentA: ac && charging ? inletW / charger.lineVoltageV : 0,
      chargePowerW: inletW,
      // The on-board charger delivers the battery side of an AC charge at the pack's voltage.
      chargerOutputVoltageV: ac && charging ? this.electrical.voltageV : 0,
      chargerOutputCurrentA:
        ac && charging && this.electrical.voltageV > 0 ? this.step.batteryW / this.electrical.voltageV : 0,
      hvacPowerW: 0,
      auxPowerW: asleep ? 0 : 300,
      inGear,
      plugged: charger !== undefined,
      charging,
      dc: charger?.level === 'DCFC',
    };
  }
}

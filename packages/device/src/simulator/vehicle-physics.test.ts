import { findVariant, getModelById } from '@smartcharge/catalog';
import { describe, expect, it } from 'vitest';
import { airDensity, regenAcceptance, rollingFactor, VehiclePhysics, type TractionDemand } from './vehicle-physics.js';

/** A 2017 Chevrolet Bolt EV with an uncalibrated road load. */
function bolt(): VehiclePhysics {
  return new VehiclePhysics(getModelById('chevrolet-bolt-ev'), findVariant('Chevrolet', 'Bolt EV', 2017)!);
}

function demand(physics: VehiclePhysics, v0: number, v1: number, ambientC = 20, regen = 1): TractionDemand {
  const out: TractionDemand = { batteryW: Number.NaN, wheelW: Number.NaN };
  physics.demand(v0, v1, ambientC, regen, out);
  return out;
}

describe('airDensity and rollingFactor', () => {
  it('gives the standard 1.225 kg/m³ at 15 °C, denser air when colder', () => {
    expect(airDensity(15)).toBeCloseTo(1.225, 3);
    expect(airDensity(-20)).toBeGreaterThan(airDensity(0));
    expect(airDensity(0)).toBeGreaterThan(airDensity(30));
  });

  it('adds rolling resistance below 22 °C (cold tyres), and on snowy roads more below freezing: +73 % at −20 °C', () => {
    expect(rollingFactor(22)).toBe(1);
    expect(rollingFactor(35)).toBe(1);
    expect(rollingFactor(0)).toBeCloseTo(1.132, 6);
    // A dry cold day: the tyres only.
    expect(rollingFactor(-20)).toBeCloseTo(1.252, 3);
    expect(rollingFactor(-20, true)).toBeCloseTo(1.732, 3);
    // Snow at 5 °C does not lie on the road.
    expect(rollingFactor(5, true)).toBe(rollingFactor(5));
    for (let t = -30; t < 22; t += 2) {
      expect(rollingFactor(t)).toBeGreaterThan(rollingFactor(t + 2));
      expect(rollingFactor(t, true)).toBeGreaterThan(rollingFactor(t + 2, true));
    }
  });
});

describe('VehiclePhysics.demand', () => {
  it('draws nothing at rest', () => {
    const out = demand(bolt(), 0, 0, -20);
    expect(out.batteryW).toBe(0);
    expect(out.wheelW).toBe(0);
  });

  it('needs more power to cruise faster', () => {
    const physics = bolt();
    const at = (v: number) => demand(physics, v, v).batteryW;
    expect(at(15)).toBeGreaterThan(0);
    expect(at(25)).toBeGreaterThan(at(15));
    expect(at(33)).toBeGreaterThan(at(25));
    // Aerodynamic drag dominates on the highway: more energy per metre at 33 m/s than at 15.
    expect(at(33) / 33).toBeGreaterThan(at(15) / 15);
  });

  it('needs more power to cruise in colder air', () => {
    const physics = bolt();
    const at = (ambientC: number) => demand(physics, 25, 25, ambientC).batteryW;
    expect(at(0)).toBeGreaterThan(at(20));
    expect(at(-20)).toBeGreaterThan(at(0));
    // Denser air and stiffer tyres: a cold highway costs 10–30 % more at the wheels.
    expect(at(-20) / at(20)).toBeGreaterThan(1.1);
    expect(at(-20) / at(20)).toBeLessThan(1.3);
  });

  it('costs more to accelerate than to hold the speed', () => {
    const physics = bolt();
    expect(demand(physics, 10, 12).batteryW).toBeGreaterThan(2 * demand(physics, 11, 11).batteryW);
  });

  it('draws more from the battery than reaches the wheels', () => {
    const out = demand(bolt(), 20, 21);
    expect(out.wheelW).toBeGreaterThan(0);
    expect(out.batteryW).toBeGreaterThan(out.wheelW);
  });

  it('scales the road load with the calibrated factor', () => {
    const physics = bolt();
    const base = demand(physics, 25, 25).wheelW;
    physics.roadLoadFactor = 2;
    expect(demand(physics, 25, 25).wheelW).toBeCloseTo(2 * base, 6);
  });

  it('caps traction at the powertrain maximum', () => {
    const physics = bolt();
    const out = demand(physics, 25, 35);
    expect(out.wheelW).toBe(physics.maxTractionW);
  });

  it('returns less energy to the battery when braking than the wheels give up', () => {
    const out = demand(bolt(), 20, 19);
    expect(out.wheelW).toBeLessThan(0);
    expect(out.batteryW).toBeLessThan(0);
    expect(-out.batteryW).toBeLessThan(-out.wheelW * 0.75);
  });

  it('regenerates over a stop less energy than it took to reach the speed', () => {
    const physics = bolt();
    let spent = 0;
    let recovered = 0;
    for (let v = 0; v < 20; v++) spent += demand(physics, v, v + 1).batteryW;
    for (let v = 20; v > 0; v--) recovered -= Math.min(0, demand(physics, v, v - 1).batteryW);
    expect(recovered).toBeGreaterThan(0.2 * spent);
    expect(recovered).toBeLessThan(0.7 * spent);
  });

  it('limits regeneration by the share the battery accepts', () => {
    const physics = bolt();
    // Hard braking from 20 m/s: well beyond what even a warm, half-full pack takes.
    const full = -demand(physics, 20, 17.5, 20, 1).batteryW;
    const half = -demand(physics, 20, 17.5, 20, 0.5).batteryW;
    const none = -demand(physics, 20, 17.5, 20, 0).batteryW;
    expect(half).toBeLessThan(full);
    expect(half).toBeLessThanOrEqual(physics.maxRegenW * 0.5 * 0.72 + 1e-9);
    expect(none).toBeCloseTo(0, 9);
  });
});

describe('regenAcceptance', () => {
  it('accepts full regeneration from a warm pack that is not nearly full', () => {
    expect(regenAcceptance(25, 50)).toBe(1);
    expect(regenAcceptance(10, 89)).toBe(1);
  });

  it('accepts only a tenth from a pack at −10 °C or colder', () => {
    expect(regenAcceptance(-10, 50)).toBeCloseTo(0.1, 12);
    expect(regenAcceptance(-25, 50)).toBeCloseTo(0.1, 12);
    expect(regenAcceptance(0, 50)).toBeCloseTo(0.55, 12);
  });

  it('accepts less as the pack fills above 90 %, a tenth at 98 % and above', () => {
    expect(regenAcceptance(25, 94)).toBeCloseTo(0.55, 12);
    expect(regenAcceptance(25, 98)).toBeCloseTo(0.1, 12);
    expect(regenAcceptance(25, 100)).toBeCloseTo(0.1, 12);
  });

  it('multiplies the cold and the full limits', () => {
    expect(regenAcceptance(0, 94)).toBeCloseTo(0.55 * 0.55, 12);
  });

  it('never rises as the pack cools or fills', () => {
    for (let t = -20; t < 20; t++) expect(regenAcceptance(t, 50)).toBeLessThanOrEqual(regenAcceptance(t + 1, 50));
    for (let soc = 80; soc < 100; soc++)
      expect(regenAcceptance(25, soc + 1)).toBeLessThanOrEqual(regenAcceptance(25, soc));
  });
});

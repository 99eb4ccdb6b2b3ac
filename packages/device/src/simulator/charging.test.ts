import { dcPowerAtSoc, findVariant, type CatalogVariant } from '@smartcharge/catalog';
import { describe, expect, it } from 'vitest';
import { carDcLimitW, chargePower, type ChargeStep, type Charger, type ChargerLevel } from './charging.js';

const BOLT = findVariant('Chevrolet', 'Bolt EV', 2017)!; // 7.2 kW onboard, 55 kW DC
const MODEL_3 = findVariant('Tesla', 'Model 3', 2019, 'Long Range')!; // 11.5 kW onboard, 250 kW DC
const LEAF = findVariant('Nissan', 'Leaf', 2012)!; // 3.3 kW onboard
const PRIUS_PRIME = findVariant('Toyota', 'Prius Prime', 2019)!; // no DC port

function charger(level: ChargerLevel, maxKw: number): Charger {
  const lineVoltageV = level === 'L1' ? 120 : level === 'L2' ? 240 : 0;
  return { level, lineVoltageV, maxKw, lat: 43.7, lon: -79.4, inTerritory: true, site: 'home' };
}

function power(on: Charger, variant: CatalogVariant, socPct = 50, batteryTempC = 25): ChargeStep {
  const out: ChargeStep = { inletW: Number.NaN, batteryW: Number.NaN };
  chargePower(on, variant, socPct, batteryTempC, out);
  return out;
}

describe('AC charging', () => {
  it('draws the lesser of the EVSE rating and the onboard charger', () => {
    expect(power(charger('L2', 9.6), BOLT).inletW).toBeCloseTo(7200, 6);
    expect(power(charger('L2', 6.2), MODEL_3).inletW).toBeCloseTo(6200, 6);
    expect(power(charger('L2', 7.7), LEAF).inletW).toBeCloseTo(3300, 6);
    expect(power(charger('L1', 1.44), MODEL_3).inletW).toBeCloseTo(1440, 6);
  });

  it('holds full power to 92 % and tapers above it, to about a quarter at 100 %', () => {
    const l2 = charger('L2', 7.7);
    const full = power(l2, BOLT, 20).inletW;
    for (let soc = 0; soc <= 92; soc += 0.5) expect(power(l2, BOLT, soc).inletW, `${soc} %`).toBe(full);
    let previous = full;
    for (let soc = 93; soc <= 100; soc++) {
      const w = power(l2, BOLT, soc).inletW;
      expect(w, `${soc} %`).toBeLessThan(previous);
      previous = w;
    }
    expect(previous / full).toBeGreaterThan(0.15);
    expect(previous / full).toBeLessThan(0.3);
  });

  it('does not depend on the pack temperature', () => {
    expect(power(charger('L2', 7.7), BOLT, 50, -20).inletW).toBe(power(charger('L2', 7.7), BOLT, 50, 25).inletW);
  });

  it('is more efficient on Level 2 than on Level 1 by a few percent at typical powers', () => {
    const efficiency = (step: ChargeStep) => step.batteryW / step.inletW;
    for (const variant of [BOLT, MODEL_3]) {
      const l1 = efficiency(power(charger('L1', 1.44), variant));
      const l2 = efficiency(power(charger('L2', 7.7), variant));
      expect(l2 - l1, variant.name).toBeGreaterThan(0.02);
      expect(l2 - l1, variant.name).toBeLessThan(0.07);
    }
    // A 3.3 kW onboard charger gains little from Level 2 (the car's own load is larger on it), but loses nothing.
    const leafL1 = efficiency(power(charger('L1', 1.44), LEAF));
    expect(efficiency(power(charger('L2', 7.7), LEAF))).toBeGreaterThan(leafL1);
  });
});

describe('DC fast charging', () => {
  it("follows the catalog's taper when the station and the pack allow", () => {
    const station = charger('DCFC', 350);
    for (const variant of [BOLT, MODEL_3, LEAF]) {
      for (let soc = 0; soc <= 100; soc += 2.5) {
        const expected = dcPowerAtSoc(variant, soc) * 1000;
        expect(carDcLimitW(variant, soc), `${variant.name} at ${soc} %`).toBeCloseTo(expected, 3);
        expect(power(station, variant, soc).inletW, `${variant.name} at ${soc} %`).toBeCloseTo(expected, 3);
      }
    }
  });

  it('never exceeds the station rating or the car peak', () => {
    for (let soc = 0; soc <= 100; soc += 5) {
      expect(power(charger('DCFC', 50), MODEL_3, soc).inletW).toBeLessThanOrEqual(50_000);
      expect(power(charger('DCFC', 350), BOLT, soc).inletW).toBeLessThanOrEqual(55_000);
    }
    expect(power(charger('DCFC', 50), MODEL_3, 20).inletW).toBe(50_000);
  });

  it('is cut while the pack is cold: a fifth at −10 °C, full from 20 °C', () => {
    const station = charger('DCFC', 350);
    const warm = power(station, MODEL_3, 20, 25).inletW;
    expect(power(station, MODEL_3, 20, 20).inletW).toBe(warm);
    expect(power(station, MODEL_3, 20, -10).inletW).toBeCloseTo(0.2 * warm, 6);
    expect(power(station, MODEL_3, 20, -25).inletW).toBeCloseTo(0.2 * warm, 6);
    let previous = 0;
    for (let t = -10; t <= 20; t += 2) {
      const w = power(station, MODEL_3, 20, t).inletW;
      expect(w, `${t} °C`).toBeGreaterThan(previous);
      previous = w;
    }
  });

  it('gives nothing to a car without a DC port', () => {
    expect(carDcLimitW(PRIUS_PRIME, 30)).toBe(0);
    expect(power(charger('DCFC', 150), PRIUS_PRIME, 30)).toEqual({ inletW: 0, batteryW: 0 });
  });

  it('puts about 95 % of the inlet power into the battery at full power', () => {
    const step = power(charger('DCFC', 150), BOLT, 30);
    expect(step.batteryW / step.inletW).toBeGreaterThan(0.94);
    expect(step.batteryW / step.inletW).toBeLessThan(0.96);
  });
});

describe('every level', () => {
  it('puts less power into the battery than enters the inlet, and never a negative amount', () => {
    const chargers = [charger('L1', 1.44), charger('L2', 7.7), charger('DCFC', 150)];
    for (const on of chargers) {
      for (const variant of [BOLT, MODEL_3, LEAF]) {
        for (const soc of [0, 30, 80, 95, 100]) {
          for (const temperature of [-25, 0, 25]) {
            const step = power(on, variant, soc, temperature);
            expect(step.batteryW).toBeGreaterThanOrEqual(0);
            expect(step.batteryW).toBeLessThan(step.inletW);
          }
        }
      }
    }
  });
});

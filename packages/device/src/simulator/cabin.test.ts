import { describe, expect, it } from 'vitest';
import { Cabin, winterExtras, type CabinPower } from './cabin.js';

/** Electric HVAC power (W) for a second of driving, from a cabin at `cabinC`. */
function hvacW(ambientC: number, options: { heatPump?: boolean; cabinC?: number; sun?: number } = {}): number {
  const cabin = new Cabin(options.cabinC ?? 21, options.heatPump ?? false);
  const out: CabinPower = { hvacW: Number.NaN, auxW: Number.NaN };
  cabin.drive(ambientC, options.sun ?? 0, out);
  return out.hvacW;
}

describe('Cabin with the climate control off', () => {
  it('draws no HVAC power in any weather, only the 12 V base load, and drifts toward outside', () => {
    for (const ambientC of [-20, 0, 21, 35]) {
      const cabin = new Cabin(21, false);
      const out: CabinPower = { hvacW: Number.NaN, auxW: Number.NaN };
      for (let s = 0; s < 1800; s++) cabin.drive(ambientC, 0, out, false);
      expect(out.hvacW).toBe(0);
      expect(out.auxW).toBe(260);
      if (ambientC !== 21) expect(Math.abs(cabin.tempC - ambientC)).toBeLessThan(Math.abs(21 - ambientC));
    }
  });
});

describe('Cabin heating', () => {
  it('costs more the colder it is outside', () => {
    for (const heatPump of [false, true]) {
      let previous = hvacW(15, { heatPump });
      for (const ambientC of [10, 5, 0, -5, -10, -15, -20, -25]) {
        const w = hvacW(ambientC, { heatPump });
        expect(w, `${ambientC} °C, heat pump ${heatPump}`).toBeGreaterThan(previous);
        previous = w;
      }
    }
  });

  it('is cheaper with a heat pump above −15 °C and the same at or below it', () => {
    for (const ambientC of [10, 0, -10, -14]) {
      expect(hvacW(ambientC, { heatPump: true }), `${ambientC} °C`).toBeLessThan(hvacW(ambientC));
    }
    for (const ambientC of [-15, -17, -20, -30]) {
      expect(hvacW(ambientC, { heatPump: true }), `${ambientC} °C`).toBeCloseTo(hvacW(ambientC), 9);
    }
  });

  it('costs a cold-soaked cabin far more than a warm one, up to the heater maximum', () => {
    const warm = hvacW(-10);
    const soaked = hvacW(-10, { cabinC: -10 });
    expect(soaked).toBeGreaterThan(2 * warm);
    // 6.5 kW heater, blower and dehumidifier at most.
    expect(soaked).toBeLessThanOrEqual(6500 + 180 + 550);
  });

  it('warms a cold-soaked cabin to the setpoint within twenty minutes and holds it there', () => {
    const cabin = new Cabin(-15, false);
    const out: CabinPower = { hvacW: 0, auxW: 0 };
    for (let s = 0; s < 1200; s++) cabin.drive(-15, 0, out);
    expect(cabin.tempC).toBeGreaterThan(20);
    for (let s = 0; s < 3600; s++) cabin.drive(-15, 0, out);
    expect(cabin.tempC).toBeGreaterThan(20);
    expect(cabin.tempC).toBeLessThan(22);
  });

  it('needs less heat in the sun', () => {
    expect(hvacW(0, { sun: 1 })).toBeLessThan(hvacW(0, { sun: 0 }));
  });
});

describe('Cabin cooling', () => {
  it('costs more the hotter it is outside', () => {
    let previous = hvacW(23, { sun: 0.5 });
    for (const ambientC of [26, 30, 35, 40, 45]) {
      const w = hvacW(ambientC, { sun: 0.5 });
      expect(w, `${ambientC} °C`).toBeGreaterThan(previous);
      previous = w;
    }
  });

  it('grows about with the square of the excess over 22 °C', () => {
    const compressor = (ambientC: number) => hvacW(ambientC) - hvacW(22.5);
    expect(compressor(42) / compressor(32)).toBeGreaterThan(3.5);
    expect(compressor(42) / compressor(32)).toBeLessThan(4.5);
  });

  it('costs more to pull down a cabin heated in the sun', () => {
    expect(hvacW(32, { cabinC: 50, sun: 1 })).toBeGreaterThan(hvacW(32, { cabinC: 21, sun: 1 }));
  });

  it('runs only the blower between the heating and cooling ranges', () => {
    expect(hvacW(20)).toBeCloseTo(60, 9);
  });
});

describe('Cabin accessories', () => {
  it('draws the 12 V base load in summer and more in winter (defrosters, seat heaters)', () => {
    const out: CabinPower = { hvacW: 0, auxW: 0 };
    new Cabin(21, false).drive(25, 0, out);
    expect(out.auxW).toBe(260);
    new Cabin(21, false).drive(-5, 0, out);
    expect(out.auxW).toBe(510);
  });
});

describe('Cabin.park', () => {
  it('drifts toward the outside temperature with the HVAC off', () => {
    const cabin = new Cabin(21, false);
    cabin.park(-5, 0, 2400);
    expect(cabin.tempC).toBeCloseTo(-5 + 26 * Math.exp(-1), 9);
    cabin.park(-5, 0, 48 * 3600);
    expect(cabin.tempC).toBeCloseTo(-5, 6);
  });

  it('settles warmer than outside in the sun', () => {
    const cabin = new Cabin(20, false);
    cabin.park(25, 1, 24 * 3600);
    expect(cabin.tempC).toBeCloseTo(37, 6);
  });

  it('ends in the same place whether parked in one step or many', () => {
    const once = new Cabin(21, false);
    once.park(-10, 0, 3600);
    const often = new Cabin(21, false);
    for (let i = 0; i < 6; i++) often.park(-10, 0, 600);
    expect(often.tempC).toBeCloseTo(once.tempC, 9);
  });
});

describe('winterExtras', () => {
  it('is 0 from 18 °C up', () => {
    for (const t of [18, 20, 30, 45]) expect(winterExtras(t)).toBe(0);
  });

  it('rises to 1 at freezing, holds to −12 °C, and eases to 0.65 in dry deep cold', () => {
    expect(winterExtras(9)).toBeCloseTo(0.5, 12);
    expect(winterExtras(0)).toBe(1);
    expect(winterExtras(-12)).toBe(1);
    expect(winterExtras(-20)).toBeCloseTo(0.68, 12);
    expect(winterExtras(-40)).toBe(0.65);
  });

  it('has no jumps', () => {
    for (let t = -40; t < 25; t += 0.1) expect(Math.abs(winterExtras(t + 0.1) - winterExtras(t))).toBeLessThan(0.01);
  });
});

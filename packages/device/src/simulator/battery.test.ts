import type { BatteryCooling } from '@smartcharge/catalog';
import { describe, expect, it } from 'vitest';
import { Battery, cellOcv, resistanceFactor, type BatteryInit, type ElectricalState } from './battery.js';

const YEAR_S = 365.25 * 86_400;

/** A 60 kWh, 350 V pack (a Bolt-sized battery), half charged at 25 °C unless told otherwise. */
function battery(overrides: Partial<BatteryInit> = {}): Battery {
  return new Battery({
    usableKwh: 60,
    nominalPackVoltageV: 350,
    cooling: 'liquid',
    socPct: 50,
    tempC: 25,
    ...overrides,
  });
}

const electrical = (): ElectricalState => ({ voltageV: 0, currentA: 0, heatW: 0 });

/** Fade after a year parked at a fixed state of charge and temperature. */
function calendarFade(socPct: number, tempC: number, cooling: BatteryCooling = 'liquid'): number {
  const pack = battery({ socPct, tempC, cooling });
  pack.noteTime(YEAR_S);
  pack.age();
  return pack.fade;
}

describe('cellOcv', () => {
  it('rises with state of charge from 3.3 V empty to 4.17 V full', () => {
    expect(cellOcv(0)).toBeCloseTo(3.3, 6);
    expect(cellOcv(100)).toBeCloseTo(4.17, 6);
    let previous = cellOcv(0);
    for (let soc = 0.25; soc <= 100; soc += 0.25) {
      const v = cellOcv(soc);
      expect(v, `${soc} %`).toBeGreaterThan(previous);
      previous = v;
    }
  });

  it('stays within 3.3–4.17 V outside 0–100 %', () => {
    expect(cellOcv(-20)).toBeCloseTo(3.3, 6);
    expect(cellOcv(130)).toBeCloseTo(4.17, 6);
  });

  it('passes through the tabulated points', () => {
    expect(cellOcv(50)).toBeCloseTo(3.75, 6);
    expect(cellOcv(80)).toBeCloseTo(3.98, 6);
    expect(cellOcv(45)).toBeCloseTo(3.725, 6);
  });
});

describe('resistanceFactor', () => {
  it('is 1 at 25 °C, about 2.4 at 0 °C and about 5 at −20 °C', () => {
    expect(resistanceFactor(25)).toBe(1);
    expect(resistanceFactor(0)).toBeCloseTo(2.4, 1);
    expect(resistanceFactor(-20)).toBeGreaterThan(4.5);
    expect(resistanceFactor(-20)).toBeLessThan(5.2);
  });

  it('falls as the cell warms', () => {
    for (let t = -30; t < 50; t += 5) expect(resistanceFactor(t + 5)).toBeLessThan(resistanceFactor(t));
  });
});

describe('Battery.step', () => {
  it('conserves energy: terminal energy plus I²R heat equals the chemical energy taken from the cells', () => {
    for (const terminalW of [60_000, 5_000, -7_000, -50_000]) {
      const pack = battery({ tempC: 5 });
      const before = pack.energyWh;
      const out = electrical();
      pack.step(terminalW, 10, out);
      const terminalWh = (out.voltageV * out.currentA * 10) / 3600;
      const heatWh = (out.heatW * 10) / 3600;
      expect(terminalWh, `${terminalW} W`).toBeCloseTo((terminalW * 10) / 3600, 6);
      expect(before - pack.energyWh, `${terminalW} W`).toBeCloseTo(terminalWh + heatWh, 6);
    }
  });

  it('lowers the state of charge when discharging and raises it when charging', () => {
    const driving = battery();
    driving.step(30_000, 60, electrical());
    expect(driving.socPct).toBeLessThan(50);
    const charging = battery();
    charging.step(-7_000, 60, electrical());
    expect(charging.socPct).toBeGreaterThan(50);
    // 7 kW for a minute into 60 kWh is just under 0.2 % (a little is lost as heat).
    expect(charging.socPct - 50).toBeGreaterThan(0.18);
    expect(charging.socPct - 50).toBeLessThan(7_000 / 60 / 600);
  });

  it('reports current positive when discharging, negative when charging, with the voltage sagging or rising', () => {
    const pack = battery();
    const ocv = pack.openCircuitV();
    const out = electrical();
    pack.step(40_000, 1, out);
    expect(out.currentA).toBeGreaterThan(0);
    expect(out.voltageV).toBeLessThan(ocv);
    const charging = battery();
    charging.step(-40_000, 1, out);
    expect(out.currentA).toBeLessThan(0);
    expect(out.voltageV).toBeGreaterThan(ocv);
    expect(out.heatW).toBeGreaterThan(0);
  });

  it('sags more under the same load when the pack is cold', () => {
    const warm = electrical();
    const cold = electrical();
    battery({ tempC: 25 }).step(50_000, 1, warm);
    battery({ tempC: -15 }).step(50_000, 1, cold);
    expect(cold.voltageV).toBeLessThan(warm.voltageV);
    expect(cold.heatW).toBeGreaterThan(3 * warm.heatW);
  });

  it('drops about 3.5 % of its voltage at a 1C discharge when new and warm', () => {
    const pack = battery();
    const out = electrical();
    pack.step(60_000, 1, out);
    expect(1 - out.voltageV / pack.openCircuitV()).toBeGreaterThan(0.025);
    expect(1 - out.voltageV / pack.openCircuitV()).toBeLessThan(0.045);
  });

  it('delivers maxDischargeW at the 3.0 V per cell floor', () => {
    const pack = battery({ socPct: 30, tempC: -10 });
    const out = electrical();
    battery({ socPct: 30, tempC: -10 }).step(pack.maxDischargeW(), 1, out);
    expect(out.voltageV).toBeCloseTo(pack.seriesCells * 3.0, 3);
  });

  it('never lets a cell fall below 3.0 V: delivers at most maxDischargeW, however much is asked', () => {
    const pack = battery({ socPct: 30, tempC: -10 });
    const limitW = pack.maxDischargeW();
    const out = electrical();
    pack.step(limitW * 3, 1, out);
    expect(out.voltageV * out.currentA).toBeCloseTo(limitW, 3);
    expect(out.voltageV).toBeCloseTo(pack.seriesCells * 3.0, 6);
    // A demand within the limit is delivered in full.
    const within = battery({ socPct: 30, tempC: -10 });
    within.step(limitW / 2, 1, out);
    expect(out.voltageV * out.currentA).toBeCloseTo(limitW / 2, 3);
    expect(out.voltageV / within.seriesCells).toBeGreaterThan(3.0);
  });

  it('warms the pack by the heat it generates', () => {
    const pack = battery({ tempC: 0 });
    const out = electrical();
    pack.step(80_000, 60, out);
    expect(pack.tempC).toBeCloseTo((out.heatW * 60) / pack.heatCapacityJPerK, 6);
  });

  it('keeps the state of charge within 0–100 %', () => {
    const full = battery({ socPct: 99.9 });
    full.step(-50_000, 600, electrical());
    expect(full.socPct).toBe(100);
    const empty = battery({ socPct: 0.1 });
    empty.step(50_000, 600, electrical());
    expect(empty.socPct).toBe(0);
  });

  it('delivers nothing once empty, however much is asked', () => {
    const empty = battery({ socPct: 0 });
    const out = electrical();
    empty.step(50_000, 1, out);
    expect(out.currentA).toBe(0);
    expect(out.voltageV).toBeCloseTo(empty.openCircuitV(), 9);
    expect(empty.socPct).toBe(0);
    // Charging still works.
    empty.step(-7_000, 60, out);
    expect(empty.socPct).toBeGreaterThan(0);
  });
});

describe('Battery.relaxTemperature', () => {
  it('closes about 63 % of the gap to the target in one time constant', () => {
    const pack = battery({ tempC: 30 });
    pack.relaxTemperature(-10, 3600, 1);
    expect(pack.tempC).toBeCloseTo(-10 + 40 * Math.exp(-1), 6);
  });

  it('cools a parked liquid-cooled (insulated) pack more slowly than a passively cooled one', () => {
    const liquid = battery({ cooling: 'liquid', tempC: 20 });
    const passive = battery({ cooling: 'passive', tempC: 20 });
    liquid.relaxTemperature(-10, 6 * 3600);
    passive.relaxTemperature(-10, 6 * 3600);
    expect(liquid.tempC).toBeGreaterThan(passive.tempC);
  });
});

describe('Battery.age', () => {
  it('fades a liquid-cooled pack about 1.35 % a year parked at 25 °C and 50 %', () => {
    expect(calendarFade(50, 25)).toBeCloseTo(0.0135, 4);
  });

  it('doubles calendar fade about every 13 °C', () => {
    expect(calendarFade(50, 38) / calendarFade(50, 25)).toBeCloseTo(2, 6);
    expect(calendarFade(50, 25) / calendarFade(50, 12)).toBeCloseTo(2, 6);
  });

  it('ages a pack kept at a high state of charge faster', () => {
    expect(calendarFade(90, 25)).toBeGreaterThan(1.4 * calendarFade(30, 25));
  });

  it('ages passive faster than air-cooled, and air-cooled faster than liquid-cooled packs', () => {
    const passive = calendarFade(50, 25, 'passive');
    const air = calendarFade(50, 25, 'air');
    const liquid = calendarFade(50, 25, 'liquid');
    expect(passive).toBeGreaterThan(air);
    expect(air).toBeGreaterThan(liquid);
  });

  it('ages more from energy delivered by DC fast charging than from the same energy on AC', () => {
    const chargeFrom20 = (dc: boolean) => {
      const pack = battery({ socPct: 20 });
      const out = electrical();
      let wh = 0;
      while (pack.socPct < 80) {
        pack.step(-50_000, 10, out);
        wh += (50_000 * 10) / 3600;
      }
      if (dc) pack.noteDcCharge(wh, 50_000);
      pack.age();
      return pack.fade;
    };
    const ac = chargeFrom20(false);
    const dc = chargeFrom20(true);
    expect(ac).toBeGreaterThan(0);
    expect(dc).toBeGreaterThan(2 * ac);
  });

  it('counts DC stress more at higher charging power', () => {
    const dcFade = (powerW: number) => {
      const pack = battery();
      pack.noteDcCharge(30_000, powerW);
      pack.age();
      return pack.fade;
    };
    expect(dcFade(150_000)).toBeGreaterThan(dcFade(50_000));
  });

  it('applies accumulated stress once: a second age() with nothing new changes nothing', () => {
    const pack = battery();
    pack.noteTime(30 * 86_400);
    pack.age();
    const once = pack.fade;
    pack.age();
    expect(pack.fade).toBe(once);
  });

  it('adds up the same whether aged daily or once for the whole period', () => {
    const daily = battery();
    for (let day = 0; day < 30; day++) {
      daily.noteTime(86_400);
      daily.age();
    }
    const monthly = battery();
    monthly.noteTime(30 * 86_400);
    monthly.age();
    expect(daily.fade).toBeCloseTo(monthly.fade, 12);
  });

  it('caps fade at 60 %', () => {
    const pack = battery({ tempC: 60, socPct: 100, cooling: 'passive' });
    pack.noteTime(100 * YEAR_S);
    pack.age();
    expect(pack.fade).toBe(0.6);
  });
});

describe('Battery health figures', () => {
  it('derives capacity, state of health, energy and power capacity from the fade', () => {
    const pack = battery({ socPct: 50 });
    expect(pack.sohPct).toBe(100);
    expect(pack.powerCapacityPct).toBe(100);
    pack.fade = 0.1;
    expect(pack.capacityWh).toBeCloseTo(54_000, 6);
    expect(pack.sohPct).toBeCloseTo(90, 10);
    expect(pack.energyWh).toBeCloseTo(27_000, 6);
    // Resistance grows 2.5× faster than capacity fades: 10 % fade → resistance ×1.25 → 80 % power.
    expect(pack.powerCapacityPct).toBeCloseTo(80, 10);
    expect(pack.resistanceOhm()).toBeCloseTo(battery().resistanceOhm() * 1.25, 12);
  });

  it('loses power capacity faster than energy capacity as it ages', () => {
    const pack = battery();
    for (const fade of [0.05, 0.1, 0.2, 0.3]) {
      pack.fade = fade;
      expect(pack.powerCapacityPct).toBeLessThan(pack.sohPct);
    }
  });

  it('builds the pack from cells of about 3.7 V nominal', () => {
    expect(battery().seriesCells).toBe(95);
    expect(battery({ nominalPackVoltageV: 400 }).seriesCells).toBe(108);
  });
});

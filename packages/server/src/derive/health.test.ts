import { createLocalClock } from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import { CAPACITY_ESTIMATE_SD, medianBand, t95, weeklyHealth, weekStartMs } from './health.js';
import { DEFAULT_DERIVE_PARAMS } from './params.js';

const DAY = 86_400_000;

describe('the battery health band', () => {
  it('never claims more than one estimate can know: near-identical estimates get about ±2.8 %', () => {
    const band = medianBand([60_000, 60_001, 59_999], CAPACITY_ESTIMATE_SD);
    expect(band.value).toBe(60_000);
    // z × √(π/2) × 2 % / √3 of 60 kWh.
    expect(band.high - band.value).toBeCloseTo(60_000 * ((1.959964 * Math.sqrt(Math.PI / 2) * 0.02) / Math.sqrt(3)), 3);
    expect(band.value - band.low).toBeCloseTo(band.high - band.value, 6);
  });

  it('gives a single estimate a wide band, not none and not a hair', () => {
    const band = medianBand([50_000], CAPACITY_ESTIMATE_SD);
    expect(band.value).toBe(50_000);
    expect(band.high - band.low).toBeCloseTo(2 * 1.959964 * 0.02 * 50_000, 3);
  });

  it('widens with the estimates’ spread and narrows with their count', () => {
    const spread = [54_000, 58_000, 62_000, 66_000, 60_000];
    const few = medianBand(spread, CAPACITY_ESTIMATE_SD);
    const many = medianBand([...spread, ...spread, ...spread, ...spread], CAPACITY_ESTIMATE_SD);
    expect(few.high - few.low).toBeGreaterThan(many.high - many.low);
    // The spread (s ≈ 4.5 kWh) decides here, with Student's t for 4 degrees of freedom.
    const s = Math.sqrt(80_000_000 / 4);
    expect(few.high - few.value).toBeCloseTo((2.776 * Math.sqrt(Math.PI / 2) * s) / Math.sqrt(5), 3);
    // Not clipped to the estimates' range: the band says where the median likely is.
    expect(few.low).toBeLessThan(few.value);
  });

  it('reads Student’s t from its table and beyond it', () => {
    expect(t95(1)).toBe(12.706);
    expect(t95(30)).toBe(2.042);
    expect(t95(60)).toBeCloseTo(2.0003, 3);
    expect(t95(1000)).toBeCloseTo(1.9623, 3);
  });

  it('puts an honest band on a week’s state of health from three matching charges', () => {
    const clock = createLocalClock('America/Toronto');
    const now = Date.parse('2026-06-10T12:00:00Z');
    const week = weekStartMs(clock, now);
    const capacity = [3, 2, 1].map((d) => ({ atMs: now - d * DAY, kind: 'ac' as const, capacityWh: 64_000 }));
    const [w] = weeklyHealth(
      { capacity, resistance: [], bms: [] },
      [week],
      DEFAULT_DERIVE_PARAMS,
      { powertrain: 'BEV', newCapacityWh: 64_000, nominalVoltageV: 356, fuelLPer100km: undefined },
      clock,
    );
    expect(w!.capacityAcEstimates).toBe(3);
    expect(w!.soh!.value).toBeCloseTo(100, 6);
    expect(w!.soh!.high - w!.soh!.low).toBeGreaterThan(5);
    expect(w!.soh!.high - w!.soh!.low).toBeLessThan(6);
  });
});

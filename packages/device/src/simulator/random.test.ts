import { describe, expect, it } from 'vitest';
import { createRandom, type Random } from './random.js';

const draws = (random: Random, count: number): number[] => Array.from({ length: count }, () => random.next());

function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, sd: Math.sqrt(variance) };
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = meanAndSd(a);
  const mb = meanAndSd(b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - ma.mean) * (b[i]! - mb.mean);
  return sum / (a.length - 1) / (ma.sd * mb.sd);
}

describe('createRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draws(createRandom(42), 1000)).toEqual(draws(createRandom(42), 1000));
  });

  it('gives different sequences for neighbouring seeds', () => {
    const a = draws(createRandom(1), 1000);
    const b = draws(createRandom(2), 1000);
    expect(a).not.toEqual(b);
    expect(Math.abs(correlation(a, b))).toBeLessThan(0.1);
  });

  it('treats fractional and huge seeds as distinct seeds', () => {
    const first = (seed: number) => createRandom(seed).next();
    const values = [0, 0.5, 1, 2 ** 32, 2 ** 32 + 1, -1, Number.MAX_SAFE_INTEGER].map(first);
    expect(new Set(values).size).toBe(values.length);
  });

  it('refuses a seed that is not a finite number', () => {
    expect(() => createRandom(Number.NaN)).toThrow(RangeError);
    expect(() => createRandom(Infinity)).toThrow(/finite/);
  });

  it('draws next() uniformly in [0, 1)', () => {
    const values = draws(createRandom(7), 100_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const { mean, sd } = meanAndSd(values);
    expect(mean).toBeCloseTo(0.5, 2); // sd of the mean ≈ 0.0009
    expect(sd).toBeCloseTo(Math.sqrt(1 / 12), 2);
    const deciles = new Array<number>(10).fill(0);
    for (const v of values) deciles[Math.floor(v * 10)]!++;
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(500); // ~5 sd
  });

  it('draws normal() with the asked mean and standard deviation', () => {
    const random = createRandom(11);
    const standard = meanAndSd(Array.from({ length: 100_000 }, () => random.normal()));
    expect(Math.abs(standard.mean)).toBeLessThan(0.015); // ~5 standard errors
    expect(Math.abs(standard.sd - 1)).toBeLessThan(0.015);
    const scaled = meanAndSd(Array.from({ length: 100_000 }, () => random.normal(20, 3)));
    expect(Math.abs(scaled.mean - 20)).toBeLessThan(0.05);
    expect(Math.abs(scaled.sd - 3)).toBeLessThan(0.05);
  });

  it('gives normal() the Gaussian share of draws beyond two sd', () => {
    const random = createRandom(12);
    let beyond = 0;
    for (let i = 0; i < 100_000; i++) if (Math.abs(random.normal()) > 2) beyond++;
    expect(beyond / 100_000).toBeCloseTo(0.0455, 2);
  });

  it('draws int() over the whole inclusive range and nothing outside it', () => {
    const random = createRandom(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 60_000; i++) {
      const value = random.int(-2, 3);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    for (const count of counts.values()) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    expect(random.int(5, 5)).toBe(5);
  });

  it('refuses int() ranges that are empty or not integers', () => {
    const random = createRandom(3);
    expect(() => random.int(3, 2)).toThrow(RangeError);
    expect(() => random.int(0.5, 2)).toThrow(/integers/);
  });

  it('picks every item and refuses an empty list', () => {
    const random = createRandom(4);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(random.pick(['a', 'b', 'c']));
    expect(seen).toEqual(new Set(['a', 'b', 'c']));
    expect(() => random.pick([])).toThrow(RangeError);
  });

  it('chooses weighted() items in proportion to their weights, never a zero weight', () => {
    const random = createRandom(5);
    const items = [
      { value: 'rare', weight: 1 },
      { value: 'never', weight: 0 },
      { value: 'common', weight: 3 },
    ];
    const counts: Record<string, number> = { rare: 0, never: 0, common: 0 };
    for (let i = 0; i < 40_000; i++) counts[random.weighted(items)]!++;
    expect(counts.never).toBe(0);
    expect(Math.abs(counts.rare! - 10_000)).toBeLessThan(500);
  });

  it('refuses weighted() lists with no positive weight or a bad weight', () => {
    const random = createRandom(5);
    expect(() => random.weighted([])).toThrow(RangeError);
    expect(() => random.weighted([{ value: 1, weight: 0 }])).toThrow(/weight > 0/);
    expect(() => random.weighted([{ value: 1, weight: -1 }])).toThrow(/finite number ≥ 0/);
    expect(() => random.weighted([{ value: 1, weight: Number.NaN }])).toThrow(/finite number ≥ 0/);
  });
});

describe('fork', () => {
  it('gives the same sub-stream for the same label, however much the parent has drawn', () => {
    const fresh = createRandom(9);
    const used = createRandom(9);
    draws(used, 12_345);
    used.normal();
    expect(draws(used.fork('vehicle-7'), 100)).toEqual(draws(fresh.fork('vehicle-7'), 100));
    expect(draws(used.fork(7), 100)).toEqual(draws(fresh.fork(7), 100));
  });

  it('does not disturb the parent stream', () => {
    const plain = createRandom(9);
    const forking = createRandom(9);
    forking.fork('a').next();
    expect(draws(forking, 10)).toEqual(draws(plain, 10));
  });

  it('gives uncorrelated streams for different labels, for the parent and across seeds', () => {
    const root = createRandom(9);
    const streams = [root, root.fork('a'), root.fork('b'), root.fork(1), root.fork('1'), createRandom(10).fork('a')];
    const sequences = streams.map((stream) => draws(stream, 20_000));
    for (let i = 0; i < sequences.length; i++) {
      for (let j = i + 1; j < sequences.length; j++) {
        expect(sequences[i]).not.toEqual(sequences[j]);
        expect(Math.abs(correlation(sequences[i]!, sequences[j]!))).toBeLessThan(0.03); // ~4 sd
      }
    }
  });

  it('depends on the whole label path, in order', () => {
    const root = createRandom(9);
    const ab = draws(root.fork('a').fork('b'), 10);
    const ba = draws(root.fork('b').fork('a'), 10);
    const joined = draws(root.fork('ab'), 10);
    expect(ab).not.toEqual(ba);
    expect(ab).not.toEqual(joined);
  });
});

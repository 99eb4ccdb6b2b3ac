import { describe, expect, it } from 'vitest';
import { routeFor, speedTrace, type Leg, type RoadKind } from './drive-cycle.js';
import { createRandom } from './random.js';

/** Distance covered by a trace (m), integrated as the vehicle simulator does: mean speed each second. */
function distanceM(trace: readonly number[]): number {
  let m = 0;
  for (let i = 0; i + 1 < trace.length; i++) m += (trace[i]! + trace[i + 1]!) / 2;
  return m;
}

/** Mean speed while moving (m/s). */
function movingMean(trace: readonly number[]): number {
  const moving = trace.filter((v) => v > 0.5);
  return moving.reduce((sum, v) => sum + v, 0) / moving.length;
}

const one = (kind: RoadKind, distance: number): Leg[] => [{ kind, distanceM: distance }];

const TRIPS: readonly (readonly Leg[])[] = [
  one('city', 300),
  one('city', 2_500),
  one('suburban', 8_000),
  one('highway', 40_000),
  routeFor(9_000, createRandom(1)),
  routeFor(35_000, createRandom(2)),
  routeFor(180_000, createRandom(3)),
];

describe('speedTrace', () => {
  it('starts and ends at rest', () => {
    TRIPS.forEach((legs, i) => {
      const trace = speedTrace(legs, createRandom(i));
      expect(trace[0]).toBe(0);
      expect(trace[trace.length - 1]).toBe(0);
    });
  });

  it('covers the requested distance within 3 %', () => {
    TRIPS.forEach((legs, i) => {
      const requested = legs.reduce((sum, leg) => sum + leg.distanceM, 0);
      for (let seed = 0; seed < 5; seed++) {
        const covered = distanceM(speedTrace(legs, createRandom(100 * i + seed)));
        expect(Math.abs(covered / requested - 1), `${requested} m, seed ${seed}`).toBeLessThan(0.03);
      }
    });
  });

  it('keeps speeds between 0 and 36 m/s and changes them by at most 3.5 m/s a second', () => {
    TRIPS.forEach((legs, i) => {
      for (let seed = 0; seed < 5; seed++) {
        const trace = speedTrace(legs, createRandom(100 * i + seed));
        const steps = trace.slice(1).map((v, s) => Math.abs(v - trace[s]!));
        expect(Math.min(...trace)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...trace)).toBeLessThanOrEqual(36);
        expect(Math.max(...steps)).toBeLessThanOrEqual(3.5);
      }
    });
  });

  it('caps cruising at 36 m/s for fast drivers: the speed wanders at most a few m/s above it', () => {
    for (let seed = 0; seed < 20; seed++) {
      const trace = speedTrace(one('highway', 60_000), createRandom(seed), 1.3);
      expect(Math.max(...trace)).toBeLessThan(40);
      expect(movingMean(trace)).toBeLessThan(36.5);
    }
  });

  it('drives highway legs faster than suburban ones, and suburban faster than city', () => {
    const mean = (kind: RoadKind) => movingMean(speedTrace(one(kind, 20_000), createRandom(5)));
    expect(mean('highway')).toBeGreaterThan(mean('suburban'));
    expect(mean('suburban')).toBeGreaterThan(mean('city'));
    // Highway cruising 95–120 km/h, city streets 40–55 km/h.
    expect(mean('highway')).toBeGreaterThan(25);
    expect(mean('city')).toBeLessThan(15);
  });

  it('stops in town, and not on the highway', () => {
    const stops = (trace: readonly number[]) => trace.filter((v, i) => v === 0 && (trace[i - 1] ?? 0) > 0).length;
    expect(stops(speedTrace(one('city', 10_000), createRandom(6)))).toBeGreaterThanOrEqual(10);
    expect(stops(speedTrace(one('highway', 50_000), createRandom(6)))).toBe(1);
  });

  it('drives faster for a more aggressive driver', () => {
    const legs = one('suburban', 20_000);
    expect(movingMean(speedTrace(legs, createRandom(7), 1.1))).toBeGreaterThan(
      movingMean(speedTrace(legs, createRandom(7), 0.9)),
    );
  });

  it('gives the same trace for the same seed, a different one for another', () => {
    const legs = routeFor(25_000, createRandom(8));
    expect(speedTrace(legs, createRandom(9))).toEqual(speedTrace(legs, createRandom(9)));
    expect(speedTrace(legs, createRandom(9))).not.toEqual(speedTrace(legs, createRandom(10)));
  });
});

describe('routeFor', () => {
  const total = (legs: readonly Leg[]) => legs.reduce((sum, leg) => sum + leg.distanceM, 0);

  it('keeps short trips in town', () => {
    expect(routeFor(3_000, createRandom(1))).toEqual([{ kind: 'city', distanceM: 3_000 }]);
    const medium = routeFor(9_000, createRandom(1));
    expect(medium.map((leg) => leg.kind)).toEqual(['city', 'suburban', 'city']);
  });

  it('takes the highway on long trips, for more of the distance the longer the trip', () => {
    const highwayShare = (km: number) => {
      let share = 0;
      for (let seed = 0; seed < 50; seed++) {
        const legs = routeFor(km * 1000, createRandom(seed));
        share += legs.filter((leg) => leg.kind === 'highway').reduce((s, leg) => s + leg.distanceM, 0) / total(legs);
      }
      return share / 50;
    };
    expect(highwayShare(15)).toBeGreaterThan(0.3);
    expect(highwayShare(150)).toBeGreaterThan(highwayShare(15) + 0.2);
    expect(highwayShare(500)).toBeCloseTo(0.85, 9);
  });

  it('splits the whole distance into legs', () => {
    for (const km of [1, 5, 11, 12, 60, 300]) {
      const legs = routeFor(km * 1000, createRandom(km));
      expect(total(legs)).toBeCloseTo(km * 1000, 6);
      for (const leg of legs) expect(leg.distanceM).toBeGreaterThan(0);
    }
  });
});

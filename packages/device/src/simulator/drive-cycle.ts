/**
 * Speed traces: a trip as a sequence of legs (city streets, suburban arterials, highway), driven
 * one second at a time. Between stops the car accelerates to a cruising speed that wanders a
 * little, then brakes to stop where the stretch ends; at stops it waits (lights, stop signs).
 * Accelerations and speeds are in the ranges of real-world driving surveys (city cruising
 * 40–55 km/h, arterials 55–75, highway 95–120; acceleration up to about 2 m/s², braking 2–3).
 */
import type { Random } from './random.js';

export type RoadKind = 'city' | 'suburban' | 'highway';

export interface Leg {
  readonly kind: RoadKind;
  readonly distanceM: number;
}

interface RoadProfile {
  /** Cruising speed range (m/s). */
  readonly cruiseMin: number;
  readonly cruiseMax: number;
  /** Distance between stops (m): uniform in this range. */
  readonly stopEveryMin: number;
  readonly stopEveryMax: number;
  /** Chance of waiting at a stop, and for how long (s). */
  readonly waitChance: number;
  readonly waitMaxS: number;
  readonly accel: number;
  readonly decel: number;
}

const ROADS: Record<RoadKind, RoadProfile> = {
  city: {
    cruiseMin: 10.5,
    cruiseMax: 15,
    stopEveryMin: 250,
    stopEveryMax: 900,
    waitChance: 0.55,
    waitMaxS: 50,
    accel: 1.6,
    decel: 2.2,
  },
  suburban: {
    cruiseMin: 15,
    cruiseMax: 21,
    stopEveryMin: 900,
    stopEveryMax: 2500,
    waitChance: 0.5,
    waitMaxS: 60,
    accel: 1.4,
    decel: 2.0,
  },
  highway: {
    cruiseMin: 26.5,
    cruiseMax: 33,
    stopEveryMin: 1e12,
    stopEveryMax: 1e12,
    waitChance: 0,
    waitMaxS: 0,
    accel: 1.1,
    decel: 1.6,
  },
};

/** Appends the seconds of one stretch from standstill to standstill over `distanceM` to `out`. */
function driveStretch(out: number[], distanceM: number, road: RoadProfile, cruise: number, random: Random): void {
  let v = 0;
  let travelled = 0;
  let target = cruise;
  // A bounded loop: a stretch can never take longer than driving it at 1 m/s.
  for (let t = 0; t < distanceM + 600; t++) {
    const remaining = distanceM - travelled;
    const brakingDistance = (v * v) / (2 * road.decel);
    if (remaining <= brakingDistance + v * 0.5) {
      // Brake to arrive at the end of the stretch.
      v = Math.max(0, v - Math.min(road.decel * 1.3, (v * v) / (2 * Math.max(remaining, 0.5))));
    } else if (v < target - 0.3) {
      const a = road.accel * (1 - (v / (target + 1)) ** 2) * (0.8 + 0.4 * random.next());
      v = Math.min(target, v + Math.max(0.3, a));
    } else {
      // Cruising: the target wanders slowly, the speed follows it with some noise.
      target += (cruise - target) * 0.05 + random.normal(0, 0.25);
      v += (target - v) * 0.3 + random.normal(0, 0.15);
    }
    v = Math.min(36, Math.max(0, v));
    travelled += v;
    out.push(v);
    if (v === 0 && remaining < 5) return;
    if (travelled >= distanceM && v < 0.5) {
      out[out.length - 1] = 0;
      return;
    }
  }
  out.push(0);
}

/**
 * The speed of the car each second (m/s) for the legs in order, starting and ending at rest.
 * `aggressiveness` (about 0.8–1.2) scales cruising speeds a little: some drivers go faster.
 */
export function speedTrace(legs: readonly Leg[], random: Random, aggressiveness = 1): number[] {
  const out: number[] = [0];
  for (const leg of legs) {
    const road = ROADS[leg.kind];
    let left = leg.distanceM;
    while (left > 1) {
      const gap = road.stopEveryMin + random.next() * (road.stopEveryMax - road.stopEveryMin);
      const stretch = Math.min(left, gap);
      const cruise = Math.min(
        36,
        (road.cruiseMin + random.next() * (road.cruiseMax - road.cruiseMin)) * aggressiveness,
      );
      driveStretch(out, stretch, road, cruise, random);
      left -= stretch;
      if (left > 1 && random.next() < road.waitChance) {
        const wait = Math.floor(random.next() * road.waitMaxS);
        for (let i = 0; i < wait; i++) out.push(0);
      }
    }
  }
  return out;
}

/** A plausible mix of roads for a trip of this length: short trips stay in town, long ones take the highway. */
export function routeFor(distanceM: number, random: Random): Leg[] {
  const km = distanceM / 1000;
  if (km < 4) return [{ kind: 'city', distanceM }];
  if (km < 12) {
    const city = distanceM * (0.35 + 0.3 * random.next());
    return [
      { kind: 'city', distanceM: city / 2 },
      { kind: 'suburban', distanceM: distanceM - city },
      { kind: 'city', distanceM: city / 2 },
    ];
  }
  const highwayShare = Math.min(0.85, 0.35 + km / 200 + 0.15 * random.next());
  const town = distanceM * (1 - highwayShare);
  return [
    { kind: 'city', distanceM: town * 0.3 },
    { kind: 'suburban', distanceM: town * 0.2 },
    { kind: 'highway', distanceM: distanceM * highwayShare },
    { kind: 'suburban', distanceM: town * 0.2 },
    { kind: 'city', distanceM: town * 0.3 },
  ];
}

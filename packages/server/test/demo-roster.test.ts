/**
 * The demo's cast, for fleets of any size: each participant a name of their own, one in four cars
 * Mississippi Power's (at least one from two cars on), the demo driver's car joining first, every
 * car joining within the history and the cars joining at different times.
 */
import { expect, it } from 'vitest';
import { demoParticipants } from '../src/demo/demo.js';

const DAY_MS = 86_400_000;

it.each([1, 2, 12, 40])('gives each of %i cars its own participant, joining over the history', (vehicles) => {
  const days = 60;
  const cast = demoParticipants(vehicles, days);
  expect(cast).toHaveLength(vehicles);
  expect(new Set(cast.map((p) => p.name)).size, cast.map((p) => p.name).join(', ')).toBe(vehicles);
  const mississippi = cast.filter((p) => p.program === 'mississippi-power').length;
  expect(mississippi).toBe(vehicles >= 2 ? Math.max(1, Math.round(vehicles / 4)) : 0);
  expect(cast[0]).toMatchObject({ program: 'alectra', name: 'Dana Driver', joinMs: 0 });
  for (const p of cast) {
    expect(p.joinMs).toBeGreaterThanOrEqual(0);
    // Each car has at least a third of the history: its pages have something to show.
    expect(p.joinMs).toBeLessThanOrEqual((days * DAY_MS * 2) / 3);
  }
  if (vehicles >= 12) expect(new Set(cast.map((p) => p.joinMs)).size).toBeGreaterThan(vehicles / 2);
});

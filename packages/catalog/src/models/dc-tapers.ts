/**
 * Typical DC fast-charging curves, as fractions of a car's peak DC power against state of charge.
 * They are generic shapes per charging behaviour, drawn from published charging-curve tests
 * (Fastned, InsideEVs, Bjørn Nyland), not a measurement of any one car: good enough for the
 * simulator's session durations, not for a per-car charging-time promise. Each starts at 0 % and
 * ends at 100 %, rises to 1 (the peak) and never rises again after it.
 */
import type { DcTaperPoint } from '../types.js';

type Taper = readonly DcTaperPoint[];

const points = (pairs: readonly (readonly [number, number])[]): Taper =>
  pairs.map(([socPct, fraction]) => ({ socPct, fraction }));

/** No DC port: the empty curve. */
export const NO_DC: Taper = [];

/** Chevrolet Bolt EV: flat at the peak to about 50 %, then distinct steps down (≈ 38, 24, 18 kW). */
export const BOLT_STEPS = points([
  [0, 0.9],
  [5, 1],
  [50, 1],
  [52, 0.73],
  [68, 0.73],
  [70, 0.45],
  [85, 0.45],
  [87, 0.33],
  [95, 0.25],
  [100, 0.05],
]);

/**
 * Hyundai/Kia 64 kWh (Kona, Niro, Soul) and the Ioniq, e-Golf, i3, Focus: hold near the peak to about
 * 75 %, then fall in steps.
 */
export const HOLD_TO_75 = points([
  [0, 0.9],
  [10, 1],
  [74, 1],
  [77, 0.65],
  [80, 0.5],
  [90, 0.35],
  [95, 0.2],
  [100, 0.05],
]);

/** Zoe ZE50 and I-PACE-like packs: hold to about 50–55 %, then a long gradual decline. */
export const HOLD_TO_55 = points([
  [0, 0.9],
  [10, 1],
  [55, 1],
  [65, 0.85],
  [75, 0.7],
  [80, 0.55],
  [90, 0.32],
  [100, 0.05],
]);

/**
 * Nissan Leaf / e-NV200 and first-generation Soul EV on CHAdeMO: peak to about half charge, then a
 * steady decline. Passively cooled Leafs (40 kWh especially) throttle further when the pack is hot.
 */
export const CHADEMO_HALF = points([
  [0, 0.9],
  [10, 1],
  [50, 1],
  [60, 0.85],
  [70, 0.7],
  [80, 0.5],
  [90, 0.25],
  [100, 0.05],
]);

/** Mitsubishi i-MiEV family and Berlingo Electric: declining from the start, DC stops near 85 %. */
export const CHADEMO_SMALL_PACK = points([
  [0, 1],
  [40, 1],
  [60, 0.8],
  [75, 0.55],
  [80, 0.3],
  [85, 0.1],
  [86, 0],
  [100, 0],
]);

/** Mitsubishi Outlander PHEV: CHAdeMO to about 80 %, after which the car ends a DC session. */
export const OUTLANDER_PHEV = points([
  [0, 1],
  [70, 1],
  [80, 0.6],
  [81, 0],
  [100, 0],
]);

/** Tesla on V3 Superchargers (Model 3 Long Range, Model Y, refreshed S): high peak early, then falls. */
export const TESLA_V3 = points([
  [0, 0.7],
  [5, 1],
  [25, 1],
  [40, 0.7],
  [55, 0.5],
  [65, 0.36],
  [80, 0.24],
  [90, 0.12],
  [100, 0.02],
]);

/** Tesla Model 3 Standard Range Plus (170 kW): a slightly longer plateau, then falls. */
export const TESLA_V3_SMALL_PACK = points([
  [0, 0.7],
  [5, 1],
  [30, 1],
  [45, 0.75],
  [60, 0.55],
  [80, 0.3],
  [90, 0.18],
  [100, 0.03],
]);

/** Tesla Model S/X 2019–2021 "Raven" packs (about 200 kW): short peak, then a long decline. */
export const TESLA_RAVEN = points([
  [0, 0.7],
  [5, 1],
  [20, 1],
  [40, 0.75],
  [60, 0.5],
  [80, 0.28],
  [90, 0.15],
  [100, 0.03],
]);

/** Tesla Model S/X before 2019 on V2 Superchargers (about 120 kW). */
export const TESLA_V2 = points([
  [0, 0.8],
  [5, 1],
  [30, 1],
  [50, 0.8],
  [70, 0.55],
  [80, 0.4],
  [90, 0.22],
  [100, 0.03],
]);

/** Jaguar I-PACE (100 kW after the 2019 software update): plateau to about 45 %, then a slow decline. */
export const IPACE = points([
  [0, 0.9],
  [10, 1],
  [45, 1],
  [60, 0.8],
  [75, 0.7],
  [80, 0.5],
  [90, 0.3],
  [100, 0.05],
]);

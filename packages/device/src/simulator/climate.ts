/**
 * Outdoor air temperature for the simulator, by region: the thing that makes winter range loss and
 * summer air-conditioning show up in the telemetry.
 *
 * temperatureAt(t) = seasonal normal (from 1991–2020 station normals, interpolated smoothly and
 * mean-preserving between months) + a day-to-day weather anomaly (seeded AR(1)) + a diurnal cycle in
 * local time (minimum at sunrise, maximum at 15:00; each rise and fall a half cosine, so the curve is
 * continuous across midnight, month ends and DST changes).
 *
 * Deterministic for (region, seed, time) whatever order it is asked in: a day's anomaly is the AR(1)
 * written as its moving-average sum over the preceding days' innovations, and each innovation comes
 * from the seed and the day number alone. Per-day parameters are cached, so a call costs a cosine.
 */
import { createLocalClock, civilFromDays, daysFromCivil, isLeapYear, DAY_MS, HOUR_MS } from '@smartcharge/protocol';
import { createRandom, type Random } from './random.js';

export type RegionId = 'ontario' | 'mississippi' | 'washington';

export interface Climate {
  readonly region: RegionId;
  /** Air temperature in °C at this instant. */
  temperatureAt(utcMs: number): number;
  /** The day's weather anomaly in °C (departure of the daily mean from normal) for a local day number. */
  anomalyOnDay(localDayNumber: number): number;
  /**
   * Whether the roads are covered in snow or slush at this instant: on a local day with precipitation
   * whose mean temperature is below freezing (it fell as snow). Optional for test climates: absent, dry.
   */
  roadSnowAt?(utcMs: number): boolean;
}

export interface ClimateStation {
  readonly station: string;
  readonly source: string;
  readonly lat: number;
  readonly lon: number;
  readonly timeZone: string;
  /** Mean daily maximum and minimum by month, January first, in °C. */
  readonly normalMaxC: readonly number[];
  readonly normalMinC: readonly number[];
  /** Standard deviation of the daily-mean anomaly in mid-winter and mid-summer, °C. */
  readonly anomalySdWinterC: number;
  readonly anomalySdSummerC: number;
  /** Day-to-day correlation of the anomaly (AR(1) coefficient). */
  readonly persistence: number;
  /** Days with measurable precipitation (≥ 0.2 mm, or 0.01 in) by month, January first. */
  readonly wetDaysPerMonth: readonly number[];
}

const fahrenheitToCelsius = (values: readonly number[]): number[] =>
  values.map((f) => Math.round(((f - 32) * 5 * 100) / 9) / 100);

/*
 * Normals (mean daily max / min by month, 1991–2020). The figures were entered by hand; the Toronto
 * and Gulfport decimals could not be re-checked against the agencies' pages when this was written,
 * so treat them as ±0.5 °C: good for simulation, not for citing onward.
 *
 *               Jan   Feb   Mar   Apr   May   Jun   Jul   Aug   Sep   Oct   Nov   Dec
 * Toronto Pearson Int'l A, ECCC Canadian Climate Normals 1991–2020 (climate ID 6158731), °C
 *   max       −0.9   0.3   5.2  12.2  19.4  24.8  27.6  26.5  22.3  14.9   7.9   2.2
 *   min       −9.2  −8.6  −4.9   1.4   7.0  12.3  15.2  14.4  10.3   4.3  −0.8  −5.9
 * Gulfport–Biloxi Int'l Airport, NOAA NCEI U.S. Climate Normals 1991–2020 (GHCND:USW00093874), °F
 *   max       61.6  65.2  71.2  77.4  84.6  89.3  90.4  90.6  87.4  80.0  70.4  63.6
 *   min       42.4  46.1  51.8  57.9  66.2  72.6  74.3  74.2  70.4  60.4  50.2  44.9
 * Seattle–Tacoma Int'l Airport, NOAA NCEI U.S. Climate Normals 1991–2020 (GHCND:USW00024233), °F,
 * as rounded to whole degrees in Wikipedia's "Climate of Seattle" chart
 *   max         48    50    54    59    66    71    77    78    72    61    52    47
 *   min         38    38    40    43    49    53    57    57    54    47    41    37
 *
 * Sea-Tac stands in for Snohomish County (Everett's Paine Field runs ~1 °C cooler in summer
 * afternoons); Gulfport for the coast, where most of Mississippi Power's customers live (Hattiesburg
 * and Meridian are ~1 °C warmer by day in summer and ~2 °C colder at night in winter).
 *
 * Anomaly sizes. ECCC's 1971–2000 Toronto table gives the standard deviation of the *monthly* mean as
 * 2.7 °C in January and 1.2 °C in July. An AR(1) with persistence 0.7 turns a daily sd σ into a
 * monthly-mean sd of about 0.43σ, so σ = 4.0 °C (winter) and 2.0 °C (summer) cover most of that; the
 * rest is slower (seasonal, interannual) variability this model leaves out.
 * - Ontario: continental air behind the Great Lakes, Arctic outbreaks against southerly flow: the
 *   largest winter swings of the three; φ = 0.7.
 * - Mississippi: winters alternate humid Gulf return flow with continental cold fronts, which pass in
 *   a day or two (σ 3.5 °C, lower φ = 0.65); in summer the Bermuda high holds the daily mean almost
 *   still (σ 1.2 °C).
 * - Washington: Pacific air damps winter swings except the odd Fraser-outflow cold spell (σ 2.5 °C);
 *   summer ridges bring multi-day warm spells (σ 2.0 °C); Northwest ridges and troughs linger, φ = 0.75.
 *
 * Days with precipitation (same normals, rounded to whole days; entered by hand like the temperatures,
 * ±1 day): Toronto 16 12 12 12 12 11 10 10 10 12 13 15; Gulfport 10 9 9 7 7 11 14 13 10 7 8 10; Sea-Tac
 * 18 15 17 14 11 8 4 5 8 13 18 18. Each day is wet or dry by its own draw (no wet spells: a simplification).
 */
export const CLIMATE_STATIONS: Readonly<Record<RegionId, ClimateStation>> = {
  ontario: {
    station: "Toronto Pearson Int'l A (climate ID 6158731)",
    source: 'Environment and Climate Change Canada, Canadian Climate Normals 1991–2020',
    lat: 43.677,
    lon: -79.631,
    timeZone: 'America/Toronto',
    normalMaxC: [-0.9, 0.3, 5.2, 12.2, 19.4, 24.8, 27.6, 26.5, 22.3, 14.9, 7.9, 2.2],
    normalMinC: [-9.2, -8.6, -4.9, 1.4, 7.0, 12.3, 15.2, 14.4, 10.3, 4.3, -0.8, -5.9],
    anomalySdWinterC: 4.0,
    anomalySdSummerC: 2.0,
    persistence: 0.7,
    wetDaysPerMonth: [16, 12, 12, 12, 12, 11, 10, 10, 10, 12, 13, 15],
  },
  mississippi: {
    station: "Gulfport–Biloxi Int'l Airport (GHCND:USW00093874)",
    source: 'NOAA NCEI, U.S. Climate Normals 1991–2020',
    lat: 30.412,
    lon: -89.081,
    timeZone: 'America/Chicago',
    normalMaxC: fahrenheitToCelsius([61.6, 65.2, 71.2, 77.4, 84.6, 89.3, 90.4, 90.6, 87.4, 80.0, 70.4, 63.6]),
    normalMinC: fahrenheitToCelsius([42.4, 46.1, 51.8, 57.9, 66.2, 72.6, 74.3, 74.2, 70.4, 60.4, 50.2, 44.9]),
    anomalySdWinterC: 3.5,
    anomalySdSummerC: 1.2,
    persistence: 0.65,
    wetDaysPerMonth: [10, 9, 9, 7, 7, 11, 14, 13, 10, 7, 8, 10],
  },
  washington: {
    station: "Seattle–Tacoma Int'l Airport (GHCND:USW00024233)",
    source: 'NOAA NCEI, U.S. Climate Normals 1991–2020 (whole °F)',
    lat: 47.445,
    lon: -122.314,
    timeZone: 'America/Los_Angeles',
    normalMaxC: fahrenheitToCelsius([48, 50, 54, 59, 66, 71, 77, 78, 72, 61, 52, 47]),
    normalMinC: fahrenheitToCelsius([38, 38, 40, 43, 49, 53, 57, 57, 54, 47, 41, 37]),
    anomalySdWinterC: 2.5,
    anomalySdSummerC: 2.0,
    persistence: 0.75,
    wetDaysPerMonth: [18, 15, 17, 14, 11, 8, 4, 5, 8, 13, 18, 18],
  },
};

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const MONTH_STARTS = MONTH_DAYS.map((_, m) => MONTH_DAYS.slice(0, m).reduce((a, b) => a + b, 0));
const YEAR_DAYS = 365;
/** Local clock hour of the daily maximum. */
const PEAK_HOUR = 15;
/** Day of the (365-day) year when the anomaly is most variable: late January. */
const MOST_VARIABLE_DAY = 20;
/** Day-to-day spread of the diurnal range (cloudy days have small ranges, clear days large). */
const RANGE_SD = 0.2;

/**
 * A smooth periodic curve over a 365-day year whose average over each calendar month equals the
 * monthly value given. Piecewise cubic Hermite through mid-month nodes; the node values are nudged
 * until each month's average matches (plain interpolation through the monthly means would shave
 * ~0.3 °C off the seasonal peaks).
 */
export function seasonalCurve(monthly: readonly number[]): (yearDay: number) => number {
  const mids = MONTH_STARTS.map((start, m) => start + MONTH_DAYS[m]! / 2);
  const nodes = [...monthly];
  const at = (x: number): number => {
    const day = ((x % YEAR_DAYS) + YEAR_DAYS) % YEAR_DAYS;
    let i = 11; // the segment from node i to node i+1 (wrapping) containing day
    for (let m = 0; m < 12; m++) if (day >= mids[m]!) i = m;
    const j = (i + 1) % 12;
    const start = mids[i]!;
    const length = j === 0 ? mids[0]! + YEAR_DAYS - start : mids[j]! - start;
    const t = (day >= start ? day - start : day + YEAR_DAYS - start) / length;
    const v0 = nodes[i]!;
    const v1 = nodes[j]!;
    const slope0 = (v1 - nodes[(i + 11) % 12]!) / 2;
    const slope1 = (nodes[(j + 1) % 12]! - v0) / 2;
    const t2 = t * t;
    const t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * v0 + (t3 - 2 * t2 + t) * slope0 + (-2 * t3 + 3 * t2) * v1 + (t3 - t2) * slope1;
  };
  for (let iteration = 0; iteration < 30; iteration++) {
    for (let m = 0; m < 12; m++) {
      let sum = 0;
      for (let d = 0; d < MONTH_DAYS[m]!; d++) sum += at(MONTH_STARTS[m]! + d + 0.5);
      nodes[m]! += monthly[m]! - sum / MONTH_DAYS[m]!;
    }
  }
  return at;
}

interface DayParams {
  /** Sunrise (the day's minimum) and 15:00 local (its maximum), UTC ms. */
  readonly sunriseMs: number;
  readonly peakMs: number;
  readonly minC: number;
  readonly maxC: number;
}

/** Sunrise in UTC hours after midnight UTC of the same calendar date (NOAA's simplified formulas). */
function sunriseUtcHours(lat: number, lon: number, yearDay: number): number {
  const gamma = (2 * Math.PI * yearDay) / YEAR_DAYS;
  const declination =
    0.006918 - 0.399912 * Math.cos(gamma) + 0.070257 * Math.sin(gamma) - 0.006758 * Math.cos(2 * gamma);
  const equationOfTimeMin =
    229.18 *
    (0.000075 +
      0.001868 * Math.cos(gamma) -
      0.032077 * Math.sin(gamma) -
      0.014615 * Math.cos(2 * gamma) -
      0.040849 * Math.sin(2 * gamma));
  const phi = (lat * Math.PI) / 180;
  const zenith = (90.833 * Math.PI) / 180;
  const cosHourAngle =
    Math.cos(zenith) / (Math.cos(phi) * Math.cos(declination)) - Math.tan(phi) * Math.tan(declination);
  const hourAngleDeg = (Math.acos(Math.max(-1, Math.min(1, cosHourAngle))) * 180) / Math.PI;
  return 12 - lon / 15 - hourAngleDeg / 15 - equationOfTimeMin / 60;
}

// Bounds on the per-day caches; a simulation rarely spans more than a few thousand days.
const MAX_CACHED_DAYS = 20_000;

export function createClimate(region: RegionId, seed: number): Climate {
  const station = CLIMATE_STATIONS[region];
  if (!station) throw new RangeError(`"${String(region)}" is not a region: use ontario, mississippi or washington`);
  const clock = createLocalClock(station.timeZone);
  const normalMax = seasonalCurve(station.normalMaxC);
  const normalMin = seasonalCurve(station.normalMinC);
  const weather: Random = createRandom(seed).fork('climate').fork(region);
  const phi = station.persistence;
  const innovationScale = Math.sqrt(1 - phi * phi);
  // Terms of the moving-average sum until phi^k < 1e-6: beyond that a day's shock is invisible.
  const memoryDays = Math.ceil(Math.log(1e-6) / Math.log(phi));

  /** Position of a local day in a 365-day climatological year (leap years squeezed by a day). */
  function yearDayOf(dayNumber: number): number {
    const { year } = civilFromDays(dayNumber);
    const index = dayNumber - daysFromCivil(year, 1, 1);
    return ((index + 0.5) * YEAR_DAYS) / (isLeapYear(year) ? 366 : 365);
  }

  function anomalySd(yearDay: number): number {
    const winterness = (1 + Math.cos((2 * Math.PI * (yearDay - MOST_VARIABLE_DAY)) / YEAR_DAYS)) / 2;
    return station.anomalySdSummerC + (station.anomalySdWinterC - station.anomalySdSummerC) * winterness;
  }

  interface DayDraws {
    readonly innovationC: number;
    readonly rangeFactor: number;
    /** Uniform 0–1: the day is wet when below its month's share of wet days. */
    readonly wetDraw: number;
  }
  const draws = new Map<number, DayDraws>();
  function drawsFor(dayNumber: number): DayDraws {
    let cached = draws.get(dayNumber);
    if (cached) return cached;
    const day = weather.fork(dayNumber);
    const shock = day.normal();
    const rangeFactor = Math.min(1.6, Math.max(0.4, day.normal(1, RANGE_SD)));
    // Drawn after the others, so that adding it changed no temperature.
    const wetDraw = day.next();
    cached = { innovationC: innovationScale * anomalySd(yearDayOf(dayNumber)) * shock, rangeFactor, wetDraw };
    if (draws.size >= MAX_CACHED_DAYS) draws.clear();
    draws.set(dayNumber, cached);
    return cached;
  }

  function anomalyOnDay(dayNumber: number): number {
    let sum = 0;
    let weight = 1;
    for (let k = 0; k < memoryDays; k++) {
      sum += weight * drawsFor(dayNumber - k).innovationC;
      weight *= phi;
    }
    return sum;
  }

  const days = new Map<number, DayParams>();
  function paramsFor(dayNumber: number): DayParams {
    let cached = days.get(dayNumber);
    if (cached) return cached;
    const yearDay = yearDayOf(dayNumber);
    const normalMaxC = normalMax(yearDay);
    const normalMinC = normalMin(yearDay);
    const meanC = (normalMaxC + normalMinC) / 2 + anomalyOnDay(dayNumber);
    const halfRangeC = ((normalMaxC - normalMinC) / 2) * drawsFor(dayNumber).rangeFactor;
    const peakMs = clock.utcMsAtLocalDay(dayNumber, PEAK_HOUR, 0);
    const sunriseMs = Math.min(
      dayNumber * DAY_MS + sunriseUtcHours(station.lat, station.lon, yearDay) * HOUR_MS,
      peakMs - 3 * HOUR_MS,
    );
    cached = { sunriseMs, peakMs, minC: meanC - halfRangeC, maxC: meanC + halfRangeC };
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(dayNumber, cached);
    return cached;
  }

  // The rise or fall the last call landed in; calls at 1 Hz stay in one for hours.
  let segmentStartMs = 0;
  let segmentEndMs = 0;
  let segmentFromC = 0;
  let segmentToC = 0;

  function setSegment(startMs: number, endMs: number, fromC: number, toC: number): void {
    segmentStartMs = startMs;
    segmentEndMs = endMs;
    segmentFromC = fromC;
    segmentToC = toC;
  }

  function findSegment(utcMs: number): void {
    const dayNumber = clock.localDayNumber(utcMs);
    const today = paramsFor(dayNumber);
    if (utcMs < today.sunriseMs) {
      const yesterday = paramsFor(dayNumber - 1);
      setSegment(yesterday.peakMs, today.sunriseMs, yesterday.maxC, today.minC);
    } else if (utcMs < today.peakMs) {
      setSegment(today.sunriseMs, today.peakMs, today.minC, today.maxC);
    } else {
      const tomorrow = paramsFor(dayNumber + 1);
      setSegment(today.peakMs, tomorrow.sunriseMs, today.maxC, tomorrow.minC);
    }
  }

  let snowDay = Number.NaN;
  let snowy = false;
  function roadSnowOnDay(dayNumber: number): boolean {
    const yearDay = yearDayOf(dayNumber);
    const month = Math.min(
      11,
      MONTH_STARTS.findLastIndex((start) => start <= yearDay),
    );
    const wet = drawsFor(dayNumber).wetDraw < station.wetDaysPerMonth[month]! / MONTH_DAYS[month]!;
    if (!wet) return false;
    const { minC, maxC } = paramsFor(dayNumber);
    return (minC + maxC) / 2 < 0;
  }

  return {
    region,
    anomalyOnDay,
    roadSnowAt(utcMs) {
      // Asked every second of driving: the last day's answer is kept.
      const dayNumber = clock.localDayNumber(utcMs);
      if (dayNumber !== snowDay) {
        snowDay = dayNumber;
        snowy = roadSnowOnDay(dayNumber);
      }
      return snowy;
    },
    temperatureAt(utcMs) {
      if (!(utcMs >= segmentStartMs && utcMs < segmentEndMs)) {
        if (!Number.isFinite(utcMs)) throw new RangeError(`${utcMs} is not a time: give UTC milliseconds`);
        findSegment(utcMs);
      }
      const progress = (utcMs - segmentStartMs) / (segmentEndMs - segmentStartMs);
      return segmentFromC + ((segmentToC - segmentFromC) * (1 - Math.cos(Math.PI * progress))) / 2;
    },
  };
}

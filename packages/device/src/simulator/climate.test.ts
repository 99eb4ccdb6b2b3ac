import { describe, expect, it } from 'vitest';
import { CLIMATE_STATIONS, createClimate, seasonalCurve, type RegionId } from './climate.js';
import { civilFromDays, createLocalClock, parseDateKey } from '@smartcharge/protocol';

const REGIONS: RegionId[] = ['ontario', 'mississippi', 'washington'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIRST_YEAR = 2030;
const YEARS = 20;

interface MonthStats {
  meanC: number;
  diurnalRangeC: number;
}

/** Samples a region hourly for 20 years; per calendar month: mean temperature and mean daily range. */
function monthlyStats(region: RegionId, seed: number): MonthStats[] {
  const climate = createClimate(region, seed);
  const clock = createLocalClock(CLIMATE_STATIONS[region].timeZone);
  const sum = new Array<number>(12).fill(0);
  const count = new Array<number>(12).fill(0);
  const rangeSum = new Array<number>(12).fill(0);
  const rangeCount = new Array<number>(12).fill(0);
  let dayKey = '';
  let dayMonth = 0;
  let dayMin = Infinity;
  let dayMax = -Infinity;
  const start = clock.utcMsAt(`${FIRST_YEAR}-01-01`, 0, 0);
  const end = clock.utcMsAt(`${FIRST_YEAR + YEARS}-01-01`, 0, 0);
  for (let t = start; t <= end; t += HOUR) {
    const key = clock.localDateKey(t);
    if (key !== dayKey) {
      if (dayKey) {
        rangeSum[dayMonth]! += dayMax - dayMin;
        rangeCount[dayMonth]!++;
      }
      [dayKey, dayMonth, dayMin, dayMax] = [key, Number(key.slice(5, 7)) - 1, Infinity, -Infinity];
    }
    if (t === end) break;
    const temperature = climate.temperatureAt(t);
    sum[dayMonth]! += temperature;
    count[dayMonth]!++;
    dayMin = Math.min(dayMin, temperature);
    dayMax = Math.max(dayMax, temperature);
  }
  return sum.map((s, m) => ({ meanC: s / count[m]!, diurnalRangeC: rangeSum[m]! / rangeCount[m]! }));
}

/** Daily means (from hourly samples) of `days` local days from `fromKey`, with each day's month (0–11). */
function dailyMeans(region: RegionId, seed: number, fromKey: string, days: number): { month: number; meanC: number }[] {
  const climate = createClimate(region, seed);
  const clock = createLocalClock(CLIMATE_STATIONS[region].timeZone);
  const first = parseDateKey(fromKey);
  return Array.from({ length: days }, (_, i) => {
    let sum = 0;
    for (let hour = 0; hour < 24; hour++) sum += climate.temperatureAt(clock.utcMsAtLocalDay(first + i, hour, 30));
    return { month: civilFromDays(first + i).month - 1, meanC: sum / 24 };
  });
}

describe.each(REGIONS)('createClimate(%s)', (region) => {
  const station = CLIMATE_STATIONS[region];

  it(`reproduces the station's monthly normals over ${YEARS} simulated years`, () => {
    const stats = monthlyStats(region, 1);
    stats.forEach(({ meanC, diurnalRangeC }, month) => {
      const normalMeanC = (station.normalMaxC[month]! + station.normalMinC[month]!) / 2;
      const normalRangeC = station.normalMaxC[month]! - station.normalMinC[month]!;
      expect(Math.abs(meanC - normalMeanC), `month ${month + 1} mean ${meanC.toFixed(2)} °C`).toBeLessThan(1.0);
      expect(
        Math.abs(diurnalRangeC - normalRangeC),
        `month ${month + 1} range ${diurnalRangeC.toFixed(2)} °C`,
      ).toBeLessThan(1.5);
    });
  });

  it('is coldest around sunrise and warmest mid-afternoon, in local time', () => {
    const climate = createClimate(region, 2);
    const clock = createLocalClock(station.timeZone);
    const byHour = new Array<number>(24).fill(0);
    const first = parseDateKey(`${FIRST_YEAR}-01-01`);
    for (let day = first; day < first + 3 * 365; day++) {
      for (let hour = 0; hour < 24; hour++) byHour[hour]! += climate.temperatureAt(clock.utcMsAtLocalDay(day, hour, 0));
    }
    const coldest = byHour.indexOf(Math.min(...byHour));
    const warmest = byHour.indexOf(Math.max(...byHour));
    expect(coldest).toBeGreaterThanOrEqual(5);
    expect(coldest).toBeLessThanOrEqual(8);
    expect(warmest).toBe(15);
  });

  it('changes smoothly: no step between minutes, across month ends and DST changes', () => {
    const climate = createClimate(region, 3);
    const clock = createLocalClock(station.timeZone);
    for (const [fromKey, days] of [
      ['2030-01-30', 3],
      ['2030-03-09', 3], // DST starts 10 March 2030
      ['2030-06-29', 3],
      ['2030-11-02', 3], // DST ends 3 November 2030
      ['2030-12-30', 4],
    ] as const) {
      const start = clock.utcMsAt(fromKey, 0, 0);
      let previous = climate.temperatureAt(start);
      for (let t = start + 60_000; t < start + days * DAY; t += 60_000) {
        const current = climate.temperatureAt(t);
        expect(Math.abs(current - previous), new Date(t).toISOString()).toBeLessThan(0.15);
        previous = current;
      }
    }
  });

  it('gives the same temperatures for the same seed in any order of asking, and others for another seed', () => {
    const start = Date.UTC(2031, 0, 1);
    const instants = Array.from({ length: 400 }, (_, i) => start + i * 23 * HOUR + ((i * 7919) % 3600) * 1000);
    const forwards = createClimate(region, 7);
    const expected = instants.map((t) => forwards.temperatureAt(t));
    const backwards = createClimate(region, 7);
    const reversed = [...instants].reverse().map((t) => backwards.temperatureAt(t));
    expect(reversed.reverse()).toEqual(expected);
    const other = createClimate(region, 8);
    const differing = instants.filter((t, i) => Math.abs(other.temperatureAt(t) - expected[i]!) > 0.5).length;
    expect(differing).toBeGreaterThan(instants.length / 2);
  });

  it('has anomalies with the stated winter and summer spread and day-to-day persistence', () => {
    const climate = createClimate(region, 4);
    const january: number[] = [];
    const july: number[] = [];
    const all: number[] = [];
    for (let year = FIRST_YEAR; year < FIRST_YEAR + 40; year++) {
      for (let day = 10; day <= 30; day++) {
        january.push(climate.anomalyOnDay(parseDateKey(`${year}-01-${day}`)));
        july.push(climate.anomalyOnDay(parseDateKey(`${year}-07-${day}`)));
      }
    }
    const first = parseDateKey(`${FIRST_YEAR}-01-01`);
    for (let day = first; day < first + 40 * 365; day++) all.push(climate.anomalyOnDay(day));
    const rms = (values: number[]) => Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    // ~800 draws with an effective sample of ~150: the sd is known to about ±10 %.
    expect(rms(january) / station.anomalySdWinterC).toBeGreaterThan(0.8);
    expect(rms(january) / station.anomalySdWinterC).toBeLessThan(1.2);
    expect(rms(july) / station.anomalySdSummerC).toBeGreaterThan(0.8);
    expect(rms(july) / station.anomalySdSummerC).toBeLessThan(1.2);
    let lagged = 0;
    let squares = 0;
    for (let i = 1; i < all.length; i++) {
      lagged += all[i]! * all[i - 1]!;
      squares += all[i - 1]! ** 2;
    }
    expect(lagged / squares).toBeCloseTo(station.persistence, 1);
  });

  it('refuses a time that is not finite', () => {
    expect(() => createClimate(region, 1).temperatureAt(Number.NaN)).toThrow(RangeError);
  });
});

describe('roadSnowAt', () => {
  it('covers the roads only on wet days below freezing: about half of a Toronto January, never in July or Gulfport', () => {
    const ontario = createClimate('ontario', 3);
    const clock = createLocalClock('America/Toronto');
    const share = (climate: ReturnType<typeof createClimate>, year: number, month: number) => {
      let snowy = 0;
      for (let day = 1; day <= 28; day++) {
        const noon = clock.utcMsAt(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, 12, 0);
        if (climate.roadSnowAt!(noon)) snowy++;
      }
      return snowy / 28;
    };
    let january = 0;
    for (let year = FIRST_YEAR; year < FIRST_YEAR + 5; year++) {
      january += share(ontario, year, 1) / 5;
      expect(share(ontario, year, 7)).toBe(0);
      expect(share(createClimate('mississippi', 3), year, 7)).toBe(0);
    }
    // 16 wet days in 31, most of them below freezing.
    expect(january).toBeGreaterThan(0.3);
    expect(january).toBeLessThan(0.55);
    // The same answer for the same instant, asked in any order.
    const t = clock.utcMsAt('2031-01-10', 8, 0);
    expect(createClimate('ontario', 3).roadSnowAt!(t)).toBe(ontario.roadSnowAt!(t));
  });
});

describe('CLIMATE_STATIONS', () => {
  it.each(REGIONS)('has a plausible normals table for %s: 12 months, max above min, cold Jan, warm Jul', (region) => {
    const { normalMaxC, normalMinC, station, source } = CLIMATE_STATIONS[region];
    expect(station).not.toBe('');
    expect(source).toMatch(/1991–2020/);
    expect([normalMaxC.length, normalMinC.length]).toEqual([12, 12]);
    normalMaxC.forEach((max, m) => expect(max - normalMinC[m]!).toBeGreaterThan(3));
    const means = normalMaxC.map((max, m) => (max + normalMinC[m]!) / 2);
    expect(Math.min(...means)).toBe(Math.min(means[0]!, means[1]!, means[11]!));
    expect(Math.max(...means)).toBe(Math.max(means[6]!, means[7]!));
  });

  it('keeps the three climates apart: Ontario coldest in winter, Mississippi warmest all year', () => {
    const { ontario, mississippi, washington } = CLIMATE_STATIONS;
    const mean = (station: typeof ontario, m: number) => (station.normalMaxC[m]! + station.normalMinC[m]!) / 2;
    expect(mean(ontario, 0)).toBeLessThan(-3);
    expect(mean(washington, 0)).toBeGreaterThan(3);
    for (let m = 0; m < 12; m++)
      expect(mean(mississippi, m)).toBeGreaterThan(Math.max(mean(ontario, m), mean(washington, m)));
  });
});

describe('Ontario winters', () => {
  it('bring a cold snap (3+ days with daily means below the normal overnight low) in most years', () => {
    const station = CLIMATE_STATIONS.ontario;
    let wintersWithSnap = 0;
    let wintersBelowMinus15 = 0;
    for (let year = FIRST_YEAR; year < FIRST_YEAR + YEARS; year++) {
      const days = dailyMeans('ontario', 5, `${year}-12-01`, 90); // December to February
      let run = 0;
      let longest = 0;
      for (const { month, meanC } of days) {
        run = meanC < station.normalMinC[month]! ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      if (longest >= 3) wintersWithSnap++;
      if (Math.min(...days.map((day) => day.meanC)) < -15) wintersBelowMinus15++;
    }
    expect(wintersWithSnap).toBeGreaterThan(YEARS / 2);
    expect(wintersBelowMinus15).toBeGreaterThan(0);
  });
});

describe('seasonalCurve', () => {
  const monthStarts = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

  it('keeps each month’s average equal to the monthly value', () => {
    const monthly = CLIMATE_STATIONS.ontario.normalMaxC;
    const curve = seasonalCurve(monthly);
    for (let m = 0; m < 12; m++) {
      let sum = 0;
      for (let d = monthStarts[m]!; d < monthStarts[m + 1]!; d++) sum += curve(d + 0.5);
      expect(sum / (monthStarts[m + 1]! - monthStarts[m]!)).toBeCloseTo(monthly[m]!, 2);
    }
  });

  it('is continuous at month ends and at the turn of the year', () => {
    const curve = seasonalCurve(CLIMATE_STATIONS.ontario.normalMinC);
    for (const boundary of monthStarts) {
      expect(Math.abs(curve(boundary + 1e-6) - curve(boundary - 1e-6))).toBeLessThan(1e-4);
    }
    for (let x = 0; x < 365; x += 0.25) expect(Math.abs(curve(x + 0.25) - curve(x))).toBeLessThan(0.1);
  });
});

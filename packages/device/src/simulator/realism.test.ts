/**
 * Is the simulated fleet true to published EV behaviour? Each test runs a fleet through the
 * simulator and holds one published figure (in ../shared/reference/, copied here with its source)
 * to a stated tolerance. The tolerances are where this model honestly lands, not where we wish it
 * did; where it is simplified, the comment says how.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet, FleetRunner, type FleetSpec } from './fleet.js';
import type { SessionTruth, Truth } from './frame.js';
import { createLocalClock } from '@smartcharge/protocol';
import { getModelById } from '@smartcharge/catalog';
import { dynamometerWhPerKm } from './dynamometer.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);

/**
 * Geotab's EV temperature tool (4,200 EVs, 5.2 M trips), as digitised in TNO's ChaProEV project:
 * relative efficiency (1.0 = best, near 21 °C) every 5 °C (reference/geotab-temperature-efficiency.csv).
 */
const GEOTAB: ReadonlyMap<number, number> = new Map([
  [-20, 0.4482],
  [-15, 0.4972],
  [-10, 0.5564],
  [-5, 0.6266],
  [0, 0.7076],
  [5, 0.796],
  [10, 0.8841],
  [15, 0.9574],
  [20, 0.9972],
  [25, 0.9877],
  [30, 0.9258],
  [35, 0.825],
  [40, 0.7067],
]);

/**
 * NREL EVI-Pro home charging, business as usual ("min delay": charging starts on arrival), share
 * of a weekday's home charging energy by hour (reference/nrel-evipro-home-charging-shape.csv).
 */
const NREL_WEEKDAY = [
  0.0437, 0.0283, 0.0174, 0.0101, 0.0054, 0.0019, 0.001, 0.001, 0.0026, 0.004, 0.0059, 0.0089, 0.0147, 0.0187, 0.0254,
  0.0432, 0.0637, 0.0927, 0.1188, 0.1199, 0.1128, 0.1074, 0.0884, 0.0654,
];

async function simulate(
  spec: FleetSpec,
  days: number,
): Promise<{ truths: Truth[]; fleet: ReturnType<typeof buildFleet> }> {
  const fleet = buildFleet(spec);
  const truths: Truth[] = [];
  const runner = new FleetRunner(fleet, { truth: (event) => truths.push(event) });
  await runner.run({ untilMs: spec.startMs + days * DAY, stepMs: 6 * 3_600_000 });
  return { truths, fleet };
}

const sessions = (truths: readonly Truth[]) => truths.filter((t): t is SessionTruth => t.type === 'session');
const chargingHours = (s: SessionTruth) => s.segments.reduce((h, g) => h + (g.endMs - g.startMs), 0) / 3_600_000;

function correlation(a: readonly number[], b: readonly number[]): number {
  const mean = (x: readonly number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  a.forEach((x, i) => {
    num += (x - ma) * (b[i]! - mb);
    da += (x - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  });
  return num / Math.sqrt(da * db);
}

/** Share of the day's energy in local hours [from, to), wrapping midnight when from > to. */
function windowShare(byHour: readonly number[], from: number, to: number): number {
  return byHour.reduce(
    (sum, share, hour) => sum + ((from < to ? hour >= from && hour < to : hour >= from || hour < to) ? share : 0),
    0,
  );
}

describe('the simulated fleet against published figures', () => {
  it("follows Geotab's driving efficiency against ambient temperature within 5 points, −20…+40 °C", async () => {
    // The same 40-car Ontario fleet driven for ten days at each fixed temperature; efficiency as
    // Geotab measures it, trip by trip (short winter trips count as much as long ones). Geotab's
    // cars drove real winters: below freezing, snow lay on the roads about every other day (every
    // other day here, as Toronto's normals have precipitation on about half of winter days).
    const tripMeanWhPerKm = new Map<number, number>();
    for (const temperature of GEOTAB.keys()) {
      const climate = {
        temperatureAt: () => temperature,
        roadSnowAt: (t: number) => temperature < 0 && Math.floor(t / DAY) % 2 === 0,
      };
      const { truths } = await simulate({ program: 'alectra', vehicles: 40, seed: 4, startMs: START, climate }, 10);
      let kmPerKwh = 0;
      let trips = 0;
      for (const t of truths) {
        if (t.type !== 'trip' || t.distanceM < 1000) continue;
        kmPerKwh += t.distanceM / t.batteryEnergyWh;
        trips++;
      }
      expect(trips).toBeGreaterThan(400);
      tripMeanWhPerKm.set(temperature, trips / kmPerKwh);
    }
    const best = Math.min(...tripMeanWhPerKm.values());
    for (const [temperature, whPerKm] of tripMeanWhPerKm) {
      expect(Math.abs(best / whPerKm - GEOTAB.get(temperature)!), `${temperature} °C`).toBeLessThanOrEqual(0.05);
    }
  }, 300_000);

  it("charges at home by hour like NREL's EVI-Pro shape when drivers have no off-peak incentive", async () => {
    const { truths } = await simulate(
      {
        program: 'alectra',
        vehicles: 40,
        seed: 9,
        startMs: START + 60 * DAY,
        personas: [{ offPeak: false, dcHeavy: false }],
      },
      28,
    );
    const clock = createLocalClock('America/Toronto');
    const byHour = new Array<number>(24).fill(0);
    for (const s of sessions(truths)) {
      if (s.site !== 'home') continue;
      for (const segment of s.segments) {
        // Spread each segment's energy evenly over its minutes.
        const minutes = Math.max(1, Math.round((segment.endMs - segment.startMs) / 60_000));
        for (let k = 0; k < minutes; k++) {
          const t = segment.startMs + ((k + 0.5) * (segment.endMs - segment.startMs)) / minutes;
          const day = clock.dayOfWeek(t);
          if (day !== 0 && day !== 6) byHour[clock.hour(t)]! += segment.batteryEnergyWh / minutes;
        }
      }
    }
    const total = byHour.reduce((a, b) => a + b, 0);
    const shape = byHour.map((e) => e / total);
    expect(correlation(shape, NREL_WEEKDAY)).toBeGreaterThan(0.95);
    // NREL: 50.9 % of weekday home energy 16:00–21:00, 17.2 % 23:00–07:00.
    expect(Math.abs(windowShare(shape, 16, 21) - 0.509)).toBeLessThan(0.05);
    expect(Math.abs(windowShare(shape, 23, 7) - 0.172)).toBeLessThan(0.05);
  }, 120_000);

  it('moves home charging into the off-peak night for drivers who answer the incentive', async () => {
    const { truths } = await simulate(
      {
        program: 'alectra',
        vehicles: 30,
        seed: 9,
        startMs: START + 60 * DAY,
        personas: [{ offPeak: true, dcHeavy: false }],
      },
      21,
    );
    const clock = createLocalClock('America/Toronto');
    let night = 0;
    let all = 0;
    for (const s of sessions(truths)) {
      if (s.site !== 'home') continue;
      for (const g of s.segments) {
        all += g.batteryEnergyWh;
        const hour = clock.hour((g.startMs + g.endMs) / 2);
        if (hour >= 23 || hour < 7) night += g.batteryEnergyWh;
      }
    }
    // Ontario's ultra-low overnight rate runs 23:00–07:00.
    expect(night / all).toBeGreaterThan(0.85);
  }, 120_000);

  it("charges in sessions like FleetCarma's 2019 fleet: energy, power and the Level 2 share at home", async () => {
    // FleetCarma/Geotab "EV Growing Pains" (3,900 EVs, 761,096 sessions, 2019): 17.96 kWh per
    // session, 9.7 kW average charging power, 80–89 % of home charging energy on Level 2.
    const { truths } = await simulate({ program: 'alectra', vehicles: 60, seed: 12, startMs: START + 120 * DAY }, 28);
    const charged = sessions(truths).filter((s) => s.inletEnergyWh >= 1000);
    expect(charged.length).toBeGreaterThan(500);
    const meanKwh = charged.reduce((sum, s) => sum + s.inletEnergyWh, 0) / charged.length / 1000;
    const meanKw = charged.reduce((sum, s) => sum + s.inletEnergyWh / 1000 / chargingHours(s), 0) / charged.length;
    const home = charged.filter((s) => s.site === 'home');
    const homeL2 = home.filter((s) => s.level === 'L2').reduce((sum, s) => sum + s.inletEnergyWh, 0);
    const homeAll = home.reduce((sum, s) => sum + s.inletEnergyWh, 0);
    // Our sessions are about a quarter smaller (13 kWh): the simulated cars are model years up to
    // 2021 aged to today (smaller, faded packs) and Level 1 owners plug in every night.
    expect(meanKwh).toBeGreaterThan(17.96 * 0.65);
    expect(meanKwh).toBeLessThan(17.96 * 1.3);
    expect(Math.abs(meanKw - 9.7) / 9.7).toBeLessThan(0.25);
    expect(homeL2 / homeAll).toBeGreaterThan(0.7);
    expect(homeL2 / homeAll).toBeLessThan(0.95);
  }, 120_000);

  it('loses and keeps range in the cold and heat like the AAA dynamometer study, HVAC on and off', () => {
    // AAA, "Electric Vehicle Range Testing" (2019): five 2017–2018 EVs (BMW i3s, Chevrolet Bolt,
    // Nissan Leaf, Tesla Model S 75D, VW e-Golf) soaked and driven on a dynamometer in a chamber at
    // 20 °F and 95 °F against 75 °F: mean range −12 % (20 °F, HVAC off), −41 % (20 °F, HVAC on),
    // −4 % (95 °F, HVAC off), −17 % (95 °F, HVAC on). The same cars through our model, 120 km of
    // city and highway cycles each. Tolerances: ±3 points with HVAC off, ±4 hot with HVAC on; cold
    // with HVAC on ±8 points: our cabin, warmed once, costs less over a long run than those cars' heaters did.
    const fahrenheit = (f: number) => ((f - 32) * 5) / 9;
    const cars: readonly (readonly [string, number])[] = [
      ['bmw-i3', 2018],
      ['chevrolet-bolt-ev', 2018],
      ['nissan-leaf', 2018],
      ['tesla-model-s', 2017],
      ['volkswagen-e-golf', 2018],
    ];
    const published = { coldOff: -0.12, coldOn: -0.41, hotOff: -0.04, hotOn: -0.17 };
    const tolerance = { coldOff: 0.03, coldOn: 0.08, hotOff: 0.03, hotOn: 0.04 };
    const sums = { coldOff: 0, coldOn: 0, hotOff: 0, hotOn: 0 };
    for (const [id, year] of cars) {
      const model = getModelById(id);
      const variant = model.variants.find((v) => v.yearFrom <= year && v.yearTo >= year)!;
      const mild = dynamometerWhPerKm(model, variant, { ambientC: fahrenheit(75), hvac: false });
      const change = (ambientF: number, hvac: boolean) =>
        mild / dynamometerWhPerKm(model, variant, { ambientC: fahrenheit(ambientF), hvac }) - 1;
      const car = {
        coldOff: change(20, false),
        coldOn: change(20, true),
        hotOff: change(95, false),
        hotOn: change(95, true),
      };
      // Heat costs range in every car, even with the climate control off.
      expect(car.hotOff, `${id} at 95 °F, HVAC off`).toBeLessThan(0);
      expect(car.hotOn, id).toBeLessThan(car.hotOff);
      expect(car.coldOn, id).toBeLessThan(car.coldOff);
      for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += car[key];
    }
    for (const key of Object.keys(sums) as (keyof typeof sums)[]) {
      expect(Math.abs(sums[key] / cars.length - published[key]), key).toBeLessThanOrEqual(tolerance[key]);
    }
  });

  it('charges at home in sessions like residential data: energy, the small ones, and overnight stays', async () => {
    // Residential charging sessions as quoted in issue 16 (real home sessions): median about 9 kWh,
    // about 3 % under 1 kWh; a car plugged in for the evening stays until the morning. Tolerances:
    // median 7–11 kWh; under 1 kWh 1–6 %; of evening plug-ins (15:00–24:00) at least 85 % stay over
    // 6 hours and leave between 05:00 and 12:00; home sessions' median plugged-in time 10–16 h.
    const { truths } = await simulate({ program: 'alectra', vehicles: 60, seed: 12, startMs: START + 120 * DAY }, 28);
    const clock = createLocalClock('America/Toronto');
    const home = sessions(truths).filter((s) => s.site === 'home');
    expect(home.length).toBeGreaterThan(600);
    const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const kwh = home.map((s) => s.inletEnergyWh / 1000);
    expect(median(kwh)).toBeGreaterThan(7);
    expect(median(kwh)).toBeLessThan(11);
    const small = kwh.filter((e) => e < 1).length / kwh.length;
    expect(small).toBeGreaterThan(0.01);
    expect(small).toBeLessThan(0.06);
    const hours = home.map((s) => (s.unpluggedMs - s.pluggedMs) / 3_600_000);
    expect(median(hours)).toBeGreaterThan(10);
    expect(median(hours)).toBeLessThan(16);
    const evening = home.filter((s) => clock.hour(s.pluggedMs) >= 15);
    const overnight = evening.filter((s) => {
      const leaves = clock.hour(s.unpluggedMs);
      return s.unpluggedMs - s.pluggedMs > 6 * 3_600_000 && leaves >= 5 && leaves < 12;
    });
    expect(overnight.length / evening.length).toBeGreaterThan(0.85);
  }, 120_000);

  it("loses battery capacity near Geotab's 2.3 %/year, faster with frequent DC fast charging", async () => {
    // Geotab (2019, 6,300 EVs): 2.3 %/year on average; mostly-AC drivers about 1.5 %/year;
    // frequent DC fast charging above 100 kW up to 3 %/year. A year in Washington State.
    const lossPerYear = async (dcHeavy: boolean) => {
      const { truths, fleet } = await simulate(
        {
          program: 'snohomish-pud',
          vehicles: 12,
          seed: 21,
          startMs: START,
          powertrains: ['BEV'],
          personas: [{ dcHeavy, homeCharging: dcHeavy ? 'none' : 'L2' }],
        },
        365,
      );
      const soh = new Map<string, number[]>();
      for (const t of truths) if (t.type === 'day') soh.set(t.serial, [...(soh.get(t.serial) ?? []), t.sohPct]);
      return fleet.map((v) => {
        const series = soh.get(v.spec.serial)!;
        return { liquid: v.sim.battery.cooling === 'liquid', loss: series[0]! - series[series.length - 1]! };
      });
    };
    const ac = await lossPerYear(false);
    const dc = await lossPerYear(true);
    const mean = (xs: readonly { loss: number }[]) => xs.reduce((s, x) => s + x.loss, 0) / xs.length;
    const acLiquid = ac.filter((x) => x.liquid);
    const dcLiquid = dc.filter((x) => x.liquid);
    expect(mean(ac)).toBeGreaterThan(1.6);
    expect(mean(ac)).toBeLessThan(3.0);
    expect(mean(acLiquid)).toBeGreaterThan(1.0);
    expect(mean(acLiquid)).toBeLessThan(2.2);
    expect(mean(dcLiquid)).toBeGreaterThan(2.2);
    expect(mean(dcLiquid)).toBeLessThan(4.0);
    expect(mean(dc)).toBeGreaterThan(mean(ac) + 0.5);
    // Packs without liquid cooling age faster on the same driving.
    expect(mean(ac.filter((x) => !x.liquid))).toBeGreaterThan(mean(acLiquid));
  }, 180_000);
});

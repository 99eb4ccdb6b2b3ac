import { describe, expect, it } from 'vitest';
import {
  createPersona,
  planDay,
  roadDistanceM,
  type Persona,
  type PersonaOptions,
  type Place,
  type PlaceSource,
  type PlannedTrip,
} from './driver.js';
import { createLocalClock } from '@smartcharge/protocol';
import { createRandom } from './random.js';

const KM_PER_DEG_LAT = 111.32;
const TORONTO = { lat: 43.6532, lon: -79.3832 };
const MISSISSAUGA = { lat: 43.589, lon: -79.6441 };
const OTTAWA = { lat: 45.4215, lon: -75.6972 };
const clock = createLocalClock('America/Toronto');

/** Homes around Toronto; a place `km` away lies exactly `km` due north, so distances can be checked. */
const places: PlaceSource = {
  home: (random, inside) => ({ lat: TORONTO.lat + random.next() * 0.05, lon: TORONTO.lon, inTerritory: inside }),
  around: (from, km) => ({ lat: from.lat + km / KM_PER_DEG_LAT, lon: from.lon, inTerritory: true }),
  at: (lat, lon) => ({ lat, lon, inTerritory: true }),
};

const OPTIONS: PersonaOptions = { offPeakStartHour: 23, vehicleRangeKm: 400 };

function personas(count: number, options: Partial<PersonaOptions> = {}, seed = 1): Persona[] {
  const root = createRandom(seed);
  return Array.from({ length: count }, (_, i) => createPersona(places, root.fork(i), { ...OPTIONS, ...options }));
}

const share = <T>(items: readonly T[], test: (item: T) => boolean) => items.filter(test).length / items.length;
const greatCircleKm = (a: Place, b: Place) => roadDistanceM(a, b) / 1.25 / 1000;

/** 2026-01-05 is a Monday: the two weeks from it, with each day's trips. */
function fortnight(persona: Persona, seed: number): { dateKey: string; weekday: boolean; trips: PlannedTrip[] }[] {
  const random = createRandom(seed);
  return Array.from({ length: 14 }, (_, i) => {
    const dateKey = `2026-01-${String(5 + i).padStart(2, '0')}`;
    return { dateKey, weekday: i % 7 < 5, trips: planDay(persona, places, clock, dateKey, random) };
  });
}

describe('createPersona', () => {
  const drawn = personas(6000);
  const homeChargers = drawn.filter((p) => p.homeCharging !== 'none');

  it('puts about 84 % of home chargers on Level 2, the rest on Level 1', () => {
    expect(Math.abs(share(homeChargers, (p) => p.homeCharging === 'L2') - 0.84)).toBeLessThan(0.03);
    for (const p of homeChargers) {
      expect(p.homeCharger?.level).toBe(p.homeCharging);
      expect(p.homeCharger?.site).toBe('home');
      expect([p.homeCharger?.lat, p.homeCharger?.lon]).toEqual([p.home.lat, p.home.lon]);
    }
  });

  it('sizes home chargers like real ones: 1.44 kW at 120 V, 7.7 or 9.6 kW at 240 V', () => {
    for (const p of homeChargers) {
      const charger = p.homeCharger!;
      if (charger.level === 'L1') expect([charger.maxKw, charger.lineVoltageV]).toEqual([1.44, 120]);
      else expect([7.7, 9.6]).toContain(charger.maxKw);
    }
  });

  it('makes about 5 % DC-heavy drivers, who have no home charger', () => {
    expect(Math.abs(share(drawn, (p) => p.dcHeavy) - 0.05)).toBeLessThan(0.012);
    for (const p of drawn.filter((d) => d.dcHeavy)) {
      expect(p.homeCharging).toBe('none');
      expect(p.homeCharger).toBeUndefined();
    }
  });

  it('lets only drivers with a home charger wait for off-peak, about 30 % of them, at the utility hour', () => {
    for (const p of drawn) if (p.homeCharging === 'none') expect(p.offPeakStartHour).toBeUndefined();
    const waiting = homeChargers.filter((p) => p.offPeakStartHour !== undefined);
    expect(Math.abs(waiting.length / homeChargers.length - 0.3)).toBeLessThan(0.03);
    for (const p of waiting) expect(p.offPeakStartHour).toBe(23);
  });

  it('makes about 78 % commuters, a quarter of them with a charger at work', () => {
    const commuters = drawn.filter((p) => p.work !== undefined);
    expect(Math.abs(commuters.length / drawn.length - 0.78)).toBeLessThan(0.03);
    expect(Math.abs(share(commuters, (p) => p.workCharger !== undefined) - 0.25)).toBeLessThan(0.03);
    for (const p of drawn.filter((d) => d.work === undefined)) expect(p.workCharger).toBeUndefined();
  });

  it('keeps the commute within 20 % of the vehicle range', () => {
    for (const rangeKm of [60, 120, 400]) {
      for (const p of personas(500, { vehicleRangeKm: rangeKm }, rangeKm)) {
        if (p.work)
          expect(greatCircleKm(p.home, p.work), `${rangeKm} km range`).toBeLessThanOrEqual(0.2 * rangeKm + 1e-6);
      }
    }
  });

  it('draws commutes of about 15 km at the median, never beyond 70 km', () => {
    const km = drawn.flatMap((p) => (p.work ? [greatCircleKm(p.home, p.work)] : [])).sort((a, b) => a - b);
    expect(km[Math.floor(km.length / 2)]).toBeGreaterThan(13);
    expect(km[Math.floor(km.length / 2)]).toBeLessThan(17);
    expect(km[km.length - 1]).toBeLessThanOrEqual(70 + 1e-6);
  });

  it('keeps habits in plausible ranges', () => {
    for (const p of drawn) {
      expect(p.departHour).toBeGreaterThanOrEqual(5.5);
      expect(p.departHour).toBeLessThanOrEqual(10);
      expect(p.workHours).toBeGreaterThanOrEqual(5.5);
      expect(p.workHours).toBeLessThanOrEqual(11.5);
      expect([80, 90, 100]).toContain(p.targetSocPct);
      expect(p.pace).toBeGreaterThanOrEqual(0.92);
      expect(p.pace).toBeLessThanOrEqual(1.08);
      if (p.homeCharging === 'L1') expect(p.plugsNightly).toBe(true);
    }
  });

  it('honours forced choices', () => {
    for (const p of personas(50, { homeCharging: 'L1', dcHeavy: false, offPeak: true })) {
      expect(p.homeCharger?.level).toBe('L1');
      expect(p.offPeakStartHour).toBe(23);
      expect(p.dcHeavy).toBe(false);
    }
    for (const p of personas(50, { dcHeavy: true, offPeak: true })) {
      expect(p.homeCharging).toBe('none');
      expect(p.offPeakStartHour).toBeUndefined();
    }
    for (const p of personas(50, { offPeak: false })) expect(p.offPeakStartHour).toBeUndefined();
  });

  it('draws only personas the car can live with: no fast-charging driver in a car without DC', () => {
    for (const p of personas(300, { dcHeavy: true, canFastCharge: false })) {
      expect(p.dcHeavy).toBe(false);
      expect(p.homeCharger).toBeDefined();
    }
    for (const p of personas(300, { homeCharging: 'none', canFastCharge: false })) expect(p.homeCharger).toBeDefined();
    // A plug-in hybrid can do without a charger (its engine), but never relies on fast chargers.
    for (const p of personas(300, { homeCharging: 'none', canFastCharge: false, hasEngine: true })) {
      expect(p.homeCharging).toBe('none');
      expect(p.dcHeavy).toBe(false);
    }
  });

  it('plans long trips only in cars with the range for them', () => {
    expect(personas(1, { vehicleRangeKm: 400 })[0]!.longTripChance).toBeGreaterThan(0);
    expect(personas(1, { vehicleRangeKm: 200 })[0]!.longTripChance).toBeGreaterThan(0);
    expect(personas(1, { vehicleRangeKm: 140 })[0]!.longTripChance).toBe(0);
  });

  it('gives the same persona for the same seed', () => {
    expect(personas(20, {}, 5)).toEqual(personas(20, {}, 5));
  });
});

describe('planDay', () => {
  const drivers = personas(200, {}, 2);
  const days = drivers.map((p, i) => ({ persona: p, days: fortnight(p, i) }));

  it('returns the trips in departure order', () => {
    for (const { days: plan } of days) {
      for (const { trips } of plan) {
        for (let i = 1; i < trips.length; i++)
          expect(trips[i]!.departMs).toBeGreaterThanOrEqual(trips[i - 1]!.departMs);
      }
    }
  });

  it('never plans a trip from a place to itself (outings follow one another, they do not overlap)', () => {
    let trips = 0;
    for (const { persona, days: plan } of days) {
      for (const { trips: dayTrips } of plan) {
        let at = persona.home;
        for (const trip of dayTrips) {
          expect(trip.to).not.toBe(at);
          at = trip.to;
          trips++;
        }
      }
    }
    expect(trips).toBeGreaterThan(1000);
  });

  it('ends every day with the car back home', () => {
    for (const { persona, days: plan } of days) {
      for (const { trips } of plan) if (trips.length > 0) expect(trips[trips.length - 1]!.to).toBe(persona.home);
    }
  });

  it('sends commuters to work on most weekdays, first thing, and never on weekends', () => {
    let weekdays = 0;
    let toWork = 0;
    for (const { persona, days: plan } of days) {
      for (const { weekday, trips } of plan) {
        const work = trips.filter((t) => t.purpose === 'work');
        if (!persona.work || !weekday) {
          expect(work).toEqual([]);
          continue;
        }
        weekdays++;
        if (work.length === 0) continue;
        toWork++;
        expect(trips[0]!.purpose).toBe('work');
        expect(trips[0]!.to).toBe(persona.work);
        // Leaves around the persona's usual hour.
        expect(Math.abs(clock.hourFraction(trips[0]!.departMs) - persona.departHour)).toBeLessThan(1);
      }
    }
    expect(toWork / weekdays).toBeGreaterThan(0.9);
    expect(toWork / weekdays).toBeLessThan(0.98);
  });

  it('plans departures between 05:00 and midnight of the local day', () => {
    for (const { days: plan } of days) {
      for (const { dateKey, trips } of plan) {
        for (const trip of trips) {
          expect(clock.localDateKey(trip.departMs)).toBe(dateKey);
          expect(clock.hour(trip.departMs)).toBeGreaterThanOrEqual(5);
        }
      }
    }
  });

  it('keeps local departure hours on the Sundays the clocks change', () => {
    // Weekend outings leave between 08:00 and 11:00 local time, whatever the UTC offset that day.
    for (const dateKey of ['2026-03-08', '2026-11-01']) {
      for (let seed = 0; seed < 30; seed++) {
        const trips = planDay(drivers[seed]!, places, clock, dateKey, createRandom(seed));
        if (trips.length === 0) continue;
        expect(clock.localDateKey(trips[0]!.departMs)).toBe(dateKey);
        expect(clock.hourFraction(trips[0]!.departMs), `${dateKey} seed ${seed}`).toBeGreaterThanOrEqual(8);
        expect(clock.hourFraction(trips[0]!.departMs), `${dateKey} seed ${seed}`).toBeLessThan(11);
      }
    }
  });

  it('takes a long trip on a weekend when the persona is sure to, and comes back', () => {
    const traveller = { ...drivers[0]!, longTripChance: 1 };
    const trips = planDay(traveller, places, clock, '2026-01-10', createRandom(3)); // a Saturday
    expect(trips.map((t) => t.purpose)).toEqual(['long', 'home']);
    expect(greatCircleKm(traveller.home, trips[0]!.to)).toBeGreaterThanOrEqual(80);
    expect(greatCircleKm(traveller.home, trips[0]!.to)).toBeLessThanOrEqual(220);
    expect(trips[1]!.departMs - trips[0]!.departMs).toBeGreaterThanOrEqual(5 * 3_600_000);
  });

  it('gives the same plan for the same seed', () => {
    const persona = drivers[3]!;
    expect(planDay(persona, places, clock, '2026-01-07', createRandom(4))).toEqual(
      planDay(persona, places, clock, '2026-01-07', createRandom(4)),
    );
  });
});

describe('roadDistanceM', () => {
  it('puts Toronto–Mississauga at 25–35 km by road', () => {
    const km = roadDistanceM(TORONTO, MISSISSAUGA) / 1000;
    expect(km).toBeGreaterThan(25);
    expect(km).toBeLessThan(35);
  });

  it('is 1.25 times the great-circle distance (Toronto–Ottawa: 352 km as the crow flies)', () => {
    expect(roadDistanceM(TORONTO, OTTAWA) / 1.25 / 1000).toBeCloseTo(352, -1);
  });

  it('is symmetric and zero from a place to itself', () => {
    expect(roadDistanceM(TORONTO, OTTAWA)).toBeCloseTo(roadDistanceM(OTTAWA, TORONTO), 6);
    expect(roadDistanceM(TORONTO, TORONTO)).toBe(0);
  });

  it('measures a degree of latitude as about 139 km of road', () => {
    expect(roadDistanceM({ lat: 45, lon: -79 }, { lat: 46, lon: -79 }) / 1000).toBeCloseTo(111.2 * 1.25, 0);
  });
});

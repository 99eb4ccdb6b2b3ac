/**
 * Who drives the car and how: a persona drawn once per simulated vehicle (commuter or not, where
 * home and work are, what charger is at home, whether the driver answers off-peak incentives,
 * charging habits), and each day's plan of trips drawn from it.
 *
 * Shares, from published surveys where there are some: most EV owners charge at home (80–89 %
 * of home charging on Level 2 in FleetCarma's 2019 data), a minority on Level 1; a few have no
 * home charger and rely on public DC fast charging (they age their batteries faster); about a
 * quarter use workplace charging occasionally. Commute distances: median about 15 km one way.
 */
import type { Charger } from './charging.js';
import type { LocalClock } from '@smartcharge/protocol';
import type { Random } from './random.js';

export interface Place {
  readonly lat: number;
  readonly lon: number;
  readonly inTerritory: boolean;
}

/** Where places come from: the region's towns and its utility territory. */
export interface PlaceSource {
  /** A home: inside the utility territory, or (for a few participants) just outside it. */
  home(random: Random, inside: boolean): Place;
  /** A place roughly `km` from `from` (± a third). */
  around(from: Place, km: number, random: Random): Place;
  /** The place at a point, with its territory membership. */
  at(lat: number, lon: number): Place;
}

export type HomeCharging = 'L2' | 'L1' | 'none';

export interface Persona {
  readonly home: Place;
  readonly work: Place | undefined;
  /** Local departure hour for work (e.g. 7.75 = 07:45). */
  readonly departHour: number;
  readonly workHours: number;
  readonly homeCharging: HomeCharging;
  readonly homeCharger: Charger | undefined;
  readonly workCharger: Charger | undefined;
  /** Local hour at which a driver who answers off-peak incentives lets charging start; undefined: on arrival. */
  readonly offPeakStartHour: number | undefined;
  /** Plugs in every time home for the day, or only when tomorrow's driving needs it. */
  readonly plugsNightly: boolean;
  /** The charge the driver wants left at the end of a day (their comfort margin), 0–100. */
  readonly plugBelowSocPct: number;
  /** How much longer than a usual day the driver allows for, deciding whether to plug in (1.2–2). */
  readonly needMargin: number;
  /** Home for the evening, how long (h, about) before plugging in when not in a hurry: 0, on arrival. */
  readonly plugInDelayH: number;
  readonly targetSocPct: number;
  /** No home charging: relies on DC fast chargers (and sometimes public Level 2). */
  readonly dcHeavy: boolean;
  /** Scales cruising speeds (0.9–1.1). */
  readonly pace: number;
  readonly errandsPerWeekday: number;
  readonly errandsPerWeekendDay: number;
  /** Chance, per weekend day, of a long trip (80–220 km each way). */
  readonly longTripChance: number;
}

export interface PersonaOptions {
  /** Force a kind of driver (for tests and calibration): otherwise drawn from the shares below. */
  readonly homeCharging?: HomeCharging;
  readonly dcHeavy?: boolean;
  readonly offPeak?: boolean;
  /** Local hour the off-peak period starts (Ontario's ultra-low overnight rate: 23). */
  readonly offPeakStartHour: number;
  /**
   * The car's range today (km, rated, with its battery's fade). Owners of short-range cars drive
   * them less far: the commute stays within 20 % of it, and long trips happen in another car.
   */
  readonly vehicleRangeKm: number;
  /**
   * Whether the car can DC fast charge (default true). Drivers who rely on fast chargers are drawn
   * only for cars that can; a car that can neither fast charge nor run on an engine gets a home charger.
   */
  readonly canFastCharge?: boolean;
  /** A plug-in hybrid: it lives without any charger (default false). */
  readonly hasEngine?: boolean;
}

function homeCharger(kind: HomeCharging, home: Place, random: Random): Charger | undefined {
  if (kind === 'none') return undefined;
  if (kind === 'L1')
    return {
      level: 'L1',
      lineVoltageV: 120,
      maxKw: 1.44,
      lat: home.lat,
      lon: home.lon,
      inTerritory: home.inTerritory,
      site: 'home',
    };
  // 32 A (7.7 kW) is the common home EVSE; some have 40–48 A.
  const maxKw = random.next() < 0.75 ? 7.7 : 9.6;
  return {
    level: 'L2',
    lineVoltageV: 240,
    maxKw,
    lat: home.lat,
    lon: home.lon,
    inTerritory: home.inTerritory,
    site: 'home',
  };
}

export function createPersona(places: PlaceSource, random: Random, options: PersonaOptions): Persona {
  const inside = random.next() < 0.92;
  const home = places.home(random, inside);
  const canFastCharge = options.canFastCharge ?? true;
  // Drawn whatever the car, so that a seed draws the same kinds of driver whatever the cars.
  const dcDraw = random.next() < 0.05;
  const dcHeavy = canFastCharge && (options.dcHeavy ?? dcDraw);
  const homeDraw: HomeCharging = random.next() < 0.84 ? 'L2' : 'L1';
  const canDoWithout = canFastCharge || options.hasEngine === true;
  const homeCharging: HomeCharging =
    options.homeCharging === 'none' && !canDoWithout
      ? homeDraw
      : (options.homeCharging ?? (dcHeavy ? 'none' : homeDraw));
  const commuter = random.next() < 0.78;
  const commuteKm = Math.min(
    70,
    0.2 * options.vehicleRangeKm,
    Math.max(2, Math.exp(random.normal(Math.log(15), 0.65))),
  );
  const work = commuter ? places.around(home, commuteKm, random) : undefined;
  const workCharger: Charger | undefined =
    work && random.next() < 0.25
      ? {
          level: 'L2',
          lineVoltageV: 208,
          maxKw: 6.2,
          lat: work.lat,
          lon: work.lon,
          inTerritory: work.inTerritory,
          site: 'work',
        }
      : undefined;
  const offPeak = options.offPeak ?? random.next() < 0.3;
  return {
    home,
    work,
    departHour: Math.min(10, Math.max(5.5, random.normal(7.7, 0.7))),
    workHours: Math.min(11.5, Math.max(5.5, random.normal(8.8, 1.1))),
    homeCharging,
    homeCharger: homeCharger(homeCharging, home, random),
    workCharger,
    offPeakStartHour: offPeak && homeCharging !== 'none' ? options.offPeakStartHour : undefined,
    // Level 1 is slow: those owners plug in every evening. On Level 2 some do out of habit; the
    // rest plug in when tomorrow needs it, charging more each time (FleetCarma 2019: 18 kWh a session).
    plugsNightly: homeCharging === 'L1' || random.next() < 0.15,
    plugBelowSocPct: 20 + random.next() * 25,
    needMargin: 1.2 + random.next() * 0.8,
    // About half plug in on arrival; the others after dinner or before bed.
    plugInDelayH: random.next() < 0.5 ? 0 : 1 + random.next() * 3,
    targetSocPct: random.weighted([
      { value: 80, weight: 0.35 },
      { value: 90, weight: 0.4 },
      { value: 100, weight: 0.25 },
    ]),
    dcHeavy,
    pace: 0.92 + random.next() * 0.16,
    errandsPerWeekday: commuter ? 0.7 : 1.8,
    errandsPerWeekendDay: 1.7,
    longTripChance: options.vehicleRangeKm > 250 ? 0.07 : options.vehicleRangeKm > 150 ? 0.03 : 0,
  };
}

/**
 * The driving of a usual day as the driver reckons it (km): the commute both ways and the errands
 * (2–9 km away each, and back) on a weekday; errands and the odd long trip at the weekend.
 */
export function expectedDayKm(persona: Persona, weekday: boolean): number {
  const errandKm = 2 * 5.5 * 1.25;
  if (weekday) {
    const commuteKm = persona.work ? (2 * roadDistanceM(persona.home, persona.work)) / 1000 : 0;
    return commuteKm + errandKm * persona.errandsPerWeekday;
  }
  return errandKm * persona.errandsPerWeekendDay + persona.longTripChance * 2 * 150 * 1.25;
}

export type TripPurpose = 'work' | 'home' | 'errand' | 'long' | 'charge';

export interface PlannedTrip {
  /** Earliest departure (UTC ms); later if the car is still on the previous trip. */
  readonly departMs: number;
  readonly to: Place;
  readonly purpose: TripPurpose;
  /** Public charger at the destination the driver will use (DC fast, public Level 2), if any. */
  readonly charger?: Charger;
}

function poisson(mean: number, random: Random): number {
  let k = 0;
  let p = Math.exp(-mean);
  let sum = p;
  const u = random.next();
  while (u > sum && k < 10) {
    k++;
    p *= mean / k;
    sum += p;
  }
  return k;
}

/** The trips of one local day, in departure order. */
export function planDay(
  persona: Persona,
  places: PlaceSource,
  clock: LocalClock,
  dateKey: string,
  random: Random,
): PlannedTrip[] {
  const at = (hour: number) => clock.utcMsAt(dateKey, Math.floor(hour), Math.floor((hour % 1) * 60));
  const day = clock.dayOfWeek(at(12));
  const weekday = day >= 1 && day <= 5;
  const trips: PlannedTrip[] = [];
  const errand = (fromHour: number, home: Place, dwellH: number) => {
    const spot = places.around(home, 2 + random.next() * 7, random);
    trips.push({ departMs: at(fromHour), to: spot, purpose: 'errand' });
    trips.push({ departMs: at(fromHour + 0.3 + dwellH), to: home, purpose: 'home' });
  };

  if (weekday && persona.work && random.next() < 0.94) {
    const leave = persona.departHour + random.normal(0, 0.2);
    trips.push({ departMs: at(leave), to: persona.work, purpose: 'work' });
    // Never before a lunch outing is over.
    const back = Math.max(leave + 5.5, leave + persona.workHours + random.normal(0, 0.4));
    let homeBy = back;
    if (random.next() < 0.2) {
      const lunch = places.around(persona.work, 1 + random.next() * 3, random);
      trips.push({ departMs: at(leave + 4.2), to: lunch, purpose: 'errand' });
      trips.push({ departMs: at(leave + 5), to: persona.work, purpose: 'work' });
    }
    if (random.next() < 0.4) {
      // Shopping, the gym, picking up children: home later in the evening.
      const stop = places.around(persona.home, 2 + random.next() * 5, random);
      trips.push({ departMs: at(back), to: stop, purpose: 'errand' });
      homeBy = back + 0.6 + random.next() * 1.2;
      trips.push({ departMs: at(homeBy), to: persona.home, purpose: 'home' });
    } else {
      trips.push({ departMs: at(back), to: persona.home, purpose: 'home' });
    }
    // Evening outings, once home, one after another (the count drawn once).
    const outings = poisson(persona.errandsPerWeekday * 0.5, random);
    let hour = Math.max(19 + random.next() * 1.5, homeBy + 0.75);
    for (let i = 0; i < outings && hour < 22.5; i++) {
      const dwell = 0.4 + random.next();
      errand(hour, persona.home, dwell);
      hour += dwell + 0.5 + random.next();
    }
  } else if (!weekday && random.next() < persona.longTripChance) {
    const far = places.around(persona.home, 80 + random.next() * 140, random);
    const leave = 8 + random.next() * 3;
    trips.push({ departMs: at(leave), to: far, purpose: 'long' });
    trips.push({ departMs: at(leave + 5 + random.next() * 4), to: persona.home, purpose: 'home' });
  } else {
    const count = poisson(weekday ? persona.errandsPerWeekday : persona.errandsPerWeekendDay, random);
    let hour = 9 + random.next() * 2;
    for (let i = 0; i < count && hour < 20; i++) {
      const dwell = 0.3 + random.next() * 1.5;
      errand(hour, persona.home, dwell);
      hour += dwell + 1 + random.next() * 2.5;
    }
  }
  return trips.sort((a, b) => a.departMs - b.departMs);
}

/** Road distance between two places: great-circle distance times a detour factor of 1.25. */
export function roadDistanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(h))) * 1.25;
}

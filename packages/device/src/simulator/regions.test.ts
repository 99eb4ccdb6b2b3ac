import { describe, expect, it } from 'vitest';
import type { RegionId } from './climate.js';
import { createRandom } from './random.js';
import {
  distanceKm,
  getRegion,
  pointInTerritory,
  pointInWater,
  randomPlace,
  REGIONS,
  townSpreadKm,
  type MultiPolygonFeature,
} from './regions.js';

const REGION_IDS = Object.keys(REGIONS) as RegionId[];

function expectValidMultiPolygon(feature: MultiPolygonFeature): void {
  expect(feature.type).toBe('Feature');
  expect(feature.geometry.type).toBe('MultiPolygon');
  expect(feature.properties.note).toMatch(/approximate/i);
  for (const polygon of feature.geometry.coordinates) {
    for (const ring of polygon) {
      expect(ring.length).toBeGreaterThanOrEqual(4);
      expect(ring.at(-1)).toEqual(ring[0]);
      for (const [lon, lat] of ring) {
        expect(Math.abs(lon)).toBeLessThanOrEqual(180);
        expect(Math.abs(lat)).toBeLessThanOrEqual(90);
      }
    }
  }
}

describe('REGIONS', () => {
  it('names each region’s utility, program and time zone', () => {
    expect(REGION_IDS.map((id) => [id, REGIONS[id].utility, REGIONS[id].programId, REGIONS[id].timeZone])).toEqual([
      ['ontario', 'Alectra Utilities', 'alectra', 'America/Toronto'],
      ['mississippi', 'Mississippi Power', 'mississippi-power', 'America/Chicago'],
      ['washington', 'Snohomish County PUD', 'snohomish-pud', 'America/Los_Angeles'],
    ]);
  });

  it.each(REGION_IDS)('has well-formed GeoJSON outlines for %s, [lon, lat], closed rings', (id) => {
    expectValidMultiPolygon(REGIONS[id].territory);
    expectValidMultiPolygon(REGIONS[id].water);
  });

  it.each(REGION_IDS)('puts every inside town of %s in the territory and every outside town out of it', (id) => {
    const region = REGIONS[id];
    expect(region.places.some((town) => town.inside)).toBe(true);
    expect(region.places.some((town) => !town.inside)).toBe(true);
    for (const town of region.places) {
      expect([town.name, pointInTerritory(id, town.lat, town.lon)]).toEqual([town.name, town.inside]);
      expect([town.name, pointInWater(id, town.lat, town.lon)]).toEqual([town.name, false]);
    }
  });

  it('lists the towns the programs are known for on the right side of the line', () => {
    const side = (id: RegionId, inside: boolean) =>
      REGIONS[id].places.filter((town) => town.inside === inside).map((town) => town.name);
    expect(side('ontario', true)).toEqual(
      expect.arrayContaining(['Mississauga', 'Brampton', 'Vaughan', 'Markham', 'Richmond Hill', 'Hamilton']),
    );
    expect(side('ontario', true)).toEqual(expect.arrayContaining(['St. Catharines', 'Guelph', 'Barrie']));
    expect(side('ontario', false)).toEqual(['Toronto', 'Oakville', 'Burlington', 'Milton', 'Kitchener']);
    expect(side('mississippi', true)).toEqual(
      expect.arrayContaining(['Gulfport', 'Biloxi', 'Hattiesburg', 'Meridian', 'Pascagoula', 'Laurel']),
    );
    expect(side('mississippi', false)).toEqual(['Jackson', 'Mobile, AL', 'New Orleans, LA']);
    expect(side('washington', true)).toEqual(
      expect.arrayContaining(['Everett', 'Lynnwood', 'Marysville', 'Edmonds', 'Mukilteo', 'Snohomish', 'Lake Stevens']),
    );
    expect(side('washington', false)).toEqual(expect.arrayContaining(['Seattle', 'Bellevue', 'Shoreline']));
  });

  it('tells territory from its surroundings at points between the towns', () => {
    expect(pointInTerritory('ontario', 43.75, -79.4)).toBe(false); // North York, Toronto, south of Steeles
    expect(pointInTerritory('ontario', 43.82, -79.4)).toBe(true); // Thornhill, north of Steeles
    expect(pointInTerritory('washington', 47.77, -122.3)).toBe(false); // just south of the county line
    expect(pointInTerritory('washington', 47.79, -122.3)).toBe(true); // just north of it
    expect(pointInTerritory('mississippi', 30.69, -88.2)).toBe(false); // Alabama, west of Mobile
  });

  it('refuses an unknown region', () => {
    expect(() => getRegion('ohio' as RegionId)).toThrow(/ontario, mississippi or washington/);
  });
});

describe('randomPlace', () => {
  it.each(REGION_IDS.flatMap((id) => [true, false].map((inside) => [id, inside] as const)))(
    'honours the inside/outside choice in %s (inside: %s) for 1000 draws, on land',
    (id, inside) => {
      const random = createRandom(1).fork(id);
      const names = new Set(REGIONS[id].places.filter((town) => town.inside === inside).map((town) => town.name));
      for (let i = 0; i < 1000; i++) {
        const place = randomPlace(id, random, { inside });
        expect(pointInTerritory(id, place.lat, place.lon)).toBe(inside);
        expect(pointInWater(id, place.lat, place.lon)).toBe(false);
        expect(names.has(place.town)).toBe(true);
      }
    },
  );

  it('spreads homes a few kilometres around their town', () => {
    const random = createRandom(2);
    const distances: number[] = [];
    const points = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const place = randomPlace('washington', random, { inside: true });
      const town = REGIONS.washington.places.find((candidate) => candidate.name === place.town)!;
      distances.push(distanceKm(town.lat, town.lon, place.lat, place.lon) / townSpreadKm(town));
      points.add(`${place.lat},${place.lon}`);
    }
    expect(points.size).toBe(1000);
    distances.sort((a, b) => a - b);
    // For a 2-D Gaussian with sd s per axis the median distance is 1.18 s.
    expect(distances[500]).toBeGreaterThan(0.9);
    expect(distances[500]).toBeLessThan(1.5);
  });

  it('chooses towns in proportion to their population', () => {
    const random = createRandom(3);
    const inside = REGIONS.mississippi.places.filter((town) => town.inside);
    const total = inside.reduce((sum, town) => sum + town.population, 0);
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const { town } = randomPlace('mississippi', random, { inside: true });
      counts.set(town, (counts.get(town) ?? 0) + 1);
    }
    for (const town of inside) {
      expect(Math.abs((counts.get(town.name) ?? 0) / 4000 - town.population / total), town.name).toBeLessThan(0.03);
    }
  });

  it('stays within radiusKm of a given point, on the asked side', () => {
    const random = createRandom(4);
    const toronto = REGIONS.ontario.places.find((town) => town.name === 'Toronto')!;
    for (let i = 0; i < 300; i++) {
      const place = randomPlace('ontario', random, {
        inside: true,
        nearLat: toronto.lat,
        nearLon: toronto.lon,
        radiusKm: 25,
      });
      expect(pointInTerritory('ontario', place.lat, place.lon)).toBe(true);
      expect(distanceKm(toronto.lat, toronto.lon, place.lat, place.lon)).toBeLessThanOrEqual(25);
    }
  });

  it('draws in the disc around the given point when no town of that side is in reach', () => {
    const random = createRandom(5);
    const [lat, lon] = [47.9, -121.5]; // the Cascade foothills, inside Snohomish County, no listed town within 15 km
    for (let i = 0; i < 100; i++) {
      const place = randomPlace('washington', random, { inside: true, nearLat: lat, nearLon: lon, radiusKm: 15 });
      expect(distanceKm(lat, lon, place.lat, place.lon)).toBeLessThanOrEqual(15);
      expect(pointInTerritory('washington', place.lat, place.lon)).toBe(true);
    }
  });

  it('falls back to the nearest town on the asked side when the side cannot be reached', () => {
    // Everything within 2 km of Everett is inside the territory: an outside place cannot be there.
    const everett = REGIONS.washington.places.find((town) => town.name === 'Everett')!;
    const place = randomPlace('washington', createRandom(6), {
      inside: false,
      nearLat: everett.lat,
      nearLon: everett.lon,
      radiusKm: 2,
    });
    expect(place.town).toBe('Shoreline');
    expect(pointInTerritory('washington', place.lat, place.lon)).toBe(false);
  });

  it('gives the same places for the same seed', () => {
    const draw = (seed: number) =>
      Array.from({ length: 50 }, (_, i) => randomPlace('ontario', createRandom(seed).fork(i), { inside: i % 2 === 0 }));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('refuses a radius that is not positive', () => {
    expect(() =>
      randomPlace('ontario', createRandom(1), { inside: true, nearLat: 43.6, nearLon: -79.6, radiusKm: 0 }),
    ).toThrow(/radiusKm/);
  });
});

/**
 * The driver model's places, from a region's towns and utility territory: homes scattered
 * around towns weighted by population (inside the territory, or just outside for the few
 * participants who live beyond it), and destinations at a given distance in any direction
 * (never in open water), each knowing whether it lies in the territory.
 */
import type { RegionId } from './climate.js';
import type { Place, PlaceSource } from './driver.js';
import type { Random } from './random.js';
import { pointInTerritory, pointInWater, randomPlace } from './regions.js';

export { REGIONS } from './regions.js';

const KM_PER_DEG_LAT = 111.32;

export function placesFor(region: RegionId): PlaceSource {
  const at = (lat: number, lon: number): Place => ({ lat, lon, inTerritory: pointInTerritory(region, lat, lon) });
  return {
    at,
    home(random: Random, inside: boolean): Place {
      const point = randomPlace(region, random, { inside });
      return { lat: point.lat, lon: point.lon, inTerritory: inside };
    },
    around(from: Place, km: number, random: Random): Place {
      // A bounded search for a point on land; after that, the last draw (a lake shore is close enough).
      let lat = from.lat;
      let lon = from.lon;
      for (let attempt = 0; attempt < 25; attempt++) {
        const distance = km * (0.67 + 0.66 * random.next());
        const bearing = random.next() * 2 * Math.PI;
        lat = from.lat + (distance * Math.cos(bearing)) / KM_PER_DEG_LAT;
        lon = from.lon + (distance * Math.sin(bearing)) / (KM_PER_DEG_LAT * Math.cos((from.lat * Math.PI) / 180));
        if (!pointInWater(region, lat, lon)) break;
      }
      return at(lat, lon);
    },
  };
}

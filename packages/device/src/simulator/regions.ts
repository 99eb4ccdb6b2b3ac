/**
 * Where simulated drivers live and go: each program's region, its utility, the towns inside and just
 * outside the utility's service territory, and an approximate territory outline to tell them apart.
 *
 * The outlines and water masks below are hand-drawn APPROXIMATIONS FOR SIMULATION, a few kilometres
 * out in places: they are not the utilities' legal service boundaries and must not be used to decide
 * anyone's eligibility. What they guarantee (and the tests check) is the part the simulator relies
 * on: every "inside" town lies in its outline, every "outside" town does not, and no town centre is
 * in the water.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { RegionId } from './climate.js';
import type { Random } from './random.js';

export type { RegionId } from './climate.js';

/** [longitude, latitude] in degrees, GeoJSON order. */
export type LonLat = [lon: number, lat: number];

export interface MultiPolygonFeature {
  type: 'Feature';
  properties: { name: string; note: string };
  geometry: { type: 'MultiPolygon'; coordinates: LonLat[][][] };
}

export interface Place {
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  /** Residents (2021 Census of Canada, 2020 US Census), used as the weight when choosing a town. */
  readonly population: number;
  /** Whether the town is served by the region's utility. */
  readonly inside: boolean;
}

export interface Region {
  readonly id: RegionId;
  readonly name: string;
  readonly utility: string;
  readonly programId: 'alectra' | 'mississippi-power' | 'snohomish-pud';
  readonly timeZone: string;
  readonly places: readonly Place[];
  readonly territory: MultiPolygonFeature;
  /** Open water near the towns (lakes, sounds, the Gulf): homes are never placed there. */
  readonly water: MultiPolygonFeature;
}

const NOT_LEGAL = 'Approximate outline for simulation only, not the legal service boundary.';

function outline(name: string, polygons: LonLat[][]): MultiPolygonFeature {
  // GeoJSON rings are closed: the last position repeats the first.
  const rings = polygons.map((ring) => [[...ring, ring[0]!]]);
  return {
    type: 'Feature',
    properties: { name, note: NOT_LEGAL },
    geometry: { type: 'MultiPolygon', coordinates: rings },
  };
}

const place = (name: string, lat: number, lon: number, population: number, inside: boolean): Place => ({
  name,
  lat,
  lon,
  population,
  inside,
});

export const REGIONS: Readonly<Record<RegionId, Region>> = {
  ontario: {
    id: 'ontario',
    name: 'Ontario (Greater Golden Horseshoe)',
    utility: 'Alectra Utilities',
    programId: 'alectra',
    timeZone: 'America/Toronto',
    places: [
      place('Mississauga', 43.589, -79.6441, 717_961, true),
      place('Brampton', 43.715, -79.76, 656_480, true),
      place('Vaughan', 43.8361, -79.4983, 323_103, true),
      place('Markham', 43.8561, -79.337, 338_503, true),
      place('Richmond Hill', 43.8828, -79.4403, 202_022, true),
      place('Aurora', 44.0065, -79.4504, 62_057, true),
      place('Hamilton', 43.2557, -79.8711, 569_353, true),
      place('St. Catharines', 43.1594, -79.2469, 136_803, true),
      place('Guelph', 43.5448, -80.2482, 143_740, true),
      place('Barrie', 44.3894, -79.6903, 147_829, true),
      place('Toronto', 43.6532, -79.3832, 2_794_356, false),
      place('Oakville', 43.4675, -79.6877, 213_759, false),
      place('Burlington', 43.3255, -79.799, 186_948, false),
      place('Milton', 43.5183, -79.8774, 132_979, false),
      place('Kitchener', 43.4516, -80.4925, 256_885, false),
    ],
    // Alectra's territory is patchy: a Peel–York block north and west of Toronto, and separate
    // pieces for Hamilton, St. Catharines, Guelph and Barrie (Oakville, Burlington, Milton have
    // their own utilities and lie between them).
    territory: outline('Alectra Utilities (approximate)', [
      [
        [-79.545, 43.575], // Etobicoke Creek at the lake: Toronto lies east of the creek…
        [-79.595, 43.645],
        [-79.615, 43.7],
        [-79.64, 43.755], // …and south of Steeles Avenue
        [-79.42, 43.798],
        [-79.17, 43.855],
        [-79.17, 43.94], // Markham, Richmond Hill, Aurora, Vaughan to the north
        [-79.4, 44.04],
        [-79.53, 44.04],
        [-79.64, 43.92],
        [-79.66, 43.84],
        [-79.9, 43.76], // Brampton's and Mississauga's western edge, Milton and Oakville beyond
        [-79.8, 43.62],
        [-79.64, 43.485],
      ],
      [
        [-80.06, 43.17], // Hamilton, south of the harbour (Burlington is across it)
        [-79.63, 43.17],
        [-79.63, 43.225],
        [-79.76, 43.275],
        [-79.87, 43.285],
        [-79.95, 43.3],
        [-80.06, 43.3],
      ],
      [
        [-79.32, 43.135], // St. Catharines
        [-79.17, 43.135],
        [-79.17, 43.225],
        [-79.32, 43.225],
      ],
      [
        [-80.34, 43.47], // Guelph and Rockwood
        [-80.12, 43.47],
        [-80.1, 43.64],
        [-80.34, 43.62],
      ],
      [
        [-79.78, 44.31], // Barrie
        [-79.58, 44.31],
        [-79.58, 44.46],
        [-79.78, 44.46],
      ],
    ]),
    water: outline('Lake Ontario (west end) and Kempenfelt Bay', [
      [
        [-79.76, 43.265],
        [-79.785, 43.3],
        [-79.79, 43.322],
        [-79.7, 43.395],
        [-79.655, 43.445],
        [-79.585, 43.54],
        [-79.545, 43.578],
        [-79.47, 43.62],
        [-79.38, 43.632],
        [-79.25, 43.69],
        [-79.1, 43.8],
        [-78.8, 43.86],
        [-78.8, 43.3],
        [-79.07, 43.262],
        [-79.26, 43.205],
        [-79.56, 43.205],
        [-79.7, 43.24],
      ],
      [
        [-79.682, 44.386],
        [-79.64, 44.372],
        [-79.56, 44.385],
        [-79.56, 44.42],
        [-79.64, 44.395],
        [-79.675, 44.392],
      ],
    ]),
  },
  mississippi: {
    id: 'mississippi',
    name: 'Southeast Mississippi',
    utility: 'Mississippi Power',
    programId: 'mississippi-power',
    timeZone: 'America/Chicago',
    places: [
      place('Gulfport', 30.3674, -89.0928, 72_926, true),
      place('Biloxi', 30.405, -88.94, 49_449, true),
      place('Hattiesburg', 31.3271, -89.2903, 48_730, true),
      place('Meridian', 32.3643, -88.7034, 35_052, true),
      place('Pascagoula', 30.3658, -88.5561, 22_010, true),
      place('Laurel', 31.6941, -89.1306, 17_161, true),
      place('Jackson', 32.2988, -90.1848, 153_701, false),
      place('Mobile, AL', 30.6954, -88.0399, 187_041, false),
      place('New Orleans, LA', 29.9511, -90.0715, 383_997, false),
    ],
    // Mississippi Power serves 23 counties of southeast Mississippi, from the Gulf coast north to
    // Meridian, between the Pearl River country and the Alabama line.
    territory: outline('Mississippi Power (approximate)', [
      [
        [-89.62, 30.15],
        [-88.4, 30.2],
        [-88.43, 31.0], // the Alabama line (Mobile lies east of it)
        [-88.47, 32.0],
        [-88.45, 32.75],
        [-89.0, 32.75],
        [-89.85, 31.9], // Jackson lies north-west of this edge
        [-89.85, 31.0],
        [-89.65, 30.8],
      ],
    ]),
    water: outline('Mississippi Sound, Mobile Bay and Lake Pontchartrain', [
      [
        [-89.65, 30.17],
        [-89.33, 30.295],
        [-89.25, 30.305],
        [-89.15, 30.335],
        [-89.09, 30.35],
        [-88.95, 30.385],
        [-88.87, 30.388],
        [-88.62, 30.36],
        [-88.55, 30.34],
        [-88.4, 30.365],
        [-88.1, 30.25],
        [-88.1, 29.5],
        [-89.65, 29.5],
      ],
      [
        [-88.02, 30.67],
        [-87.93, 30.66],
        [-87.9, 30.55],
        [-87.92, 30.45],
        [-87.8, 30.27],
        [-88.1, 30.24],
        [-88.1, 30.45],
        [-88.05, 30.58],
      ],
      [
        [-90.4, 30.06],
        [-90.1, 30.03],
        [-89.92, 30.06],
        [-89.75, 30.17],
        [-89.85, 30.3],
        [-90.15, 30.37],
        [-90.43, 30.3],
      ],
    ]),
  },
  washington: {
    id: 'washington',
    name: 'Snohomish County, Washington',
    utility: 'Snohomish County PUD',
    programId: 'snohomish-pud',
    timeZone: 'America/Los_Angeles',
    places: [
      place('Everett', 47.979, -122.2021, 110_629, true),
      place('Marysville', 48.0518, -122.1771, 70_714, true),
      place('Edmonds', 47.812, -122.365, 42_853, true),
      place('Lynnwood', 47.8209, -122.3151, 38_568, true),
      place('Lake Stevens', 48.0151, -122.0637, 35_630, true),
      place('Mukilteo', 47.913, -122.2885, 21_538, true),
      place('Mill Creek', 47.8601, -122.2043, 20_926, true),
      place('Arlington', 48.1987, -122.1251, 19_868, true),
      place('Monroe', 47.8554, -121.9707, 19_699, true),
      place('Snohomish', 47.9129, -122.0982, 10_126, true),
      place('Stanwood', 48.2412, -122.3707, 7_705, true),
      place('Seattle', 47.6062, -122.3321, 737_015, false),
      place('Bellevue', 47.6101, -122.192, 151_854, false),
      place('Shoreline', 47.7557, -122.3415, 58_608, false),
      place('Mount Vernon', 48.4212, -122.3341, 35_219, false),
    ],
    // Snohomish PUD serves all of Snohomish County (and Camano Island, left out here): King County
    // (Shoreline, Seattle, Bellevue) begins at the county line, 47.78° N; Skagit County at 48.30° N;
    // Whidbey Island, west across Possession Sound, is another utility's.
    territory: outline('Snohomish County PUD (approximate)', [
      [
        [-122.41, 47.7776],
        [-121.1, 47.7776],
        [-121.1, 48.3],
        [-122.42, 48.3],
        [-122.36, 48.2],
        [-122.34, 48.1],
        [-122.27, 48.045],
        [-122.24, 48.0],
        [-122.33, 47.95],
        [-122.36, 47.89],
        [-122.41, 47.8],
      ],
    ]),
    water: outline('Puget Sound and Lake Washington', [
      [
        [-122.4, 47.5],
        [-122.42, 47.576],
        [-122.36, 47.594],
        [-122.346, 47.604],
        [-122.37, 47.626],
        [-122.425, 47.64],
        [-122.405, 47.68],
        [-122.385, 47.75],
        [-122.39, 47.8],
        [-122.34, 47.865],
        [-122.315, 47.935],
        [-122.26, 47.965],
        [-122.225, 47.985],
        [-122.235, 48.02],
        [-122.3, 48.03],
        [-122.35, 47.98],
        [-122.385, 47.905],
        [-122.53, 47.92],
        [-122.5, 47.8],
        [-122.5, 47.6],
        [-122.48, 47.5],
      ],
      [
        [-122.245, 47.505],
        [-122.205, 47.505],
        [-122.21, 47.6],
        [-122.215, 47.7],
        [-122.25, 47.755],
        [-122.275, 47.74],
        [-122.26, 47.68],
        [-122.28, 47.635],
        [-122.285, 47.6],
        [-122.255, 47.555],
      ],
    ]),
  },
};

export function getRegion(region: RegionId): Region {
  const found = REGIONS[region];
  if (!found) throw new RangeError(`"${String(region)}" is not a region: use ontario, mississippi or washington`);
  return found;
}

/** Whether a point lies in the region's (approximate) service territory. */
export function pointInTerritory(region: RegionId, lat: number, lon: number): boolean {
  return booleanPointInPolygon([lon, lat], getRegion(region).territory);
}

/** Whether a point lies in the region's mapped open water. */
export function pointInWater(region: RegionId, lat: number, lon: number): boolean {
  return booleanPointInPolygon([lon, lat], getRegion(region).water);
}

const EARTH_RADIUS_KM = 6371.0088;

export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLon = (lon2 - lon1) * toRad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** How far homes spread around a town centre (sd per axis, km): ~2 km for a small town, ~9 for Toronto. */
export function townSpreadKm(town: Place): number {
  return 1 + 1.5 * Math.sqrt(town.population / 100_000);
}

export interface PlaceOptions {
  /** In the utility's territory (a participant's home) or outside it (a trip out of the region). */
  readonly inside: boolean;
  /** Keep the point within radiusKm of here (for example a workplace within commuting distance). */
  readonly nearLat?: number;
  readonly nearLon?: number;
  /** Default 40 km; used only with nearLat and nearLon. */
  readonly radiusKm?: number;
}

export interface RandomPlace {
  readonly lat: number;
  readonly lon: number;
  /** The town the point was scattered around (or, when drawn in a disc, the nearest town on that side). */
  readonly town: string;
}

const MAX_ATTEMPTS = 200;
const TRIES_PER_TOWN = 20;
const DEFAULT_RADIUS_KM = 40;

function offsetPoint(lat: number, lon: number, northKm: number, eastKm: number): { lat: number; lon: number } {
  return {
    lat: lat + northKm / 110.574,
    lon: lon + eastKm / (111.32 * Math.cos((lat * Math.PI) / 180)),
  };
}

/**
 * A home or destination: a town chosen by population on the requested side of the territory line,
 * then scattered around its centre (Gaussian, a few km) until the point is on the right side and on
 * land. With nearLat/nearLon, only towns within reach are chosen and the point must fall within
 * radiusKm; with no town in reach, the point is drawn uniformly in that disc. After 200 misses it
 * returns the centre of the nearest suitable town, which is always on the right side.
 */
export function randomPlace(region: RegionId, random: Random, options: PlaceOptions): RandomPlace {
  const { places } = getRegion(region);
  const side = places.filter((town) => town.inside === options.inside);
  const near =
    options.nearLat !== undefined && options.nearLon !== undefined
      ? { lat: options.nearLat, lon: options.nearLon, radiusKm: options.radiusKm ?? DEFAULT_RADIUS_KM }
      : undefined;
  if (near && !(near.radiusKm > 0)) throw new RangeError(`radiusKm must be > 0, not ${near.radiusKm}`);

  const fits = (lat: number, lon: number): boolean =>
    pointInTerritory(region, lat, lon) === options.inside &&
    !pointInWater(region, lat, lon) &&
    (!near || distanceKm(near.lat, near.lon, lat, lon) <= near.radiusKm);

  const reachable = near
    ? side.filter(
        (town) => distanceKm(near.lat, near.lon, town.lat, town.lon) <= near.radiusKm + 2 * townSpreadKm(town),
      )
    : side;
  const choices = reachable.map((town) => ({ value: town, weight: town.population }));

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += TRIES_PER_TOWN) {
    if (choices.length > 0) {
      // Several scatters per chosen town, so a coastal town (many draws land in the water) keeps
      // its population share instead of losing it to inland towns.
      const town = random.weighted(choices);
      const spread = townSpreadKm(town);
      for (let scatter = 0; scatter < TRIES_PER_TOWN; scatter++) {
        const point = offsetPoint(town.lat, town.lon, random.normal(0, spread), random.normal(0, spread));
        if (fits(point.lat, point.lon)) return { ...point, town: town.name };
      }
    } else if (near) {
      for (let scatter = 0; scatter < TRIES_PER_TOWN; scatter++) {
        const distance = near.radiusKm * Math.sqrt(random.next());
        const bearing = 2 * Math.PI * random.next();
        const point = offsetPoint(near.lat, near.lon, distance * Math.cos(bearing), distance * Math.sin(bearing));
        if (fits(point.lat, point.lon)) return { ...point, town: nearestTown(side, point.lat, point.lon).name };
      }
    }
  }
  const fallback = near ? nearestTown(side, near.lat, near.lon) : random.weighted(choices);
  return { lat: fallback.lat, lon: fallback.lon, town: fallback.name };
}

function nearestTown(towns: readonly Place[], lat: number, lon: number): Place {
  let best = towns[0]!;
  let bestKm = Infinity;
  for (const town of towns) {
    const km = distanceKm(lat, lon, town.lat, town.lon);
    if (km < bestKm) [best, bestKm] = [town, km];
  }
  return best;
}

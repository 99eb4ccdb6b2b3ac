/**
 * Conversions from the units the sources publish in (EPA miles, mpg, MPGe, pounds) to the catalog's
 * metric fields. The data files keep the published number and convert here, so a reader can check a
 * figure against its source without redoing the arithmetic.
 */

export const KM_PER_MILE = 1.609344;
const KG_PER_LB = 0.45359237;
/** EPA's energy equivalence: 1 US gallon of gasoline = 33.7 kWh. */
const KWH_PER_GALLON_EQUIVALENT = 33.7;
/** L/100 km × mpg (US) = 235.215. */
const L_PER_100KM_TIMES_MPG = 235.215;

/** EPA combined kWh/100 mi (wall to wheels) → Wh/km, rounded to a whole Wh/km. */
export function whPerKmFromKwhPer100mi(kwhPer100mi: number): number {
  return Math.round((kwhPer100mi * 10) / KM_PER_MILE);
}

/** EPA combined MPGe → Wh/km, for ratings published only as MPGe. */
export function whPerKmFromMpge(mpge: number): number {
  return whPerKmFromKwhPer100mi((KWH_PER_GALLON_EQUIVALENT / mpge) * 100);
}

/** European WLTP/NEDC kWh/100 km → Wh/km. */
export function whPerKmFromKwhPer100km(kwhPer100km: number): number {
  return Math.round(kwhPer100km * 10);
}

export function kmFromMiles(miles: number): number {
  return Math.round(miles * KM_PER_MILE);
}

/** US mpg → L/100 km, one decimal. */
export function lPer100kmFromMpg(mpg: number): number {
  return Math.round((L_PER_100KM_TIMES_MPG / mpg) * 10) / 10;
}

export function kgFromLb(lb: number): number {
  return Math.round(lb * KG_PER_LB);
}

/**
 * Display units. Storage is metric (m, Wh, °C); each person chooses kilometres or miles and °C or
 * °F. Every number the app shows goes through here.
 */
import type { Account } from './api';

export interface Units {
  distance: 'km' | 'mi';
  temperature: 'C' | 'F';
}

export const METRIC: Units = { distance: 'km', temperature: 'C' };
const M_PER_MI = 1609.344;

const nf = (digits: number) =>
  new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
const f0 = nf(0);
const f1 = nf(1);
const f2 = nf(2);

export function unitsOf(account: Account | null | undefined): Units {
  return account
    ? { distance: account.preferences.distanceUnit, temperature: account.preferences.temperatureUnit }
    : METRIC;
}

export function distanceValue(m: number, u: Units): number {
  return u.distance === 'mi' ? m / M_PER_MI : m / 1000;
}

export function distance(m: number | null | undefined, u: Units, digits = 1): string {
  if (m === null || m === undefined) return '–';
  return `${nf(digits).format(distanceValue(m, u))} ${u.distance}`;
}

export function temperatureValue(c: number, u: Units): number {
  return u.temperature === 'F' ? (c * 9) / 5 + 32 : c;
}

export function temperature(c: number | null | undefined, u: Units): string {
  if (c === null || c === undefined) return '–';
  return `${f0.format(temperatureValue(c, u))} °${u.temperature}`;
}

export function energy(wh: number | null | undefined, digits = 1): string {
  if (wh === null || wh === undefined) return '–';
  return `${nf(digits).format(wh / 1000)} kWh`;
}

/** Wh per km or per mile: what drivers compare between trips and seasons. */
export function efficiency(wh: number, m: number, u: Units): string {
  if (!(m > 50)) return '–';
  const perUnit = wh / distanceValue(m, u);
  return `${f0.format(perUnit)} Wh/${u.distance}`;
}

export function power(w: number | null | undefined): string {
  if (w === null || w === undefined) return '–';
  return w >= 1000 ? `${f1.format(w / 1000)} kW` : `${f0.format(w)} W`;
}

export function co2(g: number | null | undefined): string {
  if (g === null || g === undefined) return '–';
  return g >= 1000 ? `${f1.format(g / 1000)} kg` : `${f0.format(g)} g`;
}

export function percent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '–';
  return `${nf(digits).format(value)} %`;
}

export function share(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined ? '–' : `${f0.format(fraction * 100)} %`;
}

export function duration(seconds: number): string {
  // Rounded to the minute first: 2 h 59 min 40 s is 3 h 00 min, not "2 h 60 min".
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function date(iso: string): string {
  const d = iso.length === 10 ? new Date(`${iso}T12:00:00`) : new Date(iso);
  return d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export function time(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { timeStyle: 'short' });
}

/** Rewards as the program shows them: money ($5.00) or points (5,000 points). */
export function reward(
  points: number,
  program: { display: 'money' | 'points'; pointsPerUnit: number; currency: string },
) {
  if (program.display === 'points') return `${f0.format(points)} points`;
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: program.currency }).format(
    points / program.pointsPerUnit,
  );
}

export { f0, f1, f2 };

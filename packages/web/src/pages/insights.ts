/**
 * Words for the driver's insights: charging cost and savings, auxiliary load (heating and cooling
 * apart from lights, radio and USB), and a trip as one sentence (what a screen reader reads as the
 * trip's link).
 */
import type { Trip, VehicleOverview } from '../api';
import { distance, duration, efficiency, energy, temperature, time, type Units } from '../units';

/** Money in the program's currency, with the plain symbol ($1.23, not CA$1.23). */
export function money(amount: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).format(
    amount,
  );
}

/** A price per kWh: in cents for dollars (7.6 ¢/kWh), else in the currency. */
export function perKwh(price: number, currency: string): string {
  if (currency === 'USD' || currency === 'CAD') {
    return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(price * 100)} ¢/kWh`;
  }
  return `${money(price, currency)}/kWh`;
}

const pct = (part: number, whole: number) =>
  whole > 0 ? `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format((part / whole) * 100)} %` : '';

/**
 * Auxiliary load in words: "Heating and cooling used 1.2 kWh (14 % of this trip's energy);
 * lights, radio and USB 0.3 kWh (3 %)."
 */
export function auxSentence(hvacWh: number, auxWh: number, energyWh: number, whose: string): string {
  const climate =
    hvacWh >= 5
      ? `Heating and cooling used ${energy(hvacWh, 2)}${energyWh > 0 ? ` (${pct(hvacWh, energyWh)} of ${whose} energy)` : ''}`
      : 'Heating and cooling used next to nothing';
  const lowVoltage = `lights, radio and USB ${energy(auxWh, 2)}${energyWh > 0 && auxWh >= 5 ? ` (${pct(auxWh, energyWh)})` : ''}`;
  return `${climate}; ${lowVoltage}.`;
}

/** A local date as the driver says it: "Tuesday 3 December". */
export function dayName(iso: string): string {
  const d = iso.length === 10 ? new Date(`${iso}T12:00:00`) : new Date(iso);
  return d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
}

/** "Tuesday 3 December, 8:12 AM: 14.2 km in 22 min" (the rest is added by tripDetails). */
export function tripHeadline(t: Trip, units: Units): string {
  const minutes = (Date.parse(t.endedAt) - Date.parse(t.startedAt)) / 1000;
  return `${time(t.startedAt)}: ${distance(t.distanceM, units)} in ${duration(minutes)}${t.complete ? '' : ' so far (still driving)'}`;
}

/** ", 162 Wh/km, 3 °C outside" — skipping what is not known. */
export function tripDetails(t: Trip, units: Units): string {
  const parts: string[] = [];
  const per = efficiency(t.energyWh, t.distanceM, units);
  if (per !== '–') parts.push(`using ${per}`);
  if (t.ambientMeanC !== null) parts.push(`${temperature(t.ambientMeanC, units)} outside`);
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}

/** Cost and savings over some days, in words, from the days' costs and the program's rates. */
export function costSentences(
  days: readonly { chargeWallWh: number; cost?: { amount: number; compared: number; saved: number } | null }[],
  rates: NonNullable<VehicleOverview['rates']>,
  span: string,
): { cost: string; saved: string | null; amount: number; savedAmount: number; wh: number } {
  let amount = 0;
  let compared = 0;
  let wh = 0;
  for (const d of days) {
    if (!d.cost) continue;
    amount += d.cost.amount;
    compared += d.cost.compared;
    wh += d.chargeWallWh;
  }
  const c = rates.currency;
  const average = wh > 0 ? ` (${perKwh(amount / (wh / 1000), c)} on average)` : '';
  const cost =
    wh > 0
      ? `At ${rates.name}, charging ${energy(wh)} ${span} cost ${money(amount, c)}${average}.`
      : `No charging ${span}, so nothing to pay at ${rates.name}.`;
  const savedAmount = compared - amount;
  let saved: string | null = null;
  if (!rates.timeOfUse) {
    saved = 'One price at all hours: when you charge does not change the cost.';
  } else if (wh > 0) {
    const at = `the same energy at the ${rates.comparison.label.toLowerCase()} price (${perKwh(rates.comparison.pricePerKwh, c)})`;
    saved =
      savedAmount >= 0.005
        ? `Charging off-peak saved you ${money(savedAmount, c)}: ${at} would have cost ${money(compared, c)}.`
        : savedAmount <= -0.005
          ? `Charging at dearer hours cost ${money(-savedAmount, c)} more than ${at} would have.`
          : `Nothing saved: ${at} would have cost the same.`;
  }
  return { cost, saved, amount, savedAmount, wh };
}

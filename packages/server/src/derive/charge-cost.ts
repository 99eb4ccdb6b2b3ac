/**
 * What charging cost at the program's rates, added to rows as they are read: each session from
 * its wall energy by local hour (exact per period, since prices change on the hour), each day
 * from its 24 hourly sums. Read-time pricing means a change of rates reprices every charge at
 * once, with no rebuild; what is stored stays a function of telemetry alone.
 */
import type { LocalClock } from '@smartcharge/protocol';
import type { Cost, Rates } from '../programs/index.js';
import type { Row } from '../db/database.js';

/** A charge's or a day's cost, in the program's currency. */
export interface ChargeCost {
  readonly currency: string;
  readonly amount: number;
  /** The same energy at the comparison price (the rates' `comparison`). */
  readonly compared: number;
  readonly saved: number;
  /** What `compared` prices the energy at, in words ("On-peak") and per kWh. */
  readonly comparedWith: { readonly label: string; readonly pricePerKwh: number };
  readonly byPeriod: Readonly<Record<string, { readonly wh: number; readonly amount: number }>>;
}

/** What a driver reads about the rates: the plan, its prices, and what savings are measured against. */
export interface RatesSummary {
  readonly name: string;
  readonly currency: string;
  readonly timeOfUse: boolean;
  readonly periods: readonly { readonly key: string; readonly label: string; readonly pricePerKwh: number }[];
  readonly comparison: { readonly label: string; readonly pricePerKwh: number };
  readonly source: string | null;
  readonly note: string | null;
}

export interface Pricing {
  readonly rates: Rates;
  readonly currency: string;
  readonly clock: LocalClock;
}

function toChargeCost(cost: Cost, pricing: Pricing): ChargeCost {
  return {
    currency: pricing.currency,
    amount: cost.cost,
    compared: cost.compared,
    saved: cost.saved,
    comparedWith: pricing.rates.comparison,
    byPeriod: Object.fromEntries(Object.entries(cost.byPeriod).map(([key, v]) => [key, { wh: v.wh, amount: v.cost }])),
  };
}

/** A session row (as listSessions reads it) with its cost; null without rates. */
export function withSessionCost(row: Row, pricing: Pricing | undefined): Row {
  if (!pricing) return { ...row, cost: null };
  const hourly = (row.hourly ?? []) as [number, number, number][];
  return { ...row, cost: toChargeCost(pricing.rates.priceHours(hourly, pricing.clock), pricing) };
}

/** A day row (as listDays reads it) with the cost of its charging; null without rates. */
export function withDayCost(row: Row, pricing: Pricing | undefined): Row {
  if (!pricing) return { ...row, cost: null };
  const hourly = (row.chargeHourlyWh ?? []) as number[];
  return { ...row, cost: toChargeCost(pricing.rates.priceDay(String(row.day), hourly), pricing) };
}

export function ratesSummary(pricing: Pricing): RatesSummary {
  const plan = pricing.rates.plan;
  return {
    name: plan.name,
    currency: pricing.currency,
    timeOfUse: pricing.rates.timeOfUse,
    periods: plan.periods.map((p) => ({ key: p.key, label: p.label, pricePerKwh: p.pricePerKwh })),
    comparison: pricing.rates.comparison,
    source: plan.source ?? null,
    note: plan.note ?? null,
  };
}

/**
 * Stats for download: a vehicle's days, trips or charging sessions as CSV, with the unit in each
 * column's name (kilometres, kWh, °C: the stored base units made readable). JSON downloads carry
 * the same rows as the API answers. Times in CSV are the program's local time with its UTC offset
 * (2026-11-02T16:00:00-05:00): what the driver's clock said, and still unambiguous. Charging
 * costs are at the program's rates (when it has published them): the cost, what the same energy
 * would have cost at the comparison price (which one is named in `compared_with`), and the saving.
 */
import type { LocalClock } from '@smartcharge/protocol';
import { csvField } from '../csv.js';
import type { Row } from '../db/database.js';

export const EXPORT_KINDS = ['days', 'trips', 'sessions'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

type Column = readonly [name: string, value: (row: Row, clock: LocalClock) => unknown];

/** An instant as local ISO time with the zone's offset, to the second. */
export function localIso(ms: number, clock: LocalClock): string {
  const offset = clock.offsetMinutes(ms);
  const local = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const n = (row: Row, key: string) => (row[key] === null || row[key] === undefined ? null : Number(row[key]));
const scaled = (key: string, divisor: number, digits: number) => (row: Row) => {
  const value = n(row, key);
  return value === null ? null : (value / divisor).toFixed(digits);
};
const fixed = (key: string, digits: number) => scaled(key, 1, digits);
const time = (key: string) => (row: Row, clock: LocalClock) => {
  const value = row[key];
  return value instanceof Date ? localIso(value.getTime(), clock) : value;
};

/** One part of a row's `cost` (see charge-cost.ts), money to the cent's tenth. */
const money = (key: 'amount' | 'compared' | 'saved') => (row: Row) => {
  const cost = row.cost as { amount: number; compared: number; saved: number } | null | undefined;
  return cost ? cost[key].toFixed(3) : null;
};
const COST_COLUMNS: readonly Column[] = [
  ['currency', (r) => (r.cost as { currency: string } | null | undefined)?.currency ?? null],
  ['cost', money('amount')],
  ['cost_at_comparison', money('compared')],
  [
    'compared_with',
    (r) => {
      const cost = r.cost as { comparedWith: { label: string; pricePerKwh: number } } | null | undefined;
      return cost ? `${cost.comparedWith.label} at ${cost.comparedWith.pricePerKwh} per kWh` : null;
    },
  ],
  ['saved', money('saved')],
];

const COLUMNS: Record<ExportKind, readonly Column[]> = {
  days: [
    ['day', (r) => r.day],
    ['trips', (r) => r.trips],
    ['distance_km', scaled('distanceM', 1000, 2)],
    ['electric_distance_km', scaled('electricDistanceM', 1000, 2)],
    ['drive_kwh', scaled('driveWh', 1000, 3)],
    ['drive_hvac_kwh', scaled('driveHvacWh', 1000, 3)],
    ['drive_aux_kwh', scaled('driveAuxWh', 1000, 3)],
    ['sessions', (r) => r.sessions],
    ['charge_wall_kwh', scaled('chargeWallWh', 1000, 3)],
    ['charge_battery_kwh', scaled('chargeBatteryWh', 1000, 3)],
    ['charge_l1_kwh', scaled('chargeL1Wh', 1000, 3)],
    ['charge_l2_kwh', scaled('chargeL2Wh', 1000, 3)],
    ['charge_dcfc_kwh', scaled('chargeDcfcWh', 1000, 3)],
    ['charge_in_territory_kwh', scaled('chargeInTerritoryWh', 1000, 3)],
    ['charge_hvac_kwh', scaled('chargeHvacWh', 1000, 3)],
    ['charge_aux_kwh', scaled('chargeAuxWh', 1000, 3)],
    ...COST_COLUMNS,
    ['co2_kg', scaled('co2G', 1000, 3)],
    ['co2_avoided_kg', scaled('co2AvoidedG', 1000, 3)],
    ['ambient_mean_c', fixed('ambientMeanC', 1)],
  ],
  trips: [
    ['started_at', time('startedAt')],
    ['ended_at', time('endedAt')],
    ['distance_km', scaled('distanceM', 1000, 3)],
    ['electric_distance_km', scaled('electricDistanceM', 1000, 3)],
    ['energy_kwh', scaled('energyWh', 1000, 3)],
    [
      'efficiency_wh_per_km',
      (r) => {
        const wh = n(r, 'energyWh');
        const m = n(r, 'distanceM');
        return wh === null || !m ? null : ((wh / m) * 1000).toFixed(1);
      },
    ],
    ['hvac_kwh', scaled('hvacWh', 1000, 3)],
    ['aux_kwh', scaled('auxWh', 1000, 3)],
    ['soc_start_pct', fixed('socStartPct', 1)],
    ['soc_end_pct', fixed('socEndPct', 1)],
    ['ambient_mean_c', fixed('ambientMeanC', 1)],
    ['co2_kg', scaled('co2G', 1000, 3)],
    ['co2_avoided_kg', scaled('co2AvoidedG', 1000, 3)],
  ],
  sessions: [
    ['plugged_at', time('pluggedAt')],
    ['unplugged_at', time('unpluggedAt')],
    ['level', (r) => r.level],
    ['kind', (r) => r.kind],
    ['wall_kwh', scaled('wallWh', 1000, 3)],
    ['battery_kwh', scaled('batteryWh', 1000, 3)],
    ['charging_h', scaled('chargingS', 3600, 2)],
    ['peak_kw', scaled('peakW', 1000, 2)],
    ['soc_start_pct', fixed('socStartPct', 1)],
    ['soc_end_pct', fixed('socEndPct', 1)],
    ['in_territory', (r) => r.inTerritory],
    ['latitude', fixed('latDeg', 5)],
    ['longitude', fixed('lonDeg', 5)],
    ['hvac_kwh', scaled('hvacWh', 1000, 3)],
    ['aux_kwh', scaled('auxWh', 1000, 3)],
    ...COST_COLUMNS,
    ['co2_kg', scaled('co2G', 1000, 3)],
  ],
};

/** Columns that say where the vehicle was: left out of downloads for whoever may not see locations. */
const LOCATION_COLUMNS: ReadonlySet<string> = new Set(['latitude', 'longitude']);

export function rowsToCsv(
  kind: ExportKind,
  rows: readonly Row[],
  options: { readonly location: boolean; readonly clock: LocalClock },
): string {
  const columns = COLUMNS[kind].filter(([name]) => options.location || !LOCATION_COLUMNS.has(name));
  const lines = [columns.map(([name]) => name).join(',')];
  for (const row of rows) lines.push(columns.map(([, value]) => csvField(value(row, options.clock))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

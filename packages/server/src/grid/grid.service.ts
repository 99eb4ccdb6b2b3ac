/**
 * The utility's grid view: when, where and at what level a program's vehicles charge. Reads the
 * daily rollups (vehicle_day) that derivation keeps: the load by hour of day (weekdays and weekends
 * apart), day by day, by charging level, inside the territory or not, by time-of-use period, each
 * vehicle's contribution to the program's peak hour, and every program (region) side by side.
 */
import { createLocalClock } from '@smartcharge/protocol';
import { requireStaff, SYSTEM, type Actor } from '../actor.js';
import type { Database } from '../db/database.js';
import { listEventsOfProgram } from '../demand/demand.repository.js';
import type { DeriveService } from '../derive/index.js';
import { csvLine } from '../csv.js';
import { AppError } from '../errors.js';
import type { ProgramService } from '../programs/index.js';
import { programTotals, vehicleContributions, type ProgramTotalsRow } from './grid.repository.js';

/** The time-of-use period a planner calls "the peak" when a program names one. */
export const PEAK_PERIOD = 'on_peak';
export const GRID_MAX_DAYS = 400;
const CONTRIBUTORS = 100;
/** Grid views kept at once (program × range); the oldest goes first. */
const CACHE_ENTRIES = 64;

export interface GridDay {
  readonly day: string;
  readonly vehicles: number;
  readonly wallWh: number;
  readonly l1Wh: number;
  readonly l2Wh: number;
  readonly dcfcWh: number;
  readonly inTerritoryWh: number;
  readonly distanceM: number;
  /** 24 values: wall energy per local hour of day. */
  readonly hourlyWh: readonly number[];
  readonly touWh: Readonly<Record<string, number>>;
}

/** A demand-response event overlapping the view's range, to show on its load (read fresh on every call). */
export interface GridEvent {
  readonly id: number;
  readonly name: string;
  readonly target: 'curtail' | 'shift' | 'cap';
  readonly status: 'scheduled' | 'active' | 'completed' | 'cancelled';
  readonly startsAt: string;
  readonly endsAt: string;
  /** The measured fleet shed (kW), once the event is measured. */
  readonly shedKwFleet: number | null;
}

export interface GridView {
  readonly program: {
    readonly slug: string;
    readonly name: string;
    readonly utility: string;
    readonly timeZone: string;
  };
  readonly from: string;
  readonly to: string;
  /** When these figures were computed (views are served again for GRID_CACHE_S seconds). */
  readonly computedAt: string;
  readonly days: readonly GridDay[];
  /** Mean load (kW) by local hour of day: over every day, weekdays, weekend days. */
  readonly profileKw: {
    readonly all: readonly number[];
    readonly weekday: readonly number[];
    readonly weekend: readonly number[];
  };
  /** The local hour with the highest mean load (0–23), and that load. */
  readonly peakHour: number;
  readonly peakKw: number;
  readonly totals: {
    readonly wallWh: number;
    readonly byLevelWh: { readonly L1: number; readonly L2: number; readonly DCFC: number; readonly unknown: number };
    readonly inTerritoryShare: number | null;
    readonly byTouWh: Readonly<Record<string, number>>;
    readonly vehicles: number;
  };
  /** The vehicles that charge most in the peak hour: mean kW then, and their share of it. */
  readonly contributors: readonly {
    readonly vehicleId: number;
    readonly vehicle: string;
    readonly chargeDays: number;
    readonly wallWh: number;
    readonly peakHourKw: number;
    readonly peakHourShare: number;
    readonly peakPeriodWh: number;
    readonly dcfcShare: number;
  }[];
  /** Demand-response events overlapping [from, to) (local days): current even when the figures are kept. */
  readonly events: readonly GridEvent[];
}

type Figures = Omit<GridView, 'events'>;

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function checkRange(from: string, to: string): number {
  const days = daysBetween(from, to);
  if (!(days > 0))
    throw new AppError('invalid_input', `The range ${from} – ${to} is empty: "to" must come after "from".`);
  if (days > GRID_MAX_DAYS) {
    throw new AppError('invalid_input', `The range covers ${days} days; ask for at most ${GRID_MAX_DAYS} at a time.`);
  }
  return days;
}

export class GridService {
  /** Computed views by program and range, with when (monotonic ms) they were started. */
  private readonly cache = new Map<
    string,
    { startedMs: number; figures: Promise<Figures>; withEvents?: { eventsKey: string; view: GridView } }
  >();

  constructor(
    private readonly db: Database,
    private readonly programs: ProgramService,
    private readonly derive: DeriveService,
    private readonly options: {
      cacheMs: number;
      clock: () => Date;
      /** Monotonic milliseconds, for the cache's age (tests pass their own). */
      monotonicMs?: () => number;
    } = { cacheMs: 0, clock: () => new Date() },
  ) {}

  /**
   * The program's grid view over [from, to). A year of a large fleet takes a few hundred
   * milliseconds to sum per vehicle, so a view is kept for `cacheMs` and shared by everyone who
   * asks for the same program and range meanwhile (one computation however many ask at once).
   * Access is checked on every call. The demand-response events on the view are read on every call
   * (one indexed query), so an event called a moment ago shows at once; while they and the kept
   * figures are unchanged, callers get the same view object.
   */
  async programGrid(actor: Actor, slug: string, from: string, to: string): Promise<GridView> {
    const program = await this.programs.getProgram(actor, slug);
    const dayCount = checkRange(from, to);
    const eventsRead = this.eventsOf(program, from, to);
    // Not left unhandled while the figures are computed; awaited (and thrown) below.
    eventsRead.catch(() => undefined);
    if (this.options.cacheMs <= 0) {
      const figures = await this.computeGrid(program, from, to, dayCount);
      return { ...figures, events: await eventsRead };
    }
    const key = `${program.id}|${from}|${to}`;
    const now = (this.options.monotonicMs ?? performance.now.bind(performance))();
    let entry = this.cache.get(key);
    if (!entry || now - entry.startedMs >= this.options.cacheMs) {
      const figures = this.computeGrid(program, from, to, dayCount);
      const fresh: NonNullable<typeof entry> = { startedMs: now, figures };
      entry = fresh;
      this.cache.delete(key);
      this.cache.set(key, fresh);
      if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      // A failed computation is not kept: the next caller tries again.
      figures.catch(() => {
        if (this.cache.get(key) === fresh) this.cache.delete(key);
      });
    }
    const [figures, events] = await Promise.all([entry.figures, eventsRead]);
    const eventsKey = JSON.stringify(events);
    if (entry.withEvents?.eventsKey === eventsKey) return entry.withEvents.view;
    const view: GridView = { ...figures, events };
    entry.withEvents = { eventsKey, view };
    return view;
  }

  /** The program's events overlapping the local days [from, to), in start order. */
  private async eventsOf(program: { id: number; timeZone: string }, from: string, to: string): Promise<GridEvent[]> {
    const local = createLocalClock(program.timeZone);
    const rows = await listEventsOfProgram(
      this.db,
      program.id,
      new Date(local.utcMsAt(from, 0, 0)),
      new Date(local.utcMsAt(to, 0, 0)),
    );
    return rows.map((e) => {
      const shed = (e.result as { shedKwFleet?: { estimate?: unknown } } | null)?.shedKwFleet?.estimate;
      return {
        id: Number(e.id),
        name: e.name,
        target: e.target,
        status: e.status,
        startsAt: e.starts_at.toISOString(),
        endsAt: e.ends_at.toISOString(),
        shedKwFleet: typeof shed === 'number' ? shed : null,
      };
    });
  }

  private async computeGrid(
    program: { id: number; slug: string; name: string; utility: string; timeZone: string },
    from: string,
    to: string,
    dayCount: number,
  ): Promise<Figures> {
    const computedAt = this.options.clock().toISOString();
    const rows = await this.derive.programDays(SYSTEM, program.id, from, to);
    const days: GridDay[] = rows.map((r) => ({
      day: String(r.day),
      vehicles: num(r.vehicles),
      wallWh: num(r.chargeWallWh),
      l1Wh: num(r.chargeL1Wh),
      l2Wh: num(r.chargeL2Wh),
      dcfcWh: num(r.chargeDcfcWh),
      inTerritoryWh: num(r.chargeInTerritoryWh),
      distanceM: num(r.distanceM),
      hourlyWh: Array.from({ length: 24 }, (_, i) => num((r.chargeHourlyWh as unknown[] | null)?.[i])),
      touWh: Object.fromEntries(
        Object.entries((r.chargeTouWh as Record<string, unknown> | null) ?? {}).map(([k, v]) => [k, num(v)]),
      ),
    }));

    // Mean kW by hour: a day's Wh in an hour is its mean W over that hour. Days without any row
    // (no vehicle reported) count as zero load, so the divisor is the calendar's day count.
    const byDay = new Map(days.map((d) => [d.day, d]));
    const sum = (filter: (weekday: number) => boolean) => {
      const totals = new Array<number>(24).fill(0);
      let count = 0;
      for (let i = 0; i < dayCount; i++) {
        const date = new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000);
        if (!filter(date.getUTCDay())) continue;
        count++;
        const row = byDay.get(date.toISOString().slice(0, 10));
        if (row) for (let h = 0; h < 24; h++) totals[h]! += row.hourlyWh[h]!;
      }
      return totals.map((wh) => (count > 0 ? wh / count / 1000 : 0));
    };
    const all = sum(() => true);
    const weekday = sum((d) => d >= 1 && d <= 5);
    const weekend = sum((d) => d === 0 || d === 6);
    const peakHour = all.reduce((best, kw, h) => (kw > all[best]! ? h : best), 0);

    const wallWh = days.reduce((a, d) => a + d.wallWh, 0);
    const l1 = days.reduce((a, d) => a + d.l1Wh, 0);
    const l2 = days.reduce((a, d) => a + d.l2Wh, 0);
    const dcfc = days.reduce((a, d) => a + d.dcfcWh, 0);
    const inTerritory = days.reduce((a, d) => a + d.inTerritoryWh, 0);
    const byTouWh: Record<string, number> = {};
    for (const d of days) for (const [k, v] of Object.entries(d.touWh)) byTouWh[k] = (byTouWh[k] ?? 0) + v;

    const contributions = await vehicleContributions(
      this.db,
      program.id,
      from,
      to,
      peakHour,
      PEAK_PERIOD,
      CONTRIBUTORS,
    );
    const peakHourWhAll = all[peakHour]! * 1000 * dayCount;
    return {
      program: { slug: program.slug, name: program.name, utility: program.utility, timeZone: program.timeZone },
      from,
      to,
      computedAt,
      days,
      profileKw: { all, weekday, weekend },
      peakHour,
      peakKw: all[peakHour]!,
      totals: {
        wallWh,
        byLevelWh: { L1: l1, L2: l2, DCFC: dcfc, unknown: Math.max(0, wallWh - l1 - l2 - dcfc) },
        inTerritoryShare: wallWh > 0 ? inTerritory / wallWh : null,
        byTouWh,
        vehicles: contributions[0]?.vehiclesInRange ?? 0,
      },
      contributors: contributions.map((c) => ({
        vehicleId: c.vehicleId,
        vehicle: `${c.modelYear} ${c.make} ${c.model}`,
        chargeDays: c.chargeDays,
        wallWh: c.wallWh,
        peakHourKw: c.peakHourWh / dayCount / 1000,
        peakHourShare: peakHourWhAll > 0 ? c.peakHourWh / peakHourWhAll : 0,
        peakPeriodWh: c.peakPeriodWh,
        dcfcShare: c.wallWh > 0 ? c.dcfcWh / c.wallWh : 0,
      })),
    };
  }

  /** Every program the caller manages, side by side (a program is a region). */
  async regions(actor: Actor, from: string, to: string) {
    requireStaff(actor);
    checkRange(from, to);
    const programs = await this.programs.listPrograms(actor);
    const totals = new Map<number, ProgramTotalsRow>(
      (
        await programTotals(
          this.db,
          programs.map((p) => p.id),
          from,
          to,
        )
      ).map((t) => [t.programId, t]),
    );
    return {
      from,
      to,
      regions: programs.map((p) => {
        const t = totals.get(p.id);
        const wall = t?.wallWh ?? 0;
        return {
          slug: p.slug,
          name: p.name,
          utility: p.utility,
          region: p.region,
          vehicles: t?.vehicles ?? 0,
          distanceM: t?.distanceM ?? 0,
          wallWh: wall,
          byLevelWh: { L1: t?.l1Wh ?? 0, L2: t?.l2Wh ?? 0, DCFC: t?.dcfcWh ?? 0 },
          inTerritoryShare: wall > 0 ? (t?.inTerritoryWh ?? 0) / wall : null,
          co2AvoidedG: t?.co2AvoidedG ?? 0,
        };
      }),
    };
  }

  /** The grid view's days as CSV, one row per local day. */
  static daysCsv(view: GridView): string {
    const periods = [...new Set(view.days.flatMap((d) => Object.keys(d.touWh)))].sort();
    const header = [
      'day',
      'vehicles',
      'wall_kwh',
      'l1_kwh',
      'l2_kwh',
      'dcfc_kwh',
      'in_territory_kwh',
      ...periods.map((p) => `${p}_kwh`),
      ...Array.from({ length: 24 }, (_, h) => `h${String(h).padStart(2, '0')}_kwh`),
    ];
    const kwh = (wh: number) => (wh / 1000).toFixed(3);
    const lines = view.days.map((d) =>
      csvLine([
        d.day,
        String(d.vehicles),
        kwh(d.wallWh),
        kwh(d.l1Wh),
        kwh(d.l2Wh),
        kwh(d.dcfcWh),
        kwh(d.inTerritoryWh),
        ...periods.map((p) => kwh(d.touWh[p] ?? 0)),
        ...d.hourlyWh.map(kwh),
      ]),
    );
    // Period names are a program's own words: csvLine keeps them from being read as formulas.
    return `${[csvLine(header), ...lines].join('\r\n')}\r\n`;
  }
}

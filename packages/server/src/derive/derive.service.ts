/**
 * Derivation: turns a vehicle's raw telemetry into trips, charging sessions (with segments),
 * battery health and daily rollups, live as batches commit and on `smartcharge rebuild`.
 *
 * One code path does both. `rederive(vehicle, L)` — "readings at L or later changed" — finds S,
 * the start of the latest stored trip or session starting at or before L (items never overlap, so
 * nothing before S can change), replays the vehicle's readings from shortly before S through the
 * same pure engine, and replaces every derived row from S on, in one transaction. A rebuild is
 * the same with S = the beginning. Live, each committed batch asks for its earliest reading, so a
 * late or out-of-order batch re-derives only from the item it lands in.
 *
 * Live work goes through the durable derivation queue (derive-queue.ts): the telemetry writer
 * queues each vehicle in the transaction that stores its readings, and a worker claims it (this
 * process's own, woken by the commit, or another node's). In this process work is done one
 * vehicle at a time; requests for a vehicle already waiting merge (the earliest L wins), so a
 * burst of batches costs one replay.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createLocalClock, type LocalClock } from '@smartcharge/protocol';
import { requireOperator, type Actor } from '../actor.js';
import type { Database, Queryable, Row } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { compileProgram, compileRatePlan, NO_PROGRAM, programSettings, type ProgramRules } from '../programs/index.js';
import { findProgramById } from '../programs/program.repository.js';
import type { TelemetryWriter } from '../telemetry/telemetry-writer.js';
import { findChunks } from '../telemetry/telemetry.repository.js';
import { allocateColumns, decodeColumns, type ReadingColumns } from '../telemetry/reading-columns.js';
import {
  deleteItemsFrom,
  deviceDataSpan,
  findVehicleForDerive,
  healthInputs,
  insertSessions,
  insertTrips,
  latestItemStartAtOrBefore,
  listDays,
  listHealth,
  listSessions,
  listTrips,
  listVehicleIds,
  programDays,
  replaceDays,
  replaceHealth,
  sessionsForRollup,
  tripsForRollup,
  vehicleDataProgress,
  vehicleDeviceWindows,
  type DeviceWindow,
} from './derive.repository.js';
import { isVehicleQueued } from './derive-queue.repository.js';
import { DeriveWorker, type DeriveWorkerOptions } from './derive-queue.js';
import { ratesSummary, withDayCost, withSessionCost, type Pricing, type RatesSummary } from './charge-cost.js';
import { DeriveEngine, type VehicleFacts } from './engine.js';
import { weeklyHealth, weekStartMs } from './health.js';
import type { DayReadings, SessionItem, TripItem } from './items.js';
import type { DeriveParams } from './params.js';
import { rollupDays } from './rollup.js';
import { factsOfCatalog } from './vehicle-facts.js';

const DAY_MS = 86_400_000;
/** Raw telemetry is read a month at a time (bounded memory for a vehicle-year). */
const PAGE_MS = 31 * DAY_MS;
/** First key of the per-vehicle advisory lock (the second is the vehicle id). */
const DERIVE_LOCK_CLASS = 0x5c_de;

export interface DeriveResult {
  readonly vehicleId: number;
  /** Where the replay began: the start of the first item replaced (null: the beginning). */
  readonly from: Date | null;
  readonly readings: number;
  readonly trips: number;
  readonly sessions: number;
  readonly days: number;
  readonly weeks: number;
}

/** How far a vehicle's data has come, and the rates its charging is priced at. */
export interface VehicleOverview {
  readonly data: {
    /** First and last reading time its devices sent (null: nothing yet). */
    readonly receivedFrom: Date | null;
    readonly receivedTo: Date | null;
    /** The end of the latest trip or session derived, and the latest local day with a rollup. */
    readonly derivedTo: Date | null;
    readonly lastDay: string | null;
    readonly trips: number;
    readonly sessions: number;
    /** Derivation is queued or running for the vehicle right now. */
    readonly deriving: boolean;
  };
  readonly rates: RatesSummary | null;
}

export interface RebuildProgress {
  readonly vehiclesDone: number;
  readonly vehiclesTotal: number;
  readonly readings: number;
  readonly last: DeriveResult | undefined;
}

interface VehicleContext {
  readonly facts: VehicleFacts;
  readonly program: ProgramRules;
  readonly windows: DeviceWindow[];
}

/** A pending request: replay from this reading time on (null: from the beginning). */
type Pending = {
  fromMs: number | null;
  waiters: { resolve: (r: DeriveResult) => void; reject: (e: unknown) => void }[];
  /** Run in the replay's transaction once its rows are written (queue bookkeeping). */
  finish: ((tx: Queryable) => Promise<void>)[];
};

export class DeriveService {
  private readonly pending = new Map<number, Pending>();
  private running: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private detach: (() => void) | undefined;
  /** The vehicle being re-derived right now. */
  private current: number | undefined;
  /** Takes vehicles off the durable queue: woken by this process's commits, polling once started. */
  readonly worker: DeriveWorker;

  constructor(
    private readonly db: Database,
    private readonly params: DeriveParams,
    private readonly log: Logger,
    /** Throws unless the caller may read the vehicle's data (the vehicles context decides). */
    private readonly access: (actor: Actor, vehicleId: number) => Promise<unknown> = async (actor) =>
      requireOperator(actor),
  ) {
    this.worker = new DeriveWorker(
      db,
      `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      (claim, complete) => this.requestWith(claim.vehicleId, claim.fromMs, complete),
      log.child({ component: 'derive-worker' }),
    );
  }

  // -----------------------------------------------------------------------------------------------
  // Live

  /**
   * Derives as batches commit: the writer queues each group's vehicles in its transaction, and a
   * commit wakes this process's worker at once (unless this node leaves derivation to workers).
   */
  attach(writer: TelemetryWriter): void {
    writer.queueDerivation(true);
    this.detach = writer.onCommitted((batches) => {
      if (batches.some((batch) => batch.storedRecords > 0)) this.worker.wake();
    });
  }

  /**
   * This node is a worker: derive what any node queued, including what was left queued when a
   * worker died or the server stopped (at once), then on every local commit and every poll.
   */
  startWorker(options: Partial<DeriveWorkerOptions> = {}): void {
    this.worker.start(options);
  }

  /** This node derives nothing from the queue (it has no worker role): other nodes' workers do. */
  async stopWorker(): Promise<void> {
    await this.worker.stop();
  }

  private wakeIfIdle(): void {
    if (this.running || this.pending.size > 0) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Resolves when nothing is queued here or running in this process (tests, shutdown). */
  async idle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      await this.worker.idle();
      if (this.running || this.pending.size > 0) {
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
        continue;
      }
      // A replay may have been asked for while the worker finished, or the other way round.
      await Promise.resolve();
      if (!this.running && this.pending.size === 0 && !this.worker.busy) return;
    }
  }

  /**
   * Stops deriving: the vehicle being replayed finishes, what this worker claimed and did not
   * start goes back to the queue (durable: the next worker derives it), asked rebuilds finish.
   */
  async close(): Promise<void> {
    this.detach?.();
    await this.worker.stop();
    await this.idle();
  }

  /** Queues a replay of the vehicle from `fromMs` (null: all of it); resolves when it is done. */
  request(vehicleId: number, fromMs: number | null): Promise<DeriveResult> {
    return this.requestWith(vehicleId, fromMs);
  }

  /** The same, running `finish` in the replay's transaction after its rows are written. */
  private requestWith(
    vehicleId: number,
    fromMs: number | null,
    finish?: (tx: Queryable) => Promise<void>,
  ): Promise<DeriveResult> {
    return new Promise((resolve, reject) => {
      const queued = this.pending.get(vehicleId);
      if (queued) {
        queued.fromMs = queued.fromMs === null || fromMs === null ? null : Math.min(queued.fromMs, fromMs);
        queued.waiters.push({ resolve, reject });
        if (finish) queued.finish.push(finish);
      } else {
        this.pending.set(vehicleId, { fromMs, waiters: [{ resolve, reject }], finish: finish ? [finish] : [] });
      }
      this.running ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const next = this.pending.entries().next();
        if (next.done) break;
        const [vehicleId, job] = next.value;
        this.pending.delete(vehicleId);
        this.current = vehicleId;
        try {
          const result = await this.rederive(vehicleId, job.fromMs, job.finish);
          for (const w of job.waiters) w.resolve(result);
        } catch (error) {
          for (const w of job.waiters) w.reject(error);
        } finally {
          this.current = undefined;
        }
      }
    } finally {
      this.running = undefined;
      this.wakeIfIdle();
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Rebuild

  /** Re-derives one vehicle or all, from a moment or from the beginning, reporting progress. */
  async rebuild(
    actor: Actor,
    options: { vehicleId?: number; from?: Date },
    onProgress?: (p: RebuildProgress) => void,
  ): Promise<{ vehicles: number; readings: number; results: DeriveResult[] }> {
    requireOperator(actor);
    const ids = options.vehicleId === undefined ? await listVehicleIds(this.db) : [options.vehicleId];
    if (options.vehicleId !== undefined && !(await findVehicleForDerive(this.db, options.vehicleId))) {
      throw new AppError('not_found', `No vehicle has id ${options.vehicleId}.`);
    }
    const results: DeriveResult[] = [];
    let readings = 0;
    onProgress?.({ vehiclesDone: 0, vehiclesTotal: ids.length, readings: 0, last: undefined });
    for (const id of ids) {
      const result = await this.request(id, options.from ? options.from.getTime() : null);
      results.push(result);
      readings += result.readings;
      onProgress?.({ vehiclesDone: results.length, vehiclesTotal: ids.length, readings, last: result });
    }
    return { vehicles: ids.length, readings, results };
  }

  // -----------------------------------------------------------------------------------------------
  // The replay

  private async context(q: Queryable, vehicleId: number): Promise<VehicleContext> {
    const vehicle = await findVehicleForDerive(q, vehicleId);
    if (!vehicle) throw new AppError('not_found', `No vehicle has id ${vehicleId}.`);
    const programRow = vehicle.programId === null ? undefined : await findProgramById(q, vehicle.programId);
    return {
      facts: factsOfCatalog(vehicle.catalogModelId, vehicle.catalogVariant),
      program: compileProgram(programRow ? programSettings(programRow) : NO_PROGRAM),
      windows: await vehicleDeviceWindows(q, vehicleId),
    };
  }

  /**
   * Replays the vehicle's readings from the item that holds `changedFromMs` (null: from the start)
   * and replaces what was derived from there on.
   */
  async rederive(
    vehicleId: number,
    changedFromMs: number | null,
    finish: readonly ((tx: Queryable) => Promise<void>)[] = [],
  ): Promise<DeriveResult> {
    // One transaction, holding the vehicle's derivation lock: another process (a rebuild from the
    // command line while the server derives live) waits instead of interleaving its rows.
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [DERIVE_LOCK_CLASS, vehicleId]);
      const result = await this.rederiveIn(tx, vehicleId, changedFromMs);
      for (const step of finish) await step(tx);
      return result;
    });
  }

  private async rederiveIn(q: Queryable, vehicleId: number, changedFromMs: number | null): Promise<DeriveResult> {
    const ctx = await this.context(q, vehicleId);
    const clock = ctx.program.clock;
    let startMs = -Infinity;
    if (changedFromMs !== null) {
      // No stored item at or before the change: nothing before it made an item, and an item its
      // readings start begins at most a second before the first of them.
      startMs = (await latestItemStartAtOrBefore(q, vehicleId, changedFromMs)) ?? changedFromMs - 1000;
    }
    const bounded = Number.isFinite(startMs);
    const dayStartMs = bounded ? localMidnight(clock, startMs) : -Infinity;
    // Context before S: the day so far (its readings and temperatures) and the reading just before S.
    const readFromMs = bounded ? Math.min(dayStartMs, startMs - this.params.tripMaxGapMs - 1000) : -Infinity;

    const engine = new DeriveEngine(this.params, ctx.facts, ctx.program, {
      itemsAfterMs: -Infinity,
      daysFromMs: dayStartMs,
    });
    const trips: TripItem[] = [];
    const sessions: SessionItem[] = [];
    const days: DayReadings[] = [];
    let readings = 0;
    let firstMs = Infinity;
    let lastMs = -Infinity;
    for await (const page of readVehicle(q, ctx.windows, readFromMs)) {
      const { columns, order } = page;
      for (let k = 0; k < order.length; k++) engine.push(columns, order[k]!);
      readings += order.length;
      if (order.length > 0) {
        firstMs = Math.min(firstMs, columns.timeMs[order[0]!]!);
        lastMs = Math.max(lastMs, columns.timeMs[order[order.length - 1]!]!);
      }
      const done = engine.takeCompleted();
      trips.push(...done.trips);
      sessions.push(...done.sessions);
      days.push(...done.days);
    }
    const open = engine.openItems();
    if (open.trip) trips.push(open.trip);
    if (open.session) sessions.push(open.session);
    if (open.day) days.push(open.day);
    const keptTrips = trips.filter((t) => t.startMs >= startMs);
    const keptSessions = sessions.filter((s) => s.startMs >= startMs);

    const fromDay = bounded ? clock.localDateKey(startMs) : '0001-01-01';
    const fromDayMs = bounded ? dayStartMs : -Infinity;
    const firstWeekMs = bounded
      ? weekStartMs(clock, startMs)
      : Number.isFinite(firstMs)
        ? weekStartMs(clock, firstMs)
        : undefined;
    await deleteItemsFrom(q, vehicleId, startMs);
    await insertTrips(q, vehicleId, keptTrips);
    await insertSessions(q, vehicleId, keptSessions);
    const rollups = rollupDays(
      fromDay,
      await tripsForRollup(q, vehicleId, fromDay),
      await sessionsForRollup(q, vehicleId, Number.isFinite(fromDayMs) ? fromDayMs : 0),
      days,
      ctx.program,
    );
    await replaceDays(q, vehicleId, fromDay, rollups);
    const weeks = await this.replaceHealthFrom(q, vehicleId, ctx, firstWeekMs, lastMs);
    return {
      vehicleId,
      from: bounded ? new Date(startMs) : null,
      readings,
      trips: keptTrips.length,
      sessions: keptSessions.length,
      days: days.length,
      weeks,
    };
  }

  private async replaceHealthFrom(
    tx: Queryable,
    vehicleId: number,
    ctx: VehicleContext,
    firstWeekMs: number | undefined,
    lastMs: number,
  ): Promise<number> {
    const clock = ctx.program.clock;
    if (firstWeekMs === undefined) {
      await replaceHealth(tx, vehicleId, '0001-01-01', []);
      return 0;
    }
    const lookbackMs = firstWeekMs - (this.params.healthWindowDays * 4 + 7) * DAY_MS;
    const inputs = await healthInputs(tx, vehicleId, lookbackMs);
    const weekList: number[] = [];
    const lastWeekMs = weekStartMs(clock, Math.max(lastMs, firstWeekMs));
    for (let w = firstWeekMs; w <= lastWeekMs; w = weekStartMs(clock, w + 8 * DAY_MS)) weekList.push(w);
    const weeks = weeklyHealth(inputs, weekList, this.params, ctx.facts, clock);
    await replaceHealth(tx, vehicleId, clock.localDateKey(firstWeekMs), weeks);
    return weeks.length;
  }

  // -----------------------------------------------------------------------------------------------
  // Reads

  async trips(actor: Actor, vehicleId: number, page: { from?: Date; to?: Date; limit?: number }): Promise<Row[]> {
    await this.access(actor, vehicleId);
    return listTrips(this.db, vehicleId, pageOf(page));
  }

  /** A share link's holder never sees where the car charged (usually the driver's home). */
  async sessions(actor: Actor, vehicleId: number, page: { from?: Date; to?: Date; limit?: number }): Promise<Row[]> {
    await this.access(actor, vehicleId);
    const rows = await listSessions(this.db, vehicleId, pageOf(page));
    const pricing = await this.pricing(vehicleId);
    const priced = rows.map((row) => withSessionCost(row, pricing));
    return seesLocation(actor) ? priced : priced.map(withoutLocation);
  }

  /** The program's rates, compiled, with its currency and clock; undefined when it has none. */
  private async pricing(vehicleId: number): Promise<Pricing | undefined> {
    const vehicle = await findVehicleForDerive(this.db, vehicleId);
    const program =
      vehicle?.programId === null || vehicle?.programId === undefined
        ? undefined
        : await findProgramById(this.db, vehicle.programId);
    if (!program?.ratePlan) return undefined;
    return {
      rates: compileRatePlan(program.ratePlan),
      currency: program.currency,
      clock: createLocalClock(program.timeZone),
    };
  }

  /**
   * What the dashboard needs besides the rows: whether the device has sent data that is not
   * derived yet (history still filling in), and the rates charging is priced at.
   */
  async overview(actor: Actor, vehicleId: number): Promise<VehicleOverview> {
    await this.access(actor, vehicleId);
    const progress = await vehicleDataProgress(this.db, vehicleId);
    const ends = [progress.tripsTo, progress.sessionsTo].filter((d): d is Date => d !== null);
    const pricing = await this.pricing(vehicleId);
    return {
      data: {
        receivedFrom: progress.receivedFrom,
        receivedTo: progress.receivedTo,
        derivedTo: ends.length > 0 ? new Date(Math.max(...ends.map((d) => d.getTime()))) : null,
        lastDay: progress.lastDay,
        trips: progress.trips,
        sessions: progress.sessions,
        deriving:
          this.pending.has(vehicleId) || this.current === vehicleId || (await isVehicleQueued(this.db, vehicleId)),
      },
      rates: pricing ? ratesSummary(pricing) : null,
    };
  }

  async health(actor: Actor, vehicleId: number, limit = 520): Promise<Row[]> {
    await this.access(actor, vehicleId);
    return listHealth(this.db, vehicleId, Math.min(limit, 5200));
  }

  /** The local clock of the vehicle's program (UTC without one): downloads give times in it. */
  async localClock(actor: Actor, vehicleId: number): Promise<LocalClock> {
    await this.access(actor, vehicleId);
    return (await this.context(this.db, vehicleId)).program.clock;
  }

  async days(actor: Actor, vehicleId: number, fromDay: string, toDay: string): Promise<Row[]> {
    await this.access(actor, vehicleId);
    const pricing = await this.pricing(vehicleId);
    return (await listDays(this.db, vehicleId, fromDay, toDay)).map((row) => withDayCost(row, pricing));
  }

  /**
   * The readings of a stretch of time (a trip, a session), thinned to at most `maxPoints` evenly
   * spaced ones: what the trip page draws (state of charge, speed, power, temperatures).
   */
  async trace(actor: Actor, vehicleId: number, fromMs: number, toMs: number, maxPoints = 400): Promise<TracePoint[]> {
    await this.access(actor, vehicleId);
    if (!(toMs > fromMs)) throw new AppError('invalid_input', 'A trace needs "to" after "from".');
    if (toMs - fromMs > 2 * DAY_MS) throw new AppError('invalid_input', 'A trace covers at most two days.');
    const windows = await vehicleDeviceWindows(this.db, vehicleId);
    const points: TracePoint[] = [];
    const at = (column: Float64Array, i: number) => (Number.isNaN(column[i]!) ? null : column[i]!);
    for await (const { columns: c, order } of readVehicle(
      this.db,
      windows,
      Math.floor(fromMs / DAY_MS) * DAY_MS,
      toMs,
    )) {
      // (From the UTC day's start: a chunk never spans two UTC days, but may begin before the trip.)
      let past = false;
      for (const i of order) {
        const t = c.timeMs[i]!;
        if (t < fromMs) continue;
        if (t > toMs) {
          past = true;
          break;
        }
        const v = at(c.packVoltageV, i);
        const a = at(c.packCurrentA, i);
        points.push({
          t,
          socPct: at(c.socPct, i),
          speedMps: at(c.speedMps, i),
          // Positive out of the battery (driving), negative into it (charging, regeneration).
          powerW: v === null || a === null ? null : v * a,
          ambientC: at(c.ambientTempC, i),
          batteryC: at(c.batteryTempC, i),
          hvacW: at(c.hvacPowerW, i),
          auxW: at(c.auxPowerW, i),
          chargeW: at(c.chargePowerW, i),
        });
      }
      if (past) break;
    }
    if (points.length <= maxPoints) return points;
    const step = points.length / maxPoints;
    return Array.from({ length: maxPoints }, (_, k) => points[Math.floor(k * step)]!);
  }

  async programDays(actor: Actor, programId: number, fromDay: string, toDay: string): Promise<Row[]> {
    requireOperator(actor);
    return programDays(this.db, programId, fromDay, toDay);
  }
}

export interface TracePoint {
  readonly t: number;
  readonly socPct: number | null;
  readonly speedMps: number | null;
  readonly powerW: number | null;
  readonly ambientC: number | null;
  readonly batteryC: number | null;
  readonly hvacW: number | null;
  readonly auxW: number | null;
  readonly chargeW: number | null;
}

/**
 * The vehicle's readings from `fromMs` on, a month at a time, each page in time order (chunks of
 * several devices or of late batches interleave: they are merged by time).
 */
export async function* readVehicle(
  q: Queryable,
  windows: readonly DeviceWindow[],
  fromMs: number,
  untilMs = Infinity,
): AsyncGenerator<{ columns: ReadingColumns; order: Uint32Array }> {
  let spanFrom = Infinity;
  let spanTo = -Infinity;
  for (const w of windows) {
    const span = await deviceDataSpan(q, w.deviceId);
    if (!span) continue;
    spanFrom = Math.min(spanFrom, Math.max(span.fromMs, w.fromMs));
    spanTo = Math.max(spanTo, Math.min(span.toMs, w.toMs));
  }
  if (spanFrom > spanTo) return;
  const lastMs = Math.min(spanTo, untilMs);
  for (let pageFrom = Math.max(fromMs, spanFrom); pageFrom <= lastMs; pageFrom += PAGE_MS) {
    const pageTo = Math.min(pageFrom + PAGE_MS, untilMs + 1);
    const parts: ReadingColumns[] = [];
    const limits: [number, number][] = [];
    for (const w of windows) {
      const from = Math.max(pageFrom, w.fromMs);
      const to = Math.min(pageTo, w.toMs);
      if (from >= to) continue;
      for (const chunk of await findChunks(q, w.deviceId, new Date(from), new Date(to))) {
        parts.push(decodeColumns(chunk.payload));
        limits.push([from, to]);
      }
    }
    yield mergeByTime(parts, limits);
  }
}

function pageOf(page: { from?: Date; to?: Date; limit?: number }) {
  return {
    ...(page.from ? { fromMs: page.from.getTime() } : {}),
    ...(page.to ? { toMs: page.to.getTime() } : {}),
    limit: Math.min(page.limit ?? 100, 5000),
  };
}

function localMidnight(clock: LocalClock, timeMs: number): number {
  return clock.utcMsAtLocalDay(clock.localDayNumber(timeMs), 0, 0);
}

/**
 * Concatenates decoded chunks and gives the order of their readings inside [from, to) by time
 * (stable: equal times keep chunk order, and the engine takes the first of them).
 */
export function mergeByTime(
  parts: readonly ReadingColumns[],
  limits: readonly (readonly [number, number])[],
): { columns: ReadingColumns; order: Uint32Array } {
  let total = 0;
  for (const p of parts) total += p.count;
  const columns = allocateColumns(total);
  const keys = Object.keys(columns).filter((k) => k !== 'count') as Exclude<keyof ReadingColumns, 'count'>[];
  let offset = 0;
  const picked: number[] = [];
  let sorted = true;
  let lastTime = -Infinity;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    for (const key of keys) columns[key].set(part[key].subarray(0, part.count), offset);
    const [from, to] = limits[p]!;
    for (let i = 0; i < part.count; i++) {
      const t = part.timeMs[i]!;
      if (t < from || t >= to) continue;
      if (t < lastTime) sorted = false;
      lastTime = t;
      picked.push(offset + i);
    }
    offset += part.count;
  }
  const order = Uint32Array.from(picked);
  if (!sorted) {
    const time = columns.timeMs;
    // Array.prototype.sort is stable; a typed array's sort with a comparator is too (ES2023).
    order.sort((a, b) => time[a]! - time[b]! || a - b);
  }
  return { columns, order };
}

/** Fields of derived rows that say where the vehicle was. */
export const LOCATION_KEYS = ['latDeg', 'lonDeg'] as const;

/** Whether this caller may see where a vehicle charged: everyone who may read it but a share link's holder. */
export function seesLocation(actor: Actor): boolean {
  return actor.kind !== 'viewer';
}

function withoutLocation(row: Row): Row {
  const copy = { ...row };
  for (const key of LOCATION_KEYS) delete copy[key];
  return copy;
}

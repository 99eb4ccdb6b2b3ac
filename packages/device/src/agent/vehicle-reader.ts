/**
 * One look at the car: the profile's requests that are due (slow values such as state of health are
 * read every so many seconds and carried between reads), decoded into quantities and flags, with the
 * standard J1979 PIDs filling what the profile lacks (where the car offers them). Several signals for
 * one quantity (module temperatures) are averaged.
 *
 * A car that does not answer its first request is taken to be asleep: the reading stops there, so a
 * sleeping car gets one request, not a dozen.
 */
import type { Elm327, RequestResult } from './elm327/elm327.js';
import { decodeSupportedPids, getStandardPid, STANDARD_PIDS, SUPPORT_PIDS } from './j1979.js';
import {
  decodeSignal,
  isFlagSignal,
  isMonitorRequest,
  type Flag,
  type Quantity,
  type TProfileRequest,
  type TVehicleProfile,
} from './profiles/index.js';

export interface VehicleReading {
  readonly timeMs: number;
  /** No request was answered: the car sleeps (or the adapter lost the bus). */
  readonly asleep: boolean;
  /** Quantities in base units (m/s, m, W, V, A, °C, %). */
  readonly values: Partial<Record<Quantity, number>>;
  readonly flags: Partial<Record<Flag, boolean>>;
  /** Requests sent this time, and how they ended. */
  readonly sent: number;
  readonly failures: readonly { readonly request: string; readonly reason: string }[];
}

interface CachedAnswer {
  readonly timeMs: number;
  readonly values: Map<string, number | boolean>;
}

/** Standard quantity names → the profile quantity they stand in for. */
const STANDARD_QUANTITY: Record<string, Quantity> = {
  speed_mps: 'speed',
  ambient_temp_c: 'ambient_temp',
  soc_pct: 'soc',
  odometer_m: 'odometer',
};

export class VehicleReader {
  private readonly cache = new Map<string, CachedAnswer>();
  private readonly lastSent = new Map<string, number>();
  /** Mode 01 PIDs the car says it supports (after discoverStandardPids). */
  supportedPids: ReadonlySet<number> = new Set();

  constructor(
    private readonly elm: Elm327,
    readonly profile: TVehicleProfile,
  ) {}

  /** Reads the supported-PID bitmaps (00, 20, 40 …) while they chain on. */
  async discoverStandardPids(): Promise<ReadonlySet<number>> {
    const supported = new Set<number>();
    for (const base of SUPPORT_PIDS) {
      if (base !== 0 && !supported.has(base)) break;
      const answer = await this.elm.request({ service: 0x01, pid: [base] });
      if (!answer.ok) break;
      for (const pid of decodeSupportedPids(base, answer.payload.slice(2))) supported.add(pid);
    }
    this.supportedPids = supported;
    return supported;
  }

  /** Standard PIDs read because the profile lacks their quantity and the car offers them. */
  get standardFallbacks(): number[] {
    const profileQuantities = new Set(this.profile.signals.flatMap((s) => (isFlagSignal(s) ? [] : [s.quantity])));
    return STANDARD_PIDS.filter(
      (p) => this.supportedPids.has(p.pid) && !profileQuantities.has(STANDARD_QUANTITY[p.quantity]!),
    ).map((p) => p.pid);
  }

  private due(request: TProfileRequest, nowMs: number): boolean {
    const last = this.lastSent.get(request.id);
    return last === undefined || request.everyS === undefined || nowMs - last >= request.everyS * 1000 - 1;
  }

  private async send(request: TProfileRequest): Promise<RequestResult> {
    if (isMonitorRequest(request)) return this.elm.monitor(request.monitor);
    const pid: number[] = [];
    for (let i = 0; i < request.pid.length; i += 2) pid.push(parseInt(request.pid.slice(i, i + 2), 16));
    return this.elm.request({ header: request.header, receive: request.receive, service: request.service, pid });
  }

  /** Reads what is due at `nowMs` and returns everything known, fresh or carried. */
  async read(nowMs: number): Promise<VehicleReading> {
    const failures: { request: string; reason: string }[] = [];
    let sent = 0;
    let answered = 0;
    for (const request of this.profile.requests) {
      if (!this.due(request, nowMs)) continue;
      this.lastSent.set(request.id, nowMs);
      sent++;
      const result = await this.send(request);
      if (!result.ok) {
        failures.push({
          request: request.id,
          reason: result.detail ? `${result.reason}: ${result.detail}` : result.reason,
        });
        // The first request unanswered: the car is asleep. Ask nothing more.
        if (answered === 0 && !request.optional && (result.reason === 'no-data' || result.reason === 'error')) {
          return { timeMs: nowMs, asleep: true, values: {}, flags: {}, sent, failures };
        }
        continue;
      }
      answered++;
      const values = new Map<string, number | boolean>();
      for (const [i, signal] of this.profile.signals.entries()) {
        if (signal.request !== request.id) continue;
        const value = decodeSignal(signal, result.payload);
        if (value !== undefined) values.set(String(i), value);
      }
      this.cache.set(request.id, { timeMs: nowMs, values });
    }
    for (const pid of this.standardFallbacks) {
      sent++;
      const result = await this.elm.request({ service: 0x01, pid: [pid] });
      if (result.ok) {
        answered++;
        const standard = getStandardPid(pid);
        this.cache.set(`std-${pid}`, {
          timeMs: nowMs,
          values: new Map([[`std-${pid}`, standard.decode(result.payload.slice(2))]]),
        });
      } else {
        failures.push({ request: `01${pid.toString(16).padStart(2, '0')}`, reason: result.reason });
      }
    }
    if (answered === 0 && sent > 0) return { timeMs: nowMs, asleep: true, values: {}, flags: {}, sent, failures };
    return { timeMs: nowMs, asleep: false, ...this.merge(nowMs), sent, failures };
  }

  /** Everything cached that is still fresh: three read intervals (and at least 5 s). */
  private merge(nowMs: number): Pick<VehicleReading, 'values' | 'flags'> {
    const sums = new Map<Quantity, { sum: number; n: number }>();
    // Fallback fields (one the car fills instead of another in some markets) count only when nothing else does.
    const fallbacks = new Map<Quantity, { sum: number; n: number }>();
    const flags: Partial<Record<Flag, boolean>> = {};
    const fresh = (requestId: string, everyS: number | undefined) => {
      const cached = this.cache.get(requestId);
      return cached !== undefined && nowMs - cached.timeMs <= Math.max(5, 3 * (everyS ?? 1)) * 1000
        ? cached
        : undefined;
    };
    const add = (quantity: Quantity, value: number, into = sums) => {
      const acc = into.get(quantity) ?? { sum: 0, n: 0 };
      acc.sum += value;
      acc.n++;
      into.set(quantity, acc);
    };
    for (const request of this.profile.requests) {
      const cached = fresh(request.id, request.everyS);
      if (!cached) continue;
      for (const [i, signal] of this.profile.signals.entries()) {
        const value = cached.values.get(String(i));
        if (value === undefined || signal.request !== request.id) continue;
        if (isFlagSignal(signal)) flags[signal.flag] = flags[signal.flag] === true || value === true;
        else add(signal.quantity, value as number, signal.fallback ? fallbacks : sums);
      }
    }
    for (const pid of this.standardFallbacks) {
      const cached = fresh(`std-${pid}`, undefined);
      const value = cached?.values.get(`std-${pid}`);
      if (typeof value === 'number') add(STANDARD_QUANTITY[getStandardPid(pid).quantity]!, value);
    }
    for (const [quantity, acc] of fallbacks) if (!sums.has(quantity)) sums.set(quantity, acc);
    const values: Partial<Record<Quantity, number>> = {};
    for (const [quantity, { sum, n }] of sums) values[quantity] = sum / n;
    return { values, flags };
  }
}

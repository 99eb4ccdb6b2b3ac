/**
 * `smartcharge simulate`: a fleet of virtual C2s in simulated vehicles, feeding a SmartCharge
 * server (over HTTP or MQTT) or writing NDJSON files (uplink batches and ground truth).
 * Against a server, each vehicle and its device are first registered through the operator API.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FleetRunner,
  HttpUplinkTransport,
  MqttUplinkTransport,
  NdjsonUplinkTransport,
  NdjsonWriter,
  buildFleet,
  truthToNdjson,
  type FleetProgress,
  type FleetVehicle,
  type ProgramId,
  type UplinkTransport,
} from '@smartcharge/device';
import type { DeviceCredential } from '@smartcharge/protocol';
import { findLockHolder } from '../db/data-dir-lock.js';
import { AppError } from '../errors.js';

export interface SimulateOptions {
  readonly vehicles: number;
  /** Days of history; undefined: from --start to --end, or 7 without --start. */
  readonly days: number | undefined;
  /** ISO 8601 instant the history begins (undefined: --days before the end). */
  readonly start?: string | undefined;
  /** ISO 8601 instant the history ends (undefined: now): with a seed, it fixes the whole output. */
  readonly end?: string | undefined;
  readonly program: ProgramId;
  readonly seed: number;
  readonly to: string;
  readonly server: string | undefined;
  readonly adminToken: string | undefined;
  readonly dataDir: string;
  readonly speed: 'fast' | 'realtime';
  readonly truth: string | undefined;
  readonly json: boolean;
  readonly maxAgeDays: number;
}

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 7;
/** A date (midnight UTC), or a date and time with Z or an offset: never a local time, which would differ by machine. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseInstant(flag: string, text: string): number {
  const ms = ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new AppError(
      'invalid_input',
      `${flag} ${text}: expected an ISO 8601 time with its zone, e.g. 2026-11-01T00:00:00Z (or a date, 2026-11-01, for midnight UTC).`,
    );
  }
  // Whole seconds, like the readings.
  return Math.floor(ms / 1000) * 1000;
}

/**
 * The simulated period, from any two of --start, --end and --days (or one of them, or none): it ends
 * at --end, or --days after --start, or now; it begins at --start, or --days (default 7) before the end.
 */
export function simulationPeriod(
  options: Pick<SimulateOptions, 'days' | 'start' | 'end'>,
  nowMs: number,
): { readonly startMs: number; readonly endMs: number; readonly days: number } {
  const startMs = options.start === undefined ? undefined : parseInstant('--start', options.start);
  let endMs: number;
  if (options.end !== undefined) endMs = parseInstant('--end', options.end);
  else if (startMs !== undefined && options.days !== undefined) endMs = startMs + options.days * DAY_MS;
  else endMs = Math.floor(nowMs / 1000) * 1000;
  if (startMs === undefined) {
    const days = options.days ?? DEFAULT_DAYS;
    return { startMs: endMs - days * DAY_MS, endMs, days };
  }
  if (startMs >= endMs) {
    throw new AppError(
      'invalid_input',
      `--start ${options.start} is not before the end (${new Date(endMs).toISOString()}): the period would be empty.`,
    );
  }
  const days = (endMs - startMs) / DAY_MS;
  if (options.days !== undefined && options.days !== days) {
    throw new AppError(
      'invalid_input',
      `--days ${options.days} disagrees with --start and --end, ${days} days apart: give two of the three.`,
    );
  }
  return { startMs, endMs, days };
}

type Target =
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'mqtt'; readonly url: string; readonly server: string }
  | { readonly kind: 'file'; readonly path: string };

export function parseTarget(to: string, server: string | undefined): Target {
  if (/^https?:\/\//i.test(to)) return { kind: 'http', url: to.replace(/\/+$/, '') };
  if (/^mqtts?:\/\//i.test(to))
    return { kind: 'mqtt', url: to, server: (server ?? 'http://127.0.0.1:8080').replace(/\/+$/, '') };
  if (/^[a-z]+:\/\//i.test(to)) {
    throw new AppError(
      'invalid_input',
      `--to ${to}: expected http(s)://… (a SmartCharge server), mqtt://… (a broker) or a file path.`,
    );
  }
  return { kind: 'file', path: to };
}

/** Whether two URLs name the same server (127.0.0.1, localhost and [::1] are one machine). */
function sameServer(a: string, b: string): boolean {
  const loopback = (host: string) => (['localhost', '127.0.0.1', '[::1]'].includes(host) ? '127.0.0.1' : host);
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return x.protocol === y.protocol && x.port === y.port && loopback(x.hostname) === loopback(y.hostname);
  } catch {
    return false;
  }
}

/** The operator token: given, in the environment, or the running server's on this data folder. */
async function operatorToken(options: SimulateOptions, serverUrl: string): Promise<string> {
  if (options.adminToken) return options.adminToken;
  const holder = await findLockHolder(options.dataDir);
  // That server's token goes to that server only, never to another --to.
  if (holder?.admin_token && holder.http_url && sameServer(holder.http_url, serverUrl)) return holder.admin_token;
  throw new AppError(
    'unauthenticated',
    `To register simulated devices with ${serverUrl} (--to, or --server with an MQTT target), give the operator token: ` +
      '--admin-token or SMARTCHARGE_ADMIN_TOKEN ' +
      '(a server started with `npm start` on this folder is found by itself).',
  );
}

async function operatorCall(
  serverUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(`${serverUrl}/api/v1/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new AppError(
      'unavailable',
      `Cannot reach the SmartCharge server at ${serverUrl}: ${(error as Error).message}`,
    );
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 401) throw new AppError('unauthenticated', `${serverUrl} refused the operator token.`);
  return { status: response.status, json };
}

/** Registers the vehicle and its device (which must not exist yet: see refuseExisting). */
async function register(
  serverUrl: string,
  token: string,
  vehicle: FleetVehicle,
  program: ProgramId,
): Promise<DeviceCredential> {
  const serial = vehicle.spec.serial;
  const created = await operatorCall(serverUrl, token, 'POST', '/vehicles', {
    make: vehicle.spec.model.make,
    model: vehicle.spec.model.model,
    modelYear: vehicle.spec.modelYear,
    variant: vehicle.spec.variant.name,
    program,
  });
  if (created.status !== 201) {
    throw new AppError('internal', `Could not register a vehicle: ${JSON.stringify(created.json)}`);
  }
  const provisioned = await operatorCall(serverUrl, token, 'POST', '/devices', { serial, vehicleId: created.json.id });
  if (provisioned.status !== 201) {
    throw new AppError('internal', `Could not provision ${serial}: ${JSON.stringify(provisioned.json)}`);
  }
  return { serial, secret: String(provisioned.json.secret) };
}

/**
 * A second run of one seed would send each device a second, different history over the same
 * days, interleaved with the first: nonsense for trips and sessions. Refuse before touching anything.
 */
async function refuseExisting(
  serverUrl: string,
  token: string,
  fleet: readonly FleetVehicle[],
  seed: number,
): Promise<void> {
  const existing: string[] = [];
  for (const vehicle of fleet) {
    const serial = vehicle.spec.serial;
    const found = await operatorCall(serverUrl, token, 'GET', `/devices/${encodeURIComponent(serial)}`);
    if (found.status === 200) existing.push(serial);
    else if (found.status !== 404) {
      throw new AppError('internal', `Could not look up ${serial}: ${JSON.stringify(found.json)}`);
    }
  }
  if (existing.length > 0) {
    throw new AppError(
      'conflict',
      `${existing.length} of these devices (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}) already ` +
        `have a simulated history on ${serverUrl} from an earlier run of seed ${seed}; a second history over the same days ` +
        'would overlap it. Choose another --seed.',
    );
  }
}

/** A progress line on standard error: a bar on a terminal, a line every few seconds otherwise. */
function progressReporter(enabled: boolean) {
  const started = performance.now();
  let lastPrint = 0;
  const tty = process.stderr.isTTY === true;
  return {
    update(p: FleetProgress, force = false) {
      if (!enabled) return;
      const now = performance.now();
      if (!force && now - lastPrint < (tty ? 200 : 5000)) return;
      lastPrint = now;
      const share = p.vehicleDaysTotal > 0 ? Math.min(1, p.vehicleDaysDone / p.vehicleDaysTotal) : 1;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? p.vehicleDaysDone / seconds : 0;
      const eta = rate > 0 ? (p.vehicleDaysTotal - p.vehicleDaysDone) / rate : 0;
      const width = 28;
      const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
      const line =
        `${bar} ${(share * 100).toFixed(1).padStart(5)}%  ${p.vehicleDaysDone.toFixed(0)}/${p.vehicleDaysTotal.toFixed(0)} vehicle-days` +
        `  ${p.records.toLocaleString('en-US')} records  ${rate.toFixed(1)} vehicle-days/s  ETA ${eta < 1 ? '–' : `${Math.ceil(eta)} s`}`;
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    },
    done() {
      if (enabled && tty) process.stderr.write('\n');
    },
  };
}

/** Opens an output file before the simulation starts, so that a wrong path is one clear error. */
async function openOutput(file: string): Promise<WriteStream> {
  const stream = createWriteStream(file);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new AppError('invalid_input', `Cannot write ${file}: ${(error as Error).message}`);
  }
  return stream;
}

/** Why nothing accepts TCP connections at the URL's host and port, or undefined when something does. */
function unreachable(url: string, defaultPort: number, timeoutMs: number): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort) });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`no answer within ${timeoutMs} ms`);
    });
    socket.once('error', (error) => resolve(error.message));
  });
}

/**
 * Before a long run, make sure the broker answers: otherwise every upload would retry with
 * growing back-off and the run would crawl without saying why.
 */
async function checkBroker(
  url: string,
  serial: string,
  transports: ReadonlyMap<string, UplinkTransport>,
): Promise<void> {
  const transport = transports.get(serial);
  if (!(transport instanceof MqttUplinkTransport)) return;
  try {
    await transport.connectOnce(5000);
  } catch (error) {
    throw new AppError('unavailable', `Cannot reach the MQTT broker at ${url}: ${(error as Error).message}`);
  }
}

export interface SimulateSummary {
  readonly vehicles: number;
  readonly days: number;
  /** The simulated period (UTC ms). */
  readonly startMs: number;
  readonly endMs: number;
  readonly program: ProgramId;
  readonly seed: number;
  readonly records: number;
  readonly pendingRecords: number;
  /** Readings the server refused for good (it said why: lastRefusal). */
  readonly refusedRecords: number;
  readonly lastRefusal: string | undefined;
  readonly seconds: number;
  readonly to: string;
  readonly truth: string | undefined;
}

export async function runSimulate(options: SimulateOptions, signal?: AbortSignal): Promise<SimulateSummary> {
  const target = parseTarget(options.to, options.server);
  const nowMs = Date.now();
  const { startMs, endMs, days } = simulationPeriod(options, nowMs);
  if (options.speed === 'realtime' && options.end !== undefined) {
    throw new AppError(
      'invalid_input',
      `--end ${options.end} with --speed realtime: live driving follows the wall clock from now; leave out --end.`,
    );
  }
  if (target.kind !== 'file' && nowMs - startMs > options.maxAgeDays * DAY_MS) {
    throw new AppError(
      'invalid_input',
      `${options.start === undefined ? `--days ${days}` : `--start ${options.start}`}: the server refuses records older ` +
        `than ${options.maxAgeDays} days (INGEST_MAX_AGE_DAYS).`,
    );
  }
  const fleet = buildFleet({ program: options.program, vehicles: options.vehicles, seed: options.seed, startMs });

  const closers: (() => Promise<void>)[] = [];
  let transports: Map<string, UplinkTransport>;
  let truthPath = options.truth;
  if (target.kind === 'file') {
    const batches = new NdjsonWriter(await openOutput(target.path));
    closers.push(() => batches.end());
    const transport = new NdjsonUplinkTransport(batches);
    transports = new Map(fleet.map((v) => [v.spec.serial, transport]));
    truthPath ??= target.path.replace(/(\.ndjson)?$/i, '.truth.ndjson');
  } else {
    const serverUrl = target.kind === 'http' ? target.url : target.server;
    if (target.kind === 'mqtt') {
      const problem = await unreachable(target.url, 1883, 5000);
      if (problem) throw new AppError('unavailable', `Cannot reach the MQTT broker at ${target.url}: ${problem}`);
    }
    const token = await operatorToken(options, serverUrl);
    await refuseExisting(serverUrl, token, fleet, options.seed);
    // The simulator's programs are the server's presets (same slugs): their time zone, rates and grid.
    const preset = await operatorCall(serverUrl, token, 'POST', '/programs', { preset: options.program });
    if (preset.status !== 201) {
      throw new AppError('internal', `Could not set up program ${options.program}: ${JSON.stringify(preset.json)}`);
    }
    transports = new Map();
    for (const vehicle of fleet) {
      const credential = await register(serverUrl, token, vehicle, options.program);
      const transport =
        target.kind === 'http'
          ? new HttpUplinkTransport({ url: target.url, credential, timeoutMs: 30_000 })
          : new MqttUplinkTransport({ url: target.url, credential, protocolVersion: 4, timeoutMs: 30_000 });
      transports.set(vehicle.spec.serial, transport);
      closers.push(() => transport.close());
    }
    if (target.kind === 'mqtt') await checkBroker(target.url, fleet[0]!.spec.serial, transports);
  }
  let truth: ((event: Parameters<ReturnType<typeof truthToNdjson>>[0]) => void) | undefined;
  if (truthPath) {
    const writer = new NdjsonWriter(await openOutput(truthPath));
    for (const vehicle of fleet) {
      writer.writeNow({
        type: 'vehicle',
        serial: vehicle.spec.serial,
        model_id: vehicle.spec.model.id,
        make: vehicle.spec.model.make,
        model: vehicle.spec.model.model,
        variant: vehicle.spec.variant.name,
        model_year: vehicle.spec.modelYear,
        powertrain: vehicle.spec.model.powertrain,
        usable_kwh_new: vehicle.spec.variant.usableBatteryKwh,
        region: vehicle.region,
        home_charging: vehicle.spec.persona.homeCharging,
        dc_heavy: vehicle.spec.persona.dcHeavy,
        off_peak_start_hour: vehicle.spec.persona.offPeakStartHour ?? null,
      });
    }
    truth = truthToNdjson(writer);
    closers.push(() => writer.end());
  }

  const runner = new FleetRunner(
    fleet,
    { transportFor: (vehicle) => transports.get(vehicle.spec.serial)!, ...(truth ? { truth } : {}) },
    // Each run powers the devices up anew: a boot id from the clock (as unique as a random one, and
    // telling when the run began). A history goes in full hours per batch (3,600 readings): fewer
    // batches, well within a server's per-device rate limit.
    { device: { firstBoot: endMs / 1000, batchRecords: 3600 } },
  );
  const progress = progressReporter(!options.json);
  const started = performance.now();
  try {
    await runner.run({
      untilMs: endMs,
      uploads: 'backfill',
      onProgress: (p) => progress.update(p),
      ...(signal ? { signal } : {}),
    });
    if (options.speed === 'realtime') {
      // Live: keep every vehicle at the wall clock, second by second, until stopped.
      for (let ticks = 0; !signal?.aborted && ticks < Number.MAX_SAFE_INTEGER; ticks++) {
        const now = Date.now();
        await runner.run({
          untilMs: now,
          stepMs: 1000,
          onProgress: (p) => progress.update(p),
          ...(signal ? { signal } : {}),
        });
        await sleep(1000);
      }
    }
    // The last uploads happen at the end of the period (a device may reboot then): not the wall clock, so
    // that a fixed --end gives the same file every time.
    const pending = await runner.flushAll(32, options.speed === 'realtime' ? Date.now() : endMs);
    progress.done();
    const refused = runner.refused;
    return {
      refusedRecords: refused.records,
      lastRefusal: refused.lastReason,
      vehicles: options.vehicles,
      days,
      startMs,
      endMs,
      program: options.program,
      seed: options.seed,
      records: runner.recordsProduced,
      pendingRecords: pending,
      seconds: (performance.now() - started) / 1000,
      to: options.to,
      truth: truthPath,
    };
  } finally {
    for (const close of closers) await close();
  }
}

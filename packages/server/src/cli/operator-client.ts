/**
 * How CLI commands reach the platform. PGlite admits one process per data folder, so:
 *   - DATABASE_URL set: open PostgreSQL directly (any number of processes may).
 *   - a server holds the folder: go through its operator API (URL and token from its lock file).
 *   - the folder is free: take it, open PGlite, run the services in this process.
 * Both paths return the same JSON shapes.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { AccountRole, ZCreateAccountSchema } from '../accounts/index.js';
import { CLI_OPERATOR } from '../actor.js';
import type { Config } from '../config.js';
import { DataDirBusyError, findLockHolder, type LockInfo } from '../db/data-dir-lock.js';
import { migrate, type MigrationReport } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import type { DeviceStatus, ZProvisionDeviceSchema } from '../devices/index.js';
import { AppError, type ErrorCode } from '../errors.js';
import { platformJobs, Scheduler } from '../jobs/index.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { createServices, type Services } from '../services.js';
import type { TCreateVehicle } from '../vehicles/index.js';

/** Plain JSON, as it would come over HTTP. */
export type Json = Record<string, unknown>;

export interface OperatorClient {
  /** Says where the command ran, for people. */
  readonly via: string;
  migrate(): Promise<MigrationReport & { readonly ranBy: 'this command' | 'the running server' }>;
  provisionDevice(input: z.input<typeof ZProvisionDeviceSchema>): Promise<Json>;
  getDevice(serial: string): Promise<Json>;
  listDevices(filter: { status?: DeviceStatus; afterId?: number; limit?: number }): Promise<Json[]>;
  revokeCredential(serial: string, note?: string): Promise<Json>;
  rotateCredential(serial: string, graceSeconds: number): Promise<Json>;
  setStatus(serial: string, status: DeviceStatus, note?: string): Promise<Json>;
  assignVehicle(serial: string, vehicleId: number | null): Promise<Json>;
  createVehicle(input: TCreateVehicle): Promise<Json>;
  listVehicles(page: { afterId?: number; limit?: number }): Promise<Json[]>;
  listPrograms(): Promise<Json[]>;
  ensurePreset(preset: string): Promise<Json>;
  rebuild(options: { vehicleId?: number; from?: string }): Promise<Json>;
  createAccount(input: z.input<typeof ZCreateAccountSchema>): Promise<Json>;
  listAccounts(filter: AccountFilter): Promise<Json[]>;
  listJobs(): Promise<Json[]>;
  /** Runs one scheduled job now: { name, status: 'ok' | 'failed' | 'skipped', summary?, error? }. */
  runJob(name: string): Promise<Json>;
  close(): Promise<void>;
}

export interface AccountFilter {
  readonly role?: AccountRole;
  readonly utility?: string;
  readonly afterId?: number;
  readonly limit?: number;
}

function toJson<T>(value: T): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

class DirectClient implements OperatorClient {
  private scheduler: Scheduler | undefined;

  constructor(
    readonly via: string,
    private readonly services: Services,
    private readonly migrations: MigrationReport,
    private readonly closeDb: () => Promise<void>,
  ) {}

  migrate() {
    return Promise.resolve({ ...this.migrations, ranBy: 'this command' as const });
  }
  async provisionDevice(input: z.input<typeof ZProvisionDeviceSchema>) {
    return toJson(await this.services.devices.provisionDevice(CLI_OPERATOR, input));
  }
  async getDevice(serial: string) {
    return toJson(await this.services.devices.getDevice(CLI_OPERATOR, serial));
  }
  async listDevices(filter: { status?: DeviceStatus; afterId?: number; limit?: number }) {
    return (await this.services.devices.listDevices(CLI_OPERATOR, filter)).map(toJson);
  }
  async revokeCredential(serial: string, note?: string) {
    return toJson(await this.services.devices.revokeCredential(CLI_OPERATOR, serial, note));
  }
  async rotateCredential(serial: string, graceSeconds: number) {
    return toJson(await this.services.devices.rotateCredential(CLI_OPERATOR, serial, { graceSeconds }));
  }
  async setStatus(serial: string, status: DeviceStatus, note?: string) {
    return toJson(await this.services.devices.setStatus(CLI_OPERATOR, serial, { status, ...(note ? { note } : {}) }));
  }
  async assignVehicle(serial: string, vehicleId: number | null) {
    return toJson(await this.services.devices.assignVehicle(CLI_OPERATOR, serial, vehicleId));
  }
  async createVehicle(input: TCreateVehicle) {
    return toJson(await this.services.vehicles.createVehicle(CLI_OPERATOR, input));
  }
  async listPrograms() {
    return (await this.services.programs.listPrograms(CLI_OPERATOR)).map(toJson);
  }
  async ensurePreset(preset: string) {
    return toJson(await this.services.programs.ensurePreset(CLI_OPERATOR, preset));
  }
  async rebuild(options: { vehicleId?: number; from?: string }) {
    const started = performance.now();
    let lastPrint = 0;
    const result = await this.services.derive.rebuild(
      CLI_OPERATOR,
      {
        ...(options.vehicleId ? { vehicleId: options.vehicleId } : {}),
        ...(options.from ? { from: new Date(options.from) } : {}),
      },
      (p) => {
        // Progress on stderr (stdout stays the result), at most twice a second.
        const now = performance.now();
        if (p.vehiclesDone < p.vehiclesTotal && now - lastPrint < 500) return;
        lastPrint = now;
        process.stderr.write(
          `rebuild: ${p.vehiclesDone}/${p.vehiclesTotal} vehicles, ${p.readings.toLocaleString('en-US')} readings\n`,
        );
      },
    );
    return toJson({ ...result, seconds: (performance.now() - started) / 1000 });
  }
  async listVehicles(page: { afterId?: number; limit?: number }) {
    return (await this.services.vehicles.listVehicles(CLI_OPERATOR, page)).map(toJson);
  }
  async createAccount(input: z.input<typeof ZCreateAccountSchema>) {
    return toJson(await this.services.accounts.createAccount(CLI_OPERATOR, input));
  }
  async listAccounts(filter: AccountFilter) {
    return (await this.services.accounts.listAccounts(CLI_OPERATOR, filter)).map(toJson);
  }
  async listJobs() {
    return (await this.jobs().list()).map(toJson);
  }
  async runJob(name: string) {
    return toJson(await this.jobs().runNow(name));
  }
  /** The platform's jobs, run in this process: leases in the database keep servers from running them at the same time. */
  private jobs(): Scheduler {
    this.scheduler ??= new Scheduler(this.services.db, platformJobs(this.services), {
      instance: `cli:${hostname()}:${process.pid}`,
      log: createLogger('silent'),
    });
    return this.scheduler;
  }
  async close() {
    await this.services.writer.close();
    await this.services.derive.close();
    await this.closeDb();
  }
}

class RemoteClient implements OperatorClient {
  readonly via: string;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {
    this.via = `the running server at ${baseUrl}`;
  }

  /** A call to the operator API (/api/v1/admin), or with `api`, to the rest of /api/v1 with the operator token. */
  private async call(method: string, path: string, body?: unknown, api = '/api/v1/admin'): Promise<Json> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new AppError('unavailable', `Cannot reach ${this.via}: ${(error as Error).message}`);
    }
    const payload = (await response.json().catch(() => ({}))) as Json & {
      error?: { code?: ErrorCode; message?: string; details?: { field: string; message: string }[] };
    };
    if (!response.ok) {
      throw new AppError(
        payload.error?.code ?? 'internal',
        payload.error?.message ?? `${this.via} answered ${response.status}`,
        payload.error?.details ? { details: payload.error.details } : undefined,
      );
    }
    return payload;
  }

  async migrate() {
    const report = (await this.call('GET', '/migrations')) as unknown as MigrationReport;
    return { ...report, ranBy: 'the running server' as const };
  }
  provisionDevice(input: z.input<typeof ZProvisionDeviceSchema>) {
    return this.call('POST', '/devices', input);
  }
  getDevice(serial: string) {
    return this.call('GET', `/devices/${encodeURIComponent(serial)}`);
  }
  async listDevices(filter: { status?: DeviceStatus; afterId?: number; limit?: number }) {
    const query = new URLSearchParams();
    if (filter.status) query.set('status', filter.status);
    if (filter.afterId !== undefined) query.set('after', String(filter.afterId));
    if (filter.limit !== undefined) query.set('limit', String(filter.limit));
    return (await this.call('GET', `/devices?${query.toString()}`)).devices as Json[];
  }
  revokeCredential(serial: string, note?: string) {
    return this.call('POST', `/devices/${encodeURIComponent(serial)}/revoke`, note ? { note } : {});
  }
  rotateCredential(serial: string, graceSeconds: number) {
    return this.call('POST', `/devices/${encodeURIComponent(serial)}/rotate`, { graceSeconds });
  }
  setStatus(serial: string, status: DeviceStatus, note?: string) {
    return this.call('POST', `/devices/${encodeURIComponent(serial)}/status`, { status, ...(note ? { note } : {}) });
  }
  assignVehicle(serial: string, vehicleId: number | null) {
    return this.call('PUT', `/devices/${encodeURIComponent(serial)}/vehicle`, { vehicleId });
  }
  createVehicle(input: TCreateVehicle) {
    return this.call('POST', '/vehicles', input);
  }
  async listVehicles(page: { afterId?: number; limit?: number }) {
    const query = new URLSearchParams();
    if (page.afterId !== undefined) query.set('after', String(page.afterId));
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    return (await this.call('GET', `/vehicles?${query.toString()}`)).vehicles as Json[];
  }
  async listPrograms() {
    return (await this.call('GET', '/programs')).programs as Json[];
  }
  ensurePreset(preset: string) {
    return this.call('POST', '/programs', { preset });
  }
  async rebuild(options: { vehicleId?: number; from?: string }) {
    if (options.vehicleId !== undefined) return this.call('POST', '/rebuild', options);
    // Vehicle by vehicle, so a long rebuild shows progress and no request runs for minutes.
    const ids: number[] = [];
    for (let page = await this.listVehicles({ limit: 1000 }); page.length > 0;) {
      ids.push(...page.map((v) => v.id as number));
      page = page.length < 1000 ? [] : await this.listVehicles({ afterId: ids.at(-1)!, limit: 1000 });
    }
    const started = performance.now();
    let readings = 0;
    const results: Json[] = [];
    for (const [i, vehicleId] of ids.entries()) {
      const one = await this.call('POST', '/rebuild', { ...options, vehicleId });
      readings += one.readings as number;
      results.push(...(one.results as Json[]));
      process.stderr.write(`rebuild: ${i + 1}/${ids.length} vehicles, ${readings.toLocaleString('en-US')} readings\n`);
    }
    return { vehicles: ids.length, readings, results, seconds: (performance.now() - started) / 1000 };
  }
  createAccount(input: z.input<typeof ZCreateAccountSchema>) {
    return this.call('POST', '/accounts', input, '/api/v1');
  }
  async listAccounts(filter: AccountFilter) {
    const query = new URLSearchParams();
    if (filter.role) query.set('role', filter.role);
    if (filter.utility) query.set('utility', filter.utility);
    if (filter.afterId !== undefined) query.set('after', String(filter.afterId));
    if (filter.limit !== undefined) query.set('limit', String(filter.limit));
    return (await this.call('GET', `/accounts?${query.toString()}`, undefined, '/api/v1')).accounts as Json[];
  }
  async listJobs() {
    return (await this.call('GET', '/jobs', undefined, '/api/v1')).jobs as Json[];
  }
  async runJob(name: string) {
    const answer = await this.call('POST', `/jobs/${encodeURIComponent(name)}/run`, undefined, '/api/v1');
    const [result] = answer.results as Json[];
    // The server ran its due jobs and this one was not among them: another process held it.
    return result ?? { name, status: 'skipped' };
  }
  close() {
    return Promise.resolve();
  }
}

async function serverAnswers(holder: LockInfo): Promise<boolean> {
  if (!holder.http_url) return false;
  try {
    const response = await fetch(`${holder.http_url}/healthz`, { signal: AbortSignal.timeout(3000) });
    const body = (await response.json()) as { instance?: string };
    return body.instance === holder.instance;
  } catch {
    return false;
  }
}

async function openDirect(config: Config, command: string): Promise<OperatorClient> {
  const opened = await openDatabase(config, { role: 'cli', command });
  try {
    const migrations = await migrate(opened.db);
    const services = await createServices(opened.db, config, {
      log: createLogger('silent'),
      metrics: createMetrics({ defaultMetrics: false }),
    });
    return new DirectClient(opened.db.description, services, migrations, () => opened.close());
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/** Connects to the platform as an operator, the right way for the current settings. */
export async function connectOperator(config: Config, command: string): Promise<OperatorClient> {
  if (config.databaseUrl) return openDirect(config, command);
  // Another CLI command may hold the folder for a moment; a server holds it for long.
  for (let attempt = 0; ; attempt++) {
    const holder = await findLockHolder(config.dataDir);
    if (holder?.role === 'server' && holder.http_url && holder.admin_token && (await serverAnswers(holder))) {
      return new RemoteClient(holder.http_url, holder.admin_token);
    }
    try {
      return await openDirect(config, command);
    } catch (error) {
      if (!(error instanceof DataDirBusyError) || attempt >= 20) throw error;
      // A server still starting (not yet listening) or another command: wait a little.
      await sleep(500);
    }
  }
}

/**
 * The demo `npm start` sets up on an empty database: both seed programs, an operator, an Alectra
 * administrator and a driver (credentials printed once and kept in the data folder), a fleet of
 * simulated vehicles enrolled through the real application flow, and their history, sent through
 * the real uplink and derived like any device's. When the history is in, the fleet keeps driving
 * and charging live, second by second.
 *
 * The enrollment steps are played at the dates of the history (a services instance whose clock
 * starts before it), so the driver's rewards ledger holds the months the history covers.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  buildFleet,
  FleetRunner,
  HttpUplinkTransport,
  type FleetVehicle,
  type UplinkTransport,
} from '@smartcharge/device';
import { SYSTEM, type Actor } from '../actor.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { createServices, type Services } from '../services.js';

export const DEMO_PROGRAM = 'alectra';
const DEMO_UTILITY = 'Alectra Utilities';
const DAY_MS = 86_400_000;
const DEMO_SEED = 1;
/** What a restart needs to rebuild the same fleet: kept in the data folder beside the credentials. */
const FLEET_FILE = 'demo-fleet.json';

interface FleetFile {
  readonly startMs: number;
  readonly vehicles: number;
  readonly seed: number;
}

function demoFleet(file: FleetFile): FleetVehicle[] {
  return buildFleet({
    program: DEMO_PROGRAM,
    vehicles: file.vehicles,
    seed: file.seed,
    startMs: file.startMs,
    serialPrefix: 'DEMO',
  });
}

export interface DemoCredentials {
  readonly driver: { readonly email: string; readonly password: string };
  readonly admin: { readonly email: string; readonly password: string };
  readonly operator: { readonly email: string; readonly password: string };
}

export interface DemoStatus {
  readonly state: 'preparing' | 'filling' | 'live' | 'stopped' | 'failed';
  readonly vehicles: number;
  readonly days: number;
  /** 0–1: how much of the history is in. */
  readonly progress: number;
  readonly records: number;
  readonly message?: string;
}

export interface Demo {
  readonly credentials: DemoCredentials;
  status(): DemoStatus;
  stop(): Promise<void>;
}

const password = () => randomBytes(9).toString('base64url');
/** A well-formed, obviously made-up VIN (no I, O or Q). */
const demoVin = (i: number) => `SCDEM${String(i + 1).padStart(12, '0')}`;

/** Whether the database is empty enough for a demo: no programs and no accounts yet. */
export async function isEmptyForDemo(services: Services): Promise<boolean> {
  const programs = await services.programs.listProgramsInternal();
  const accounts = await services.accounts.listAccounts(SYSTEM, { limit: 1 });
  return programs.length === 0 && accounts.length === 0;
}

export async function readDemoCredentials(dataDir: string): Promise<DemoCredentials | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;
  } catch {
    return undefined;
  }
}

/**
 * Creates the demo and starts its fleet. Returns once accounts and programs exist (a second or
 * two); the history fills in behind.
 */
export async function startDemo(
  services: Services,
  options: { config: Config; serverUrl: string; log: Logger; clock?: () => Date },
): Promise<Demo> {
  const { config, log } = options;
  const now = options.clock ?? (() => new Date());
  const endMs = Math.floor(now().getTime() / 1000) * 1000;
  const startMs = endMs - config.demoDays * DAY_MS;
  const credentials: DemoCredentials = {
    driver: { email: 'driver@demo.smartcharge.test', password: password() },
    admin: { email: 'admin@alectra.demo.smartcharge.test', password: password() },
    operator: { email: 'operator@demo.smartcharge.test', password: password() },
  };

  const status: DemoStatus = {
    state: 'preparing',
    vehicles: config.demoVehicles,
    days: config.demoDays,
    progress: 0,
    records: 0,
  };

  // Enrollment at the history's dates: the same services over the same database, on a clock that
  // the steps below move forward (applied, approved, shipped, installed before the first day).
  let demoNowMs = startMs - 3 * DAY_MS;
  const past = await createServices(
    services.db,
    { ...config, deriveLive: false, mailDir: path.join(config.dataDir, 'mail') },
    // Quiet: the set-up's own mails and events would fill the console.
    { log: log.child({}, { level: 'warn' }), metrics: createMetrics(), clock: () => new Date(demoNowMs) },
  );

  await past.programs.ensurePreset(SYSTEM, DEMO_PROGRAM);
  await past.programs.ensurePreset(SYSTEM, 'mississippi-power');
  await past.accounts.createAccount(SYSTEM, {
    email: credentials.operator.email,
    name: 'Olivia Operator',
    role: 'operator',
    password: credentials.operator.password,
  });
  const admin = await past.accounts.createAccount(SYSTEM, {
    email: credentials.admin.email,
    name: 'Alex Administrator',
    role: 'program_admin',
    utility: DEMO_UTILITY,
    password: credentials.admin.password,
  });
  const adminActor: Actor = { kind: 'program_admin', accountId: admin.id, utility: DEMO_UTILITY };

  const fleetFile: FleetFile = { startMs, vehicles: config.demoVehicles, seed: DEMO_SEED };
  const fleet = demoFleet(fleetFile);
  const transports = new Map<string, UplinkTransport>();
  const names = [
    'Dana Driver',
    'Sam Singh',
    'Lee Chen',
    'Ana Costa',
    'Jo Martin',
    'Kim Nguyen',
    'Ravi Patel',
    'Eve Roy',
  ];
  for (const [i, vehicle] of fleet.entries()) {
    const serial = vehicle.spec.serial;
    const isDriver = i === 0;
    const email = isDriver ? credentials.driver.email : `participant${i}@demo.smartcharge.test`;
    const account = await past.accounts.createAccount(SYSTEM, {
      email,
      name: names[i % names.length]!,
      role: 'driver',
      password: isDriver ? credentials.driver.password : password(),
    });
    const driver: Actor = { kind: 'driver', accountId: account.id };
    const secret = await enroll(past, vehicle, i, driver, adminActor, (ms) => (demoNowMs = ms), startMs);
    transports.set(
      serial,
      new HttpUplinkTransport({ url: options.serverUrl, credential: { serial, secret }, timeoutMs: 30_000 }),
    );
  }
  // Two applications waiting for the administrator.
  demoNowMs = endMs - 2 * DAY_MS;
  await pendingApplication(
    past,
    'Mia Lopez',
    'mia@demo.smartcharge.test',
    { make: 'Nissan', model: 'Leaf', modelYear: 2020 },
    101,
  );
  await pendingApplication(
    past,
    'Tom Brown',
    'tom@demo.smartcharge.test',
    { make: 'Chevrolet', model: 'Bolt EV', modelYear: 2019 },
    102,
  );
  await past.writer.close();
  await past.derive.close();

  await mkdir(config.dataDir, { recursive: true });
  await writeFile(path.join(config.dataDir, 'demo-credentials.json'), `${JSON.stringify(credentials, null, 2)}\n`, {
    mode: 0o600,
  });
  await writeFile(path.join(config.dataDir, FLEET_FILE), `${JSON.stringify(fleetFile, null, 2)}\n`);
  return playFleet(fleet, transports, {
    credentials,
    status: { ...status, state: 'filling' },
    services,
    log,
    firstBootS: startMs / 1000,
    historyUntilMs: endMs,
    nowMs: () => now().getTime(),
  });
}

/**
 * The demo made by an earlier start of this data folder, driving again: the same fleet is rebuilt
 * from its seed and caught up, without sending anything, to the newest data its devices sent
 * before the restart; each device gets a new secret (only hashes are stored) and a new boot, then
 * sends what its car did while the server was down, and drives live. Undefined when the folder
 * holds no such demo (made by an older version, or not a demo at all).
 */
export async function resumeDemo(
  services: Services,
  options: { config: Config; serverUrl: string; log: Logger; clock?: () => Date },
): Promise<Demo | undefined> {
  const { config, log } = options;
  const nowMs = () => (options.clock ? options.clock().getTime() : Date.now());
  const credentials = await readDemoCredentials(config.dataDir);
  let file: FleetFile;
  try {
    file = JSON.parse(await readFile(path.join(config.dataDir, FLEET_FILE), 'utf8')) as FleetFile;
  } catch {
    return undefined;
  }
  if (!credentials) return undefined;
  const fleet = demoFleet(file);
  const transports = new Map<string, UplinkTransport>();
  let caughtUpToMs = file.startMs;
  for (const vehicle of fleet) {
    const serial = vehicle.spec.serial;
    const device = await services.devices.getDevice(SYSTEM, serial).catch(() => undefined);
    if (!device) {
      log.warn({ serial }, 'the demo device is gone: the demo fleet stays parked');
      return undefined;
    }
    // A record is never newer than its arrival: the newest arrival is where the fleet stopped.
    caughtUpToMs = Math.max(caughtUpToMs, device.lastSeenAt?.getTime() ?? file.startMs);
    const issued = await services.devices.rotateCredential(SYSTEM, serial, {});
    transports.set(
      serial,
      new HttpUplinkTransport({
        url: options.serverUrl,
        credential: { serial, secret: issued.secret },
        timeoutMs: 30_000,
      }),
    );
  }
  const days = Math.max(1, Math.round((nowMs() - file.startMs) / DAY_MS));
  return playFleet(fleet, transports, {
    credentials,
    status: { state: 'preparing', vehicles: fleet.length, days, progress: 0, records: 0 },
    services,
    log,
    firstBootS: Math.floor(nowMs() / 1000),
    historyUntilMs: nowMs(),
    nowMs,
    catchUpToMs: caughtUpToMs + 1000,
  });
}

/**
 * Plays the fleet: first, when resuming, each car's simulation is caught up to `catchUpToMs`
 * without sending anything; then the history up to `historyUntilMs` goes up in full batches;
 * then the cars drive live, second by second, until stopped.
 */
function playFleet(
  fleet: FleetVehicle[],
  transports: ReadonlyMap<string, UplinkTransport>,
  options: {
    credentials: DemoCredentials;
    status: DemoStatus;
    services: Services;
    log: Logger;
    firstBootS: number;
    historyUntilMs: number;
    /** The platform's time (live driving keeps up with it). */
    nowMs: () => number;
    catchUpToMs?: number;
  },
): Demo {
  const { services, log, nowMs } = options;
  let status = options.status;

  const abort = new AbortController();
  let runner: FleetRunner | undefined;
  const running = (async () => {
    try {
      if (options.catchUpToMs !== undefined) {
        // No devices: the readings go nowhere. In steps, yielding, so the server keeps answering.
        const silent = new FleetRunner(fleet, {});
        const fromMs = Math.min(...fleet.map((v) => v.sim.timeMs));
        for (let t = fromMs; t < options.catchUpToMs && !abort.signal.aborted;) {
          t = Math.min(options.catchUpToMs, t + 6 * 3_600_000);
          silent.advance(t);
          status = { ...status, progress: (t - fromMs) / Math.max(1, options.catchUpToMs - fromMs) };
          await sleep(0);
        }
        log.info({ until: new Date(options.catchUpToMs).toISOString() }, 'demo fleet caught up; resuming');
        status = { ...status, state: 'filling', progress: 0 };
      }
      const fleetRunner = new FleetRunner(
        fleet,
        { transportFor: (vehicle) => transports.get(vehicle.spec.serial)! },
        { device: { firstBoot: options.firstBootS, batchRecords: 3600 } },
      );
      runner = fleetRunner;
      await fleetRunner.run({
        untilMs: options.historyUntilMs,
        // Quarter-hour steps: the simulation runs on the server's thread, so it yields often.
        stepMs: 900_000,
        uploads: 'backfill',
        signal: abort.signal,
        onProgress: (p) => {
          status = {
            ...status,
            progress: p.vehicleDaysTotal > 0 ? Math.min(1, p.vehicleDaysDone / p.vehicleDaysTotal) : 1,
            records: p.records,
          };
        },
      });
      if (abort.signal.aborted) return;
      await fleetRunner.flushAll(8, nowMs());
      // The month's rewards for what the history earned (the hourly job would, within the hour).
      await services.rewards.evaluateAll().catch((error: unknown) => log.warn({ err: error }, 'demo rewards'));
      status = { ...status, state: 'live', progress: 1, records: fleetRunner.recordsProduced };
      log.info({ records: fleetRunner.recordsProduced }, 'demo history is in; the fleet now drives live');
      for (let tick = 0; !abort.signal.aborted && tick < Number.MAX_SAFE_INTEGER; tick++) {
        await fleetRunner.run({ untilMs: nowMs(), stepMs: 1000, signal: abort.signal });
        status = { ...status, records: fleetRunner.recordsProduced };
        await sleep(1000, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      status = { ...status, state: 'failed', message: (error as Error).message };
      log.error({ err: error }, 'the demo fleet stopped');
    }
  })();

  return {
    credentials: options.credentials,
    status: () => status,
    async stop() {
      abort.abort();
      await running;
      await runner?.flushAll(8, nowMs()).catch(() => undefined);
      for (const transport of transports.values()) await transport.close();
      status = { ...status, state: 'stopped' };
    },
  };
}

/** Applies, approves, ships and installs: the participant's whole start, at the history's dates. */
async function enroll(
  past: Services,
  vehicle: FleetVehicle,
  index: number,
  driver: Actor,
  admin: Actor,
  setNow: (ms: number) => void,
  startMs: number,
): Promise<string> {
  const serial = vehicle.spec.serial;
  setNow(startMs - 3 * DAY_MS + index * 60_000);
  const application = await past.enrollment.apply(driver, DEMO_PROGRAM, {
    vehicles: [
      {
        make: vehicle.spec.model.make,
        model: vehicle.spec.model.model,
        modelYear: vehicle.spec.modelYear,
        vin: demoVin(index),
        variant: vehicle.spec.variant.name,
      },
    ],
    homeAddress: {
      line1: `${10 + index} King Street`,
      city: 'Mississauga',
      region: 'ON',
      postalCode: 'L5B 1M2',
      country: 'CA',
    },
    utilityAccount: String(4_000_000_000 + index),
    ...(index % 3 === 2 ? {} : { paypalEmail: `participant${index}.paypal@demo.smartcharge.test` }),
  });
  const issued = await past.devices.provisionDevice(SYSTEM, { serial });
  const slot = application.vehicles[0]!;
  if (slot.status === 'declined') {
    // The catalog says this car cannot take part: it still drives, outside the program.
    await past.devices.assignVehicle(SYSTEM, serial, slot.vehicleId);
    return issued.secret;
  }
  setNow(startMs - 2 * DAY_MS + index * 60_000);
  await past.enrollment.approve(admin, application.id, {});
  await past.participation.shipDevice(admin, slot.id, {
    serial,
    carrier: 'Canada Post',
    trackingNumber: `CP${String(700_000_000 + index)}CA`,
  });
  setNow(startMs - DAY_MS / 2 + index * 60_000);
  await past.participation.confirmInstalled(driver, slot.id);
  return issued.secret;
}

async function pendingApplication(
  past: Services,
  name: string,
  email: string,
  vehicle: { make: string; model: string; modelYear: number },
  index: number,
): Promise<void> {
  const account = await past.accounts.createAccount(SYSTEM, { email, name, role: 'driver', password: password() });
  await past.enrollment.apply({ kind: 'driver', accountId: account.id }, DEMO_PROGRAM, {
    vehicles: [{ ...vehicle, vin: demoVin(index) }],
    homeAddress: {
      line1: `${index} Queen Street`,
      city: 'Brampton',
      region: 'ON',
      postalCode: 'L6V 1A1',
      country: 'CA',
    },
    utilityAccount: String(4_000_000_000 + index),
  });
}

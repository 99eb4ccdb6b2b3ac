/**
 * The demo `npm start` sets up on an empty database: both seed programs, an operator, an Alectra
 * administrator and a driver (credentials printed once and kept in the data folder), a fleet of
 * simulated vehicles enrolled through the real application flow, and their history, sent through
 * the real uplink and derived like any device's. When the history is in, the fleet keeps driving
 * and charging live, second by second.
 *
 * The demo tells one story: each participant applied, was approved, got the device in the post and
 * installed it at the dates of the history (a services instance whose clock is moved along), days
 * before that car's data starts; participants joined over the history (the demo driver first, so
 * theirs is the whole history); three in four are Alectra's (Ontario: km, °C, dollars), the rest
 * Mississippi Power's (miles, °F, points), each with a name of their own. The rewards the history
 * earned are recorded day by day as the hourly job would have, so each ledger entry is dated when
 * it was earned, and each device counts as heard from since it first recorded.
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
export const DEMO_MISSISSIPPI_PROGRAM = 'mississippi-power';
const DEMO_UTILITY = 'Alectra Utilities';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DEMO_SEED = 1;
/** What a restart needs to rebuild the same fleet: kept in the data folder beside the credentials. */
const FLEET_FILE = 'demo-fleet.json';
/** The fleet's layout: 2 = Alectra and Mississippi cars joining over the history (absent: all Alectra, all at once). */
const STORY = 2;

interface FleetFile {
  readonly startMs: number;
  /** All the cars, both programs. */
  readonly vehicles: number;
  readonly seed: number;
  readonly story?: number;
  /** How many of them are Mississippi Power's (story 2). */
  readonly mississippi?: number;
  /** The history's length in days (story 2: when each car joined is a share of it). */
  readonly days?: number;
}

/** One in four cars is Mississippi Power's (at least one once there are two), so its units and points are seen. */
const mississippiShare = (vehicles: number) => (vehicles >= 2 ? Math.max(1, Math.round(vehicles / 4)) : 0);

/** The Alectra cars first (DEMO-0001…, the demo driver's first), then Mississippi's (DEMO-MS-0001…). */
function demoFleet(file: FleetFile): FleetVehicle[] {
  const mississippi = file.story === undefined ? 0 : (file.mississippi ?? 0);
  const alectra = buildFleet({
    program: DEMO_PROGRAM,
    vehicles: file.vehicles - mississippi,
    seed: file.seed,
    startMs: file.startMs,
    serialPrefix: 'DEMO',
  });
  if (mississippi === 0) return alectra;
  return [
    ...alectra,
    ...buildFleet({
      program: DEMO_MISSISSIPPI_PROGRAM,
      vehicles: mississippi,
      seed: file.seed,
      startMs: file.startMs,
      serialPrefix: 'DEMO-MS',
      // The program takes battery and plug-in hybrid cars (the simulator also knows fuel cells).
      powertrains: ['BEV', 'PHEV'],
    }),
  ];
}

/** Who drives each car of the fleet: their program, name, when their data starts, where they live. */
interface Participant {
  readonly program: typeof DEMO_PROGRAM | typeof DEMO_MISSISSIPPI_PROGRAM;
  /** Index within the program's cars. */
  readonly index: number;
  readonly name: string;
  readonly email: string;
  /** When the device, installed just before, recorded first (the car drove before, outside the program). */
  readonly joinMs: number;
}

const ALECTRA_NAMES = [
  'Dana Driver',
  'Sam Singh',
  'Lee Chen',
  'Ana Costa',
  'Jo Martin',
  'Kim Nguyen',
  'Ravi Patel',
  'Eve Roy',
  'Omar Haddad',
  'Julie Gagnon',
  'Marc Tremblay',
  'Grace Park',
];
const MISSISSIPPI_NAMES = ['Cody Walker', 'Tasha Johnson', 'Luke Broussard', 'Hannah Pierce', 'Dwayne Carter'];
/** When each program's cars join, as a share of the history (the first of each at once, or nearly; more cars spread over its first 60 %). */
const ALECTRA_JOIN = [0, 0.1, 0.3, 0.45, 0.2, 0.6, 0.05, 0.35, 0.5, 0.15, 0.4, 0.25];
const MISSISSIPPI_JOIN = [0.05, 0.3, 0.55, 0.2, 0.45];

/** The demo's participants for a fleet of `vehicles` cars over `days` days (what a new demo makes). */
export function demoParticipants(vehicles: number, days: number): readonly Omit<Participant, 'email'>[] {
  const none = { email: '', password: '' };
  const file: FleetFile = {
    startMs: 0,
    vehicles,
    seed: DEMO_SEED,
    story: STORY,
    mississippi: mississippiShare(vehicles),
    days,
  };
  return participants(file, { driver: none, admin: none, operator: none, mississippiDriver: none });
}

function participants(file: FleetFile, credentials: DemoCredentials): Participant[] {
  const historyMs = (file.days ?? 0) * DAY_MS;
  const mississippi = file.story === undefined ? 0 : (file.mississippi ?? 0);
  const alectra = file.vehicles - mississippi;
  // On the hour: the history is played in quarter-hour steps.
  const join = (shares: readonly number[], k: number) =>
    file.startMs + Math.floor(((shares[k] ?? (k * 0.137) % 0.6) * historyMs) / HOUR_MS) * HOUR_MS;
  return [
    ...Array.from({ length: alectra }, (_, k): Participant => ({
      program: DEMO_PROGRAM,
      index: k,
      name: ALECTRA_NAMES[k] ?? `Participant ${k + 1}`,
      email: k === 0 ? credentials.driver.email : `participant${k}@demo.smartcharge.test`,
      joinMs: file.story === undefined ? file.startMs : join(ALECTRA_JOIN, k),
    })),
    ...Array.from({ length: mississippi }, (_, k): Participant => ({
      program: DEMO_MISSISSIPPI_PROGRAM,
      index: k,
      name: MISSISSIPPI_NAMES[k] ?? `Mississippi participant ${k + 1}`,
      email:
        k === 0 && credentials.mississippiDriver
          ? credentials.mississippiDriver.email
          : `participant-ms${k}@demo.smartcharge.test`,
      joinMs: join(MISSISSIPPI_JOIN, k),
    })),
  ];
}

export interface DemoCredentials {
  readonly driver: { readonly email: string; readonly password: string };
  readonly admin: { readonly email: string; readonly password: string };
  readonly operator: { readonly email: string; readonly password: string };
  /** A Mississippi Power participant (miles, °F, points); absent in a demo made before there was one. */
  readonly mississippiDriver?: { readonly email: string; readonly password: string };
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
  const historyMs = config.demoDays * DAY_MS;
  const startMs = endMs - historyMs;
  const fleetFile: FleetFile = {
    startMs,
    vehicles: config.demoVehicles,
    seed: DEMO_SEED,
    story: STORY,
    mississippi: mississippiShare(config.demoVehicles),
    days: config.demoDays,
  };
  const credentials: DemoCredentials = {
    driver: { email: 'driver@demo.smartcharge.test', password: password() },
    admin: { email: 'admin@alectra.demo.smartcharge.test', password: password() },
    operator: { email: 'operator@demo.smartcharge.test', password: password() },
    ...(fleetFile.mississippi
      ? { mississippiDriver: { email: 'driver@mississippi.demo.smartcharge.test', password: password() } }
      : {}),
  };

  const status: DemoStatus = {
    state: 'preparing',
    vehicles: config.demoVehicles,
    days: config.demoDays,
    progress: 0,
    records: 0,
  };

  // Enrollment at the history's dates: the same services over the same database, on a clock that
  // the steps below move forward (applied, approved, shipped, delivered, installed before each
  // car's first data).
  let demoNowMs = startMs - 20 * DAY_MS;
  const pastServices = () =>
    createServices(
      services.db,
      { ...config, deriveLive: false, mailDir: path.join(config.dataDir, 'mail') },
      // Quiet: the set-up's own mails and events would fill the console.
      { log: log.child({}, { level: 'warn' }), metrics: createMetrics(), clock: () => new Date(demoNowMs) },
    );
  const past = await pastServices();

  await past.programs.ensurePreset(SYSTEM, DEMO_PROGRAM);
  await past.programs.ensurePreset(SYSTEM, DEMO_MISSISSIPPI_PROGRAM);
  const operator = await past.accounts.createAccount(SYSTEM, {
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
  const staff: Record<Participant['program'], Actor> = {
    [DEMO_PROGRAM]: { kind: 'program_admin', accountId: admin.id, utility: DEMO_UTILITY },
    // Mississippi Power has no administrator in the demo: the platform's operator runs its program.
    [DEMO_MISSISSIPPI_PROGRAM]: { kind: 'operator', via: 'session', accountId: operator.id },
  };

  const fleet = demoFleet(fleetFile);
  const people = participants(fleetFile, credentials);
  const transports = new Map<string, UplinkTransport>();
  for (const [i, vehicle] of fleet.entries()) {
    const who = people[i]!;
    const serial = vehicle.spec.serial;
    const own =
      i === 0
        ? credentials.driver
        : who.email === credentials.mississippiDriver?.email
          ? credentials.mississippiDriver
          : undefined;
    demoNowMs = who.joinMs - 15 * DAY_MS + i * 60_000;
    const account = await past.accounts.createAccount(SYSTEM, {
      email: who.email,
      name: who.name,
      role: 'driver',
      password: own?.password ?? password(),
    });
    const driver: Actor = { kind: 'driver', accountId: account.id };
    const secret = await enroll(past, vehicle, who, i, driver, staff[who.program], (ms) => (demoNowMs = ms));
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
    joinMs: people.map((p) => p.joinMs),
    // The rewards the history earned, recorded day by day as the hourly job would have.
    async recordRewards() {
      const replay = await pastServices();
      try {
        for (let day = startMs + DAY_MS; day < endMs; day += DAY_MS) {
          demoNowMs = day;
          await replay.rewards.evaluateAll(new Date(day));
        }
      } finally {
        await replay.writer.close();
        await replay.derive.close();
      }
    },
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
  const people = participants(file, credentials);
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
    joinMs: people.map((p) => p.joinMs),
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
    /** When each car's data starts (its participant joined), by index in the fleet. */
    joinMs?: readonly number[];
    /** Records what the history earned, once it is in (a new demo). */
    recordRewards?: () => Promise<void>;
  },
): Demo {
  const { services, log, nowMs } = options;
  let status = options.status;

  const abort = new AbortController();
  let runner: FleetRunner | undefined;
  const running = (async () => {
    try {
      // Each car first drives with no device (its readings go nowhere) up to where its data starts:
      // when its participant joined, or, on a restart, where the fleet stopped. In steps, yielding,
      // so the server keeps answering.
      const targets = fleet.map((_, i) => Math.max(options.catchUpToMs ?? 0, options.joinMs?.[i] ?? 0));
      const fromMs = Math.min(...fleet.map((v) => v.sim.timeMs));
      const toMs = Math.max(...targets);
      const silent = fleet.map((vehicle) => new FleetRunner([vehicle], {}));
      for (let t = fromMs; t < toMs && !abort.signal.aborted;) {
        t = Math.min(toMs, t + 6 * HOUR_MS);
        silent.forEach((car, i) => {
          if (fleet[i]!.sim.timeMs < targets[i]!) car.advance(Math.min(t, targets[i]!));
        });
        if (options.catchUpToMs !== undefined) {
          status = { ...status, progress: (t - fromMs) / Math.max(1, toMs - fromMs) };
        }
        await sleep(0);
      }
      if (options.catchUpToMs !== undefined) {
        log.info({ until: new Date(options.catchUpToMs).toISOString() }, 'demo fleet caught up; resuming');
        status = { ...status, state: 'filling', progress: 0 };
      }
      const fleetRunner = new FleetRunner(
        fleet,
        { transportFor: (vehicle) => transports.get(vehicle.spec.serial)! },
        { device: { firstBoot: options.firstBootS, batchRecords: 3600 } },
      );
      runner = fleetRunner;
      let backdatedAtMs = fromMs;
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
          // While the history fills in, the cars that started sending already read "live since"
          // their first record too (each simulated week; a few rows).
          if (options.recordRewards && p.simulatedMs - backdatedAtMs >= 7 * DAY_MS) {
            backdatedAtMs = p.simulatedMs;
            void heardFromWhenRecorded(services, fleet).catch(() => undefined);
          }
        },
      });
      if (abort.signal.aborted) return;
      await fleetRunner.flushAll(8, nowMs());
      await services.derive.idle();
      if (options.recordRewards) {
        await heardFromWhenRecorded(services, fleet);
        await options.recordRewards().catch((error: unknown) => log.warn({ err: error }, 'demo rewards'));
      }
      // What is earned as of now (the hourly job would, within the hour).
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

/**
 * The history was sent today but stands for the past, played as if the cars had been driving all
 * along: so each demo device was heard from first when it recorded first (when it became active),
 * not when its history arrived; its participant's "live since" says so.
 */
async function heardFromWhenRecorded(services: Services, fleet: readonly FleetVehicle[]): Promise<void> {
  await services.db.query(
    `UPDATE device SET first_seen_at = status_changed_at
      WHERE serial = ANY($1::text[]) AND status = 'active' AND status_changed_at < first_seen_at`,
    [fleet.map((v) => v.spec.serial)],
  );
}

/** Applies, approves, ships and installs: the participant's whole start, at the history's dates. */
async function enroll(
  past: Services,
  vehicle: FleetVehicle,
  who: Participant,
  fleetIndex: number,
  driver: Actor,
  staff: Actor,
  setNow: (ms: number) => void,
): Promise<string> {
  const serial = vehicle.spec.serial;
  const k = who.index;
  const inMississippi = who.program === DEMO_MISSISSIPPI_PROGRAM;
  // Minutes apart, so two participants' steps never share a moment.
  const at = (beforeJoinMs: number) => setNow(who.joinMs - beforeJoinMs + fleetIndex * 60_000);
  at(14 * DAY_MS);
  const application = await past.enrollment.apply(driver, who.program, {
    vehicles: [
      {
        make: vehicle.spec.model.make,
        model: vehicle.spec.model.model,
        modelYear: vehicle.spec.modelYear,
        vin: demoVin(fleetIndex),
        variant: vehicle.spec.variant.name,
      },
    ],
    homeAddress: inMississippi
      ? { line1: `${120 + k} Beach Boulevard`, city: 'Gulfport', region: 'MS', postalCode: '39501', country: 'US' }
      : { line1: `${10 + k} King Street`, city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' },
    utilityAccount: String((inMississippi ? 6_000_000_000 : 4_000_000_000) + k),
    ...(k % 3 === 2 ? {} : { paypalEmail: `${who.email.split('@')[0]!}.paypal@demo.smartcharge.test` }),
  });
  const issued = await past.devices.provisionDevice(SYSTEM, { serial });
  const slot = application.vehicles[0]!;
  if (slot.status === 'declined') {
    // The catalog says this car cannot take part: it still drives, outside the program.
    await past.devices.assignVehicle(SYSTEM, serial, slot.vehicleId);
    return issued.secret;
  }
  at(12 * DAY_MS);
  await past.enrollment.approve(staff, application.id, {});
  at(10 * DAY_MS);
  const shipment = await past.participation.shipDevice(staff, slot.id, {
    serial,
    ...(inMississippi
      ? { carrier: 'USPS', trackingNumber: `9400${String(110_000_000_000 + fleetIndex)}` }
      : { carrier: 'Canada Post', trackingNumber: `CP${String(700_000_000 + fleetIndex)}CA` }),
  });
  at(7 * DAY_MS);
  await past.participation.updateShipment(staff, shipment.id, { status: 'delivered' });
  // Installed an hour before the first data: the device records from when it is plugged in.
  at(HOUR_MS);
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

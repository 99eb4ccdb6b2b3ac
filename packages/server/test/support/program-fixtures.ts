/**
 * Builders for a program with participants, made through the services as a program team would:
 * a driver applies with one vehicle and is approved; a device is shipped, installed and turned on.
 * Charging sessions can be added directly (as derivation would store them) for tests about the
 * ledger rather than about derivation.
 */
import { CLI_OPERATOR, type Actor } from '../../src/actor.js';
import { insertSessions } from '../../src/derive/derive.repository.js';
import type { SessionItem } from '../../src/derive/items.js';
import type { Services } from '../../src/services.js';
import { uniqueSerial } from './builders.js';

export const HOME = { line1: '1 Main St', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' };
const PASSWORD = 'fixture password 123';

let counter = 0;
/** An address unique within the test process. */
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}@example.com`;
}

/** A VIN unique within the test process (17 characters, no I, O or Q). */
export function uniqueVin(): string {
  counter += 1;
  return `KM8K33AG1${String(process.pid % 1000).padStart(3, '0')}${String(counter).padStart(5, '0')}`;
}

/** A signed-in operator with an account: adjustments name their author, so they need one. */
export async function createOperator(services: Services): Promise<Actor> {
  const account = await services.accounts.createAccount(CLI_OPERATOR, {
    email: uniqueEmail('operator'),
    name: 'Olive Operator',
    role: 'operator',
    password: PASSWORD,
  });
  return { kind: 'operator', via: 'session', accountId: account.id };
}

export async function createDriver(services: Services, email = uniqueEmail('driver')) {
  const account = await services.accounts.createAccount(CLI_OPERATOR, {
    email,
    name: `Driver ${email.split('@')[0]}`,
    role: 'driver',
    password: PASSWORD,
  });
  const actor: Actor = { kind: 'driver', accountId: account.id };
  return { accountId: account.id, email: account.email, actor };
}

export interface Participant {
  readonly accountId: number;
  readonly email: string;
  readonly actor: Actor;
  readonly enrollmentId: number;
  readonly enrollmentVehicleId: number;
  readonly vehicleId: number;
}

/** A driver (new, or the one given) applies to the program with a 2019 Kona Electric and is approved. */
export async function enrollDriver(
  services: Services,
  programSlug: string,
  options: { paypalEmail?: string; driver?: Awaited<ReturnType<typeof createDriver>> } = {},
): Promise<Participant> {
  const driver = options.driver ?? (await createDriver(services));
  const applied = await services.enrollment.apply(driver.actor, programSlug, {
    vehicles: [{ make: 'Hyundai', model: 'Kona Electric', modelYear: 2019, vin: uniqueVin() }],
    homeAddress: HOME,
    utilityAccount: '1234567890',
    ...(options.paypalEmail ? { paypalEmail: options.paypalEmail } : {}),
  });
  const approved = await services.enrollment.approve(CLI_OPERATOR, applied.id);
  const vehicle = approved.vehicles[0]!;
  return {
    accountId: driver.accountId,
    email: driver.email,
    actor: driver.actor,
    enrollmentId: approved.id,
    enrollmentVehicleId: vehicle.id,
    vehicleId: vehicle.vehicleId,
  };
}

/**
 * Ships a new device to the participant's vehicle and has the driver say it is installed (unless
 * `installed` is false); with `activate`, an operator marks it active too (as its first data
 * would). Returns its credential.
 */
export async function equipDevice(
  services: Services,
  participant: Participant,
  options: { installed?: boolean; activate?: boolean } = {},
) {
  const serial = uniqueSerial('C2-FIX');
  const issued = await services.devices.provisionDevice(CLI_OPERATOR, { serial });
  await services.participation.shipDevice(CLI_OPERATOR, participant.enrollmentVehicleId, {
    serial,
    carrier: 'Canada Post',
    trackingNumber: `CP${serial}`,
  });
  if (options.installed !== false) {
    await services.participation.confirmInstalled(participant.actor, participant.enrollmentVehicleId);
  }
  if (options.activate) await services.devices.setStatus(CLI_OPERATOR, serial, { status: 'active' });
  return { id: issued.device.id, credential: { serial, secret: issued.secret } };
}

/** A finished Level 2 charge at home, as derivation stores it: `wallKwh` spread evenly over its hours. */
export function chargeSession(options: {
  pluggedAtMs: number;
  hours: number;
  wallKwh: number;
  inTerritory?: boolean;
  localDate?: string;
}): SessionItem {
  const endMs = options.pluggedAtMs + options.hours * 3_600_000;
  const wallWh = options.wallKwh * 1000;
  const hourly: [number, number, number][] = [];
  const firstHour = Math.floor(options.pluggedAtMs / 3_600_000) * 3_600_000;
  for (let h = firstHour; h < endMs; h += 3_600_000) hourly.push([h, 0, 0]);
  for (const hour of hourly) {
    hour[1] = wallWh / hourly.length;
    hour[2] = (wallWh * 0.9) / hourly.length;
  }
  return {
    startMs: options.pluggedAtMs,
    endMs,
    complete: true,
    localDate: options.localDate ?? new Date(options.pluggedAtMs).toISOString().slice(0, 10),
    readings: options.hours * 60,
    gapS: 0,
    kind: 'ac',
    level: 'L2',
    levelBasis: 'voltage',
    acLineVoltageV: 240,
    chargingS: options.hours * 3600,
    batteryWh: wallWh * 0.9,
    wallWh,
    batteryMeasured: true,
    wallMeasured: false,
    peakW: 7200,
    avgW: wallWh / options.hours,
    socStartPct: 30,
    socEndPct: 80,
    latDeg: 43.59,
    lonDeg: -79.64,
    inTerritory: options.inTerritory ?? true,
    hourly,
    touWh: {},
    belowMinimum: false,
    ambientMeanC: 10,
    ambientMinC: 8,
    ambientMaxC: 12,
    hvacWh: 0,
    auxWh: 0,
    co2G: null,
    segments: [],
  };
}

/** Stores charging sessions of a vehicle as derivation would. */
export async function addChargeSessions(
  services: Services,
  vehicleId: number,
  sessions: readonly SessionItem[],
): Promise<void> {
  await insertSessions(services.db, vehicleId, sessions);
}

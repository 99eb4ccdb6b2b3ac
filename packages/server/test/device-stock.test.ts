/**
 * Device stock through its service, on PGlite and on PostgreSQL: adding one serial or a list (all
 * or nothing, each bad line named), whose stock it is (a program's or the shared stock), who sees
 * and ships it, an operator moving stock to a program, and staff marking a device installed for a
 * driver with a note and their name in the device's history.
 */
import { beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR, type Actor } from '../src/actor.js';
import { DeviceStockService } from '../src/devices/index.js';
import { hashSecret, secretMatches } from '../src/devices/credential.js';
import type { Services } from '../src/services.js';
import { testServices, uniqueSerial } from './support/builders.js';
import { caught, expectAppError } from './support/app-errors.js';
import { describeEachDatabase } from './support/databases.js';
import { createOperator, enrollDriver, uniqueEmail } from './support/program-fixtures.js';

describeEachDatabase('device stock', (setup) => {
  let services: Services;
  let stock: DeviceStockService;
  let operator: Actor;
  let alectraAdmin: Actor & { kind: 'program_admin' };
  let mississippiAdmin: Actor & { kind: 'program_admin' };

  const admin = async (utility: string, name: string) => {
    const account = await services.accounts.createAccount(CLI_OPERATOR, {
      email: uniqueEmail('staff'),
      name,
      role: 'program_admin',
      utility,
      password: 'fixture password 123',
    });
    return { kind: 'program_admin' as const, accountId: account.id, utility };
  };

  beforeAll(async () => {
    services = await testServices(setup().db);
    stock = new DeviceStockService(services.devices, services.programs);
    await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
    await services.programs.ensurePreset(CLI_OPERATOR, 'mississippi-power');
    operator = await createOperator(services);
    alectraAdmin = await admin('Alectra Utilities', 'Pat Alectra');
    mississippiAdmin = await admin('Mississippi Power', 'Sam Mississippi');
  });

  it('adds a list to a program’s stock, each device with its own secret shown once and never stored', async () => {
    const [a, b] = [uniqueSerial('C2-LIST'), uniqueSerial('C2-LIST')];
    const added = await stock.addToStock(alectraAdmin, { program: 'alectra', list: `serial\n${a}\n\n${b},box 4\n` });
    expect(added.program).toMatchObject({ slug: 'alectra' });
    expect(added.added.map(({ serial, line }) => ({ serial, line }))).toEqual([
      { serial: a, line: 2 },
      { serial: b, line: 4 },
    ]);
    expect(new Set(added.added.map((d) => d.secret)).size).toBe(2);
    for (const { serial, secret } of added.added) {
      expect(await services.devices.authenticate({ serial, secret })).toMatchObject({ ok: true });
      const device = await services.devices.getDevice(CLI_OPERATOR, serial);
      expect(device).toMatchObject({ status: 'provisioned', vehicleId: null });
      expect(JSON.stringify(device)).not.toContain(secret);
      expect(secretMatches(secret, hashSecret(secret))).toBe(true);
      // Who added it is in its history.
      expect(device.events[0]).toMatchObject({ kind: 'provisioned', by: { name: 'Pat Alectra' } });
    }
  });

  it('adds nothing when a line is wrong, and names every wrong line in words', async () => {
    const good = uniqueSerial('C2-BAD');
    const taken = uniqueSerial('C2-TAKEN');
    await stock.addToStock(operator, { program: null, list: taken });

    const malformed = await expectAppError(
      stock.addToStock(operator, { program: 'alectra', list: `${good}\nno good!\n${good}` }),
      'invalid_input',
      '2 lines of the list need fixing; nothing was added.',
      'Line 2: "no good!" is not a serial',
      `Line 3: ${good} is already on line 1.`,
    );
    expect(malformed.details?.map((d) => d.field)).toEqual(['list', 'list']);
    const registered = await expectAppError(
      stock.addToStock(operator, { program: 'alectra', list: `${good}\n${taken}` }),
      'conflict',
      `Line 2: ${taken} is already registered`,
      'nothing was added',
    );
    expect(registered.details).toHaveLength(1);
    await expectAppError(services.devices.getDevice(CLI_OPERATOR, good), 'not_found');
    // One serial (typed in a field) is not "line 1" of anything.
    const typed = await expectAppError(
      stock.addToStock(operator, { program: 'alectra', list: ' no good! ' }),
      'invalid_input',
    );
    expect(typed.message).toMatch(/^"no good!" is not a serial \(3 to 64 letters/);
    expect(typed.details).toEqual([{ field: 'serial', message: typed.message }]);
    await expectAppError(
      stock.addToStock(operator, { program: 'alectra', list: taken }),
      'conflict',
      `${taken} is already registered (a device has this serial); nothing was added.`,
    );
    // Fixed, the same list goes in whole.
    const fixed = await stock.addToStock(operator, { program: 'alectra', list: good });
    expect(fixed.added.map((d) => d.serial)).toEqual([good]);
  });

  it('keeps each program’s stock to its own staff: seen, shipped and added only by them', async () => {
    const theirs = uniqueSerial('C2-MS');
    const shared = uniqueSerial('C2-SHARED');
    await stock.addToStock(mississippiAdmin, { program: 'mississippi-power', list: theirs });
    await stock.addToStock(operator, { program: null, list: shared });

    const alectraView = await stock.listStock(alectraAdmin);
    const serials = alectraView.devices.map((d) => d.serial);
    expect(serials).toContain(shared);
    expect(serials).not.toContain(theirs);
    expect(alectraView).toMatchObject({ scope: 'utility', sharedStock: false });
    expect(alectraView.programs.map((p) => p.slug)).toEqual(['alectra']);
    expect((await stock.listStock(mississippiAdmin)).devices.find((d) => d.serial === theirs)).toMatchObject({
      state: 'in_stock',
      stockProgram: { slug: 'mississippi-power' },
    });
    expect((await stock.listStock(operator)).devices.map((d) => d.serial)).toEqual(
      expect.arrayContaining([theirs, shared]),
    );

    await expectAppError(stock.getStockDevice(alectraAdmin, theirs), 'not_found');
    await expectAppError(
      stock.addToStock(alectraAdmin, { program: 'mississippi-power', list: uniqueSerial() }),
      'not_found',
    );
    await expectAppError(stock.addToStock(alectraAdmin, { program: null, list: uniqueSerial() }), 'forbidden');
    const driver = await enrollDriver(services, 'alectra');
    await expectAppError(stock.listStock(driver.actor), 'forbidden');

    // Alectra cannot ship Mississippi's stock (it is as if unknown), but ships the shared stock.
    await expectAppError(
      services.participation.shipDevice(alectraAdmin, driver.enrollmentVehicleId, {
        serial: theirs,
        carrier: 'Canada Post',
        trackingNumber: 'CP1',
      }),
      'not_found',
      `No device has serial ${theirs}.`,
    );
    await services.participation.shipDevice(alectraAdmin, driver.enrollmentVehicleId, {
      serial: shared,
      carrier: 'Canada Post',
      trackingNumber: 'CP2',
    });
    expect((await stock.listStock(alectraAdmin)).devices.find((d) => d.serial === shared)).toMatchObject({
      state: 'shipped',
    });
  });

  it('lets an operator move shared stock to a program, and only stock', async () => {
    const serial = uniqueSerial('C2-MOVE');
    await stock.addToStock(operator, { program: null, list: serial });
    expect((await stock.listStock(mississippiAdmin)).devices.find((d) => d.serial === serial)).toMatchObject({
      stockProgram: null,
    });
    await expectAppError(stock.assignStock(alectraAdmin, serial, { program: 'alectra' }), 'forbidden');
    const moved = await stock.assignStock(operator, serial, { program: 'alectra' });
    expect(moved).toMatchObject({ state: 'in_stock', stockProgram: { slug: 'alectra' } });
    expect((await stock.listStock(mississippiAdmin)).devices.map((d) => d.serial)).not.toContain(serial);
    const history = await stock.getStockDevice(alectraAdmin, serial);
    expect(history.events.at(-1)).toMatchObject({
      kind: 'stock_assigned',
      note: "to SmartCharge Ontario (Alectra)'s stock",
      by: { name: 'Olive Operator' },
    });

    const driver = await enrollDriver(services, 'alectra');
    await services.participation.shipDevice(alectraAdmin, driver.enrollmentVehicleId, {
      serial,
      carrier: 'Canada Post',
      trackingNumber: 'CP9',
    });
    await expectAppError(stock.assignStock(operator, serial, { program: null }), 'invalid_transition', 'not in stock');
  });

  it('marks a device installed for a driver, with the note and who did it in its history', async () => {
    const driver = await enrollDriver(services, 'alectra');
    const serial = uniqueSerial('C2-CALL');
    await stock.addToStock(alectraAdmin, { program: 'alectra', list: serial });
    await services.participation.shipDevice(alectraAdmin, driver.enrollmentVehicleId, {
      serial,
      carrier: 'Canada Post',
      trackingNumber: 'CP3',
    });
    await expectAppError(
      services.participation.markInstalledForDriver(alectraAdmin, driver.enrollmentVehicleId, {}),
      'invalid_input',
      'Say why',
    );
    await expectAppError(
      services.participation.markInstalledForDriver(driver.actor, driver.enrollmentVehicleId, { note: 'me' }),
      'forbidden',
    );
    expect(
      (
        await caught(
          services.participation.markInstalledForDriver(mississippiAdmin, driver.enrollmentVehicleId, { note: 'x' }),
        )
      ).code,
    ).not.toBe('invalid_input');

    const done = await services.participation.markInstalledForDriver(alectraAdmin, driver.enrollmentVehicleId, {
      note: 'Driver called: plugged in under the dash on Tuesday',
    });
    expect(done).toEqual({ serial, status: 'installed' });
    const history = await stock.getStockDevice(alectraAdmin, serial);
    expect(history).toMatchObject({ state: 'installed' });
    expect(history.events.at(-1)).toMatchObject({
      kind: 'status',
      status: 'installed',
      note: 'installed for the driver: Driver called: plugged in under the dash on Tuesday',
      by: { name: 'Pat Alectra', accountId: alectraAdmin.accountId },
    });
    await expectAppError(
      services.participation.markInstalledForDriver(alectraAdmin, driver.enrollmentVehicleId, { note: 'again' }),
      'invalid_transition',
      'only a shipped or unplugged device',
    );
  });
});

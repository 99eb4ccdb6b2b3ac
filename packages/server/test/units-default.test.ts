/**
 * What a driver meets follows their program, on PGlite and on PostgreSQL: display units default to
 * the program's country (miles and °F in Mississippi, km and °C in Ontario) until the driver chooses,
 * and a chosen unit sticks; the application takes only a home in the program's country and state or
 * province, with a postal code of that country's shape, each refusal naming the field in words.
 */
import { beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR, type Actor } from '../src/actor.js';
import { AppError } from '../src/errors.js';
import type { Services } from '../src/services.js';
import { testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';

const MS_HOME = { line1: '1 Beach Blvd', city: 'Gulfport', region: 'MS', postalCode: '39501', country: 'US' };
const ON_HOME = { line1: '1 Main St', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' };
const MS_CAR = { make: 'Chevrolet', model: 'Bolt EV', modelYear: 2022, vin: '1G1FY6S07N4100001' };
const ON_CAR = { make: 'Hyundai', model: 'Kona Electric', modelYear: 2021, vin: 'KM8K33AG1MU000778' };

let drivers = 0;

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describeEachDatabase('units and addresses follow the program', (setup) => {
  let services: Services;

  async function newDriver(): Promise<Actor> {
    drivers += 1;
    const made = await services.accounts.createAccount(CLI_OPERATOR, {
      email: `units-${drivers}@example.com`,
      name: 'Driver',
      role: 'driver',
      password: 'a driver password',
    });
    return { kind: 'driver', accountId: made.id };
  }

  beforeAll(async () => {
    services = await testServices(setup().db);
    await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
    await services.programs.ensurePreset(CLI_OPERATOR, 'mississippi-power');
  });

  it('gives a Mississippi participant miles and °F, an Ontario one km and °C, and metric before any program', async () => {
    const ms = await newDriver();
    expect((await services.accounts.getMe(ms)).preferences).toEqual({ distanceUnit: 'km', temperatureUnit: 'C' });
    await services.enrollment.apply(ms, 'mississippi-power', {
      vehicles: [MS_CAR],
      homeAddress: MS_HOME,
      utilityAccount: '1234567890',
    });
    expect((await services.accounts.getMe(ms)).preferences).toEqual({ distanceUnit: 'mi', temperatureUnit: 'F' });

    const on = await newDriver();
    await services.enrollment.apply(on, 'alectra', {
      vehicles: [ON_CAR],
      homeAddress: ON_HOME,
      utilityAccount: '1234567890',
    });
    expect((await services.accounts.getMe(on)).preferences).toEqual({ distanceUnit: 'km', temperatureUnit: 'C' });
  });

  it('keeps a unit the driver chose, and lets the other follow the program', async () => {
    const ms = await newDriver();
    const chosen = await services.accounts.setPreferences(ms, { distanceUnit: 'km' });
    expect(chosen.preferences).toEqual({ distanceUnit: 'km', temperatureUnit: 'C' });
    await services.enrollment.apply(ms, 'mississippi-power', {
      vehicles: [{ ...MS_CAR, vin: '1G1FY6S07N4100002' }],
      homeAddress: MS_HOME,
      utilityAccount: '1234567890',
    });
    expect((await services.accounts.getMe(ms)).preferences).toEqual({ distanceUnit: 'km', temperatureUnit: 'F' });
    const both = await services.accounts.setPreferences(ms, { temperatureUnit: 'C' });
    expect(both.preferences).toEqual({ distanceUnit: 'km', temperatureUnit: 'C' });
  });

  it("refuses a home outside the program's country, state or postal-code shape, naming the field in words", async () => {
    const driver = await newDriver();
    const apply = (homeAddress: typeof MS_HOME) =>
      refusal(
        services.enrollment.apply(driver, 'mississippi-power', {
          vehicles: [{ ...MS_CAR, vin: '1G1FY6S07N4100003' }],
          homeAddress,
          utilityAccount: '1234567890',
        }),
      );
    const canadian = await apply({ ...MS_HOME, country: 'CA' });
    expect(canadian.code).toBe('invalid_input');
    expect(canadian.details?.map((d) => d.field)).toEqual(['homeAddress.country']);
    expect(canadian.details?.[0]?.message).toMatch(/homes in the United States: choose US/);
    const alabama = await apply({ ...MS_HOME, region: 'Alabama' });
    expect(alabama.details?.map((d) => d.field)).toEqual(['homeAddress.region']);
    expect(alabama.details?.[0]?.message).toMatch(/homes in Mississippi, not Alabama/);
    const zip = await apply({ ...MS_HOME, postalCode: 'L5B 1M2' });
    expect(zip.details?.map((d) => d.field)).toEqual(['homeAddress.postalCode']);
    expect(zip.details?.[0]?.message).toMatch(/not look like a ZIP code/);
    // The state by name and a ZIP+4 are a home in Mississippi.
    await services.enrollment.apply(driver, 'mississippi-power', {
      vehicles: [{ ...MS_CAR, vin: '1G1FY6S07N4100003' }],
      homeAddress: { ...MS_HOME, region: 'Mississippi', postalCode: '39501-1234' },
      utilityAccount: '1234567890',
    });

    const ontarian = await newDriver();
    const bad = await refusal(
      services.enrollment.apply(ontarian, 'alectra', {
        vehicles: [{ ...ON_CAR, vin: 'KM8K33AG1MU000779' }],
        homeAddress: { ...ON_HOME, postalCode: '39501' },
        utilityAccount: '1234567890',
      }),
    );
    expect(bad.details?.map((d) => d.field)).toEqual(['homeAddress.postalCode']);
    expect(bad.details?.[0]?.message).toMatch(/not look like a postal code: .*L5B 3C3/);
  });

  it('says what is missing from an application in words, each under its field', async () => {
    const driver = await newDriver();
    const missing = await refusal(
      services.enrollment.apply(driver, 'mississippi-power', {
        vehicles: [{ make: ' ', model: 'Bolt EV', modelYear: 0, vin: 'short' }],
        homeAddress: { ...MS_HOME, city: '' },
        utilityAccount: '1234567890',
      }),
    );
    expect(missing.details).toEqual([
      { field: 'vehicles[0].make', message: "Give the vehicle's make." },
      { field: 'vehicles[0].modelYear', message: 'Give the model year, like 2021 (1990 or later).' },
      { field: 'vehicles[0].vin', message: 'A VIN is 17 letters and digits, without I, O or Q.' },
      { field: 'homeAddress.city', message: 'Give the city or town.' },
    ]);
  });
});

/**
 * What the program-administration pages read, over HTTP, on PGlite and on PostgreSQL: counts by
 * status, reward balances with the participant's name, the device inventory for signed-in staff
 * (operators every device; an administrator the shared stock and their own utility's devices),
 * shipments with the participant, approvals that leave out vehicles the program's terms no longer
 * admit, the territory's error message, and the reward rules in plain words.
 *
 * The world, made in beforeAll through the API: Alectra with participants Ada (device shipped, a
 * Y-cable asked for), Fay (approved, no device yet) and Eve (device shipped, then left: a return is
 * requested); Bea waiting for a decision; Cal withdrawn; Dan declined. Mississippi Power with Max
 * (device shipped). Two devices in stock.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachKind } from './support/databases.js';
import { apiCaller, type Answer } from './support/http.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/servers.js';

interface ApiError {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown[] };
}

interface VehicleView {
  id: number;
  vehicleId: number;
  make: string;
  model: string;
  status: string;
  eligibility: { eligible: boolean; reasons: { ok: boolean; message: string }[] };
}
interface ApplicationView {
  id: number;
  status: string;
  vehicles: VehicleView[];
}
interface InventoryView {
  scope: string;
  utility: string | null;
  inStock: number;
  counts: Record<string, number>;
  devices: { serial: string; vehicleId: number | null; inStock: boolean }[];
}
interface SentenceView {
  key: string;
  label: string;
  sentence: string;
}

const HOME = { line1: '1 Main St', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' };
const MS_HOME = { line1: '1 Beach Blvd', city: 'Gulfport', region: 'MS', postalCode: '39501', country: 'US' };
const PASSWORD = 'a long enough password';

let vinCounter = 0;
/** A VIN unique within the suite (17 characters, no I, O or Q). */
function nextVin(): string {
  vinCounter += 1;
  return `1G1FY6S0${String(vinCounter).padStart(9, '0')}`;
}

describeEachKind('program administration API', (kind) => {
  let server: TestServer;
  const api = apiCaller(() => server.url);
  // Unless told otherwise, these calls expect a refusal.
  const call = <T = ApiError>(method: string, url: string, token?: string, body?: unknown) =>
    api<T>(method, url, token, body);
  const ok = async <T = Record<string, unknown>>(
    method: string,
    url: string,
    token?: string,
    body?: unknown,
  ): Promise<Answer<T>> => {
    const answer = await call<T>(method, url, token, body);
    expect(answer.status, `${method} ${url}: ${answer.text}`).toBeLessThan(300);
    return answer;
  };
  const signIn = async (email: string) =>
    (await ok<{ token: string }>('POST', '/auth/signin', undefined, { email, password: PASSWORD })).body.token;
  const newDriver = async (name: string) => {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`;
    await ok('POST', '/auth/signup', undefined, { email, name, password: PASSWORD });
    return { name, email, token: await signIn(email) };
  };
  const apply = async (
    driver: { token: string },
    program: string,
    vehicles: { make: string; model: string; modelYear: number }[],
  ) =>
    (
      await ok<ApplicationView>('POST', `/programs/${program}/applications`, driver.token, {
        vehicles: vehicles.map((v) => ({ ...v, vin: nextVin() })),
        homeAddress: program === 'mississippi-power' ? MS_HOME : HOME,
        utilityAccount: '1234567890',
      })
    ).body;
  const KONA = { make: 'Hyundai', model: 'Kona Electric', modelYear: 2019 };
  const provision = async (serial: string) => {
    await ok('POST', '/admin/devices', ADMIN_TOKEN, { serial });
    return serial;
  };
  const ship = (admin: string, enrolledVehicleId: number, serial: string) =>
    ok('POST', `/enrolled-vehicles/${enrolledVehicleId}/ship`, admin, {
      serial,
      carrier: 'Canada Post',
      trackingNumber: `CP-${serial}`,
    });

  let pat = ''; // Alectra's administrator
  let sam = ''; // Mississippi Power's administrator
  let ada: Awaited<ReturnType<typeof newDriver>>;
  let eve: Awaited<ReturnType<typeof newDriver>>;
  let adaApplication: Awaited<ReturnType<typeof apply>>;
  let eveApplication: Awaited<ReturnType<typeof apply>>;
  const serials = { stock1: 'C2-STOCK-1', stock2: 'C2-STOCK-2', ada: 'C2-ADA', eve: 'C2-EVE', max: 'C2-MAX' };

  beforeAll(async () => {
    server = await startTestServer({ database: kind, mqtt: 'off', env: { JOBS: 'false' } });
    await ok('POST', '/programs', ADMIN_TOKEN, { preset: 'alectra' });
    await ok('POST', '/programs', ADMIN_TOKEN, { preset: 'mississippi-power' });
    for (const [email, utility] of [
      ['pat@alectra.example', 'Alectra Utilities'],
      ['sam@mississippi.example', 'Mississippi Power'],
    ] as const) {
      await ok('POST', '/accounts', ADMIN_TOKEN, {
        email,
        name: 'Staff',
        role: 'program_admin',
        utility,
        password: PASSWORD,
      });
    }
    pat = await signIn('pat@alectra.example');
    sam = await signIn('sam@mississippi.example');
    for (const serial of Object.values(serials)) await provision(serial);

    ada = await newDriver('Ada Alvarez');
    adaApplication = await apply(ada, 'alectra', [KONA]);
    await ok('POST', `/applications/${adaApplication.id}/approve`, pat, {});
    await ship(pat, adaApplication.vehicles[0]!.id, serials.ada);
    await ok('POST', `/enrolled-vehicles/${adaApplication.vehicles[0]!.id}/y-cable`, ada.token, {});

    const fay = await newDriver('Fay Fournier');
    await ok('POST', `/applications/${(await apply(fay, 'alectra', [KONA])).id}/approve`, pat, {});

    eve = await newDriver('Eve Evans');
    eveApplication = await apply(eve, 'alectra', [KONA]);
    await ok('POST', `/applications/${eveApplication.id}/approve`, pat, {});
    await ship(pat, eveApplication.vehicles[0]!.id, serials.eve);
    await ok('POST', `/applications/${eveApplication.id}/leave`, eve.token, { reason: 'moved' });

    await apply(await newDriver('Bea Brown'), 'alectra', [KONA]);
    const cal = await newDriver('Cal Chen');
    await ok('POST', `/applications/${(await apply(cal, 'alectra', [KONA])).id}/withdraw`, cal.token);
    const dan = await newDriver('Dan Diaz');
    await ok('POST', `/applications/${(await apply(dan, 'alectra', [KONA])).id}/decline`, pat, {
      reason: 'Not an Alectra customer.',
    });

    const max = await newDriver('Max Moore');
    const maxApplication = await apply(max, 'mississippi-power', [
      { make: 'Chevrolet', model: 'Bolt', modelYear: 2019 },
    ]);
    await ok('POST', `/applications/${maxApplication.id}/approve`, sam, {});
    await ship(sam, maxApplication.vehicles[0]!.id, serials.max);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("approves by default only the vehicles the program's terms admit now, and tells the applicant why not", async () => {
    const gil = await newDriver('Gil Green');
    const both = await apply(gil, 'mississippi-power', [
      { make: 'Chevrolet', model: 'Bolt', modelYear: 2019 },
      { make: 'Chevrolet', model: 'Volt', modelYear: 2017 },
    ]);
    expect(both.vehicles.map((v) => [v.model, v.status])).toEqual([
      ['Bolt', 'pending'],
      ['Volt', 'pending'],
    ]);
    const hal = await newDriver('Hal Hughes');
    const voltOnly = await apply(hal, 'mississippi-power', [{ make: 'Chevrolet', model: 'Volt', modelYear: 2017 }]);

    // The program stops taking plug-in hybrids after they applied.
    const program = (await ok<{ eligibility: object }>('GET', '/programs/mississippi-power', sam)).body;
    await ok('PATCH', '/programs/mississippi-power', sam, {
      eligibility: { ...program.eligibility, powertrains: ['BEV'] },
    });

    const [bolt, volt] = both.vehicles;
    const chosen = await call('POST', `/applications/${both.id}/approve`, sam, { vehicles: [volt!.id] });
    expect(chosen.status, chosen.text).toBe(400);
    expect(chosen.body.error.message).toBe(
      `Vehicle ${volt!.id} (2017 Chevrolet Volt) cannot take part in SmartCharge Mississippi under its terms now: ` +
        'SmartCharge Mississippi is for battery-electric vehicles; the Chevrolet Volt is a plug-in hybrid, so it ' +
        "cannot take part. Leave it out, or change the program's terms first.",
    );

    const approved = (await ok<ApplicationView>('POST', `/applications/${both.id}/approve`, sam, {})).body;
    expect(approved.status).toBe('approved');
    const byId = new Map(approved.vehicles.map((v) => [v.id, v]));
    expect(byId.get(bolt!.id)!.status).toBe('approved');
    expect(byId.get(volt!.id)!.status).toBe('declined');
    // The applicant's view keeps the check that left the Volt out.
    const mine = (await ok<ApplicationView>('GET', `/applications/${both.id}`, gil.token)).body;
    const keptVolt = mine.vehicles.find((v) => v.id === volt!.id)!;
    expect(keptVolt.eligibility.eligible).toBe(false);
    expect(keptVolt.eligibility.reasons.filter((r) => !r.ok).map((r) => r.message)).toEqual([
      'SmartCharge Mississippi is for battery-electric vehicles; the Chevrolet Volt is a plug-in hybrid, so it cannot take part.',
    ]);
    const notices = (await ok<{ notifications: { body: string }[] }>('GET', '/me/notifications', gil.token)).body
      .notifications;
    const welcome = notices.find((n) => n.body.includes('is approved for 1 vehicle'));
    expect(welcome?.body).toContain('Your 2017 Chevrolet Volt cannot take part: SmartCharge Mississippi is for');

    const none = await call('POST', `/applications/${voltOnly.id}/approve`, sam, {});
    expect(none.status, none.text).toBe(400);
    expect(none.body.error.message).toBe(
      `None of the vehicles of application ${voltOnly.id} can take part in SmartCharge Mississippi under its terms now: ` +
        '2017 Chevrolet Volt: SmartCharge Mississippi is for battery-electric vehicles; the Chevrolet Volt is a ' +
        'plug-in hybrid, so it cannot take part. Decline the application instead.',
    );
    expect((await ok<ApplicationView>('GET', `/applications/${voltOnly.id}`, sam)).body.status).toBe('applied');
  });

  it("counts the program's applications, vehicles, devices and parcels by status, for its staff only", async () => {
    const summary = (await ok('GET', '/programs/alectra/summary', pat)).body;
    expect(summary).toEqual({
      program: 'alectra',
      participantTarget: null,
      applications: { applied: 1, approved: 2, declined: 1, withdrawn: 1, left: 1 },
      vehicles: { pending: 1, approved: 2, declined: 2, replaced: 0, left: 1 },
      devices: { none: 1, provisioned: 0, shipped: 1, installed: 0, active: 0, removed: 0, returned: 0 },
      shipments: {
        requested: { device: 0, y_cable: 1, return: 1 },
        shipped: { device: 2, y_cable: 0, return: 0 },
      },
    });
    expect((await ok('GET', '/programs/alectra/summary', ADMIN_TOKEN)).body).toEqual(summary);
    const otherUtility = await call('GET', '/programs/alectra/summary', sam);
    expect(otherUtility.status).toBe(404);
    expect(otherUtility.body.error.message).toBe('No program has slug alectra.');
    const driver = await call('GET', '/programs/alectra/summary', ada.token);
    expect(driver.status).toBe(403);
    expect((await call('GET', '/programs/alectra/summary')).status).toBe(403);
  });

  it('names each participant in the reward balances', async () => {
    await ok('POST', `/applications/${adaApplication.id}/adjustments`, pat, { points: 500, reason: 'Welcome gift' });
    const { balances } = (
      await ok<{
        balances: { enrollmentId: number; name: string; email: string; status: string; balance: number }[];
      }>('GET', '/programs/alectra/balances', pat)
    ).body;
    expect(balances.map((b) => [b.name, b.email, b.status, b.balance])).toEqual([
      ['Ada Alvarez', 'ada.alvarez@example.com', 'approved', 500],
      ['Fay Fournier', 'fay.fournier@example.com', 'approved', 0],
      ['Eve Evans', 'eve.evans@example.com', 'left', 0],
    ]);
    expect(balances[0]!.enrollmentId).toBe(adaApplication.id);
  });

  it("shows staff the device inventory: operators every device, an administrator the stock and their utility's", async () => {
    const serialsOf = (answer: Answer<InventoryView>) => answer.body.devices.map((d) => d.serial).sort();
    const alectra = await ok<InventoryView>('GET', '/device-inventory', pat);
    expect(alectra.body).toMatchObject({
      scope: 'utility',
      utility: 'Alectra Utilities',
      inStock: 2,
      counts: { provisioned: 2, shipped: 2, installed: 0, active: 0, removed: 0, returned: 0 },
    });
    // Eve's device left her car when she left the program; it is still Alectra's to get back.
    expect(serialsOf(alectra)).toEqual([serials.ada, serials.eve, serials.stock1, serials.stock2].sort());
    const eveDevice = alectra.body.devices.find((d) => d.serial === serials.eve);
    expect(eveDevice).toMatchObject({ vehicleId: null, inStock: false });

    const mississippi = await ok<InventoryView>('GET', '/device-inventory', sam);
    expect(mississippi.body).toMatchObject({ scope: 'utility', utility: 'Mississippi Power', inStock: 2 });
    expect(mississippi.body.counts).toMatchObject({ provisioned: 2, shipped: 1 });
    expect(serialsOf(mississippi)).toEqual([serials.max, serials.stock1, serials.stock2].sort());

    const everything = await ok<InventoryView>('GET', '/device-inventory', ADMIN_TOKEN);
    expect(everything.body).toMatchObject({ scope: 'all', utility: null, inStock: 2 });
    expect(everything.body.counts).toMatchObject({ provisioned: 2, shipped: 3 });
    expect(serialsOf(everything)).toEqual(Object.values(serials).sort());

    const stock = await ok<InventoryView>('GET', '/device-inventory?stock=true', pat);
    expect(serialsOf(stock)).toEqual([serials.stock1, serials.stock2]);
    expect(stock.body.devices.every((d) => d.inStock)).toBe(true);
    const page = await ok<InventoryView>('GET', '/device-inventory?status=shipped&limit=1', pat);
    expect(serialsOf(page)).toEqual([serials.ada]);

    const driver = await call('GET', '/device-inventory', ada.token);
    expect(driver.status).toBe(403);
    expect(driver.body.error.message).toBe('Only program administrators and operators may do this.');
    expect((await call('GET', '/device-inventory')).status).toBe(401);
    const bad = await call('GET', '/device-inventory?stock=yes&status=lost', pat);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('stock: expected true (only devices in stock) or false');
    expect(bad.body.error.message).toContain('status:');
  });

  it('lists shipments with the participant, their vehicle and the device they carry', async () => {
    const { shipments } = (
      await ok<{
        shipments: {
          kind: string;
          status: string;
          participant: { applicationId: number; applicationStatus: string; name: string; email: string };
          vehicle: { enrollmentVehicleId: number; make: string; model: string; modelYear: number; vin: string };
          device: { serial: string; status: string } | null;
        }[];
      }>('GET', '/programs/alectra/shipments', pat)
    ).body;
    expect(
      shipments.map((s) => [s.kind, s.status, s.participant.name, s.participant.applicationStatus, s.device?.serial]),
    ).toEqual([
      ['device', 'shipped', 'Ada Alvarez', 'approved', serials.ada],
      ['y_cable', 'requested', 'Ada Alvarez', 'approved', undefined],
      ['device', 'shipped', 'Eve Evans', 'left', serials.eve],
      ['return', 'requested', 'Eve Evans', 'left', serials.eve],
    ]);
    expect(shipments[0]).toMatchObject({
      participant: { applicationId: adaApplication.id, email: 'ada.alvarez@example.com' },
      vehicle: {
        enrollmentVehicleId: adaApplication.vehicles[0]!.id,
        make: 'Hyundai',
        model: 'Kona Electric',
        modelYear: 2019,
      },
      device: { serial: serials.ada, status: 'shipped' },
    });
    expect(shipments[0]!.vehicle.vin).toMatch(/^1G1FY6S0\d{9}$/);
    expect((await call('GET', '/programs/alectra/shipments', sam)).status).toBe(404);
  });

  it('names the territory once when a territory is not made of polygons', async () => {
    const point = await call('PATCH', '/programs/alectra', pat, {
      territory: { type: 'Point', coordinates: [-79, 43] },
    });
    expect(point.status).toBe(400);
    expect(point.body.error.message).toBe(
      'territory: expected GeoJSON Polygon or MultiPolygon geometry (bare, as a Feature or a FeatureCollection)',
    );
    expect(point.body.error.details).toEqual([
      {
        field: 'territory',
        message: 'expected GeoJSON Polygon or MultiPolygon geometry (bare, as a Feature or a FeatureCollection)',
      },
    ]);
    const empty = await call('PATCH', '/programs/alectra', pat, {
      territory: { type: 'FeatureCollection', features: [] },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('territory: the FeatureCollection has no polygons');
  });

  it('gives staff each reward rule in plain words, as drivers read it', async () => {
    const expected = [
      {
        key: 'start',
        label: 'Start bonus',
        sentence:
          '$50.00 when your device is installed and activated and you complete your first charge of at least 1 kWh in the service territory.',
      },
      {
        key: 'monthly',
        label: 'Monthly reward',
        sentence:
          '$5.00 for every month after your start in which your device stays installed and you complete a charge of at least 1 kWh in the service territory.',
      },
    ];
    const staffView = await ok<{ rewardRuleSentences: SentenceView[] }>('GET', '/programs/alectra', pat);
    expect(staffView.body.rewardRuleSentences).toEqual(expected);
    const listed = (
      await ok<{ programs: { slug: string; rewardRuleSentences: SentenceView[] }[] }>('GET', '/programs', pat)
    ).body.programs;
    expect(listed.find((p) => p.slug === 'alectra')?.rewardRuleSentences).toEqual(expected);
    const publicView = await ok<{ rewardRuleSentences: SentenceView[] }>('GET', '/programs/alectra');
    expect(publicView.body.rewardRuleSentences).toEqual(expected);
    // A change answers with the sentences of the rules as they now are.
    const changed = await ok<{ rewardRuleSentences: SentenceView[] }>('PATCH', '/programs/mississippi-power', sam, {
      supportHours: 'Weekdays 8–5',
    });
    expect(changed.body.rewardRuleSentences.map((s) => s.sentence)).toEqual([
      '25,000 points when your device is installed and activated and you complete your first charge of at least 1 kWh in the service territory.',
      '5,000 points for every month after your start in which your device stays installed and you complete a charge of at least 1 kWh in the service territory.',
      '25,000 points when your device has stayed installed for a year after your start.',
    ]);
  });
});

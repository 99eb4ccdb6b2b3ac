/**
 * Browser journey (Debian's chromium through playwright-core, the real server on the embedded
 * database): staff never need a terminal. An operator adds devices to a program's stock in the web
 * app — one serial, then a CSV (pasted with a bad line: nothing added, the line named in words;
 * then uploaded as a file) — sees each secret once with a printable label whose QR code holds the
 * serial and the secret, and the print stylesheet prints the labels only. A program administrator
 * ships a device picked from the stock, records a shipment with a serial not in stock and adds it
 * there and then, and marks a device installed for a driver on a support call, with a note that the
 * device's history shows with the administrator's name. At 360 px and at a desk, audited each page.
 */
import type { Page } from 'playwright-core';
import { decodeQR } from 'qr/decode.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, audit, browserReady, DESK, shoot, signIn, startBrowser, type Browsing } from './support/browser.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/servers.js';

const HOME = { line1: '5 Stock Lane', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' };
const NOTE = 'Driver called on Tuesday: plugged in under the dash, light is green';

describe.runIf(browserReady)('device stock, shipping and installing without a terminal, in a browser', () => {
  let server: TestServer;
  let browsing: Browsing;
  const cookies: Record<string, string> = {};
  const drivers: Record<'ada' | 'ben', { name: string; application: number }> = {
    ada: { name: 'Ada Stockwell', application: 0 },
    ben: { name: 'Ben Shipley', application: 0 },
  };
  const api = (...args: Parameters<ReturnType<typeof apiCaller>>) => apiCaller(server)(...args);
  /** Secrets the operator was shown, by serial. */
  const secrets = new Map<string, string>();

  const account = async (email: string, name: string, role: string, utility?: string) => {
    await api(
      'POST',
      '/accounts',
      { email, name, role, password: `${name} password`, ...(utility ? { utility } : {}) },
      { bearer: ADMIN_TOKEN },
    );
    return signIn(server, email, `${name} password`);
  };

  beforeAll(async () => {
    server = await startTestServer({ database: 'pglite', mqtt: 'off', env: { JOBS: 'false', MAP_TILE_URL: 'off' } });
    await api('POST', '/programs', { preset: 'alectra' }, { bearer: ADMIN_TOKEN });
    await api('POST', '/programs', { preset: 'mississippi-power' }, { bearer: ADMIN_TOKEN });
    cookies.operator = await account('olive@platform.example', 'Olive Operator', 'operator');
    cookies.admin = await account('sam@alectra.example', 'Sam Admin', 'program_admin', 'Alectra Utilities');
    for (const [key, vin] of [
      ['ada', 'KM8K33AG1MU000301'],
      ['ben', 'KM8K33AG1MU000302'],
    ] as const) {
      const email = `${key}@drivers.example`;
      await api('POST', '/auth/signup', { email, name: drivers[key].name, password: 'drives a long way' });
      const cookie = await signIn(server, email, 'drives a long way');
      const applied = await api(
        'POST',
        '/programs/alectra/applications',
        {
          vehicles: [{ make: 'Hyundai', model: 'Kona Electric', modelYear: 2021, vin }],
          homeAddress: HOME,
          utilityAccount: '1111222233',
        },
        { cookie },
      );
      drivers[key].application = applied.json.id as number;
      await api('POST', `/applications/${drivers[key].application}/approve`, {}, { cookie: cookies.admin });
    }
    // Mississippi's own stock: never shown to Alectra's administrator.
    await api(
      'POST',
      '/device-stock',
      { program: 'mississippi-power', list: 'C2-MS-ONLY-1' },
      { cookie: cookies.operator },
    );
    browsing = await startBrowser(server);
  }, 120_000);

  afterAll(async () => {
    await browsing?.close();
    await server?.stop();
  });

  /** The labels shown now: serial, secret and what the QR code decodes to. */
  const labelsOn = async (p: Page) => {
    const labels = p.locator('.stock-label');
    const out: { serial: string; secret: string; qr: string }[] = [];
    for (let i = 0; i < (await labels.count()); i++) {
      const label = labels.nth(i);
      const serial = (await label.locator('dd code').first().textContent())!.trim();
      const secret = (await label.locator('[data-secret]').textContent())!.trim();
      const svg = label.locator('svg.qr');
      const modules = Number(await svg.getAttribute('data-modules'));
      const d = (await svg.locator('path').getAttribute('d'))!;
      out.push({ serial, secret, qr: decodeModules(modules, d) });
    }
    return out;
  };

  it('lets an operator add one serial and a CSV to a program’s stock, each secret shown once on a label', async () => {
    const p = await browsing.page({ session: cookies.operator, viewport: DESK });
    await p.goto(`${server.url}/admin`);
    await p.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Device stock' }).click();
    await p.waitForURL('**/admin/stock');
    await p.getByRole('heading', { name: 'Add devices' }).waitFor();
    expect(await p.title()).toBe('Device stock · SmartCharge');
    await shoot(p, '40-admin-stock');
    await audit(p, 'device stock');

    await p.getByLabel('Add to').selectOption({ label: "SmartCharge Ontario (Alectra)'s stock" });
    // A mistyped serial is refused in words, beside the field's form.
    await p.getByLabel('One serial').fill('C2 WEB 0001');
    await p.getByRole('button', { name: 'Add this device' }).click();
    await p
      .getByRole('form', { name: 'Add one device' })
      .getByRole('alert')
      .filter({ hasText: '"C2 WEB 0001" is not a serial (3 to 64 letters, digits' })
      .waitFor();
    await p.getByLabel('One serial').fill('C2-WEB-0001');
    await p.getByRole('button', { name: 'Add this device' }).click();
    await p.getByRole('heading', { name: 'New device: print its label now' }).waitFor();
    const [one] = await labelsOn(p);
    expect(one).toMatchObject({ serial: 'C2-WEB-0001' });
    expect(one!.secret.length).toBeGreaterThan(20);
    expect(one!.qr).toBe(`C2-WEB-0001:${one!.secret}`);
    secrets.set(one!.serial, one!.secret);
    await expect.poll(() => p.getByLabel('Whose stock is C2-WEB-0001').inputValue()).toBe('alectra');

    // One for the shared stock, then given to Alectra from the list.
    await p.getByLabel('Add to').selectOption({ label: 'The shared stock (any program ships it)' });
    await p.getByLabel('One serial').fill('C2-WEB-SHARED-1');
    await p.getByRole('button', { name: 'Add this device' }).click();
    await p.locator('.stock-label', { hasText: 'C2-WEB-SHARED-1' }).waitFor();
    const owner = p.getByLabel('Whose stock is C2-WEB-SHARED-1');
    expect(await owner.inputValue()).toBe('');
    await owner.selectOption({ label: 'SmartCharge Ontario (Alectra)' });
    await p
      .getByRole('row', { name: /C2-WEB-SHARED-1/ })
      .getByRole('button', { name: 'History' })
      .click();
    await p
      .getByRole('list', { name: 'History of device C2-WEB-SHARED-1' })
      .getByText("Moved · to SmartCharge Ontario (Alectra)'s stock · by Olive Operator")
      .waitFor();
    expect(await owner.inputValue()).toBe('alectra');
    await p.getByLabel('Add to').selectOption({ label: "SmartCharge Ontario (Alectra)'s stock" });

    // Pasted with a bad line and a repeat: nothing is added, each line named in words, the list kept.
    const list = p.getByLabel('A list of serials');
    await list.fill('serial,box\nC2-WEB-0002,1\nnot a serial!\nC2-WEB-0003,1\nC2-WEB-0002,2\n');
    await p.getByRole('button', { name: 'Add the list' }).click();
    const refused = p.getByRole('alert').filter({ hasText: 'nothing was added' });
    await refused.waitFor();
    expect(await refused.locator('li').allTextContents()).toEqual([
      'Line 3: "not a serial!" is not a serial (3 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit).',
      'Line 5: C2-WEB-0002 is already on line 2.',
    ]);
    expect(await list.inputValue()).toContain('not a serial!');
    expect(await p.getByRole('row', { name: /C2-WEB-0002/ }).count()).toBe(0);
    await shoot(p, '41-admin-stock-refused-list');
    await audit(p, 'device stock, a refused list');

    // The fixed list, uploaded as a CSV file: read into the list, then added whole.
    await p.getByLabel('Or a CSV file').setInputFiles({
      name: 'serials.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('serial,box\r\nC2-WEB-0002,1\r\nC2-WEB-0003,1\r\n'),
    });
    await expect.poll(() => list.inputValue()).toContain('C2-WEB-0003');
    await p.getByRole('button', { name: 'Add the list' }).click();
    await p.getByRole('heading', { name: '2 new devices: print their labels now' }).waitFor();
    const two = await labelsOn(p);
    expect(two.map((l) => l.serial)).toEqual(['C2-WEB-0002', 'C2-WEB-0003']);
    for (const label of two) {
      expect(label.qr).toBe(`${label.serial}:${label.secret}`);
      secrets.set(label.serial, label.secret);
    }
    expect(await list.inputValue()).toBe('');
    await shoot(p, '42-admin-stock-labels');
    await audit(p, 'device stock, new labels');

    // Printing prints the labels and nothing else.
    await p.emulateMedia({ media: 'print' });
    expect(await p.locator('.stock-labels').isVisible()).toBe(true);
    expect(await p.getByRole('heading', { name: 'Add devices' }).isVisible()).toBe(false);
    expect(await p.getByRole('button', { name: 'Print the labels' }).isVisible()).toBe(false);
    await p.emulateMedia({ media: 'screen' });

    // A secret shown is the device's working one.
    for (const [serial, secret] of secrets) {
      expect(await server.services.devices.authenticate({ serial, secret }), serial).toMatchObject({ ok: true });
    }

    // Shown once: after "Done", or coming back, no secret is on the page.
    await p.getByRole('button', { name: 'Done: hide the secrets' }).click();
    expect(await p.locator('[data-secret]').count()).toBe(0);
    await p.reload();
    await p.getByRole('heading', { name: 'Devices', exact: true }).waitFor();
    const page = (await p.locator('main').textContent()) ?? '';
    for (const secret of secrets.values()) expect(page).not.toContain(secret);
    await p.context().close();
  });

  it('lets a program administrator ship from stock, add an unknown serial when shipping, and mark one installed', async () => {
    const p = await browsing.page({ session: cookies.admin });
    await p.goto(`${server.url}/admin/alectra/participants`);
    const vehicles = p.getByRole('table', { name: 'Approved vehicles and their devices' });
    const ada = vehicles.getByRole('row', { name: new RegExp(drivers.ada.name) });
    await ada.waitFor();
    await shoot(p, '43-admin-participants-stock');
    await audit(p, 'participants with the stock');

    // Ada's device, picked from the stock (Mississippi's is not offered).
    await ada.getByRole('button', { name: 'Ship a device' }).click();
    const adaForm = p.getByRole('form', { name: /Ship a device to the 2021 Hyundai Kona Electric/ }).first();
    const picker = adaForm.getByLabel('Device from stock');
    const offered = await picker.locator('option').allTextContents();
    expect(offered).toEqual(expect.arrayContaining(['C2-WEB-0001', 'C2-WEB-0002', 'Another serial (type it)']));
    expect(offered).not.toContain('C2-MS-ONLY-1');
    await picker.selectOption('C2-WEB-0001');
    await adaForm.getByLabel('Carrier').fill('Canada Post');
    await adaForm.getByLabel('Tracking number').fill('CP-ADA-1');
    await shoot(p, '44-admin-ship-from-stock');
    await audit(p, 'ship from stock');
    await adaForm.getByRole('button', { name: 'Record the shipment' }).click();
    await ada.locator('code', { hasText: 'C2-WEB-0001' }).waitFor();
    await ada.getByText('shipped', { exact: true }).waitFor();

    // Ben's device has a serial nobody added yet: offered to be added, its label shown, then shipped.
    const ben = vehicles.getByRole('row', { name: new RegExp(drivers.ben.name) });
    await ben.getByRole('button', { name: 'Ship a device' }).click();
    const benForm = p.getByRole('form', { name: /Ship a device to the 2021 Hyundai Kona Electric/ });
    await benForm.getByLabel('Device from stock').selectOption({ label: 'Another serial (type it)' });
    await benForm.getByLabel('Device serial').fill('C2-WEB-NEW-9');
    await benForm.getByLabel('Carrier').fill('Purolator');
    await benForm.getByLabel('Tracking number').fill('PUR-BEN-9');
    await benForm.getByRole('button', { name: 'Record the shipment' }).click();
    const offer = benForm.getByRole('alert').filter({ hasText: 'C2-WEB-NEW-9 is not in stock' });
    await offer.waitFor();
    await shoot(p, '45-admin-ship-unknown-serial');
    await audit(p, 'ship an unknown serial');
    await offer.getByRole('button', { name: 'Add C2-WEB-NEW-9 to stock and ship it' }).click();
    await p.getByRole('heading', { name: 'New device: print its label now' }).waitFor();
    const [label] = await labelsOn(p);
    expect(label!.serial).toBe('C2-WEB-NEW-9');
    expect(label!.qr).toBe(`C2-WEB-NEW-9:${label!.secret}`);
    await ben.locator('code', { hasText: 'C2-WEB-NEW-9' }).waitFor();
    await ben.getByText('shipped', { exact: true }).waitFor();
    const shipped = await api('GET', '/programs/alectra/shipments', undefined, { cookie: cookies.admin });
    expect(
      (shipped.json.shipments as { trackingNumber: string; device: { serial: string } | null }[]).map((s) => [
        s.device?.serial,
        s.trackingNumber,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['C2-WEB-0001', 'CP-ADA-1'],
        ['C2-WEB-NEW-9', 'PUR-BEN-9'],
      ]),
    );
    await shoot(p, '46-admin-shipped-new-serial');
    await audit(p, 'shipped a new serial');

    // A support call: Ada says it is plugged in; the administrator records it, with a note.
    await ada.getByRole('button', { name: 'Mark installed…' }).click();
    const install = p.getByRole('form', { name: `Mark device C2-WEB-0001 installed for ${drivers.ada.name}` });
    await install.getByRole('button', { name: `Mark installed for ${drivers.ada.name}` }).click();
    await install.getByText('Say why: what the driver told you.').waitFor();
    await install.getByLabel('What the driver told you').fill(NOTE);
    await shoot(p, '47-admin-mark-installed');
    await audit(p, 'mark installed for a driver');
    await install.getByRole('button', { name: `Mark installed for ${drivers.ada.name}` }).click();
    const history = p.getByRole('list', { name: 'History of device C2-WEB-0001' });
    await history.waitFor();
    const last = history.locator('li').last();
    await expect.poll(() => last.textContent()).toContain(`Now installed · installed for the driver: ${NOTE}`);
    expect(await last.textContent()).toContain('by Sam Admin (sam@alectra.example)');
    await ada.getByText('installed', { exact: true }).waitFor();
    await shoot(p, '48-admin-installed-history');
    await audit(p, 'device history after a support call');

    // The administrator's stock page: their program's devices by state, never Mississippi's.
    await p.goto(`${server.url}/admin/stock`);
    await p.getByRole('heading', { name: 'Devices', exact: true }).waitFor();
    expect(await p.getByRole('row', { name: /C2-MS-ONLY-1/ }).count()).toBe(0);
    await p
      .getByRole('row', { name: /C2-WEB-0001/ })
      .getByText('installed', { exact: true })
      .waitFor();
    await p
      .getByRole('row', { name: /C2-WEB-NEW-9/ })
      .getByText('shipped', { exact: true })
      .waitFor();
    await p
      .getByRole('row', { name: /C2-WEB-0002/ })
      .getByText('in stock', { exact: true })
      .waitFor();
    expect(await p.getByLabel('Add to').locator('option').allTextContents()).toEqual([
      "SmartCharge Ontario (Alectra)'s stock",
    ]);
    await shoot(p, '49-admin-stock-program');
    await audit(p, 'device stock as a program administrator');
    await p.context().close();
  });
});

/** What a label's QR code says: its modules (one SVG path of unit squares) drawn 4 px each, decoded. */
function decodeModules(size: number, d: string): string {
  const scale = 4;
  const px = size * scale;
  const data = new Uint8Array(px * px * 3).fill(255);
  for (const [, x, y] of d.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const at = ((Number(y) * scale + dy) * px + Number(x) * scale + dx) * 3;
        data[at] = data[at + 1] = data[at + 2] = 0;
      }
    }
  }
  return decodeQR({ width: px, height: px, data });
}

/**
 * Browser journey (Debian's chromium through playwright-core, the real server on the embedded
 * database): a program administrator opens the grid page, sees the demand-response event of the
 * range named under the load by hour (its measured shed), uploads a CSV of the distribution grid
 * with a mistake (refused, the line and column named, nothing stored), then the corrected file, and
 * reads each group's rating, coincident peak and hours above rating, the overloaded transformer
 * flagged. Audited and shot at phone and desk widths.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvent } from '../src/demand/demand.repository.js';
import { insertSessions, replaceDays } from '../src/derive/derive.repository.js';
import type { VehicleDayRow } from '../src/derive/rollup.js';
import { apiCaller, audit, browserReady, DESK, shoot, signIn, startBrowser, type Browsing } from './support/browser.js';
import { chargeSession } from './support/program-fixtures.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/servers.js';

const HOUR = 3_600_000;
const HOME = { line1: '9 Feeder Row', city: 'Mississauga', region: 'ON', postalCode: 'L5B 1M2', country: 'CA' };
const CSV_HEADER = 'service_point,transformer,transformer_kva,feeder,feeder_kva';

/** A day of charging as derivation rolls it up: `wallWh` in the local hour `hour`. */
function dayRow(day: string, programId: number, wallWh: number, hour: number): VehicleDayRow {
  return {
    day,
    programId,
    trips: 1,
    distanceM: 10_000,
    electricDistanceM: 10_000,
    driveWh: 1500,
    driveHvacWh: 0,
    driveAuxWh: 0,
    sessions: 1,
    chargeBatteryWh: wallWh * 0.9,
    chargeWallWh: wallWh,
    chargeL1Wh: 0,
    chargeL2Wh: wallWh,
    chargeDcfcWh: 0,
    chargeInTerritoryWh: wallWh,
    chargeHvacWh: 0,
    chargeAuxWh: 0,
    chargeTouWh: { off_peak: wallWh },
    chargeHourlyWh: Array.from({ length: 24 }, (_, h) => (h === hour ? wallWh : 0)),
    co2G: 0,
    fuelCo2G: 0,
    co2AvoidedG: 0,
    readings: 100,
    ambientMeanC: null,
    ambientMinC: null,
    ambientMaxC: null,
  };
}

describe.runIf(browserReady)('the distribution grid on the grid page, in a browser', () => {
  let server: TestServer;
  let browsing: Browsing;
  let admin: string;
  const api = (...args: Parameters<ReturnType<typeof apiCaller>>) => apiCaller(server)(...args);

  beforeAll(async () => {
    server = await startTestServer({ database: 'pglite', mqtt: 'off', env: { JOBS: 'false', MAP_TILE_URL: 'off' } });
    await api('POST', '/programs', { preset: 'alectra' }, { bearer: ADMIN_TOKEN });
    await api(
      'POST',
      '/accounts',
      {
        email: 'gia@alectra.example',
        name: 'Gia Planner',
        role: 'program_admin',
        utility: 'Alectra Utilities',
        password: 'plans the grid all day',
      },
      { bearer: ADMIN_TOKEN },
    );
    admin = await signIn(server, 'gia@alectra.example', 'plans the grid all day');
    const program = await server.services.programs.getProgram({ kind: 'operator', via: 'cli' }, 'alectra');
    // Two days ago at 23:00 UTC (18:00 in Toronto), within the page's default last 30 days.
    const evening = Math.floor((Date.now() - 2 * 86_400_000) / 86_400_000) * 86_400_000 + 23 * HOUR;
    const day = new Date(evening - 5 * HOUR).toISOString().slice(0, 10);
    for (const [i, [account, kwh]] of (
      [
        ['4410023311', 9],
        ['4410023312', 8],
        ['4410029001', 3],
      ] as const
    ).entries()) {
      const email = `driver${i}@drivers.example`;
      await api('POST', '/auth/signup', { email, name: `Driver ${i}`, password: 'drives a long way' });
      const cookie = await signIn(server, email, 'drives a long way');
      const applied = await api(
        'POST',
        '/programs/alectra/applications',
        {
          vehicles: [{ make: 'Hyundai', model: 'Kona Electric', modelYear: 2021, vin: `KM8K33AG1MU00040${i}` }],
          homeAddress: HOME,
          utilityAccount: account,
        },
        { cookie },
      );
      const approved = await api('POST', `/applications/${applied.json.id as number}/approve`, {}, { cookie: admin });
      const vehicleId = (approved.json.vehicles as { vehicleId: number }[])[0]!.vehicleId;
      // One hour of charging each at the same evening hour: T-1187 (the first two) draws 17 kW.
      await insertSessions(server.services.db, vehicleId, [
        chargeSession({ pluggedAtMs: evening, hours: 1, wallKwh: kwh }),
      ]);
      await replaceDays(server.services.db, vehicleId, day, [dayRow(day, program.id, kwh * 1000, 18)]);
    }
    const event = await insertEvent(server.services.db, {
      programId: program.id,
      source: 'admin',
      name: 'Cold evening peak',
      target: 'curtail',
      capKw: null,
      startsAt: new Date(evening - HOUR),
      endsAt: new Date(evening + 2 * HOUR),
      noticeAt: new Date(evening - 3 * HOUR),
      randomizeS: 0,
      scope: { kind: 'all' },
      controlShare: 0.2,
      assignmentSeed: 'seed',
      createdBy: null,
    });
    await server.services.db.query(`UPDATE dr_event SET status = 'completed', result = $2::jsonb WHERE id = $1`, [
      event.id,
      JSON.stringify({ shedKwFleet: { estimate: 4.2, low: 2, high: 6.4 } }),
    ]);
    browsing = await startBrowser(server);
  }, 120_000);

  afterAll(async () => {
    await browsing?.close();
    await server?.stop();
  });

  it('shows the events on the load by hour, refuses a bad CSV naming its line, and tabulates the groups of a good one', async () => {
    const p = await browsing.page({ session: admin, viewport: DESK });
    await p.goto(`${server.url}/admin/alectra/grid`);
    await expect.poll(() => p.locator('.chart-host canvas').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const events = p.getByRole('list', { name: 'Demand-response events in this range' });
    await events.getByText('Cold evening peak').waitFor();
    expect(await events.textContent()).toContain('4.20 kW shed (measured)');
    expect(await p.locator('.chart-host').first().getAttribute('aria-label')).toContain('are shaded');
    const distribution = p.locator('.card', { has: p.getByRole('heading', { name: 'Distribution' }) });
    await distribution.getByText('No feeders or transformers yet').waitFor();

    const file = path.join(tmpdir(), `grid-${process.pid}.csv`);
    await writeFile(file, `${CSV_HEADER}\n4410023311,T-1187,15,F-12,7500\n4410023312,T-1187,fifteen,F-12,\n`);
    await p.getByLabel('Feeders and transformers (CSV or GeoJSON)').setInputFiles(file);
    await p.getByRole('button', { name: 'Upload and replace' }).click();
    await distribution
      .getByRole('alert')
      .filter({ hasText: 'line 3: transformer_kva: expected the rating in kVA as a plain number' })
      .waitFor();
    await distribution.getByText('No feeders or transformers yet').waitFor();

    await writeFile(
      file,
      [
        CSV_HEADER,
        '4410023311,T-1187,15,F-12,7500',
        '4410023312,T-1187,,F-12,',
        '4410029001,T-1190,25,F-12,',
        '4410099999,T-1190,,F-12,',
      ].join('\n'),
    );
    await p.getByLabel('Feeders and transformers (CSV or GeoJSON)').setInputFiles(file);
    await p.getByRole('button', { name: 'Upload and replace' }).click();
    const stored = distribution.getByRole('status').filter({ hasText: 'Stored 3 groups and 4 service points' });
    await stored.waitFor();
    expect(await stored.textContent()).toContain('4410099999');
    const row = (code: string) => distribution.getByRole('row').filter({ has: p.getByText(code, { exact: true }) });
    await row('T-1187').waitFor();
    const cells = async (code: string) => (await row(code).getByRole('cell').allTextContents()).map((t) => t.trim());
    // Rating, participants, coincident peak, peak hour, hours above rating.
    expect(await cells('T-1187')).toEqual([
      '15 kVA',
      '2',
      '17.00 kW',
      expect.stringContaining('6:00'),
      '1 h over rating',
    ]);
    expect((await cells('T-1190')).slice(0, 3)).toEqual(['25 kVA', '1', '3.00 kW']);
    expect((await cells('T-1190'))[4]).toBe('0');
    expect((await cells('F-12')).slice(0, 3)).toEqual(['7,500 kVA', '3', '20.00 kW']);
    expect(await row('T-1187').getAttribute('data-over-rating')).toBe('true');
    await distribution.getByText('1 group ran above its rating in this range.').waitFor();
    await shoot(p, '15-admin-grid-distribution');
    await audit(p, 'grid page with distribution');
  });
});

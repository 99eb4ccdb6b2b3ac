/**
 * Auxiliary load, charging cost and history progress through the platform, on PGlite and on
 * PostgreSQL: a simulated car in Alectra's program reports two November days; heating and cooling
 * must stay apart from the low-voltage loads in trips, sessions and days, each charge must be
 * priced at the program's time-of-use rates by its energy in each period (and repriced when the
 * rates change, without a rebuild), the download must carry the costs, and the overview must say
 * when data has arrived that is not derived yet.
 */
import { buildFleet, FleetRunner, toRecordValues } from '@smartcharge/device';
import { createLocalClock, quantizeRecordInPlace, type TUplinkRecord } from '@smartcharge/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { rowsToCsv } from '../src/derive/index.js';
import { compileRatePlan, PRESETS, ZRatePlanSchema } from '../src/programs/index.js';
import type { Services } from '../src/services.js';
import { batchOf, testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';

const START = Date.UTC(2026, 10, 16, 5); // Monday 16 November 2026, local midnight in Toronto
const DAYS = 2;
const NOW = START + (DAYS + 1) * 86_400_000;
const FROM_DAY = '2026-11-16';
const TO_DAY = '2026-11-19';
const toronto = createLocalClock('America/Toronto');

type Row = Record<string, unknown>;
const sum = (rows: readonly Row[], key: string) => rows.reduce((n, r) => n + Number(r[key]), 0);

async function simulate() {
  const [vehicle] = buildFleet({
    program: 'alectra',
    vehicles: 1,
    seed: 33,
    startMs: START,
    serialPrefix: `CST-${process.pid}`,
  });
  const records: TUplinkRecord[] = [];
  const runner = new FleetRunner([vehicle!], {
    truth() {},
    reading(v, frame) {
      const values = toRecordValues(frame, v.spec.model.powertrain === 'PHEV');
      records.push(quantizeRecordInPlace({ seq: records.length, ...values }));
    },
  });
  await runner.run({ untilMs: START + DAYS * 86_400_000, stepMs: 6 * 3_600_000 });
  return { spec: vehicle!.spec, records };
}

describeEachDatabase('auxiliary load, charging cost and history progress', (setup) => {
  let services: Services;
  let vehicleId: number;
  let sessions: Row[];

  beforeAll(async () => {
    // Not derived live: the overview is read between the upload and the derivation.
    services = await testServices(setup().db, { deriveLive: false }, () => new Date(NOW));
    const { spec, records } = await simulate();
    const program = await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
    const vehicle = await services.vehicles.createVehicle(CLI_OPERATOR, {
      make: spec.model.make,
      model: spec.model.model,
      modelYear: spec.modelYear,
      variant: spec.variant.name,
      program: program.slug,
    });
    vehicleId = vehicle.id;
    const issued = await services.devices.provisionDevice(CLI_OPERATOR, { serial: spec.serial, vehicleId });
    const empty = await services.derive.overview(CLI_OPERATOR, vehicleId);
    expect(empty.data).toMatchObject({ receivedFrom: null, receivedTo: null, derivedTo: null, trips: 0 });
    for (let i = 0; i < records.length; i += 2000) {
      const result = await services.ingest.ingest({
        transport: 'http',
        body: JSON.stringify(batchOf(spec.serial, 1, records.slice(i, i + 2000))),
        auth: { kind: 'credential', credential: { serial: spec.serial, secret: issued.secret } },
      });
      expect(result.ack.ok).toBe(true);
    }
  }, 240_000);

  it('tells data that has arrived from data that is derived (history filling in)', async () => {
    const before = await services.derive.overview(CLI_OPERATOR, vehicleId);
    expect(before.data.receivedFrom?.getTime()).toBeLessThanOrEqual(START + 60_000);
    expect(before.data.receivedTo?.getTime()).toBeGreaterThan(START + (DAYS - 0.5) * 86_400_000);
    expect(before.data).toMatchObject({ derivedTo: null, lastDay: null, trips: 0, sessions: 0 });
    await services.derive.rebuild(CLI_OPERATOR, { vehicleId });
    const after = await services.derive.overview(CLI_OPERATOR, vehicleId);
    expect(after.data.trips).toBeGreaterThan(2);
    expect(after.data.sessions).toBeGreaterThan(0);
    expect(after.data.derivedTo!.getTime()).toBeGreaterThan(START);
    expect(after.data.lastDay! >= '2026-11-17').toBe(true);
    expect(after.data.deriving).toBe(false);
    expect(after.rates).toMatchObject({
      name: 'Ontario Time-of-Use prices',
      currency: 'CAD',
      timeOfUse: true,
      comparison: { label: 'On-peak', pricePerKwh: 0.158 },
    });
    sessions = await services.derive.sessions(CLI_OPERATOR, vehicleId, { limit: 100 });
  });

  it('keeps heating and cooling apart from lights, radio and USB in trips, sessions and days', async () => {
    const trips = await services.derive.trips(CLI_OPERATOR, vehicleId, { limit: 500 });
    const days = await services.derive.days(CLI_OPERATOR, vehicleId, FROM_DAY, TO_DAY);
    // November in Toronto: the cabin is heated, and the low-voltage loads run on every trip.
    expect(sum(trips, 'hvacWh')).toBeGreaterThan(0);
    expect(sum(trips, 'auxWh')).toBeGreaterThan(0);
    for (const t of trips) expect(Number(t.hvacWh) + Number(t.auxWh)).toBeLessThan(Number(t.energyWh) + 1);
    expect(sum(days, 'driveHvacWh')).toBeCloseTo(sum(trips, 'hvacWh'), 6);
    expect(sum(days, 'driveAuxWh')).toBeCloseTo(sum(trips, 'auxWh'), 6);
    // While plugged in, each part goes to the day the session started.
    for (const s of sessions) expect(typeof s.hvacWh).toBe('number');
    expect(sum(days, 'chargeHvacWh')).toBeCloseTo(sum(sessions, 'hvacWh'), 6);
    expect(sum(days, 'chargeAuxWh')).toBeCloseTo(sum(sessions, 'auxWh'), 6);
  });

  it('prices each charge at the program’s time-of-use rates by its energy in each period, and each day alike', async () => {
    const rates = compileRatePlan(ZRatePlanSchema.parse(PRESETS.alectra.ratePlan));
    let priced = 0;
    for (const s of sessions) {
      const cost = s.cost as { currency: string; amount: number; compared: number; saved: number; byPeriod: Row };
      expect(cost.currency).toBe('CAD');
      // Independently: each hour's wall energy at the price of its local date and hour.
      let want = 0;
      for (const [hourMs, wallWh] of s.hourly as [number, number, number][]) {
        want += (wallWh / 1000) * rates.periodOn(toronto.localDateKey(hourMs), toronto.hour(hourMs)).pricePerKwh;
      }
      expect(cost.amount).toBeCloseTo(want, 9);
      expect(cost.compared).toBeCloseTo((Number(s.wallWh) / 1000) * 0.158, 6);
      expect(cost.saved).toBeCloseTo(cost.compared - cost.amount, 9);
      expect(cost.saved).toBeGreaterThanOrEqual(0);
      const periodWh = Object.values(cost.byPeriod as Record<string, { wh: number }>).reduce((a, p) => a + p.wh, 0);
      expect(periodWh).toBeCloseTo(Number(s.wallWh), 6);
      priced += cost.amount;
    }
    expect(priced).toBeGreaterThan(0);
    // Days price their 24 hourly sums: over the whole range, the same money as the sessions.
    const days = await services.derive.days(CLI_OPERATOR, vehicleId, '2026-11-01', '2026-12-01');
    const dayCost = days.reduce((a, d) => a + (d.cost as { amount: number }).amount, 0);
    expect(dayCost).toBeCloseTo(priced, 6);
  });

  it('reprices every charge when the administrator changes the rates, without a rebuild', async () => {
    await services.programs.updateProgram(CLI_OPERATOR, 'alectra', {
      ratePlan: {
        name: 'Flat test price',
        periods: [{ key: 'all_hours', label: 'All hours', pricePerKwh: 0.2 }],
        seasons: [{ label: 'All year', from: '01-01', rules: [], default: 'all_hours' }],
      },
    });
    const repriced = await services.derive.sessions(CLI_OPERATOR, vehicleId, { limit: 100 });
    for (const s of repriced) {
      const cost = s.cost as { amount: number; saved: number };
      expect(cost.amount).toBeCloseTo((Number(s.wallWh) / 1000) * 0.2, 6);
      expect(cost.saved).toBeCloseTo(0, 9);
    }
    // Without rates there is no cost, rather than a made-up one.
    await services.programs.updateProgram(CLI_OPERATOR, 'alectra', { ratePlan: null });
    const unpriced = await services.derive.sessions(CLI_OPERATOR, vehicleId, { limit: 100 });
    expect(unpriced.every((s) => s.cost === null)).toBe(true);
    expect((await services.derive.overview(CLI_OPERATOR, vehicleId)).rates).toBeNull();
    await services.programs.updateProgram(CLI_OPERATOR, 'alectra', { ratePlan: PRESETS.alectra.ratePlan });
  });

  it('downloads sessions and days with their cost, climate and accessory columns', async () => {
    const clock = await services.derive.localClock(CLI_OPERATOR, vehicleId);
    const rows = await services.derive.sessions(CLI_OPERATOR, vehicleId, { limit: 100 });
    const [header, ...lines] = rowsToCsv('sessions', rows, { location: false, clock }).trim().split('\r\n');
    const columns = header!.split(',');
    for (const name of ['hvac_kwh', 'aux_kwh', 'currency', 'cost', 'cost_at_comparison', 'compared_with', 'saved']) {
      expect(columns).toContain(name);
    }
    const first = lines.at(-1)!.split(',');
    const at = (name: string) => first[columns.indexOf(name)]!;
    expect(at('currency')).toBe('CAD');
    expect(at('compared_with')).toBe('On-peak at 0.158 per kWh');
    const oldest = rows.at(-1)!.cost as { amount: number; saved: number };
    expect(Number(at('cost'))).toBeCloseTo(oldest.amount, 3);
    expect(Number(at('saved'))).toBeCloseTo(oldest.saved, 3);
    const days = await services.derive.days(CLI_OPERATOR, vehicleId, FROM_DAY, TO_DAY);
    const dayHeader = rowsToCsv('days', days, { location: false, clock }).split('\r\n')[0]!.split(',');
    for (const name of ['drive_hvac_kwh', 'drive_aux_kwh', 'charge_hvac_kwh', 'charge_aux_kwh', 'cost', 'saved']) {
      expect(dayHeader).toContain(name);
    }
  });
});

describe('download cost columns', () => {
  it('neutralise a comparison label that a spreadsheet would run as a formula', () => {
    const clock = createLocalClock('UTC');
    const row = {
      pluggedAt: new Date(0),
      cost: {
        currency: 'CAD',
        amount: 1,
        compared: 2,
        saved: 1,
        comparedWith: { label: '=HYPERLINK(1)', pricePerKwh: 2 },
      },
    };
    const csv = rowsToCsv('sessions', [row], { location: false, clock });
    expect(csv).toContain("'=HYPERLINK(1) at 2 per kWh");
  });
});

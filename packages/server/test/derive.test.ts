/**
 * Derivation through the platform, on PGlite and on PostgreSQL: simulated vehicles report through
 * ingest (some batches late and out of order), live derivation runs on each commit, and its rows
 * must equal a rebuild's, row for row, and the simulator's truth in count.
 */
import { buildFleet, FleetRunner, toRecordValues, type SessionTruth, type TripTruth } from '@smartcharge/device';
import { quantizeRecordInPlace, type TUplinkRecord } from '@smartcharge/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { mergeByTime } from '../src/derive/index.js';
import type { Metrics } from '../src/metrics.js';
import type { Services } from '../src/services.js';
import { allocateColumns, writeRecord } from '../src/telemetry/reading-columns.js';
import { batchOf, testServices } from './support/builders.js';
import { derivedRows } from './support/derived-rows.js';
import { describeEachDatabase } from './support/databases.js';
import { PROGRAM_DAYS_FROM_VEHICLE_DAYS } from './support/program-days.js';

const START = Date.UTC(2026, 10, 10, 5); // local midnight in Toronto
const DAYS = 3;
const NOW = START + (DAYS + 1) * 86_400_000;
const BATCH = 900;

interface SimVehicle {
  serial: string;
  make: string;
  model: string;
  year: number;
  variant: string;
  modelId: string;
  records: TUplinkRecord[];
  trips: TripTruth[];
  sessions: SessionTruth[];
}

async function simulate(): Promise<SimVehicle[]> {
  const fleet = buildFleet({
    program: 'alectra',
    vehicles: 2,
    seed: 21,
    startMs: START,
    serialPrefix: `DRV-${process.pid}`,
  });
  const out = new Map<string, SimVehicle>();
  for (const v of fleet) {
    out.set(v.spec.serial, {
      serial: v.spec.serial,
      make: v.spec.model.make,
      model: v.spec.model.model,
      year: v.spec.modelYear,
      variant: v.spec.variant.name,
      modelId: v.spec.model.id,
      records: [],
      trips: [],
      sessions: [],
    });
  }
  const runner = new FleetRunner(fleet, {
    truth(event) {
      const v = out.get(event.serial)!;
      if (event.type === 'trip') v.trips.push(event);
      else if (event.type === 'session') v.sessions.push(event);
    },
    reading(vehicle, frame) {
      const v = out.get(vehicle.spec.serial)!;
      const values = toRecordValues(frame, vehicle.spec.model.powertrain === 'PHEV');
      v.records.push(quantizeRecordInPlace({ seq: v.records.length, ...values }));
    },
  });
  await runner.run({ untilMs: START + DAYS * 86_400_000, stepMs: 6 * 3_600_000 });
  return [...out.values()];
}

describe('mergeByTime', () => {
  it('orders readings of interleaved chunks by time and keeps only those in range', () => {
    const chunk = (times: number[]) => {
      const c = allocateColumns(times.length);
      times.forEach((t, i) => writeRecord(c, i, { seq: i, time_ms: t }));
      return c;
    };
    const { columns, order } = mergeByTime(
      [chunk([10, 20, 30]), chunk([15, 25, 99])],
      [
        [0, 50],
        [0, 50],
      ],
    );
    expect([...order].map((i) => columns.timeMs[i])).toEqual([10, 15, 20, 25, 30]);
  });
});

describeEachDatabase('derivation live and on rebuild', (setup) => {
  let services: Services & { metrics: Metrics };
  let vehicles: SimVehicle[];
  const ids = new Map<string, number>();

  beforeAll(async () => {
    services = await testServices(setup().db, { deriveLive: true }, () => new Date(NOW));
    vehicles = await simulate();
    const program = await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
    for (const v of vehicles) {
      const vehicle = await services.vehicles.createVehicle(CLI_OPERATOR, {
        make: v.make,
        model: v.model,
        modelYear: v.year,
        variant: v.variant,
        program: program.slug,
      });
      expect(vehicle.catalogModelId).toBe(v.modelId);
      expect(vehicle.catalogVariant).toBe(v.variant);
      const issued = await services.devices.provisionDevice(CLI_OPERATOR, { serial: v.serial, vehicleId: vehicle.id });
      ids.set(v.serial, vehicle.id);
      // Batches in order, except: one vehicle's second day arrives last, and in reverse.
      const batches: TUplinkRecord[][] = [];
      for (let i = 0; i < v.records.length; i += BATCH) batches.push(v.records.slice(i, i + BATCH));
      const late: TUplinkRecord[][] = [];
      const ordered = batches.filter((b) => {
        const day = Math.floor((b[0]!.time_ms - START) / 86_400_000);
        if (v === vehicles[0] && day === 1) {
          late.unshift(b);
          return false;
        }
        return true;
      });
      for (const records of [...ordered, ...late]) {
        const result = await services.ingest.ingest({
          transport: 'http',
          body: JSON.stringify(batchOf(v.serial, 1, records)),
          auth: { kind: 'credential', credential: { serial: v.serial, secret: issued.secret } },
        });
        expect(result.ack.ok).toBe(true);
      }
    }
    await services.derive.idle();
  }, 240_000);

  it('derives every true trip and charging session live, with late batches replayed', async () => {
    for (const v of vehicles) {
      const vehicleId = ids.get(v.serial)!;
      const trips = await services.derive.trips(CLI_OPERATOR, vehicleId, { limit: 5000 });
      const sessions = await services.derive.sessions(CLI_OPERATOR, vehicleId, { limit: 5000 });
      const complete = (rows: Record<string, unknown>[]) => rows.filter((r) => r.complete === true);
      // Truth holds what ended before the simulation did; the last item may still be open.
      expect(complete(trips).length).toBe(v.trips.filter((t) => t.endMs < START + DAYS * 86_400_000).length);
      expect(complete(sessions).length).toBe(v.sessions.length);
      const starts = new Set(trips.map((t) => (t.startedAt as Date).getTime()));
      for (const t of v.trips) expect(starts.has(t.startMs)).toBe(true);
    }
  });

  it('gives row for row what a rebuild gives, whole or from a date', async () => {
    const live = await derivedRows(services.db, {});
    expect(live.trips.length).toBeGreaterThan(10);
    expect(live.sessions.length).toBeGreaterThan(0);
    expect(live.days.length).toBeGreaterThanOrEqual(vehicles.length * DAYS);
    const rebuilt = await services.derive.rebuild(CLI_OPERATOR, {});
    expect(rebuilt.vehicles).toBeGreaterThanOrEqual(2);
    expect(await derivedRows(services.db, {})).toEqual(live);
    await services.derive.rebuild(CLI_OPERATOR, {
      vehicleId: ids.get(vehicles[1]!.serial)!,
      from: new Date(START + 1.5 * 86_400_000),
    });
    expect(await derivedRows(services.db, {})).toEqual(live);
  });

  it('rolls days up per vehicle and per program', async () => {
    const program = await services.programs.getProgram(CLI_OPERATOR, 'alectra');
    const from = '2026-11-01';
    const to = '2026-12-01';
    const perVehicle = await Promise.all(
      vehicles.map((v) => services.derive.days(CLI_OPERATOR, ids.get(v.serial)!, from, to)),
    );
    const programDays = await services.derive.programDays(CLI_OPERATOR, program.id, from, to);
    const sum = (rows: Record<string, unknown>[], key: string) => rows.reduce((n, r) => n + Number(r[key]), 0);
    const all = perVehicle.flat();
    expect(sum(programDays, 'distanceM')).toBeCloseTo(sum(all, 'distanceM'), 3);
    expect(sum(programDays, 'chargeWallWh')).toBeCloseTo(sum(all, 'chargeWallWh'), 3);
    // The hourly load shape and the time-of-use split each add up to the energy charged.
    for (const day of programDays) {
      const hourly = (day.chargeHourlyWh as number[]).reduce((a, b) => a + b, 0);
      const tou = Object.values(day.chargeTouWh as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(hourly).toBeCloseTo(Number(day.chargeWallWh), 3);
      expect(tou).toBeCloseTo(Number(day.chargeWallWh), 3);
    }
    // Days' driving adds up to the trips'.
    const vehicleId = ids.get(vehicles[0]!.serial)!;
    const trips = await services.derive.trips(CLI_OPERATOR, vehicleId, { limit: 5000 });
    expect(sum(perVehicle[0]!, 'distanceM')).toBeCloseTo(sum(trips, 'distanceM'), 3);
    expect(sum(perVehicle[0]!, 'trips')).toBe(trips.length);
  });

  it('keeps each program day equal to the sum of its vehicles, through replays and concurrent rebuilds', async () => {
    const check = async () => {
      const kept = await services.db.query(
        `SELECT program_id::int AS program, day::text AS day, vehicles, trips, sessions, distance_m, charge_wall_wh,
                charge_l2_wh, co2_g, charge_hourly_wh, charge_tou_wh
           FROM program_day WHERE vehicles > 0 ORDER BY program_id, day`,
      );
      const summed = await services.db.query(
        `SELECT program_id::int AS program, day::text AS day, vehicles, trips, sessions, distance_m, charge_wall_wh,
                charge_l2_wh, co2_g, charge_hourly_wh, charge_tou_wh
           FROM (${PROGRAM_DAYS_FROM_VEHICLE_DAYS}) AS fresh ORDER BY program_id, day`,
      );
      expect(kept.rows.length).toBeGreaterThanOrEqual(DAYS);
      expect(kept.rows.map((r) => [r.program, r.day, r.vehicles, r.trips, r.sessions])).toEqual(
        summed.rows.map((r) => [r.program, r.day, r.vehicles, r.trips, r.sessions]),
      );
      kept.rows.forEach((row, i) => {
        const want = summed.rows[i]!;
        for (const key of ['distance_m', 'charge_wall_wh', 'charge_l2_wh', 'co2_g'])
          expect(Number(row[key])).toBeCloseTo(Number(want[key]), 6);
        (want.charge_hourly_wh as number[]).forEach((wh, h) =>
          expect((row.charge_hourly_wh as number[])[h]).toBeCloseTo(wh, 6),
        );
        for (const [period, wh] of Object.entries(want.charge_tou_wh as Record<string, number>))
          expect((row.charge_tou_wh as Record<string, number>)[period]).toBeCloseTo(wh, 6);
      });
    };
    // Live derivation replayed the late day; then both vehicles rebuilt at once, from different days.
    await check();
    await Promise.all(
      vehicles.map((v, n) =>
        services.derive.rebuild(CLI_OPERATOR, {
          vehicleId: ids.get(v.serial)!,
          from: new Date(START + (n + 0.5) * 86_400_000),
        }),
      ),
    );
    await check();
  });

  it('refuses a rebuild of a vehicle that does not exist, naming it', async () => {
    await expect(services.derive.rebuild(CLI_OPERATOR, { vehicleId: 987_654 })).rejects.toThrow(/987654/);
  });
});

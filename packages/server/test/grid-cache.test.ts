/**
 * The grid view's cache, on PGlite and PostgreSQL: a view is served again until it is older than
 * the cache time, everyone asking at once shares one computation, access is checked on every call
 * whatever is kept, and a failed computation is not kept.
 */
import { beforeAll, expect, it, vi } from 'vitest';
import { SYSTEM, type Actor } from '../src/actor.js';
import { replaceDays } from '../src/derive/derive.repository.js';
import type { VehicleDayRow } from '../src/derive/rollup.js';
import { GridService } from '../src/grid/index.js';
import type { Services } from '../src/services.js';
import { testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';

const DAY = '2026-11-03';

function dayRow(programId: number, wallWh: number): VehicleDayRow {
  return {
    day: DAY,
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
    chargeHourlyWh: Array.from({ length: 24 }, (_, h) => (h === 2 ? wallWh : 0)),
    co2G: 0,
    fuelCo2G: 0,
    co2AvoidedG: 0,
    readings: 100,
    ambientMeanC: null,
    ambientMinC: null,
    ambientMaxC: null,
  };
}

describeEachDatabase('grid view cache', (setup) => {
  let services: Services;
  let programId: number;
  let vehicleId: number;
  const admin: Actor = { kind: 'program_admin', accountId: 1, utility: 'Alectra Utilities' };
  const stranger: Actor = { kind: 'program_admin', accountId: 2, utility: 'Mississippi Power' };

  beforeAll(async () => {
    services = await testServices(setup().db);
    const program = await services.programs.ensurePreset(SYSTEM, 'alectra');
    programId = program.id;
    const vehicle = await services.vehicles.createVehicle(SYSTEM, {
      make: 'Nissan',
      model: 'Leaf',
      modelYear: 2020,
      program: program.slug,
    });
    vehicleId = vehicle.id;
    await replaceDays(services.db, vehicleId, DAY, [dayRow(programId, 10_000)]);
  });

  it('serves a view again until it is older than the cache time, then computes it anew', async () => {
    let now = 0;
    const grid = new GridService(services.db, services.programs, services.derive, {
      cacheMs: 60_000,
      clock: () => new Date(),
      monotonicMs: () => now,
    });
    const first = await grid.programGrid(admin, 'alectra', '2026-11-01', '2026-11-08');
    expect(first.totals.wallWh).toBe(10_000);
    await replaceDays(services.db, vehicleId, DAY, [dayRow(programId, 25_000)]);
    now = 59_000;
    expect((await grid.programGrid(admin, 'alectra', '2026-11-01', '2026-11-08')).totals.wallWh).toBe(10_000);
    // Another range is another view.
    expect((await grid.programGrid(admin, 'alectra', '2026-11-02', '2026-11-08')).totals.wallWh).toBe(25_000);
    now = 60_000;
    const fresh = await grid.programGrid(admin, 'alectra', '2026-11-01', '2026-11-08');
    expect(fresh.totals.wallWh).toBe(25_000);
    expect(fresh.days.map((d) => [d.day, d.vehicles, d.hourlyWh[2]])).toEqual([[DAY, 1, 25_000]]);
    // With no cache time, every call computes.
    const uncached = new GridService(services.db, services.programs, services.derive);
    await replaceDays(services.db, vehicleId, DAY, [dayRow(programId, 30_000)]);
    expect((await uncached.programGrid(admin, 'alectra', '2026-11-01', '2026-11-08')).totals.wallWh).toBe(30_000);
  });

  it('computes once for everyone asking at once, and checks access on every call', async () => {
    const grid = new GridService(services.db, services.programs, services.derive, {
      cacheMs: 60_000,
      clock: () => new Date(),
      monotonicMs: () => 0,
    });
    const computed = vi.spyOn(services.derive, 'programDays');
    try {
      const views = await Promise.all(
        Array.from({ length: 5 }, () => grid.programGrid(admin, 'alectra', '2026-10-01', '2026-11-08')),
      );
      expect(new Set(views).size).toBe(1);
      expect(computed).toHaveBeenCalledTimes(1);
    } finally {
      computed.mockRestore();
    }
    await expect(grid.programGrid(stranger, 'alectra', '2026-10-01', '2026-11-08')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      grid.programGrid({ kind: 'driver', accountId: 3 }, 'alectra', '2026-10-01', '2026-11-08'),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('does not keep a computation that failed', async () => {
    const grid = new GridService(services.db, services.programs, services.derive, {
      cacheMs: 60_000,
      clock: () => new Date(),
      monotonicMs: () => 0,
    });
    const failing = vi.spyOn(services.derive, 'programDays').mockRejectedValueOnce(new Error('connection lost'));
    try {
      await expect(grid.programGrid(admin, 'alectra', '2026-09-01', '2026-09-08')).rejects.toThrow('connection lost');
      const view = await grid.programGrid(admin, 'alectra', '2026-09-01', '2026-09-08');
      expect(view.days).toEqual([]);
      expect(failing).toHaveBeenCalledTimes(2);
    } finally {
      failing.mockRestore();
    }
  });
});

import { PROTOCOL_VERSION, ZUplinkBatchSchema, type TUplinkBatch, type UplinkAck } from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import type { UplinkTransport } from '../transport.js';
import { buildFleet, FleetRunner, PROGRAMS, type FleetProgress, type FleetSpec, type FleetVehicle } from './fleet.js';
import type { Truth } from './frame.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 12, 5); // Monday, midnight in Toronto

const spec = (overrides: Partial<FleetSpec> = {}): FleetSpec => ({
  program: 'alectra',
  vehicles: 20,
  seed: 7,
  startMs: START,
  ...overrides,
});

/** What a fleet is made of, without the simulators. */
const makeup = (fleet: readonly FleetVehicle[]) =>
  fleet.map((v) => ({
    serial: v.spec.serial,
    model: v.spec.model.id,
    variant: v.spec.variant.name,
    year: v.spec.modelYear,
    persona: v.spec.persona,
    socPct: v.sim.battery.socPct,
    fade: v.sim.battery.fade,
  }));

/** Acknowledges everything and keeps a copy of each batch. */
class CollectingTransport implements UplinkTransport {
  readonly name = 'collecting';

  constructor(private readonly batches: TUplinkBatch[]) {}

  send(batch: TUplinkBatch): Promise<UplinkAck> {
    this.batches.push(structuredClone(batch));
    return Promise.resolve({
      v: PROTOCOL_VERSION,
      ok: true,
      device: batch.device,
      boot: batch.boot,
      seq_min: batch.records[0]!.seq,
      seq_max: batch.records.at(-1)!.seq,
      accepted: batch.records.length,
      duplicates: 0,
      location_stripped: 0,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('buildFleet', () => {
  it('builds the same fleet for the same seed, and another for another seed', () => {
    expect(makeup(buildFleet(spec()))).toEqual(makeup(buildFleet(spec())));
    expect(makeup(buildFleet(spec({ seed: 8 }))).map((v) => v.model)).not.toEqual(
      makeup(buildFleet(spec())).map((v) => v.model),
    );
  });

  it('names vehicles after the program and seed, or the given prefix', () => {
    expect(buildFleet(spec({ vehicles: 2 })).map((v) => v.spec.serial)).toEqual([
      'SIM-ALECTRA-7-0001',
      'SIM-ALECTRA-7-0002',
    ]);
    expect(buildFleet(spec({ vehicles: 1, serialPrefix: 'PILOT' }))[0]!.spec.serial).toBe('PILOT-0001');
  });

  it("keeps a vehicle's make-up whatever the fleet size (each vehicle has its own random stream)", () => {
    expect(makeup(buildFleet(spec({ vehicles: 5 })))).toEqual(makeup(buildFleet(spec({ vehicles: 20 }))).slice(0, 5));
  });

  it("gives Alectra only battery EVs from Alectra's list", () => {
    for (const v of buildFleet(spec({ vehicles: 300 }))) {
      expect(v.spec.model.powertrain).toBe('BEV');
      expect(v.spec.model.listedBy).toContain('alectra');
      expect(v.region).toBe('ontario');
    }
  });

  it("uses each program's powertrains and list, or the powertrains asked for", () => {
    for (const v of buildFleet(spec({ program: 'mississippi-power', vehicles: 300 }))) {
      expect(PROGRAMS['mississippi-power'].powertrains).toContain(v.spec.model.powertrain);
      expect(v.spec.model.listedBy).toContain('mississippi');
    }
    const snohomish = buildFleet(spec({ program: 'snohomish-pud', vehicles: 300 }));
    expect(new Set(snohomish.map((v) => v.spec.model.powertrain))).toEqual(new Set(['BEV', 'PHEV']));
    for (const v of buildFleet(spec({ program: 'snohomish-pud', vehicles: 50, powertrains: ['PHEV'] }))) {
      expect(v.spec.model.powertrain).toBe('PHEV');
    }
  });

  it('refuses a program with no model of the asked powertrains', () => {
    expect(() => buildFleet(spec({ powertrains: ['FCEV'] }))).toThrow(/alectra.*FCEV/);
  });

  it('never picks the Twizy', () => {
    for (const program of ['mississippi-power', 'snohomish-pud'] as const) {
      const ids = buildFleet(spec({ program, vehicles: 2000 })).map((v) => v.spec.model.id);
      expect(ids).not.toContain('renault-twizy');
    }
  });

  it('picks model years the variant was sold in, no later than the start', () => {
    for (const v of buildFleet(spec({ program: 'snohomish-pud', vehicles: 300 }))) {
      expect(v.spec.modelYear).toBeGreaterThanOrEqual(v.spec.variant.yearFrom);
      expect(v.spec.modelYear).toBeLessThanOrEqual(Math.min(v.spec.variant.yearTo, 2026));
    }
  });

  it('applies forced kinds of drivers to the vehicles in turn', () => {
    const fleet = buildFleet(
      spec({
        vehicles: 6,
        personas: [{ dcHeavy: true }, { homeCharging: 'L1', dcHeavy: false, offPeak: true }],
      }),
    );
    fleet.forEach((v, i) => {
      if (i % 2 === 0) expect(v.spec.persona.dcHeavy).toBe(true);
      else expect([v.spec.persona.homeCharging, v.spec.persona.offPeakStartHour]).toEqual(['L1', 23]);
    });
  });
});

describe('FleetRunner', () => {
  async function run(days: number, device?: { gapEveryH?: number }) {
    const fleet = buildFleet(spec({ vehicles: 3, climate: { temperatureAt: () => 5 } }));
    const batches: TUplinkBatch[] = [];
    const truths: Truth[] = [];
    let readings = 0;
    const runner = new FleetRunner(
      fleet,
      {
        transportFor: () => new CollectingTransport(batches),
        truth: (event) => truths.push(event),
        reading: () => readings++,
      },
      { device: { initialBackoffMs: 1, ...device } },
    );
    const progress: FleetProgress[] = [];
    await runner.run({ untilMs: START + days * DAY, onProgress: (p) => progress.push(p) });
    return { fleet, runner, batches, truths, readings, progress };
  }

  it('delivers every record to the transport once flushed, and leaves nothing pending', async () => {
    const { runner, batches, readings } = await run(2);
    expect(runner.recordsProduced).toBeGreaterThan(3 * 2 * 144);
    expect(readings).toBe(runner.recordsProduced);
    expect(await runner.flushAll(4, START + 2 * DAY)).toBe(0);
    expect(runner.pendingRecords).toBe(0);
    const delivered = batches.reduce((n, b) => n + b.records.length, 0);
    expect(delivered).toBe(runner.recordsProduced);
    const keys = new Set(batches.flatMap((b) => b.records.map((r) => `${b.device}/${b.boot}/${r.seq}`)));
    expect(keys.size).toBe(delivered);
  });

  it('sends only batches the protocol accepts, with positions only while plugged in', async () => {
    const { runner, batches } = await run(1);
    await runner.flushAll(4, START + DAY);
    for (const batch of batches) {
      expect(() => ZUplinkBatchSchema.parse(batch)).not.toThrow();
      for (const record of batch.records) {
        if (record.location !== undefined) expect(record.charge_state).not.toBe('unplugged');
      }
    }
  });

  it('holds records through coverage gaps and still delivers them all', async () => {
    const { runner, batches } = await run(2, { gapEveryH: 2 });
    await runner.flushAll(4, START + 2 * DAY);
    expect(runner.pendingRecords).toBe(0);
    expect(batches.reduce((n, b) => n + b.records.length, 0)).toBe(runner.recordsProduced);
  });

  it('uploads during the run, not only at the end', async () => {
    const { runner, batches } = await run(1);
    expect(batches.length).toBeGreaterThan(0);
    expect(runner.pendingRecords).toBeLessThan(runner.recordsProduced);
  });

  it('reports the ground truth and its progress to the end', async () => {
    const { truths, progress, fleet, runner } = await run(1);
    // A day closes once the simulation passes its local midnight.
    expect(truths.filter((t) => t.type === 'day')).toEqual([]);
    runner.advance(START + DAY + 1000);
    expect(truths.filter((t) => t.type === 'day').map((t) => t.serial)).toEqual(fleet.map((v) => v.spec.serial));
    expect(truths.some((t) => t.type === 'trip')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ vehicleDaysDone: 3, vehicleDaysTotal: 3, simulatedMs: START + DAY });
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.simulatedMs).toBeGreaterThan(progress[i - 1]!.simulatedMs);
    }
  });

  it('runs without devices when there is no transport', async () => {
    const fleet = buildFleet(spec({ vehicles: 2, climate: { temperatureAt: () => 5 } }));
    let readings = 0;
    const runner = new FleetRunner(fleet, { reading: () => readings++ });
    await runner.run({ untilMs: START + DAY / 2 });
    expect(readings).toBe(runner.recordsProduced);
    expect(readings).toBeGreaterThan(0);
    expect(runner.pendingRecords).toBe(0);
    expect(await runner.flushAll()).toBe(0);
  });

  it('stops early when aborted', async () => {
    const fleet = buildFleet(spec({ vehicles: 1, climate: { temperatureAt: () => 5 } }));
    const runner = new FleetRunner(fleet, {});
    const controller = new AbortController();
    await runner.run({
      untilMs: START + 10 * DAY,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.simulatedMs >= START + 3 * 3_600_000) controller.abort();
      },
    });
    expect(fleet[0]!.sim.timeMs).toBeLessThanOrEqual(START + 4 * 3_600_000);
  });
});

/**
 * npm run bench:derive — how fast raw telemetry becomes trips, sessions, battery health and daily
 * rollups, compared in the same run with the time just to read that telemetry back.
 *
 * One simulated vehicle-year at 1 Hz (driving and charging; parked readings every few minutes) is
 * stored through ingest, as a C2 backfilling its history would send it. Then, on each database
 * (embedded PGlite, PostgreSQL server):
 *   1. read: every chunk of the vehicle decoded into columns, in time order (the floor).
 *   2. rebuild: `smartcharge rebuild --vehicle V` — read, derive, replace every derived row.
 *   3. live: the next minutes of readings arrive batch by batch with live derivation on; each
 *      batch's time from its acknowledgement (after commit) to its trip/session rows being visible.
 * And in memory, the engine alone: readings derived per second from decoded columns.
 *
 * Options: --days N (default 365), --db postgres|pglite|both, --seed S. BENCH_DATABASE_URL names
 * the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { parseArgs } from 'node:util';
import { buildFleet, FleetRunner, type FleetVehicle } from '@smartcharge/device';
import type { UplinkAck, TUplinkBatch } from '@smartcharge/protocol';
import { CLI_OPERATOR } from '../src/actor.js';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { openPGlite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import { DeriveEngine, readVehicle, vehicleDeviceWindows } from '../src/derive/index.js';
import { factsOf } from '../src/derive/vehicle-facts.js';
import { compileProgram, programSettings } from '../src/programs/index.js';
import { createScratchDatabase } from '../test/support/scratch-database.js';
import { testServices } from '../test/support/builders.js';
import { DEFAULT_DERIVE_PARAMS } from '../src/derive/index.js';

const { values: args } = parseArgs({
  options: {
    days: { type: 'string', default: '365' },
    db: { type: 'string', default: 'both' },
    seed: { type: 'string', default: '4' },
  },
});
const DAYS = Number(args.days);
const SEED = Number(args.seed);
const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAY_MS = 86_400_000;
const START = Date.UTC(2025, 0, 6, 5);
const END = START + DAYS * DAY_MS;
const LIVE_MS = 8 * 3_600_000;
const NOW = END + LIVE_MS + 60_000;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function benchDatabase(label: string, db: Database): Promise<void> {
  await migrate(db);
  const services = await testServices(db, { ingestMaxAgeDays: DAYS + 30, deriveLive: false }, () => new Date(NOW));
  const program = await services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
  const fleet = buildFleet({
    program: 'alectra',
    vehicles: 1,
    seed: SEED,
    startMs: START,
    serialPrefix: `BENCH-${label}`,
  });
  const sim = fleet[0]!;
  const vehicle = await services.vehicles.createVehicle(CLI_OPERATOR, {
    make: sim.spec.model.make,
    model: sim.spec.model.model,
    modelYear: sim.spec.modelYear,
    variant: sim.spec.variant.name,
    program: program.slug,
  });
  const issued = await services.devices.provisionDevice(CLI_OPERATOR, {
    serial: sim.spec.serial,
    vehicleId: vehicle.id,
  });
  const credential = { serial: sim.spec.serial, secret: issued.secret };
  const liveBatches: TUplinkBatch[] = [];
  let liveMode = false;
  const transport = {
    name: 'in-process',
    async send(batch: TUplinkBatch): Promise<UplinkAck> {
      if (liveMode) {
        liveBatches.push(batch);
        return {
          v: 1,
          ok: true,
          device: batch.device,
          boot: batch.boot,
          seq_min: batch.records[0]!.seq,
          seq_max: batch.records.at(-1)!.seq,
          accepted: batch.records.length,
          duplicates: 0,
          location_stripped: 0,
        };
      }
      const result = await services.ingest.ingest({
        transport: 'http',
        body: JSON.stringify(batch),
        auth: { kind: 'credential', credential },
      });
      return result.ack;
    },
    close: () => Promise.resolve(),
  };
  const runner = new FleetRunner(
    [sim] as FleetVehicle[],
    { transportFor: () => transport },
    { device: { batchRecords: 3600 } },
  );
  let started = performance.now();
  await runner.run({ untilMs: END, stepMs: 6 * 3_600_000, uploads: 'backfill' });
  const stored = runner.recordsProduced;
  console.log(
    `${label}: simulated and stored ${stored.toLocaleString('en-US')} readings (${DAYS} days) in ${seconds(performance.now() - started)}`,
  );

  // 1. Read only.
  const windows = await vehicleDeviceWindows(db, vehicle.id);
  started = performance.now();
  let read = 0;
  for await (const page of readVehicle(db, windows, -Infinity)) read += page.order.length;
  const readMs = performance.now() - started;

  // 2. Rebuild.
  started = performance.now();
  const rebuilt = await services.derive.rebuild(CLI_OPERATOR, { vehicleId: vehicle.id });
  const rebuildMs = performance.now() - started;
  const result = rebuilt.results[0]!;
  console.log(
    `${label}: read back ${read.toLocaleString('en-US')} readings in ${seconds(readMs)}; ` +
      `rebuild ${seconds(rebuildMs)} (${(rebuildMs / readMs).toFixed(2)}× reading; ${Math.round(read / (rebuildMs / 1000)).toLocaleString('en-US')} readings/s) → ` +
      `${result.trips} trips, ${result.sessions} sessions, ${result.days} days, ${result.weeks} weeks`,
  );

  // 3. Live: the next two hours, batch by batch.
  liveMode = true;
  await runner.run({ untilMs: END + LIVE_MS, stepMs: 60_000 });
  const live = await testServices(db, { ingestMaxAgeDays: DAYS + 30, deriveLive: true }, () => new Date(NOW));
  const latencies: number[] = [];
  for (const batch of liveBatches) {
    const result = await live.ingest.ingest({
      transport: 'http',
      body: JSON.stringify(batch),
      auth: { kind: 'credential', credential },
    });
    if (!result.ack.ok) throw new Error(`live batch refused: ${JSON.stringify(result.ack)}`);
    const acked = performance.now();
    await live.derive.idle();
    latencies.push(performance.now() - acked);
  }
  await live.derive.close();
  await live.writer.close();
  console.log(
    `${label}: live, ${liveBatches.length} batches: acknowledgement → derived rows visible, median ${median(latencies).toFixed(0)} ms, ` +
      `max ${Math.max(...latencies).toFixed(0)} ms`,
  );

  // In memory: the engine alone on the decoded readings.
  if (label === 'pglite') {
    const pages = [];
    for await (const page of readVehicle(db, windows, -Infinity)) pages.push(page);
    const engine = new DeriveEngine(
      DEFAULT_DERIVE_PARAMS,
      factsOf(sim.spec.model, sim.spec.variant),
      compileProgram(programSettings(program)),
    );
    started = performance.now();
    let n = 0;
    for (const { columns, order } of pages) {
      for (let k = 0; k < order.length; k++) engine.push(columns, order[k]!);
      n += order.length;
      engine.takeCompleted();
    }
    const engineMs = performance.now() - started;
    console.log(
      `engine alone: ${Math.round(n / (engineMs / 1000)).toLocaleString('en-US')} readings/s (${seconds(engineMs)} for all of them)`,
    );
  }
  await services.derive.close();
  await services.writer.close();
}

if (args.db === 'both' || args.db === 'pglite') {
  const db = await openPGlite(undefined);
  try {
    await benchDatabase('pglite', db);
  } finally {
    await db.close();
  }
}
if (args.db === 'both' || args.db === 'postgres') {
  const scratch = await createScratchDatabase(PG_ADMIN_URL, 'sc_bench');
  const db = await openPostgres(scratch.url);
  try {
    await benchDatabase('postgres', db);
  } finally {
    await db.close();
    await scratch.drop();
  }
}

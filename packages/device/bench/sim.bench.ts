/**
 * npm run bench:sim — how fast the fleet simulator makes data: simulated vehicle-days per second
 * and readings per second, with memory, for
 *   1. the simulation core (vehicles, drivers, weather, physics; readings counted, not kept),
 *      split over one worker thread per core;
 *   2. the same with every vehicle's C2 (buffering, sequence numbers, batches serialised to JSON
 *      as they would be sent, written to a null stream).
 * and from (1) the time a year of 1 Hz data for 1,000 vehicles would take on this machine.
 *
 * Options: --vehicles N (200), --days D (60), --workers W (cores), --device-vehicles N (40),
 * --device-days D (14), --program ID (alectra).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { mkdir, writeFile } from 'node:fs/promises';

const { values } = parseArgs({
  options: {
    vehicles: { type: 'string', default: '200' },
    days: { type: 'string', default: '60' },
    workers: { type: 'string', default: String(availableParallelism()) },
    'device-vehicles': { type: 'string', default: '40' },
    'device-days': { type: 'string', default: '14' },
    program: { type: 'string', default: 'alectra' },
  },
});

interface WorkerResult {
  readonly seconds: number;
  readonly records: number;
  readonly bytes: number;
  readonly rssMb: number;
}

const startMs = Date.UTC(2026, 0, 5);

async function runPhase(vehicles: number, days: number, workers: number, withDevices: boolean) {
  const share = Math.ceil(vehicles / workers);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const offset = w * share;
      const count = Math.max(0, Math.min(share, vehicles - offset));
      return new Promise<WorkerResult>((resolve, reject) => {
        const worker = new Worker(new URL('./sim-worker.mjs', import.meta.url), {
          workerData: { program: values.program, vehicles: count, seed: 1, startMs, days, withDevices, offset },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const records = results.reduce((n, r) => n + r.records, 0);
  return {
    vehicleDays: vehicles * days,
    seconds,
    vehicleDaysPerSecond: (vehicles * days) / seconds,
    recordsPerSecond: records / seconds,
    recordsPerVehicleDay: records / (vehicles * days),
    bytesPerRecord: withDevices ? results.reduce((n, r) => n + r.bytes, 0) / records : 0,
    peakWorkerRssMb: Math.max(...results.map((r) => r.rssMb)),
    workers,
  };
}

const workers = Number(values.workers);
process.stderr.write(`simulation core: ${values.vehicles} vehicles × ${values.days} days on ${workers} worker(s)…\n`);
const core = await runPhase(Number(values.vehicles), Number(values.days), workers, false);
process.stderr.write(`with C2 devices: ${values['device-vehicles']} vehicles × ${values['device-days']} days…\n`);
const devices = await runPhase(Number(values['device-vehicles']), Number(values['device-days']), workers, true);
const fleetYearMinutes = (1000 * 365) / core.vehicleDaysPerSecond / 60;

const rows = [
  ['simulation core', core],
  ['with C2 devices (JSON batches)', devices],
] as const;
process.stdout.write('\nFleet simulator benchmark\n\n');
process.stdout.write(
  '| phase | vehicle-days/s | readings/s | readings per vehicle-day | peak worker RSS |\n| --- | --- | --- | --- | --- |\n',
);
for (const [name, r] of rows) {
  process.stdout.write(
    `| ${name} | ${r.vehicleDaysPerSecond.toFixed(1)} | ${Math.round(r.recordsPerSecond).toLocaleString('en-US')} | ${Math.round(r.recordsPerVehicleDay).toLocaleString('en-US')} | ${Math.round(r.peakWorkerRssMb)} MB |\n`,
  );
}
process.stdout.write(
  `\nA year of 1 Hz data for 1,000 vehicles (365,000 vehicle-days): about ${fleetYearMinutes.toFixed(1)} minutes for the core on ${workers} worker(s).\n`,
);
await mkdir('artifacts', { recursive: true });
await writeFile(
  'artifacts/bench-sim.json',
  JSON.stringify({ date: new Date().toISOString(), core, devices, fleetYearMinutes }, null, 2),
);

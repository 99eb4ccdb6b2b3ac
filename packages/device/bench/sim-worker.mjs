// One worker of the simulation benchmark: runs its share of the fleet (built package) and reports.
import { parentPort, workerData } from 'node:worker_threads';
import { buildFleet, FleetRunner, NdjsonUplinkTransport, NdjsonWriter } from '@smartcharge/device';
import { Writable } from 'node:stream';

const { program, vehicles, seed, startMs, days, withDevices, offset } = workerData;
const fleet = buildFleet({ program, vehicles: offset + vehicles, seed, startMs }).slice(offset);
let bytes = 0;
const sink = new Writable({
  write(chunk, _encoding, done) {
    bytes += chunk.length;
    done();
  },
});
const transport = new NdjsonUplinkTransport(new NdjsonWriter(sink));
const runner = new FleetRunner(fleet, withDevices ? { transportFor: () => transport } : {});
const started = performance.now();
await runner.run({ untilMs: startMs + days * 86_400_000, stepMs: 6 * 3_600_000 });
if (withDevices) await runner.flushAll(32, startMs + days * 86_400_000);
parentPort.postMessage({
  seconds: (performance.now() - started) / 1000,
  records: runner.recordsProduced,
  bytes,
  rssMb: process.memoryUsage().rss / 1e6,
});

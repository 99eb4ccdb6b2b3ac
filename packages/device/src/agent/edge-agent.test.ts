import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getModelById } from '@smartcharge/catalog';
import type { TUplinkBatch, TUplinkRecord, UplinkAck } from '@smartcharge/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { TransportError, type UplinkTransport } from '../transport.js';
import { VirtualClock } from './clock.js';
import { EdgeAgent, odometerUsable, type AgentEvent } from './edge-agent.js';
import { openAdapter } from './elm327/adapter-transport.js';
import { Elm327 } from './elm327/elm327.js';
import { Elm327Emulator } from './emulator/elm327-emulator.js';
import { ScriptedVehicle, type ScriptStep } from './emulator/scripted-vehicle.js';
import { FixedVehicle, type EmulatedVehicle } from './emulator/vehicle-state.js';
import { getProfile, isFlagSignal } from './profiles/index.js';
import { RecordJournal } from './record-journal.js';

const START = Date.UTC(2026, 4, 12, 14, 0, 0);
const MINUTE = 60_000;
const KONA = getProfile('hyundai-kia-64kwh');

/** Acknowledges every batch (or refuses to answer while `down`), keeping what it got. */
class FakeServer implements UplinkTransport {
  readonly name = 'fake';
  readonly batches: TUplinkBatch[] = [];
  down = false;
  /** Sends tried, answered or not. */
  attempts = 0;
  async send(batch: TUplinkBatch): Promise<UplinkAck> {
    this.attempts++;
    if (this.down) throw new TransportError('no network');
    this.batches.push(structuredClone(batch));
    const seqs = batch.records.map((r) => r.seq);
    return {
      v: 1,
      ok: true,
      device: batch.device,
      boot: batch.boot,
      seq_min: Math.min(...seqs),
      seq_max: Math.max(...seqs),
      accepted: seqs.length,
      duplicates: 0,
      location_stripped: 0,
    };
  }
  get records(): (TUplinkRecord & { boot: number })[] {
    return this.batches.flatMap((b) => b.records.map((r) => ({ ...r, boot: b.boot })));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(vehicle: EmulatedVehicle, clock: VirtualClock, profile = KONA) {
  const emulator = new Elm327Emulator({ vehicle, profile, now: () => clock.now() });
  const elm = new Elm327(await openAdapter(await emulator.start()), { timeoutMs: 1000 });
  cleanups.push(async () => {
    await elm.close();
    await emulator.stop();
  });
  return { emulator, elm };
}

async function journalDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'edge-agent-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function konaDriving(script: ScriptStep[]): ScriptedVehicle {
  const model = getModelById('hyundai-kona-electric');
  return new ScriptedVehicle({ model, variant: model.variants[0]!, startMs: START, script, socPct: 70, seed: 3 });
}

describe('edge agent', () => {
  it('records a drive at 1 Hz as driving, from the first second moving to the stop', async () => {
    const clock = new VirtualClock(START);
    const car = konaDriving([
      { kind: 'park', minutes: 1 },
      { kind: 'drive', km: 3 },
      { kind: 'park', minutes: 10 },
    ]);
    const { elm } = await setup(car, clock);
    const server = new FakeServer();
    const opened = await RecordJournal.open(await journalDir());
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T1',
      clock,
      uplink: { transport: server, journal: opened.journal },
    });
    await agent.start();
    const summary = await agent.run({ until: (now) => now >= START + 20 * MINUTE });

    const [trip] = car.trips;
    const driving = server.records.filter((r) => r.drive_state === 'driving');
    expect(driving.length).toBeGreaterThan(0);
    // Every second of the drive, within one parked poll of the start.
    expect(driving[0]!.time_ms - trip!.startMs).toBeLessThanOrEqual(5000);
    expect(driving.at(-1)!.time_ms).toBeLessThan(trip!.endMs);
    expect(driving.length).toBeGreaterThanOrEqual((trip!.endMs - trip!.startMs) / 1000 - 6);
    const gaps = driving.slice(1).map((r, i) => r.time_ms - driving[i]!.time_ms);
    expect(Math.max(...gaps)).toBe(1000);
    // Distance integrated from the speed readings matches the car's.
    const integrated = driving.reduce((m, r) => m + (r.speed_mps ?? 0), 0);
    expect(integrated).toBeGreaterThan(trip!.distanceM * 0.95);
    expect(integrated).toBeLessThan(trip!.distanceM * 1.05);
    // Sequence numbers run without a gap; everything was acknowledged.
    expect(server.records.map((r) => r.seq)).toEqual(server.records.map((_, i) => i));
    expect(summary).toMatchObject({ pending: 0, acknowledged: summary.records });
  });

  it('asks a sleeping car nothing but reads the adapter voltage, and resumes when the car wakes', async () => {
    const clock = new VirtualClock(START);
    const wakeMs = START + 60 * MINUTE;
    const asleep = new FixedVehicle({ asleep: true, auxVoltageV: 12.4 });
    const driving = new FixedVehicle({ asleep: false, auxVoltageV: 14.1, speedMps: 12, inGear: true });
    // Asleep for an hour, then switched on and driven.
    const car: EmulatedVehicle = { vin: asleep.vin, stateAt: (t) => (t < wakeMs ? asleep.state : driving.state) };
    const { elm, emulator } = await setup(car, clock);
    const modes: string[] = [];
    let firstDriving: number | undefined;
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T2',
      clock,
      onEvent: (e: AgentEvent) => e.type === 'mode' && modes.push(e.to),
      onReading: (r) => (firstDriving ??= r.values.speed ? r.timeMs : undefined),
    });
    await agent.start();
    await agent.run({ until: (now) => now >= wakeMs + 2 * MINUTE });
    // The discovery at start and one request found it asleep; then nothing for an hour.
    expect(emulator.stats.requestsWhileAsleep).toBeLessThanOrEqual(3);
    // Woken by the voltage rise, read once, and found driving.
    expect(modes).toEqual(['asleep', 'active']);
    // The adapter's voltage showed the wake within one check.
    expect(firstDriving! - wakeMs).toBeLessThanOrEqual(5000);
    expect(emulator.stats.requests).toBeGreaterThan(100);
  });

  it('does not keep probing a sleeping car whose 12 V battery reads high', async () => {
    const clock = new VirtualClock(START);
    // Asleep, but the adapter reads 13.5 V: a battery just charged (surface charge) or a 12 V top-up.
    const car = new FixedVehicle({ asleep: true, auxVoltageV: 13.5 });
    const { emulator } = await setup(car, clock).then(async (link) => {
      const agent = new EdgeAgent({ elm: link.elm, profile: KONA, serial: 'AGENT-T6', clock });
      await agent.start();
      await agent.run({ until: (now) => now >= START + 60 * MINUTE });
      return link;
    });
    // The discovery at start, the reading that found it asleep, then a probe every 5 minutes at most.
    expect(emulator.stats.requestsWhileAsleep).toBeLessThanOrEqual(3 + 13);
  });

  it('keeps records on disk while the network is down and sends them after a restart, with their boot and sequence numbers', async () => {
    const dir = await journalDir();
    const server = new FakeServer();
    server.down = true;
    const clock = new VirtualClock(START);
    const car = new FixedVehicle({ speedMps: 10, inGear: true });
    const first = await setup(car, clock);
    const opened = await RecordJournal.open(dir);
    const agent = new EdgeAgent({
      elm: first.elm,
      profile: KONA,
      serial: 'AGENT-T3',
      clock,
      uplink: { transport: server, journal: opened.journal },
      finalUploadAttempts: 1,
    });
    await agent.start();
    const lost = await agent.run({ until: (now) => now >= START + 2 * MINUTE });
    expect(lost.pending).toBe(lost.records);
    expect(server.batches).toHaveLength(0);

    // The power comes back on: a new boot; the old records go first, numbered as they were.
    server.down = false;
    const reopened = await RecordJournal.open(dir);
    const boot = opened.journal.boot;
    expect(reopened.journal.boot).toBe(boot + 1);
    expect(reopened.pending.get(boot)).toHaveLength(lost.records);
    const events: AgentEvent[] = [];
    const again = new EdgeAgent({
      elm: first.elm,
      profile: KONA,
      serial: 'AGENT-T3',
      clock,
      uplink: { transport: server, journal: reopened.journal, restored: reopened.pending },
      onEvent: (e) => events.push(e),
    });
    await again.start();
    const summary = await again.run({ until: (now) => now >= START + 3 * MINUTE });
    expect(events).toContainEqual({ type: 'restored', boot, records: lost.records });
    const earlier = server.records.filter((r) => r.boot === boot);
    expect(earlier.map((r) => r.seq)).toEqual([...Array(lost.records).keys()]);
    expect(server.records.filter((r) => r.boot === boot + 1).length).toBe(summary.records);
    expect(summary.pending).toBe(0);
    // Everything acknowledged: the journal holds no records any more.
    expect((await readdir(dir)).filter((f) => f.endsWith('.ndjson') && !f.startsWith(`${boot + 1}-`))).toEqual([]);
  });

  it('uploads what it has and says why when the adapter link drops', async () => {
    const clock = new VirtualClock(START);
    const { elm, emulator } = await setup(new FixedVehicle({ speedMps: 9, inGear: true }), clock);
    const server = new FakeServer();
    const opened = await RecordJournal.open(await journalDir());
    let readings = 0;
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T5',
      clock,
      uplink: { transport: server, journal: opened.journal },
      finalUploadAttempts: 1,
      // The adapter is unplugged after 30 readings.
      onReading: () => ++readings === 30 && void emulator.stop(),
    });
    await agent.start();
    await expect(agent.run({ until: (now) => now >= START + 10 * MINUTE })).rejects.toThrow(/adapter link .* closed/);
    expect(server.records).toHaveLength(30);
    expect(agent.pending).toBe(0);
  });

  it('reads through bad answers without losing the rhythm', async () => {
    const clock = new VirtualClock(START);
    const car = new FixedVehicle({ speedMps: 15, inGear: true });
    const { elm, emulator } = await setup(car, clock);
    const seen: number[] = [];
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T4',
      clock,
      onReading: (reading) => {
        if (reading.values.speed !== undefined) seen.push(reading.timeMs);
        // Every few seconds something goes wrong on the line.
        if (seen.length % 7 === 0) emulator.inject('truncate');
        if (seen.length % 11 === 0) emulator.inject('stray-prompt');
        if (seen.length % 13 === 0) emulator.inject('searching');
      },
    });
    await agent.start();
    await agent.run({ until: (now) => now >= START + 2 * MINUTE });
    expect(seen.length).toBeGreaterThanOrEqual(118);
  });

  it('uses an odometer for trips only when it is fine enough, or the only distance there is', () => {
    expect(odometerUsable(KONA, new Set())).toBe(false); // whole km, speed available
    // The Leaf's VCM gives speed now: its whole-unit odometer is not needed for trips.
    expect(odometerUsable(getProfile('nissan-leaf-24kwh'), new Set())).toBe(false);
    const leaf = getProfile('nissan-leaf-24kwh');
    const withoutSpeed = { ...leaf, signals: leaf.signals.filter((s) => isFlagSignal(s) || s.quantity !== 'speed') };
    expect(odometerUsable(withoutSpeed, new Set())).toBe(true); // no speed at all
    expect(odometerUsable(getProfile('chevrolet-bolt-spark'), new Set([0xa6]))).toBe(true); // J1979 odometer, 0.1 km
    expect(odometerUsable(getProfile('chevrolet-bolt-spark'), new Set())).toBe(false);
  });

  it('backs off between uploads while the network is down, however many records wait', async () => {
    const clock = new VirtualClock(START);
    const { elm } = await setup(new FixedVehicle({ speedMps: 10, inGear: true }), clock);
    const server = new FakeServer();
    server.down = true;
    const opened = await RecordJournal.open(await journalDir());
    let attemptsWhileDown = 0;
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T7',
      clock,
      uplink: { transport: server, journal: opened.journal },
      // A full batch every 10 s: without a backoff, an upload would be tried every second.
      batchRecords: 10,
      onReading: (reading) => {
        if (server.down && reading.timeMs >= START + 20 * MINUTE) {
          attemptsWhileDown = server.attempts;
          server.down = false;
        }
      },
    });
    await agent.start();
    const summary = await agent.run({ until: (now) => now >= START + 30 * MINUTE });
    // Waits of 15 s, 30 s, 1, 2, 4 minutes, then every 5 minutes: 8 tries in 20 minutes.
    expect(attemptsWhileDown).toBeGreaterThan(0);
    expect(attemptsWhileDown).toBeLessThanOrEqual(8);
    // Once the network is back, everything goes.
    expect(summary.pending).toBe(0);
    expect(server.records).toHaveLength(summary.records);
  });

  it('goes on reading and uploading from memory when the journal cannot write, and says so once', async () => {
    const clock = new VirtualClock(START);
    const { elm } = await setup(new FixedVehicle({ speedMps: 10, inGear: true }), clock);
    const server = new FakeServer();
    const dir = await journalDir();
    const opened = await RecordJournal.open(dir);
    // The card went read-only, or was pulled: every write fails.
    await rm(dir, { recursive: true, force: true });
    const events: AgentEvent[] = [];
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T8',
      clock,
      uplink: { transport: server, journal: opened.journal },
      uploadActiveMs: MINUTE,
      onEvent: (e) => events.push(e),
    });
    await agent.start();
    const summary = await agent.run({ until: (now) => now >= START + 3 * MINUTE });
    const errors = events.flatMap((e) => (e.type === 'journal-error' ? [e.error] : []));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ENOENT/);
    expect(summary.pending).toBe(0);
    expect(server.records).toHaveLength(summary.records);
  });

  it('drops the oldest unsent records when the journal is full, and never sends them', async () => {
    const clock = new VirtualClock(START);
    const { elm } = await setup(new FixedVehicle({ speedMps: 10, inGear: true }), clock);
    const server = new FakeServer();
    server.down = true;
    const dir = await journalDir();
    const maxBytes = 20_000;
    const opened = await RecordJournal.open(dir, { maxBytes });
    const events: AgentEvent[] = [];
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T9',
      clock,
      uplink: { transport: server, journal: opened.journal },
      // A minute of records (about 15 kB) fits the cap: only the 10 minutes offline overflow it.
      uploadActiveMs: MINUTE,
      onEvent: (e) => events.push(e),
      onReading: (reading) => {
        if (reading.timeMs >= START + 10 * MINUTE) server.down = false;
      },
    });
    await agent.start();
    const summary = await agent.run({ until: (now) => now >= START + 12 * MINUTE });
    const full = events.filter((e) => e.type === 'journal-full');
    expect(full.length).toBeGreaterThan(0);
    expect(full[0]).toMatchObject({ maxBytes });
    const dropped = full.reduce((n, e) => n + (e.type === 'journal-full' ? e.dropped : 0), 0);
    expect(dropped).toBeGreaterThan(200);
    // The server got the newest records, without a gap, and none of the dropped ones.
    const seqs = server.records.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual([...Array(summary.records - dropped).keys()].map((i) => i + dropped));
    expect(summary.pending).toBe(0);
  });

  it('retries a GPS that will not start once a minute while plugged in, and says so once', async () => {
    const clock = new VirtualClock(START);
    const { elm } = await setup(new FixedVehicle({ plugged: true, charging: true, packCurrentA: -20 }), clock);
    let starts = 0;
    const gps = {
      description: 'a gpsd that is not running',
      start: () => {
        starts++;
        return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:2947'));
      },
      stop: () => Promise.resolve(),
      latest: () => undefined,
    };
    const events: AgentEvent[] = [];
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T10',
      clock,
      gps,
      onEvent: (e) => events.push(e),
    });
    await agent.start();
    await agent.run({ until: (now) => now >= START + 10 * MINUTE });
    expect(starts).toBeGreaterThan(1);
    expect(starts).toBeLessThanOrEqual(11);
    expect(events.filter((e) => e.type === 'gps')).toEqual([
      { type: 'gps', on: false, error: 'connect ECONNREFUSED 127.0.0.1:2947' },
    ]);
  });

  it('tries the last upload a few times on its own clock when stopping', async () => {
    const clock = new VirtualClock(START);
    const { elm } = await setup(new FixedVehicle({ speedMps: 10, inGear: true }), clock);
    const server = new FakeServer();
    server.down = true;
    const opened = await RecordJournal.open(await journalDir());
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T11',
      clock,
      uplink: { transport: server, journal: opened.journal },
      finalUploadAttempts: 3,
    });
    await agent.start();
    const summary = await agent.run({ until: (now) => now >= START + MINUTE });
    expect(server.attempts).toBe(3);
    expect(summary.pending).toBe(summary.records);
    // The waits between the tries passed on the agent's clock (the car's time), not the wall clock.
    expect(clock.now() - (START + MINUTE)).toBeGreaterThanOrEqual(2000 + 4000);
  });

  it('reconnects a GPS whose link dropped while the car is plugged in', async () => {
    const clock = new VirtualClock(START);
    const { elm } = await setup(new FixedVehicle({ plugged: true, charging: true, packCurrentA: -20 }), clock);
    const server = new FakeServer();
    const opened = await RecordJournal.open(await journalDir());
    // Like GpsdSource: start() connects unless connected; a dropped link gives no more fixes.
    const gps = {
      description: 'a gpsd that restarts',
      connected: false,
      start() {
        this.connected = true;
        return Promise.resolve();
      },
      stop() {
        this.connected = false;
        return Promise.resolve();
      },
      latest() {
        return this.connected ? { latDeg: 43.65, lonDeg: -79.38, receivedMs: clock.now() } : undefined;
      },
    };
    const agent = new EdgeAgent({
      elm,
      profile: KONA,
      serial: 'AGENT-T12',
      clock,
      gps,
      uplink: { transport: server, journal: opened.journal },
      onReading: (reading) => {
        if (reading.timeMs === START + 30_000) gps.connected = false; // gpsd restarted
      },
    });
    await agent.start();
    await agent.run({ until: (now) => now >= START + 5 * MINUTE });
    const late = server.records.filter((r) => r.time_ms >= START + 2 * MINUTE);
    expect(late.length).toBeGreaterThan(100);
    expect(late.every((r) => r.location !== undefined)).toBe(true);
  });
});

/**
 * The edge agent end to end: an emulated ELM327 on 127.0.0.1 answers from a Chevrolet Bolt EV
 * driven by the simulator's physics (a drive, a DC fast charge, another drive, a Level 2 charge at
 * home, then the car sleeps); the agent reads it through its vehicle profile on a virtual clock,
 * journals every record, and uploads over HTTP to the real server started in this process; a fake
 * gpsd gives positions. The server must derive the trips and charging sessions the car really made.
 * Then the `smartcharge agent` command itself, run in this process against the emulator.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getModelById } from '@smartcharge/catalog';
import {
  EdgeAgent,
  Elm327,
  Elm327Emulator,
  FixedVehicle,
  getProfile,
  GpsdSource,
  HttpUplinkTransport,
  openAdapter,
  RecordJournal,
  ScriptedVehicle,
  VirtualClock,
  type UplinkTransport,
} from '@smartcharge/device';
import type { TUplinkBatch, UplinkAck } from '@smartcharge/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLI_OPERATOR } from '../src/actor.js';
import { main } from '../src/cli.js';
import { startTestServer, type TestServer } from './support/servers.js';

const HOUR_MS = 3_600_000;
const HOME = { lat: 43.6532, lon: -79.3832 };

/** A gpsd that reports a fixed position to every client that asks it to watch. */
async function startFakeGpsd(): Promise<{ port: number; watchers: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let watchers = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.write('{"class":"VERSION","release":"3.22"}\n');
    socket.on('data', (data) => {
      if (!data.toString().includes('"enable":true')) return;
      watchers++;
      const report = () => socket.write(`{"class":"TPV","mode":3,"lat":${HOME.lat},"lon":${HOME.lon},"eph":4.2}\n`);
      report();
      const timer = setInterval(report, 20);
      socket.on('close', () => clearInterval(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    watchers: () => watchers,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Passes batches to HTTP and keeps them (and the acks) for inspection. */
class RecordingTransport implements UplinkTransport {
  readonly name = 'recording';
  readonly batches: TUplinkBatch[] = [];
  readonly acks: UplinkAck[] = [];
  constructor(private readonly inner: UplinkTransport) {}
  async send(batch: TUplinkBatch): Promise<UplinkAck> {
    this.batches.push(structuredClone(batch));
    const ack = await this.inner.send(batch);
    this.acks.push(ack);
    return ack;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('edge agent against the emulator, into a real server (PGlite)', () => {
  let server: TestServer;
  let emulator: Elm327Emulator;
  let gpsd: Awaited<ReturnType<typeof startFakeGpsd>>;
  let dir: string;
  let car: ScriptedVehicle;
  let transport: RecordingTransport;
  let vehicleId: number;
  let summary: Awaited<ReturnType<EdgeAgent['run']>>;
  const serial = 'AGENT-E2E-0001';

  beforeAll(async () => {
    server = await startTestServer({
      database: 'pglite',
      mqtt: 'off',
      // The virtual clock sends hours of data in seconds, far above a real device's rate.
      env: { INGEST_RATE_LIMIT_PER_MIN: '100000' },
    });
    dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-agent-e2e-'));
    gpsd = await startFakeGpsd();

    const program = await server.services.programs.ensurePreset(CLI_OPERATOR, 'alectra');
    const vehicle = await server.services.vehicles.createVehicle(CLI_OPERATOR, {
      make: 'Chevrolet',
      model: 'Bolt EV',
      modelYear: 2020,
      program: program.slug,
    });
    vehicleId = vehicle.id;
    const issued = await server.services.devices.provisionDevice(CLI_OPERATOR, { serial, vehicleId });

    const model = getModelById('chevrolet-bolt-ev');
    const variant = model.variants.find((v) => v.yearFrom <= 2020 && v.yearTo >= 2020)!;
    const startMs = Date.now() - 5 * HOUR_MS;
    const clock = new VirtualClock(startMs);
    car = new ScriptedVehicle({
      model,
      variant,
      startMs,
      socPct: 45,
      ambientC: 16,
      seed: 11,
      vin: '1G1FY6S07L4000001',
      script: [
        { kind: 'park', minutes: 2 },
        { kind: 'drive', km: 14 },
        { kind: 'park', minutes: 2 },
        { kind: 'charge', level: 'DCFC', kw: 50, untilSocPct: 70, pluggedMinutesAfter: 3 },
        { kind: 'drive', km: 6 },
        { kind: 'park', minutes: 4 },
        { kind: 'charge', level: 'L2', kw: 7.2, untilSocPct: 74, pluggedMinutesAfter: 10 },
        { kind: 'park', minutes: 30 },
      ],
    });
    const profile = getProfile('chevrolet-bolt-spark');
    emulator = new Elm327Emulator({ vehicle: car, profile, now: () => clock.now() });
    const elm = new Elm327(await openAdapter(await emulator.start()));
    const opened = await RecordJournal.open(dir);
    transport = new RecordingTransport(
      new HttpUplinkTransport({ url: server.url, credential: { serial, secret: issued.secret } }),
    );
    const agent = new EdgeAgent({
      elm,
      profile,
      serial,
      clock,
      gps: new GpsdSource('127.0.0.1', gpsd.port, () => clock.now()),
      uplink: { transport, journal: opened.journal, restored: opened.pending },
    });
    await agent.start();
    // Bounded: the virtual day ends three and a half hours after it started.
    summary = await agent.run({ until: (now) => now >= startMs + 3.5 * HOUR_MS });
    await elm.close();
    await server.services.derive.idle();
  }, 180_000);

  afterAll(async () => {
    await emulator?.stop();
    await gpsd?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('uploads every record it made, and the server stores them all', async () => {
    expect(summary.records).toBeGreaterThan(1000);
    expect(summary.pending).toBe(0);
    expect(summary.acknowledged).toBe(summary.records);
    const sent = transport.batches.reduce((n, b) => n + b.records.length, 0);
    const accepted = transport.acks.reduce((n, a) => n + (a.ok ? a.accepted + a.duplicates : 0), 0);
    expect(accepted).toBe(sent);
    expect(transport.acks.every((a) => a.ok)).toBe(true);
  });

  it('derives both trips with the distance the car drove', async () => {
    expect(car.trips).toHaveLength(2);
    const trips = (await server.services.derive.trips(CLI_OPERATOR, vehicleId, { limit: 100 }))
      .filter((t) => t.complete === true)
      .sort((a, b) => (a.startedAt as Date).getTime() - (b.startedAt as Date).getTime());
    expect(trips).toHaveLength(2);
    for (const [i, truth] of car.trips.entries()) {
      const derived = trips[i]!;
      // Distance from the 1 km/h speed readings, integrated second by second (measured: within 0.2 %).
      expect(Number(derived.distanceM)).toBeGreaterThan(truth.distanceM * 0.97);
      expect(Number(derived.distanceM)).toBeLessThan(truth.distanceM * 1.03);
      // Battery energy from pack voltage × current (plus the car's accessories the truth counts too).
      expect(Number(derived.energyWh)).toBeGreaterThan(truth.batteryWh * 0.95);
      expect(Number(derived.energyWh)).toBeLessThan(truth.batteryWh * 1.05);
      // The trip starts within a poll of the car moving off, and ends when it stops.
      expect(Math.abs((derived.startedAt as Date).getTime() - truth.startMs)).toBeLessThanOrEqual(6000);
      expect(Math.abs((derived.endedAt as Date).getTime() - truth.endMs)).toBeLessThanOrEqual(2000);
    }
  });

  it('derives both charging sessions with their level, energy and location', async () => {
    expect(car.sessions).toHaveLength(2);
    const sessions = (await server.services.derive.sessions(CLI_OPERATOR, vehicleId, { limit: 100 }))
      .filter((s) => s.complete === true)
      .sort((a, b) => (a.pluggedAt as Date).getTime() - (b.pluggedAt as Date).getTime());
    expect(sessions.map((s) => s.level)).toEqual(['DCFC', 'L2']);
    // The inlet: measured for AC (line voltage × current), estimated from the pack for DC (measured: within 0.5 %).
    for (const [i, truth] of car.sessions.entries()) {
      const derived = sessions[i]!;
      expect(Number(derived.wallWh)).toBeGreaterThan(truth.inletWh * 0.95);
      expect(Number(derived.wallWh)).toBeLessThan(truth.inletWh * 1.05);
      expect(Number(derived.batteryWh)).toBeGreaterThan(truth.batteryWh * 0.95);
      expect(Number(derived.batteryWh)).toBeLessThan(truth.batteryWh * 1.05);
      expect(Number(derived.latDeg)).toBeCloseTo(HOME.lat, 5);
      expect(Number(derived.lonDeg)).toBeCloseTo(HOME.lon, 5);
    }
    expect(sessions[1]!.acLineVoltageV).toBeCloseTo(240, -1);
  });

  it('sends a position only while plugged in, and reads GPS only then', () => {
    const records = transport.batches.flatMap((b) => b.records);
    const located = records.filter((r) => r.location !== undefined);
    expect(located.length).toBeGreaterThan(0);
    expect(located.every((r) => r.drive_state === 'parked' && r.charge_state !== 'unplugged')).toBe(true);
    expect(transport.acks.reduce((n, a) => n + (a.ok ? a.location_stripped : 0), 0)).toBe(0);
    // Two plug-ins, two GPS watches.
    expect(gpsd.watchers()).toBe(2);
  });

  it('stops asking the car once it sleeps', () => {
    // The car sleeps for the last hour and more; it is asked once, then only the adapter's voltage.
    expect(summary.modeMs.asleep).toBeGreaterThan(HOUR_MS);
    expect(emulator.stats.requestsWhileAsleep).toBeLessThanOrEqual(2);
  });
});

describe('smartcharge agent (the command, in this process)', () => {
  let emulator: Elm327Emulator;
  let adapter: string;
  let out: string[];
  let err: string[];

  beforeAll(async () => {
    emulator = new Elm327Emulator({
      vehicle: new FixedVehicle({ speedMps: 12.5, inGear: true, socPct: 61.5 }),
      profile: getProfile('hyundai-kia-64kwh'),
    });
    adapter = await emulator.start();
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  beforeEach(() => {
    out = [];
    err = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => out.push(String(chunk)) > 0);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => err.push(String(chunk)) > 0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  const cli = (...args: string[]) => main(['node', 'smartcharge', ...args]);

  it('scan lists what the car answers, with the profile chosen by VIN', async () => {
    await cli('agent', 'scan', '--adapter', adapter, '--json');
    expect(process.exitCode ?? 0).toBe(0);
    const report = JSON.parse(out.join('')) as {
      vin: string;
      profiles: { id: string; chosen: boolean; requests: { ok: boolean }[] }[];
    };
    expect(report.vin).toBe('KM8K33AG5LU000001');
    expect(report.profiles.map((p) => [p.id, p.chosen])).toEqual([['hyundai-kia-64kwh', true]]);
    expect(report.profiles[0]!.requests.every((r) => r.ok)).toBe(true);
  });

  it('--dry-run prints decoded readings until stopped', async () => {
    const running = cli('agent', '--adapter', adapter, '--dry-run', '--json');
    // Bounded: up to five seconds for the first readings (the agent polls once a second).
    for (let i = 0; i < 100 && out.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    // Only the agent listens (Ctrl+C stops it): nothing else in this process is signalled.
    expect(process.listenerCount('SIGINT')).toBe(1);
    process.emit('SIGINT');
    await running;
    expect(process.exitCode ?? 0).toBe(0);
    const first = JSON.parse(out[0]!) as { soc: number; speed: number; record: { drive_state: string } };
    expect(first.soc).toBe(61.5);
    expect(first.speed).toBeCloseTo(12.5, 0);
    expect(first.record.drive_state).toBe('driving');
    expect(err.join('')).toContain('reading a Hyundai Kona Electric');
  });

  it('asks for the device secret before touching the adapter, with exit code 2', async () => {
    delete process.env.SMARTCHARGE_DEVICE_SECRET;
    await cli('agent', '--adapter', adapter, '--server', 'http://127.0.0.1:9', '--device', 'C2-AGENT-9');
    expect(process.exitCode).toBe(2);
    expect(err.join('')).toContain('--secret-file <file> or set SMARTCHARGE_DEVICE_SECRET');
  });

  it('chooses the profile by the catalog variant too (--variant): a 2020 Leaf e+ is read as the 62 kWh car', async () => {
    const chosen = async (...args: string[]) => {
      err = [];
      const running = cli('agent', '--adapter', adapter, '--dry-run', '--make', 'Nissan', '--model', 'Leaf', ...args);
      // Bounded: up to five seconds for the agent to say which profile it reads with.
      for (let i = 0; i < 100 && !err.join('').includes('reading a'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      process.emit('SIGINT');
      await running;
      return /reading a (.*?) \(/.exec(err.join(''))?.[1];
    };
    expect(await chosen('--year', '2020')).toBe('Nissan Leaf 40 kWh');
    expect(await chosen('--year', '2020', '--variant', '62 kWh')).toBe('Nissan Leaf 62 kWh');
  });

  it('says it cannot reach an adapter that is not there, with exit code 1', async () => {
    await cli('agent', '--adapter', 'tcp://127.0.0.1:9', '--dry-run', '--profile', 'chevrolet-bolt-spark');
    expect(process.exitCode).toBe(1);
    expect(err.join('')).toContain('Cannot reach the adapter at tcp://127.0.0.1:9');
  });

  it('checks --server, --gps and --journal-max-mb before touching the adapter, with exit code 2', async () => {
    process.env.SMARTCHARGE_DEVICE_SECRET = 'not-used';
    const before = emulator.stats.atCommands;
    const run = (...args: string[]) =>
      cli('agent', '--adapter', adapter, '--device', 'C2-AGENT-9', '--profile', 'hyundai-kia-64kwh', ...args);
    await run('--server', 'ftp://example.org');
    expect(process.exitCode).toBe(2);
    expect(err.join('')).toContain('--server ftp://example.org: expected http(s)://');
    await run('--server', 'http://127.0.0.1:9', '--gps', 'gps.example.org');
    expect(process.exitCode).toBe(2);
    expect(err.join('')).toContain('--gps gps.example.org: expected gpsd://host:port');
    await run('--server', 'http://127.0.0.1:9', '--journal-max-mb', '0');
    expect(process.exitCode).toBe(2);
    expect(emulator.stats.atCommands).toBe(before);
    delete process.env.SMARTCHARGE_DEVICE_SECRET;
  });

  it('closes its uplink and journal when the adapter link drops, and exits with code 1', async () => {
    const lost = new Elm327Emulator({
      vehicle: new FixedVehicle({ asleep: true }),
      profile: getProfile('hyundai-kia-64kwh'),
    });
    const lostAdapter = await lost.start();
    const journal = await mkdtemp(path.join(tmpdir(), 'smartcharge-agent-cli-'));
    process.env.SMARTCHARGE_DEVICE_SECRET = 'not-used';
    const closeUplink = vi.spyOn(HttpUplinkTransport.prototype, 'close');
    const closeJournal = vi.spyOn(RecordJournal.prototype, 'close');
    try {
      const running = cli(
        'agent',
        '--adapter',
        lostAdapter,
        '--server',
        'http://127.0.0.1:9',
        '--device',
        'C2-AGENT-9',
        '--profile',
        'hyundai-kia-64kwh',
        '--journal',
        journal,
      );
      // Bounded: up to five seconds for the agent to connect; then the adapter is unplugged.
      for (let i = 0; i < 100 && !err.join('').includes('Connected to'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await lost.stop();
      await running;
      expect(process.exitCode).toBe(1);
      expect(err.join('')).toMatch(/adapter link .* closed/);
      // Else an MQTT client would keep the process alive, and systemd would never restart it.
      expect(closeUplink).toHaveBeenCalled();
      expect(closeJournal).toHaveBeenCalled();
    } finally {
      delete process.env.SMARTCHARGE_DEVICE_SECRET;
      await lost.stop();
      await rm(journal, { recursive: true, force: true });
    }
  });
});

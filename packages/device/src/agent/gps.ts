/**
 * Where the car is, for charging sessions only: the agent opens its GPS source when the car is
 * plugged in and closes it when unplugged, and a position goes only into records taken while
 * plugged in (the server drops any other anyway). Sources: gpsd (its JSON protocol over TCP, the
 * usual way on a Raspberry Pi) or a receiver that prints NMEA sentences (a USB GPS on a serial port,
 * or NMEA over TCP).
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { openAdapter, type AdapterTransport } from './elm327/adapter-transport.js';

export interface GpsFix {
  readonly latDeg: number;
  readonly lonDeg: number;
  readonly accuracyM?: number;
  /** When the fix was received (agent clock). */
  readonly receivedMs: number;
}

export interface GpsSource {
  readonly description: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The newest fix since start, if any. */
  latest(): GpsFix | undefined;
}

// ---------------------------------------------------------------------------------------------
// NMEA

function validChecksum(sentence: string): boolean {
  const star = sentence.lastIndexOf('*');
  if (!sentence.startsWith('$') || star < 0) return false;
  let sum = 0;
  for (let i = 1; i < star; i++) sum ^= sentence.charCodeAt(i);
  return sum === parseInt(sentence.slice(star + 1, star + 3), 16);
}

function coordinate(value: string, hemisphere: string, degreeDigits: number): number | undefined {
  if (value === '' || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  const degrees = Number(value.slice(0, degreeDigits));
  const minutes = Number(value.slice(degreeDigits));
  const result = degrees + minutes / 60;
  return hemisphere === 'S' || hemisphere === 'W' ? -result : result;
}

/**
 * A position from one NMEA sentence: RMC with status A (valid), or GGA with a fix (quality > 0;
 * accuracy estimated as HDOP × 5 m). Undefined for anything else, or a bad checksum.
 */
export function parseNmea(sentence: string): { latDeg: number; lonDeg: number; accuracyM?: number } | undefined {
  const line = sentence.trim();
  if (!validChecksum(line)) return undefined;
  const fields = line.slice(1, line.lastIndexOf('*')).split(',');
  const type = fields[0]!.slice(2);
  if (type === 'RMC' && fields[2] === 'A') {
    const lat = coordinate(fields[3]!, fields[4]!, 2);
    const lon = coordinate(fields[5]!, fields[6]!, 3);
    return lat === undefined || lon === undefined ? undefined : { latDeg: lat, lonDeg: lon };
  }
  if (type === 'GGA' && Number(fields[6]) > 0) {
    const lat = coordinate(fields[2]!, fields[3]!, 2);
    const lon = coordinate(fields[4]!, fields[5]!, 3);
    const hdop = Number(fields[8]);
    if (lat === undefined || lon === undefined) return undefined;
    return Number.isFinite(hdop) && hdop > 0
      ? { latDeg: lat, lonDeg: lon, accuracyM: hdop * 5 }
      : { latDeg: lat, lonDeg: lon };
  }
  return undefined;
}

/** A position from one gpsd JSON report: a TPV with a 2D or 3D fix. */
export function parseGpsdReport(line: string): { latDeg: number; lonDeg: number; accuracyM?: number } | undefined {
  let report: { class?: string; mode?: number; lat?: number; lon?: number; eph?: number; epx?: number; epy?: number };
  try {
    report = JSON.parse(line) as typeof report;
  } catch {
    return undefined;
  }
  if (report.class !== 'TPV' || (report.mode ?? 0) < 2) return undefined;
  if (typeof report.lat !== 'number' || typeof report.lon !== 'number') return undefined;
  const accuracy =
    report.eph ?? (report.epx !== undefined && report.epy !== undefined ? Math.max(report.epx, report.epy) : undefined);
  return { latDeg: report.lat, lonDeg: report.lon, ...(accuracy === undefined ? {} : { accuracyM: accuracy }) };
}

// ---------------------------------------------------------------------------------------------
// Sources

abstract class LineSource implements GpsSource {
  abstract readonly description: string;
  private fix: GpsFix | undefined;
  private partial = '';

  constructor(protected readonly now: () => number) {}

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  latest(): GpsFix | undefined {
    return this.fix;
  }

  protected reset(): void {
    this.fix = undefined;
    this.partial = '';
  }

  protected receive(chunk: string, parse: (line: string) => Omit<GpsFix, 'receivedMs'> | undefined): void {
    this.partial += chunk;
    const lines = this.partial.split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    if (this.partial.length > 4096) this.partial = '';
    for (const line of lines) {
      const position = parse(line);
      if (position) this.fix = { ...position, receivedMs: this.now() };
    }
  }
}

/** gpsd on TCP (default 127.0.0.1:2947), watching in JSON mode. */
export class GpsdSource extends LineSource {
  readonly description: string;
  private socket: Socket | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    now: () => number,
    /** Give up connecting after this long (default 5 s): the agent waits for it between readings. */
    private readonly connectTimeoutMs = 5000,
  ) {
    super(now);
    this.description = `gpsd at ${host}:${port}`;
  }

  /** Connects and asks for reports; does nothing while connected (so it also reconnects a dropped link). */
  async start(): Promise<void> {
    if (this.socket) return;
    const socket = connect({ host: this.host, port: this.port });
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    socket.on('data', (chunk: string) => this.receive(chunk, parseGpsdReport));
    this.socket = socket;
    const timer = setTimeout(
      () => socket.destroy(new Error(`no answer from ${this.description} within ${this.connectTimeoutMs} ms`)),
      this.connectTimeoutMs,
    );
    try {
      await once(socket, 'connect');
    } finally {
      clearTimeout(timer);
    }
    socket.write('?WATCH={"enable":true,"json":true};\n');
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.reset();
    if (!socket) return;
    socket.end('?WATCH={"enable":false};\n');
    socket.destroy();
  }
}

/** A receiver printing NMEA: on a serial port, or over TCP. */
export class NmeaSource extends LineSource {
  private transport: AdapterTransport | undefined;

  constructor(
    private readonly spec: string,
    private readonly baudRate: number,
    now: () => number,
  ) {
    super(now);
  }

  get description(): string {
    return `NMEA from ${this.spec}`;
  }

  /** Opens the receiver; does nothing while open (so it also reopens a dropped link). */
  async start(): Promise<void> {
    if (this.transport) return;
    const target = this.spec.replace(/^nmea\+tcp:/i, 'tcp:');
    const transport = await openAdapter(target, { baudRate: this.baudRate });
    transport.onData((chunk) => this.receive(chunk, parseNmea));
    transport.onClose(() => {
      if (this.transport === transport) this.transport = undefined;
    });
    this.transport = transport;
  }

  async stop(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    this.reset();
    await transport?.close();
  }
}

/**
 * `gpsd://host:port` (default port 2947), `nmea+tcp://host:port`, or `nmea:/dev/ttyACM0` (a serial
 * receiver, 9600 baud unless `?baud=` says otherwise).
 */
export function openGps(spec: string, now: () => number): GpsSource {
  if (/^gpsd:\/\//i.test(spec)) {
    const url = new URL(spec);
    return new GpsdSource(url.hostname || '127.0.0.1', Number(url.port || 2947), now);
  }
  if (/^nmea\+tcp:\/\//i.test(spec)) return new NmeaSource(spec, 9600, now);
  const serial = /^nmea:(.+?)(?:\?baud=(\d+))?$/i.exec(spec);
  if (serial) return new NmeaSource(serial[1]!, Number(serial[2] ?? 9600), now);
  throw new Error(`--gps ${spec}: expected gpsd://host:port, nmea+tcp://host:port or nmea:/dev/ttyACM0`);
}

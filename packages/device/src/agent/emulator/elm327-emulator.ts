/**
 * An ELM327 on 127.0.0.1 (a random port), for tests and demos: it keeps the adapter's settings
 * (echo, linefeeds, spaces, headers, header and receive filter), answers the requests of a vehicle
 * profile from a vehicle state (encoded through the profile itself), the standard mode 01 PIDs and
 * the VIN, streams broadcast frames while monitoring, reports the 12 V battery on ATRV, and says
 * NO DATA while the car sleeps.
 *
 * Faults real adapters produce can be injected for the next requests (truncated and garbled answers,
 * stray prompts and status lines, bus errors, silence), and recorded exchanges can be replayed
 * verbatim: an answer captured from a real car is answered as captured.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { isMonitorRequest, type TProfileRequest, type TVehicleProfile } from '../profiles/index.js';
import { encodeSupportedPids, encodeVin, SUPPORT_PIDS } from '../j1979.js';
import { encodeAnswer, encodeStandardAnswer, printAnswer, printMonitorFrame } from './answer-encoder.js';
import type { EmulatedVehicle, VehicleState } from './vehicle-state.js';

export type EmulatorFault =
  /** NO DATA once, though the car is awake. */
  | 'no-data'
  /** The answer cut off in the middle of a line, then the prompt. */
  | 'truncate'
  /** `?`, as for a command the adapter did not understand. */
  | 'unknown'
  | 'can-error'
  | 'buffer-full'
  | 'stopped'
  /** A status line before the data. */
  | 'searching'
  | 'bus-init'
  | 'stray-ok'
  /** An extra `>` before the answer. */
  | 'stray-prompt'
  /** No answer at all (the client times out), then the answer arrives late, before the next one. */
  | 'late';

export interface RecordedExchange {
  /** The transmit header in force (ATSH), when the answer depends on it; for `ATMA`, the id monitored (ATCRA). */
  readonly header?: string;
  /** The request as sent, e.g. `220101`, or `ATMA` for a broadcast frame printed each time it comes by. */
  readonly command: string;
  /** What the adapter printed, before the prompt (`\r` separated lines). */
  readonly answer: string;
}

export interface Elm327EmulatorOptions {
  readonly vehicle: EmulatedVehicle;
  readonly profile?: TVehicleProfile;
  /** The clock that drives the vehicle (default Date.now): tests pass their virtual clock. */
  readonly now?: () => number;
  /** Mode 01 PIDs the car offers besides the bitmaps (default 0x0D speed and 0x46 ambient). */
  readonly standardPids?: readonly number[];
  readonly recorded?: readonly RecordedExchange[];
  /** Pad CAN frames to 8 bytes when headers are on (default true). */
  readonly padding?: boolean;
  /** Identification printed at reset. */
  readonly version?: string;
}

export interface EmulatorStats {
  /** Diagnostic requests (not AT commands) received. */
  requests: number;
  /** Of those, while the car was asleep. */
  requestsWhileAsleep: number;
  atCommands: number;
  /** Requests by command text, e.g. `220101`: number. */
  readonly byCommand: Map<string, number>;
}

export class Elm327Emulator {
  readonly stats: EmulatorStats = { requests: 0, requestsWhileAsleep: 0, atCommands: 0, byCommand: new Map() };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private faults: EmulatorFault[] = [];
  private readonly standardPids: readonly number[];

  constructor(private readonly options: Elm327EmulatorOptions) {
    this.standardPids = options.standardPids ?? [0x0d, 0x46];
  }

  /** Listens on 127.0.0.1 (at a free port unless given); resolves with the adapter URL (`tcp://127.0.0.1:PORT`). */
  async start(port = 0): Promise<string> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Applies `fault` to the next `count` diagnostic requests. */
  inject(fault: EmulatorFault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    const session = new AdapterSession(this, socket);
    socket.on('data', (chunk: string) => session.receive(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      session.stopMonitoring();
      this.sockets.delete(socket);
    });
  }

  /** @internal the state for a request, counting it. */
  vehicleState(command: string): VehicleState {
    const state = this.options.vehicle.stateAt(this.now());
    this.stats.requests++;
    if (state.asleep) this.stats.requestsWhileAsleep++;
    this.stats.byCommand.set(command, (this.stats.byCommand.get(command) ?? 0) + 1);
    return state;
  }

  /** @internal */
  peekState(): VehicleState {
    return this.options.vehicle.stateAt(this.now());
  }

  /** @internal */
  nextFault(): EmulatorFault | undefined {
    return this.faults.shift();
  }

  /** @internal */
  get config(): Elm327EmulatorOptions & { standardPids: readonly number[] } {
    return { ...this.options, standardPids: this.standardPids };
  }
}

/** One connection's adapter settings and line handling. */
class AdapterSession {
  private input = '';
  private echo = true;
  private linefeeds = false;
  private spaces = true;
  private headers = false;
  private header = '7DF';
  private filter: string | undefined;
  private monitoring: ReturnType<typeof setInterval> | undefined;
  private lateAnswer: string | undefined;

  constructor(
    private readonly emulator: Elm327Emulator,
    private readonly socket: Socket,
  ) {}

  private get eol(): string {
    return this.linefeeds ? '\r\n' : '\r';
  }

  receive(chunk: string): void {
    if (this.monitoring !== undefined) {
      // Any character stops monitoring.
      this.stopMonitoring();
      this.write(`STOPPED${this.eol}${this.eol}>`);
      return;
    }
    this.input += chunk;
    let cr: number;
    while ((cr = this.input.indexOf('\r')) >= 0) {
      const line = this.input.slice(0, cr).replace(/\n/g, '').trim();
      this.input = this.input.slice(cr + 1);
      this.handle(line);
    }
  }

  stopMonitoring(): void {
    if (this.monitoring !== undefined) clearInterval(this.monitoring);
    this.monitoring = undefined;
  }

  private write(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text, 'latin1');
  }

  private reply(lines: readonly string[]): void {
    const echo = this.echo ? `${this.lastCommand}${this.eol}` : '';
    this.write(`${echo}${lines.join(this.eol)}${this.eol}${this.eol}>`);
  }

  private lastCommand = '';

  private handle(raw: string): void {
    this.lastCommand = raw;
    if (this.lateAnswer !== undefined) {
      // The answer to the request that "timed out" arrives now, just before this one's.
      this.write(this.lateAnswer);
      this.lateAnswer = undefined;
    }
    const command = raw.replace(/\s+/g, '').toUpperCase();
    if (command === '') return;
    if (command.startsWith('AT')) {
      this.emulator.stats.atCommands++;
      this.handleAt(command.slice(2));
      return;
    }
    if (!/^[0-9A-F]+$/.test(command) || command.length % 2 !== 0) {
      this.reply(['?']);
      return;
    }
    this.handleRequest(command);
  }

  private handleAt(at: string): void {
    const config = this.emulator.config;
    if (at === 'Z' || at === 'WS') {
      this.echo = true;
      this.linefeeds = false;
      this.spaces = true;
      this.headers = false;
      this.header = '7DF';
      this.filter = undefined;
      this.write(`${this.eol}${this.eol}${config.version ?? 'ELM327 v1.5'}${this.eol}${this.eol}>`);
      return;
    }
    const flag = /^(E|L|S|H)([01])$/.exec(at);
    if (flag) {
      const on = flag[2] === '1';
      if (flag[1] === 'E') this.echo = on;
      if (flag[1] === 'L') this.linefeeds = on;
      if (flag[1] === 'S') this.spaces = on;
      if (flag[1] === 'H') this.headers = on;
      this.reply(['OK']);
      return;
    }
    if (at.startsWith('SH')) {
      this.header = at.slice(2);
      this.reply(['OK']);
      return;
    }
    if (at.startsWith('CRA')) {
      this.filter = at.length > 3 ? at.slice(3) : undefined;
      this.reply(['OK']);
      return;
    }
    if (at === 'RV') {
      this.reply([`${this.emulator.peekState().auxVoltageV.toFixed(1)}V`]);
      return;
    }
    if (at === 'DPN') {
      this.reply(['A6']);
      return;
    }
    if (at === 'I') {
      this.reply([config.version ?? 'ELM327 v1.5']);
      return;
    }
    if (at === 'MA') {
      this.startMonitoring();
      return;
    }
    // Everything else a real adapter accepts (ATAT1, ATSP6, ATCAF1 …) is acknowledged.
    this.reply(['OK']);
  }

  private startMonitoring(): void {
    const config = this.emulator.config;
    const request = config.profile?.requests.find(
      (r): r is Extract<TProfileRequest, { monitor: string }> => isMonitorRequest(r) && r.monitor === this.filter,
    );
    const recorded = config.recorded?.find((r) => r.command.toUpperCase() === 'ATMA' && r.header === this.filter);
    if (this.echo) this.write(`${this.lastCommand}${this.eol}`);
    const emit = () => {
      if (recorded) {
        if (recorded.answer !== '') this.write(`${recorded.answer.split(/\r\n?|\n/).join(this.eol)}${this.eol}`);
        return;
      }
      const state = this.emulator.vehicleState('ATMA');
      if (state.asleep || !request || !config.profile) return; // a silent bus
      const data = encodeAnswer(config.profile, request, state);
      this.write(`${printMonitorFrame(request.monitor, data, { headers: true, spaces: this.spaces })}${this.eol}`);
    };
    this.monitoring = setInterval(emit, 10);
    emit();
  }

  private handleRequest(command: string): void {
    const state = this.emulator.vehicleState(command);
    const fault = this.emulator.nextFault();
    const lines = state.asleep ? ['NO DATA'] : this.answer(command, state);
    this.deliver(lines, fault);
  }

  private deliver(lines: string[], fault: EmulatorFault | undefined): void {
    switch (fault) {
      case undefined:
        this.reply(lines);
        return;
      case 'no-data':
        this.reply(['NO DATA']);
        return;
      case 'unknown':
        this.reply(['?']);
        return;
      case 'can-error':
        this.reply(['CAN ERROR']);
        return;
      case 'buffer-full':
        this.reply([...lines.slice(0, 1), 'BUFFER FULL']);
        return;
      case 'stopped':
        this.reply(['STOPPED']);
        return;
      case 'searching':
        this.reply(['SEARCHING...', ...lines]);
        return;
      case 'bus-init':
        this.reply(['BUS INIT: ...OK', ...lines]);
        return;
      case 'stray-ok':
        this.reply(['OK', ...lines]);
        return;
      case 'stray-prompt':
        this.write('>');
        this.reply(lines);
        return;
      case 'truncate': {
        const text = lines.join(this.eol);
        const cut = text.slice(0, Math.max(1, Math.floor(text.length / 2) + 1));
        this.write(`${this.echo ? `${this.lastCommand}${this.eol}` : ''}${cut}${this.eol}${this.eol}>`);
        return;
      }
      case 'late':
        this.lateAnswer = `${lines.join(this.eol)}${this.eol}${this.eol}>`;
        return;
    }
  }

  /** The lines for a diagnostic request from an awake car. */
  private answer(command: string, state: VehicleState): string[] {
    const config = this.emulator.config;
    const recorded = config.recorded?.find(
      (r) => r.command.toUpperCase() === command && (r.header === undefined || r.header === this.header),
    );
    if (recorded) return recorded.answer.split(/\r\n?|\n/);
    const service = parseInt(command.slice(0, 2), 16);
    const print = (id: string, payload: Uint8Array) =>
      printAnswer(id, payload, { headers: this.headers, spaces: this.spaces, padding: config.padding ?? true });
    const accept = (id: string) => this.filter === undefined || this.filter === id;

    if (this.header === '7DF' && service === 0x01) {
      const pid = parseInt(command.slice(2, 4), 16);
      const offered = [...config.standardPids];
      if ((SUPPORT_PIDS as readonly number[]).includes(pid)) {
        // A car answers the bitmaps up to the last one that lists something.
        if (pid !== 0 && !offered.some((p) => p > pid)) return ['NO DATA'];
        const bitmap = encodeSupportedPids(pid, offered);
        return accept('7E8') ? print('7E8', Uint8Array.of(0x41, pid, ...bitmap)) : ['NO DATA'];
      }
      const payload = offered.includes(pid) ? encodeStandardAnswer(pid, state) : undefined;
      return payload && accept('7E8') ? print('7E8', payload) : ['NO DATA'];
    }
    if (this.header === '7DF' && command === '0902') {
      return accept('7E8') ? print('7E8', Uint8Array.from(encodeVin(this.emulatorVin()))) : ['NO DATA'];
    }
    const profile = config.profile;
    const request = profile?.requests.find(
      (r) =>
        !isMonitorRequest(r) &&
        r.header === this.header &&
        `${r.service.toString(16).padStart(2, '0')}${r.pid}`.toUpperCase() === command,
    );
    if (!profile || !request || isMonitorRequest(request)) return ['NO DATA'];
    if (!accept(request.receive)) return ['NO DATA'];
    return print(request.receive, encodeAnswer(profile, request, state));
  }

  private emulatorVin(): string {
    return (this.emulator.config.vehicle as { vin: string }).vin;
  }
}

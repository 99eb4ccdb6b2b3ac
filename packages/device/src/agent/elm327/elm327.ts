/**
 * An ELM327 (or compatible) adapter, spoken to one command at a time: write a line, read until the
 * `>` prompt. It sets the adapter up for CAN (reset, echo off, headers on, adaptive timing, protocol),
 * addresses each request to its ECU (ATSH) and listens only to that ECU's answers (ATCRA), reads
 * broadcast frames (ATMA, stopped after the first), and reads the adapter's supply voltage (ATRV).
 *
 * Adapters misbehave in known ways, handled here: a prompt with nothing before it (skipped), the late
 * answer to a command that timed out (detected: it does not match the request), truncated answers
 * (retried), status lines in the data (left to the parser).
 */
import { type AdapterTransport } from './adapter-transport.js';
import { parseElmResponse, reassemble, type EcuMessage, type ParsedElmResponse } from './response-parser.js';

export type ElmProtocol = 'auto' | 'can11-500';

export interface Elm327Options {
  /** Wait this long for the prompt after a command (default 2500 ms). */
  readonly timeoutMs?: number;
  /** Protocol to select at initialisation: auto-detect (ATSP0) or CAN 11-bit 500 kbit/s (ATSP6, default). */
  readonly protocol?: ElmProtocol;
  /** Sees every exchange (command and raw answer), for `--verbose` and debugging. */
  readonly onExchange?: (command: string, answer: string) => void;
}

export type RequestFailure =
  'no-data' | 'negative' | 'incomplete' | 'mismatch' | 'error' | 'timeout' | 'stopped' | 'unknown-command';

export type RequestResult =
  | { readonly ok: true; readonly payload: Uint8Array; readonly ecu: string | undefined }
  | { readonly ok: false; readonly reason: RequestFailure; readonly detail?: string };

export interface ElmRequest {
  /** Transmit header (ATSH), e.g. `7E4`; undefined: the functional address 7DF. */
  readonly header?: string;
  /** Only accept answers from this id (ATCRA), e.g. `7EC`; undefined: any ECU. */
  readonly receive?: string;
  /** Diagnostic service: 0x01 (J1979 current data), 0x09 (vehicle info), 0x21 or 0x22 (manufacturer). */
  readonly service: number;
  /** Parameter id bytes after the service, e.g. [0x01, 0x01] for 22 01 01. */
  readonly pid: readonly number[];
}

export class ElmTimeoutError extends Error {
  constructor(command: string, timeoutMs: number) {
    super(`the adapter did not answer "${command}" within ${timeoutMs} ms`);
    this.name = 'ElmTimeoutError';
  }
}

const FUNCTIONAL_HEADER = '7DF';
const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

export class Elm327 {
  /** The identification the adapter printed at reset, e.g. `ELM327 v1.5`. */
  version: string | undefined;
  /** The protocol the adapter reports (ATDPN), e.g. `6` or `A6` (auto, found 6). */
  protocolNumber: string | undefined;
  private buffer = '';
  private notify: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private headers = true;
  private header: string | undefined;
  private filter: string | undefined;
  /** A command timed out: its answer may still arrive, so drain before the next one. */
  private desynced = false;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(
    private readonly transport: AdapterTransport,
    private readonly options: Elm327Options = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2500;
    transport.onData((chunk) => {
      this.buffer += chunk;
      this.notify?.();
    });
    transport.onClose(() => {
      this.closed = true;
      this.notify?.();
    });
  }

  get description(): string {
    return this.transport.description;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Resets and configures the adapter: ATZ, echo off, linefeeds off, spaces off, headers on,
   * adaptive timing, the protocol. Then asks the car for its supported PIDs once, which makes an
   * auto-detecting adapter search for the protocol (`SEARCHING...`); a sleeping car answers nothing,
   * which is fine here.
   */
  async initialize(): Promise<void> {
    const reset = await this.command('ATZ', 5000).catch(async () => this.command('ATWS', 5000));
    this.version = /ELM\d+\s*v[\d.]+/i.exec(reset)?.[0] ?? (reset.trim() || undefined);
    for (const setting of ['ATE0', 'ATL0', 'ATS0', 'ATH1', 'ATAT1', 'ATCAF1']) await this.command(setting);
    this.headers = true;
    await this.command(this.options.protocol === 'auto' ? 'ATSP0' : 'ATSP6');
    this.header = undefined;
    this.filter = undefined;
    await this.request({ service: 0x01, pid: [0x00] }, { timeoutMs: 10_000, retries: 0 });
    const dpn = await this.command('ATDPN').catch(() => '');
    this.protocolNumber = dpn.replace(/[\s>]/g, '') || undefined;
  }

  /** Sends one line and resolves with everything the adapter printed before the prompt. */
  command(text: string, timeoutMs = this.timeoutMs): Promise<string> {
    const run = this.queue.then(() => this.exchange(text, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async exchange(text: string, timeoutMs: number): Promise<string> {
    if (this.closed) throw new Error(`the adapter link (${this.description}) is closed`);
    if (this.desynced) await this.drain();
    this.buffer = '';
    await this.transport.write(`${text}\r`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const prompt = this.buffer.indexOf('>');
      if (prompt >= 0) {
        const answer = this.buffer.slice(0, prompt);
        this.buffer = this.buffer.slice(prompt + 1);
        // A prompt with nothing before it is a stray one (left over, or sent twice): keep waiting.
        if (answer.trim() !== '') {
          this.options.onExchange?.(text, answer);
          return answer;
        }
        continue;
      }
      if (this.closed) throw new Error(`the adapter link (${this.description}) closed during "${text}"`);
      const left = deadline - Date.now();
      if (left <= 0) {
        this.desynced = true;
        this.options.onExchange?.(text, `${this.buffer}<timeout>`);
        throw new ElmTimeoutError(text, timeoutMs);
      }
      await this.waitForData(left);
    }
  }

  /** After a timeout: let a late answer arrive and throw it away. */
  private async drain(): Promise<void> {
    const deadline = Date.now() + 500;
    while (!this.buffer.includes('>') && Date.now() < deadline && !this.closed) {
      await this.waitForData(deadline - Date.now());
    }
    this.buffer = '';
    this.desynced = false;
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.notify = undefined;
        resolve();
      }, ms);
      this.notify = () => {
        clearTimeout(timer);
        this.notify = undefined;
        resolve();
      };
    });
  }

  private async ensureHeader(header: string): Promise<void> {
    if (this.header === header) return;
    await this.command(`ATSH${header}`);
    this.header = header;
  }

  private async ensureFilter(receive: string | undefined): Promise<void> {
    if (this.filter === receive) return;
    // ATCRA without an address turns the receive filter off.
    await this.command(receive === undefined ? 'ATCRA' : `ATCRA${receive}`);
    this.filter = receive;
  }

  /**
   * One diagnostic request, its answer reassembled and checked: it must come from `receive` (when
   * given) and echo the service (+0x40) and the PID. Truncated, mismatched or garbled answers and
   * transient bus errors are tried again `retries` times (default 1).
   */
  async request(req: ElmRequest, options: { timeoutMs?: number; retries?: number } = {}): Promise<RequestResult> {
    const retries = options.retries ?? 1;
    let result: RequestResult = { ok: false, reason: 'timeout' };
    for (let attempt = 0; attempt <= retries; attempt++) {
      result = await this.requestOnce(req, options.timeoutMs);
      if (result.ok || !['incomplete', 'mismatch', 'error', 'timeout', 'stopped'].includes(result.reason)) break;
      if (this.closed) break;
    }
    return result;
  }

  private async requestOnce(req: ElmRequest, timeoutMs?: number): Promise<RequestResult> {
    const text = [req.service, ...req.pid].map(hex2).join('');
    let raw: string;
    try {
      await this.ensureHeader(req.header ?? FUNCTIONAL_HEADER);
      await this.ensureFilter(req.receive);
      raw = await this.command(text, timeoutMs);
    } catch (error) {
      if (error instanceof ElmTimeoutError) return { ok: false, reason: 'timeout', detail: error.message };
      throw error;
    }
    return interpretAnswer(raw, text, req, this.headers);
  }

  /**
   * The next broadcast frame with this id (ATCRA + ATMA), for data that cars send on the bus
   * rather than on request. Monitoring is stopped right after the first frame (any character stops
   * it; the adapter may then print `STOPPED`).
   */
  async monitor(id: string, timeoutMs = 1500): Promise<RequestResult> {
    await this.ensureFilter(id);
    const run = this.queue.then(() => this.monitorExchange(id, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async monitorExchange(id: string, timeoutMs: number): Promise<RequestResult> {
    if (this.closed) throw new Error(`the adapter link (${this.description}) is closed`);
    if (this.desynced) await this.drain();
    this.buffer = '';
    await this.transport.write('ATMA\r');
    const deadline = Date.now() + timeoutMs;
    let frame: Uint8Array | undefined;
    while (frame === undefined && Date.now() < deadline && !this.closed) {
      const lines = this.buffer.split(/[\r\n]/);
      lines.pop(); // the last piece may be an incomplete line
      for (const line of lines) {
        const parsed = parseElmResponse(line, { headers: true });
        const match = parsed.frames.find((f) => f.id === id.toUpperCase());
        if (match) {
          frame = match.bytes;
          break;
        }
      }
      if (frame === undefined) await this.waitForData(Math.max(1, deadline - Date.now()));
    }
    // Stop monitoring and wait for the prompt.
    await this.transport.write('\r');
    const stopDeadline = Date.now() + 1000;
    while (!this.buffer.includes('>') && Date.now() < stopDeadline && !this.closed) {
      await this.waitForData(stopDeadline - Date.now());
    }
    if (!this.buffer.includes('>')) this.desynced = true;
    this.options.onExchange?.('ATMA', this.buffer);
    this.buffer = '';
    return frame === undefined ? { ok: false, reason: 'no-data' } : { ok: true, payload: frame, ecu: id.toUpperCase() };
  }

  /** The adapter's supply voltage (ATRV): the car's 12 V battery. Undefined when unreadable. */
  async batteryVoltage(): Promise<number | undefined> {
    try {
      const answer = await this.command('ATRV');
      const volts = /(\d+(?:\.\d+)?)\s*V/i.exec(answer);
      return volts ? Number(volts[1]) : undefined;
    } catch (error) {
      if (error instanceof ElmTimeoutError) return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // A command waiting for its answer gives up now, not when its timeout runs out.
    this.notify?.();
    await this.transport.close();
  }
}

/** The answer to a request, checked against it. Exported for tests of recorded exchanges. */
export function interpretAnswer(raw: string, command: string, req: ElmRequest, headers: boolean): RequestResult {
  let parsed: ParsedElmResponse = parseElmResponse(raw, { command, headers });
  let usedHeaders = headers;
  const noIds = parsed.frames.length > 0 && parsed.frames.every((f) => f.id === undefined);
  if ((parsed.frames.length === 0 && parsed.malformed.length > 0) || (headers && noIds)) {
    // Some clones ignore ATH1 (or ATH0): read the lines the other way.
    const other = parseElmResponse(raw, { command, headers: !headers });
    if (other.frames.length > 0) {
      parsed = other;
      usedHeaders = !headers;
    }
  }
  if (parsed.status === 'no-data') return { ok: false, reason: 'no-data' };
  if (parsed.status === 'stopped' && parsed.frames.length === 0) return { ok: false, reason: 'stopped' };
  if (parsed.status === 'unknown-command') return { ok: false, reason: 'unknown-command' };
  if (parsed.status === 'error') return { ok: false, reason: 'error', detail: parsed.message ?? 'adapter error' };
  const messages = reassemble(parsed.frames, usedHeaders).filter(
    (m) => req.receive === undefined || m.id === undefined || m.id === req.receive.toUpperCase(),
  );
  // A truncated copy may come before the whole answer (an adapter retrying on the bus): take the whole one.
  const positive = messages.find((m) => m.complete && answers(m, req)) ?? messages.find((m) => answers(m, req));
  if (positive) {
    return positive.complete
      ? { ok: true, payload: positive.payload, ecu: positive.id }
      : { ok: false, reason: 'incomplete', detail: `${positive.payload.length} bytes of a longer answer` };
  }
  const negative = messages.find((m) => m.payload[0] === 0x7f && m.payload[1] === req.service);
  if (negative)
    return { ok: false, reason: 'negative', detail: `negative response 0x${hex2(negative.payload[2] ?? 0)}` };
  if (parsed.malformed.length > 0 || messages.some((m) => !m.complete)) {
    return { ok: false, reason: 'incomplete', detail: parsed.malformed.join(' | ') || 'truncated answer' };
  }
  return { ok: false, reason: 'mismatch', detail: raw.trim().slice(0, 80) };
}

function answers(message: EcuMessage, req: ElmRequest): boolean {
  const p = message.payload;
  if (p[0] !== req.service + 0x40) return false;
  // Mode 09 PID 02 answers may carry the PID only; every other answer echoes all PID bytes.
  return req.pid.every((byte, i) => p[1 + i] === byte);
}

/**
 * What an ELM327 prints, turned into messages. Adapters differ (and clones differ more): echo on or
 * off, CR or CR LF line ends, spaces between bytes or none, CAN headers shown or not, status lines
 * mixed into the data (`SEARCHING...`, `BUS INIT: ...OK`, a stray `OK`), and errors in place of data
 * (`NO DATA`, `STOPPED`, `?`, `CAN ERROR`, `BUFFER FULL` …). This module is pure: text in, frames and
 * ISO-TP messages out, with a status that says why there is no data when there is none.
 *
 * Only 11-bit CAN identifiers are understood (every car with a profile here uses them).
 */

export type ElmStatus = 'ok' | 'no-data' | 'stopped' | 'unknown-command' | 'error';

/** One CAN frame as printed: the sender's id when headers are on, and the data bytes. */
export interface ElmFrame {
  readonly id: string | undefined;
  readonly bytes: Uint8Array;
}

/** A reassembled ISO-TP message from one ECU. `complete` is false when frames were missing. */
export interface EcuMessage {
  readonly id: string | undefined;
  readonly payload: Uint8Array;
  readonly complete: boolean;
}

export interface ParsedElmResponse {
  readonly status: ElmStatus;
  /** The error line when status is 'error' (e.g. `CAN ERROR`). */
  readonly message?: string;
  /** Data lines, as frames, in the order printed. */
  readonly frames: readonly ElmFrame[];
  /** Lines that were neither data nor a known status (a truncated line, noise). */
  readonly malformed: readonly string[];
}

/** Lines that carry no data and no verdict: progress and acknowledgements. */
const NOISE = [/^SEARCHING\.*$/, /^OK$/, /^BUS INIT:?\s*\.*\s*OK$/, /^BUS INIT:?\s*\.*$/, /^>+$/];

const ERRORS = [
  'CAN ERROR',
  'BUS ERROR',
  'BUS BUSY',
  'FB ERROR',
  'DATA ERROR',
  '<DATA ERROR',
  'BUFFER FULL',
  'UNABLE TO CONNECT',
  'LV RESET',
  'ACT ALERT',
];

/**
 * The lines of one response, without the prompt, the echo of `command`, blank lines and noise.
 * Status lines (`NO DATA`, errors) are kept: classify them with parseElmResponse.
 */
export function responseLines(raw: string, command?: string): string[] {
  const lines = raw
    .replace(/>/g, '\r')
    .split(/[\r\n]+/)
    .map((line) => line.replace(/\0/g, '').trim())
    .filter((line) => line !== '');
  const echo = command === undefined ? undefined : compact(command);
  if (echo !== undefined && lines.length > 0 && compact(lines[0]!) === echo) lines.shift();
  return lines.filter((line) => !NOISE.some((pattern) => pattern.test(line.toUpperCase())));
}

function compact(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

const HEX_BYTES_SPACED = /^(?:[0-9A-F]{2} )*[0-9A-F]{2}$/;
const HEX_RUN = /^[0-9A-F]+$/;

/**
 * Classifies a response and reads its data lines. `headers` says whether CAN headers are on (ATH1):
 * then each data line starts with the 3-digit sender id.
 */
export function parseElmResponse(raw: string, options: { command?: string; headers: boolean }): ParsedElmResponse {
  const frames: ElmFrame[] = [];
  const malformed: string[] = [];
  let status: ElmStatus = 'ok';
  let message: string | undefined;
  for (const original of responseLines(raw, options.command)) {
    const line = original.toUpperCase();
    if (line === 'NO DATA') {
      status = frames.length > 0 ? status : 'no-data';
      continue;
    }
    if (line === 'STOPPED') {
      status = 'stopped';
      continue;
    }
    if (line === '?') {
      status = 'unknown-command';
      continue;
    }
    const error = ERRORS.find((e) => line.startsWith(e)) ?? (/^BUS INIT:.*ERROR$/.test(line) ? line : undefined);
    if (error !== undefined || /^ERR\d+$/.test(line)) {
      status = 'error';
      message = original;
      continue;
    }
    const frame = parseDataLine(line, options.headers);
    if (frame === undefined) malformed.push(original);
    else frames.push(frame);
  }
  if (frames.length > 0 && status === 'no-data') status = 'ok';
  return { status, ...(message === undefined ? {} : { message }), frames, malformed };
}

/**
 * One data line: `7EC 10 3E 62 01 01 FF F7 E7` (headers, spaces), `7EC103E620101FFF7E7` (headers,
 * no spaces), `62 01 01 FF` (no headers), or the headers-off multi-frame forms `03E` (length) and
 * `0: 62 01 01 FF F7 E7` (index). Undefined when the line is not whole hex bytes.
 */
function parseDataLine(line: string, headers: boolean): ElmFrame | undefined {
  const indexed = /^([0-9A-F]):\s*(.*)$/.exec(line);
  if (indexed) {
    const bytes = hexBytes(indexed[2]!.trim());
    // The index of a headers-off multi-frame line stands in for the consecutive-frame PCI.
    return bytes === undefined ? undefined : { id: undefined, bytes: withPci(0x20 | parseInt(indexed[1]!, 16), bytes) };
  }
  if (!headers) {
    if (/^[0-9A-F]{3}$/.test(line)) {
      // Headers-off multi-frame: the total length, then indexed lines. Encoded as a first-frame PCI.
      const length = parseInt(line, 16);
      return { id: undefined, bytes: Uint8Array.of(0x10 | (length >> 8), length & 0xff) };
    }
    const bytes = hexBytes(line);
    return bytes === undefined ? undefined : { id: undefined, bytes };
  }
  let id: string;
  let rest: string;
  if (line.includes(' ')) {
    const space = line.indexOf(' ');
    id = line.slice(0, space);
    rest = line.slice(space + 1).trim();
    if (!/^[0-9A-F]{3}$/.test(id)) return undefined;
  } else {
    if (!HEX_RUN.test(line) || line.length < 5 || (line.length - 3) % 2 !== 0) return undefined;
    id = line.slice(0, 3);
    rest = line.slice(3);
  }
  const bytes = hexBytes(rest);
  // A CAN frame carries at most 8 data bytes: more on one line is two frames fused (the line end lost).
  return bytes === undefined || bytes.length === 0 || bytes.length > 8 ? undefined : { id, bytes };
}

function withPci(pci: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = pci;
  out.set(bytes, 1);
  return out;
}

/** `62 01 01` or `620101` as bytes; undefined when not whole hex bytes. */
export function hexBytes(text: string): Uint8Array | undefined {
  const spaced = HEX_BYTES_SPACED.test(text);
  if (!spaced && !(HEX_RUN.test(text) && text.length % 2 === 0)) return undefined;
  const digits = text.replace(/ /g, '');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * ISO-TP messages from the frames, one per sender (frames of different ECUs may interleave).
 *
 * With headers on, every frame starts with its PCI byte: single frame (0x0L), first frame (0x1L LL),
 * consecutive frame (0x2N), flow control (0x3…, skipped). With headers off the adapter strips the PCI
 * of single frames, and a multi-frame message comes as a length line and indexed lines (already turned
 * into first/consecutive frames by the parser).
 *
 * A first frame carries 6 bytes and every consecutive frame 7, except the last, which carries what is
 * left (and maybe padding): a frame with fewer bytes lost some on the line, and the message is not
 * complete even when the padding of the last frame makes up the count.
 */
export function reassemble(frames: readonly ElmFrame[], headers: boolean): EcuMessage[] {
  interface Pending {
    id: string | undefined;
    length: number;
    data: number[];
    nextSeq: number;
    /** Bytes the next consecutive frame carries when it is not the last: 6 after a headers-off length line. */
    nextBytes: number;
    broken: boolean;
  }
  const done: EcuMessage[] = [];
  const pending = new Map<string, Pending>();
  const key = (id: string | undefined) => id ?? '';
  const finish = (p: Pending) => {
    pending.delete(key(p.id));
    const complete = !p.broken && p.data.length >= p.length;
    done.push({ id: p.id, payload: Uint8Array.from(p.data.slice(0, p.length)), complete });
  };
  for (const frame of frames) {
    const b = frame.bytes;
    const pci = b[0]!;
    const type = pci >> 4;
    const multiFrameLine = !headers && (type === 1 || type === 2) && isHeadersOffMultiFrame(frame, pending);
    if (!headers && !multiFrameLine) {
      // A headers-off single frame: the adapter printed the payload only.
      const open = pending.get(key(frame.id));
      if (open) finish(open);
      done.push({ id: frame.id, payload: b, complete: true });
      continue;
    }
    if (type === 0) {
      const length = pci & 0x0f;
      done.push({ id: frame.id, payload: b.slice(1, 1 + length), complete: b.length - 1 >= length && length > 0 });
    } else if (type === 1) {
      const open = pending.get(key(frame.id));
      if (open) finish(open);
      const length = ((pci & 0x0f) << 8) | (b[1] ?? 0);
      // A headers-off length line has no data of its own: its indexed lines count from 0, the first with 6 bytes.
      const lengthLine = !headers && b.length === 2;
      const p: Pending = {
        id: frame.id,
        length,
        data: Array.from(b.slice(2)),
        nextSeq: lengthLine ? 0 : 1,
        nextBytes: lengthLine ? 6 : 7,
        broken: !lengthLine && b.length < 8,
      };
      pending.set(key(frame.id), p);
      if (p.data.length >= length) finish(p);
    } else if (type === 2) {
      const p = pending.get(key(frame.id));
      if (!p) continue; // a consecutive frame without its first frame: nothing to attach it to
      if ((pci & 0x0f) !== p.nextSeq) p.broken = true;
      if (b.length - 1 < Math.min(p.nextBytes, p.length - p.data.length)) p.broken = true;
      p.nextSeq = (p.nextSeq + 1) & 0x0f;
      p.nextBytes = 7;
      p.data.push(...b.slice(1));
      if (p.data.length >= p.length) finish(p);
    }
  }
  for (const p of [...pending.values()]) finish(p);
  return done;
}

/** With headers off, a line is part of a multi-frame message when a length line opened one (or it is the length line). */
function isHeadersOffMultiFrame(frame: ElmFrame, pending: Map<string, unknown>): boolean {
  const type = frame.bytes[0]! >> 4;
  if (type === 1) return frame.bytes.length === 2; // the synthetic first frame of a length line
  return pending.has(frame.id ?? '');
}

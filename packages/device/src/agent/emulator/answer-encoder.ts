/**
 * The emulator's side of a profile: a car state written into the answer a profile request expects
 * (the inverse of decoding, so the emulator speaks exactly what the agent reads), and an answer
 * printed as an ELM327 prints it — ISO-TP frames with or without headers and spaces.
 */
import { getStandardPid } from '../j1979.js';
import {
  encodeFlag,
  encodeNumeric,
  isFlagSignal,
  isMonitorRequest,
  type Flag,
  type Quantity,
  type TProfileRequest,
  type TVehicleProfile,
} from '../profiles/index.js';
import type { VehicleState } from './vehicle-state.js';

const QUANTITY_VALUE: Record<Quantity, (s: VehicleState) => number> = {
  soc: (s) => s.socPct,
  pack_voltage: (s) => s.packVoltageV,
  pack_current: (s) => s.packCurrentA,
  battery_temp: (s) => s.batteryTempC,
  soh: (s) => s.sohPct,
  ambient_temp: (s) => s.ambientTempC,
  speed: (s) => s.speedMps,
  odometer: (s) => s.odometerM,
  ac_line_voltage: (s) => s.acLineVoltageV,
  ac_line_current: (s) => s.acLineCurrentA,
  charge_power: (s) => s.chargePowerW,
  hvac_power: (s) => s.hvacPowerW,
  aux_power: (s) => s.auxPowerW,
  charger_output_voltage: (s) => s.chargerOutputVoltageV,
  charger_output_current: (s) => s.chargerOutputCurrentA,
  charger_output_power: (s) => s.chargerOutputVoltageV * s.chargerOutputCurrentA,
};

const FLAG_VALUE: Record<Flag, (s: VehicleState) => boolean> = {
  charging: (s) => s.charging,
  plugged: (s) => s.plugged,
  dc: (s) => s.dc,
  in_gear: (s) => s.inGear,
};

/** Bytes a request's answer needs: its declared length, or the extent of its signals. */
function answerLength(profile: TVehicleProfile, request: TProfileRequest): number {
  if (isMonitorRequest(request)) return 8;
  if (request.length !== undefined) return request.length;
  let end = 1 + request.pid.length / 2;
  for (const signal of profile.signals) {
    if (signal.request !== request.id) continue;
    const bits = signal.bits ?? 8 * (signal.bytes ?? 1);
    end = Math.max(end, Math.ceil((signal.byte * 8 + (signal.bit ?? 0) + bits) / 8));
  }
  return end;
}

/** The payload a car in `state` sends for `request` (service response id and PID echo included). */
export function encodeAnswer(profile: TVehicleProfile, request: TProfileRequest, state: VehicleState): Uint8Array {
  const payload = new Uint8Array(answerLength(profile, request));
  if (!isMonitorRequest(request)) {
    payload[0] = request.service + 0x40;
    for (let i = 0; i < request.pid.length / 2; i++) payload[1 + i] = parseInt(request.pid.slice(2 * i, 2 * i + 2), 16);
  }
  for (const signal of profile.signals) {
    if (signal.request !== request.id) continue;
    if (isFlagSignal(signal)) encodeFlag(signal, payload, FLAG_VALUE[signal.flag](state));
    else encodeNumeric(signal, payload, QUANTITY_VALUE[signal.quantity](state));
  }
  return payload;
}

/** A standard mode 01 answer (`41 PID …`), or undefined for a PID the emulated car does not offer. */
export function encodeStandardAnswer(pid: number, state: VehicleState): Uint8Array | undefined {
  try {
    const standard = getStandardPid(pid);
    const value =
      standard.quantity === 'speed_mps'
        ? state.speedMps
        : standard.quantity === 'ambient_temp_c'
          ? state.ambientTempC
          : standard.quantity === 'soc_pct'
            ? state.socPct
            : state.odometerM;
    return Uint8Array.of(0x41, pid, ...standard.encode(value));
  } catch {
    return undefined;
  }
}

export interface PrintOptions {
  readonly headers: boolean;
  readonly spaces: boolean;
  /** Pad CAN frames to 8 data bytes, as many adapters print them with headers on (default true). */
  readonly padding?: boolean;
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

/** The lines an ELM327 prints for `payload` from ECU `id`, split into ISO-TP frames. */
export function printAnswer(id: string, payload: Uint8Array, options: PrintOptions): string[] {
  const join = (bytes: number[]) => bytes.map(hex2).join(options.spaces ? ' ' : '');
  const line = (bytes: number[]) => (options.headers ? `${id}${options.spaces ? ' ' : ''}${join(bytes)}` : join(bytes));
  const pad = (bytes: number[]) => {
    if (options.padding === false) return bytes;
    const out = [...bytes];
    while (out.length < 8) out.push(0xaa);
    return out;
  };
  const data = Array.from(payload);
  if (data.length <= 7) {
    return [options.headers ? line(pad([data.length, ...data])) : join(data)];
  }
  if (!options.headers) {
    // Headers off: the total length in hex, then numbered lines of 6, 7, 7 … bytes.
    const lines = [data.length.toString(16).toUpperCase().padStart(3, '0')];
    lines.push(`0:${options.spaces ? ' ' : ''}${join(data.slice(0, 6))}`);
    for (let i = 6, n = 1; i < data.length; i += 7, n++) {
      lines.push(`${(n & 0x0f).toString(16).toUpperCase()}:${options.spaces ? ' ' : ''}${join(data.slice(i, i + 7))}`);
    }
    return lines;
  }
  const lines = [line([0x10 | (data.length >> 8), data.length & 0xff, ...data.slice(0, 6)])];
  for (let i = 6, seq = 1; i < data.length; i += 7, seq++) {
    lines.push(line(pad([0x20 | (seq & 0x0f), ...data.slice(i, i + 7)])));
  }
  return lines;
}

/** A broadcast frame as printed while monitoring (ATMA): the id and all 8 data bytes. */
export function printMonitorFrame(id: string, data: Uint8Array, options: PrintOptions): string {
  const bytes = Array.from(data).map(hex2);
  return options.spaces ? `${id} ${bytes.join(' ')}` : `${id}${bytes.join('')}`;
}

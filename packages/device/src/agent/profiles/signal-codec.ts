/**
 * Reading a profile signal out of an answer payload, and (for the emulator) writing it in: bit
 * fields, signedness, byte order, scale and offset, and the unit conversion to base units (m/s, m, W).
 * Pure functions; the inverse of decode is encode, so the emulator speaks exactly what a profile reads.
 */
import {
  isFlagSignal,
  type Quantity,
  type TFlagSignal,
  type TNumericSignal,
  type TProfileSignal,
} from './profile-schema.js';

/** Multiply a value in the profile's unit by this to get base units. */
const TO_BASE: Record<string, number> = { 'km/h': 1 / 3.6, mph: 0.44704, km: 1000, mi: 1609.344, kW: 1000 };

export function toBaseUnits(value: number, unit: string): number {
  return value * (TO_BASE[unit] ?? 1);
}

export function fromBaseUnits(value: number, unit: string): number {
  return value / (TO_BASE[unit] ?? 1);
}

/** The base unit a quantity is reported in (field names of the uplink record carry it). */
export const BASE_UNIT: Record<Quantity, string> = {
  soc: '%',
  pack_voltage: 'V',
  pack_current: 'A',
  battery_temp: '°C',
  soh: '%',
  ambient_temp: '°C',
  speed: 'm/s',
  odometer: 'm',
  ac_line_voltage: 'V',
  ac_line_current: 'A',
  charge_power: 'W',
  hvac_power: 'W',
  aux_power: 'W',
  charger_output_voltage: 'V',
  charger_output_current: 'A',
  charger_output_power: 'W',
};

function widthOf(signal: TProfileSignal): number {
  return signal.bits ?? 8 * (signal.bytes ?? 1);
}

/** The unsigned raw field; undefined when the payload is too short to hold it. */
export function readRaw(signal: TProfileSignal, payload: Uint8Array): number | undefined {
  const width = widthOf(signal);
  const startBit = signal.byte * 8 + (signal.bit ?? 0);
  if (startBit + width > payload.length * 8) return undefined;
  if (signal.endian === 'little') {
    let raw = 0;
    for (let i = width / 8 - 1; i >= 0; i--) raw = raw * 256 + payload[signal.byte + i]!;
    return raw;
  }
  let raw = 0;
  for (let b = startBit; b < startBit + width; b++) {
    const bit = (payload[b >> 3]! >> (7 - (b & 7))) & 1;
    raw = raw * 2 + bit;
  }
  return raw;
}

export function writeRaw(signal: TProfileSignal, payload: Uint8Array, raw: number): void {
  const width = widthOf(signal);
  const startBit = signal.byte * 8 + (signal.bit ?? 0);
  if (startBit + width > payload.length * 8) {
    throw new RangeError(
      `${signal.name} needs ${Math.ceil((startBit + width) / 8)} bytes; the answer has ${payload.length}`,
    );
  }
  let value = raw >= 0 ? raw : raw + 2 ** width;
  if (signal.endian === 'little') {
    for (let i = 0; i < width / 8; i++) {
      payload[signal.byte + i] = value % 256;
      value = Math.floor(value / 256);
    }
    return;
  }
  for (let b = startBit + width - 1; b >= startBit; b--) {
    const mask = 0x80 >> (b & 7);
    if (value % 2 === 1) payload[b >> 3]! |= mask;
    else payload[b >> 3]! &= ~mask;
    value = Math.floor(value / 2);
  }
}

/** A numeric signal in base units; undefined when absent, too short or marked invalid. */
export function decodeNumeric(signal: TNumericSignal, payload: Uint8Array): number | undefined {
  const raw = readRaw(signal, payload);
  if (raw === undefined || signal.invalid?.includes(raw)) return undefined;
  const width = widthOf(signal);
  const value = signal.signed && raw >= 2 ** (width - 1) ? raw - 2 ** width : raw;
  return toBaseUnits(value * (signal.scale ?? 1) + (signal.offset ?? 0), signal.unit);
}

export function decodeFlag(signal: TFlagSignal, payload: Uint8Array): boolean | undefined {
  const raw = readRaw(signal, payload);
  if (raw === undefined) return undefined;
  const masked = raw & (signal.mask ?? 0xffffffff);
  return signal.anyOf ? signal.anyOf.includes(masked) : !signal.noneOf!.includes(masked);
}

export function decodeSignal(signal: TProfileSignal, payload: Uint8Array): number | boolean | undefined {
  return isFlagSignal(signal) ? decodeFlag(signal, payload) : decodeNumeric(signal, payload);
}

/** Writes a value in base units (the inverse of decodeNumeric, rounded to the signal's resolution). */
export function encodeNumeric(signal: TNumericSignal, payload: Uint8Array, value: number): void {
  const width = widthOf(signal);
  let raw = Math.round((fromBaseUnits(value, signal.unit) - (signal.offset ?? 0)) / (signal.scale ?? 1));
  const min = signal.signed ? -(2 ** (width - 1)) : 0;
  const max = signal.signed ? 2 ** (width - 1) - 1 : 2 ** width - 1;
  raw = Math.max(min, Math.min(max, raw));
  writeRaw(signal, payload, raw);
}

/** Writes a flag: only the bits under its mask change, so flags sharing a byte compose. */
export function encodeFlag(signal: TFlagSignal, payload: Uint8Array, value: boolean): void {
  const mask = signal.mask ?? 2 ** widthOf(signal) - 1;
  const current = readRaw(signal, payload) ?? 0;
  // Flags may share bits (plugged and dc in one "charger type" byte): keep a value that already reads right.
  if (decodeFlag(signal, payload) === value) return;
  const masked = flagRaw(signal, mask, value);
  writeRaw(signal, payload, ((current & ~mask) | (masked & mask)) >>> 0);
}

/** A masked raw value that reads as `value`. */
function flagRaw(signal: TFlagSignal, mask: number, value: boolean): number {
  if (signal.anyOf) {
    if (value) return signal.anyOf[0]!;
    for (let v = 0; v <= mask; v++) if ((v & mask) === v && !signal.anyOf.includes(v)) return v;
  } else {
    if (!value) return signal.noneOf![0]!;
    for (let v = 0; v <= mask; v++) if ((v & mask) === v && !signal.noneOf!.includes(v)) return v;
  }
  throw new Error(`${signal.name}: no raw value reads as ${value}`);
}

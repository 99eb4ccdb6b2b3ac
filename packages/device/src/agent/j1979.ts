/**
 * The standard SAE J1979 (OBD-II) parameters the agent reads where a car offers them: the
 * supported-PID bitmaps (PIDs 00, 20, 40 … C0 of mode 01), vehicle speed (0D), ambient air
 * temperature (46), hybrid/EV battery pack remaining life (5B) and odometer (A6), and the VIN
 * (mode 09 PID 02). Decoders take the answer payload (`41 0D 32` …) and return base units; encoders
 * (the inverse, for the emulator) return the payload bytes after the service and PID.
 */

export interface StandardPid {
  readonly pid: number;
  readonly name: string;
  /** The reading it feeds. */
  readonly quantity: 'speed_mps' | 'ambient_temp_c' | 'soc_pct' | 'odometer_m';
  readonly bytes: number;
  /** Payload after `41 PID` → value in base units. */
  decode(data: Uint8Array): number;
  /** Value in base units → payload after `41 PID`. */
  encode(value: number): number[];
}

const clampByte = (n: number) => Math.max(0, Math.min(255, Math.round(n)));

export const STANDARD_PIDS: readonly StandardPid[] = [
  {
    pid: 0x0d,
    name: 'Vehicle speed',
    quantity: 'speed_mps',
    bytes: 1,
    decode: (d) => d[0]! / 3.6,
    encode: (mps) => [clampByte(mps * 3.6)],
  },
  {
    pid: 0x46,
    name: 'Ambient air temperature',
    quantity: 'ambient_temp_c',
    bytes: 1,
    decode: (d) => d[0]! - 40,
    encode: (c) => [clampByte(c + 40)],
  },
  {
    pid: 0x5b,
    name: 'Hybrid/EV battery pack remaining life',
    quantity: 'soc_pct',
    bytes: 1,
    decode: (d) => (d[0]! * 100) / 255,
    encode: (pct) => [clampByte((pct * 255) / 100)],
  },
  {
    pid: 0xa6,
    name: 'Odometer',
    quantity: 'odometer_m',
    bytes: 4,
    // 0.1 km per count, 32 bits.
    decode: (d) => ((d[0]! * 2 ** 24 + d[1]! * 2 ** 16 + d[2]! * 2 ** 8 + d[3]!) / 10) * 1000,
    encode: (m) => {
      const counts = Math.max(0, Math.min(0xffffffff, Math.round(m / 100)));
      return [(counts >>> 24) & 0xff, (counts >>> 16) & 0xff, (counts >>> 8) & 0xff, counts & 0xff];
    },
  },
];

export function getStandardPid(pid: number): StandardPid {
  const found = STANDARD_PIDS.find((p) => p.pid === pid);
  if (!found) throw new Error(`PID 0x${pid.toString(16)} is not one the agent reads`);
  return found;
}

/** The bitmap PIDs: 00 lists 01–20, 20 lists 21–40, … C0 lists C1–E0. */
export const SUPPORT_PIDS = [0x00, 0x20, 0x40, 0x60, 0x80, 0xa0, 0xc0] as const;

/** The PIDs a bitmap answer (`41 00 BE 1F A8 13` → data `BE 1F A8 13`) says are supported. */
export function decodeSupportedPids(base: number, data: Uint8Array): number[] {
  const supported: number[] = [];
  for (let i = 0; i < 32; i++) {
    const byte = data[i >> 3] ?? 0;
    if (byte & (0x80 >> (i & 7))) supported.push(base + i + 1);
  }
  return supported;
}

/** The bitmap for `base` listing `pids` (and the next bitmap PID when any higher PID is listed). */
export function encodeSupportedPids(base: number, pids: readonly number[]): number[] {
  const bytes = [0, 0, 0, 0];
  const all = new Set(pids);
  // A bitmap announces the next bitmap when anything beyond it is supported.
  if (pids.some((p) => p > base + 0x20)) all.add(base + 0x20);
  for (const pid of all) {
    const i = pid - base - 1;
    if (i >= 0 && i < 32) bytes[i >> 3]! |= 0x80 >> (i & 7);
  }
  return bytes;
}

/**
 * The VIN from a mode 09 PID 02 answer (`49 02 01` + 17 ASCII characters). Undefined when the
 * answer does not hold 17 plausible characters.
 */
export function decodeVin(payload: Uint8Array): string | undefined {
  if (payload[0] !== 0x49 || payload[1] !== 0x02) return undefined;
  // Most cars put a count byte (01) before the characters; a few pad with zeros instead.
  const chars = Array.from(payload.slice(2))
    .filter((b) => b >= 0x30 && b <= 0x5a)
    .map((b) => String.fromCharCode(b))
    .join('');
  const vin = chars.slice(-17);
  return /^[A-HJ-NPR-Z0-9]{17}$/.test(vin) ? vin : undefined;
}

export function encodeVin(vin: string): number[] {
  return [0x49, 0x02, 0x01, ...Array.from(vin, (c) => c.charCodeAt(0))];
}

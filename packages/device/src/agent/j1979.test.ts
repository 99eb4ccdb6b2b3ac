import { describe, expect, it } from 'vitest';
import {
  decodeSupportedPids,
  decodeVin,
  encodeSupportedPids,
  encodeVin,
  getStandardPid,
  STANDARD_PIDS,
} from './j1979.js';

describe('SAE J1979 mode 01', () => {
  it('reads a supported-PID bitmap (41 00 BE 1F A8 13)', () => {
    const pids = decodeSupportedPids(0x00, Uint8Array.of(0xbe, 0x1f, 0xa8, 0x13));
    expect(pids).toEqual([
      0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x13, 0x15, 0x1c, 0x1f, 0x20,
    ]);
  });

  it('writes bitmaps that announce the next one when a higher PID is offered', () => {
    const pids = [0x0d, 0x46, 0xa6];
    expect(encodeSupportedPids(0x00, pids)).toEqual([0x00, 0x08, 0x00, 0x01]);
    expect(decodeSupportedPids(0x40, Uint8Array.from(encodeSupportedPids(0x40, pids)))).toEqual([0x46, 0x60]);
    expect(decodeSupportedPids(0xa0, Uint8Array.from(encodeSupportedPids(0xa0, pids)))).toEqual([0xa6]);
  });

  it('decodes speed, ambient temperature, battery remaining and odometer in base units', () => {
    expect(getStandardPid(0x0d).decode(Uint8Array.of(0x48))).toBeCloseTo(20, 6); // 72 km/h
    expect(getStandardPid(0x46).decode(Uint8Array.of(0x1e))).toBe(-10);
    expect(getStandardPid(0x5b).decode(Uint8Array.of(0xcc))).toBeCloseTo(80, 6);
    expect(getStandardPid(0xa6).decode(Uint8Array.of(0x00, 0x1e, 0x84, 0x80))).toBe(200_000_000); // 2,000,000 × 0.1 km
  });

  it('encodes each PID so that it decodes to the same value', () => {
    const values: Record<number, number> = { 0x0d: 25, 0x46: 12, 0x5b: 40, 0xa6: 12_345_600 };
    for (const pid of STANDARD_PIDS) {
      const encoded = Uint8Array.from(pid.encode(values[pid.pid]!));
      expect(encoded).toHaveLength(pid.bytes);
      expect(pid.decode(encoded)).toBeCloseTo(values[pid.pid]!, 0);
    }
  });

  it('reads the VIN from a mode 09 answer, and refuses a short one', () => {
    expect(decodeVin(Uint8Array.from(encodeVin('1G1FY6S07L4100001')))).toBe('1G1FY6S07L4100001');
    expect(decodeVin(Uint8Array.of(0x49, 0x02, 0x01, 0x31, 0x47))).toBeUndefined();
    expect(getStandardPid.bind(null, 0x99)).toThrow(/not one the agent reads/);
  });
});

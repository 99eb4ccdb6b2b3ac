import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCATION_FIELDS, NUMERIC_FIELDS, roundTo, scaleOf } from './fields.js';

/** The decimal text of scaled / 10^decimals, e.g. (-1234, 2) → "-12.34", (5, 3) → "0.005". */
function decimalText(scaled: number, decimals: number): string {
  const digits = Math.abs(scaled)
    .toString()
    .padStart(decimals + 1, '0');
  const sign = scaled < 0 ? '-' : '';
  if (decimals === 0) return sign + digits;
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

const decimalsArb = fc.integer({ min: 0, max: 7 });
/** Values whose scaled form stays well inside the exactly representable integers at every resolution. */
const valueArb = fc.double({ min: -1e8, max: 1e8, noNaN: true, noDefaultInfinity: true });

describe('scaleOf', () => {
  it('is 10^decimals for every supported resolution (0 to 7 decimals)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(scaleOf)).toEqual([1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7]);
  });

  it('refuses resolutions it has no exact power of ten for', () => {
    for (const decimals of [-1, 8, 1.5, Number.NaN]) {
      expect(() => scaleOf(decimals)).toThrow(RangeError);
    }
    expect(() => scaleOf(8)).toThrow(/unsupported resolution: 8 decimals/);
  });

  it('supports the resolution of every field in the protocol tables', () => {
    for (const spec of [...Object.values(NUMERIC_FIELDS), ...Object.values(LOCATION_FIELDS)]) {
      expect(scaleOf(spec.decimals)).toBe(10 ** spec.decimals);
    }
  });
});

describe('roundTo', () => {
  it('rounds to the given number of decimals: roundTo(12.3456, 2) is 12.35', () => {
    expect(roundTo(12.3456, 2)).toBe(12.35);
    expect(roundTo(12.3449, 2)).toBe(12.34);
    expect(roundTo(43.58904526, 7)).toBe(43.5890453);
    expect(roundTo(1849.6, 0)).toBe(1850);
  });

  it('rounds exact halves away from zero, for negative values too', () => {
    expect(roundTo(2.5, 0)).toBe(3);
    expect(roundTo(-2.5, 0)).toBe(-3);
    expect(roundTo(0.125, 2)).toBe(0.13);
    expect(roundTo(-0.125, 2)).toBe(-0.13);
  });

  it('turns -0, and negatives that round to zero, into +0', () => {
    expect(Object.is(roundTo(-0, 2), 0)).toBe(true);
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true);
    expect(Object.is(roundTo(-0.4, 0), 0)).toBe(true);
  });

  it('throws on a resolution it does not support', () => {
    expect(() => roundTo(1, 8)).toThrow(RangeError);
    expect(() => roundTo(1, -1)).toThrow(RangeError);
  });

  it('keeps a value already at the resolution exactly as sent', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), decimalsArb, (scaled, decimals) => {
        const sent = Number(decimalText(scaled, decimals));
        expect(roundTo(sent, decimals)).toBe(sent + 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same double as parsing the nearest decimal text at the resolution', () => {
    // A value strictly between two steps (not near the half-way point) must round to the nearer step.
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.double({ min: -0.49, max: 0.49, noNaN: true }),
        decimalsArb,
        (scaled, offset, decimals) => {
          const value = (scaled + offset) / 10 ** decimals;
          expect(roundTo(value, decimals)).toBe(Number(decimalText(scaled, decimals)) + 0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(valueArb, decimalsArb, (value, decimals) => {
        const once = roundTo(value, decimals);
        expect(roundTo(once, decimals)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns a value whose fixed-point text at the resolution reads back as the same double, within half a step', () => {
    fc.assert(
      fc.property(valueArb, decimalsArb, (value, decimals) => {
        const rounded = roundTo(value, decimals);
        expect(Number(rounded.toFixed(decimals))).toBe(rounded);
        // Half a step, plus the error of scaling the double.
        expect(Math.abs(rounded - value)).toBeLessThanOrEqual(0.5 / 10 ** decimals + Math.abs(value) * 1e-15);
      }),
      { numRuns: 1000 },
    );
  });
});

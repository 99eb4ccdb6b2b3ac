import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  containsSeq,
  formatMultirange,
  parseMultirange,
  rangesOfSorted,
  unionRanges,
  type SeqRange,
} from './seq-ranges.js';

const MAX_SEQ = 120;

/** A set of sequence numbers, the model the ranges must describe. */
const seqSet = fc.uniqueArray(fc.integer({ min: 0, max: MAX_SEQ }), { maxLength: 80 }).map((seqs) => new Set(seqs));

const sorted = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);

/** Every sequence number the ranges cover, in order. */
function expand(ranges: readonly SeqRange[]): number[] {
  const out: number[] = [];
  for (const [lo, hi] of ranges) for (let seq = lo; seq < hi; seq++) out.push(seq);
  return out;
}

/** Sorted, each non-empty, and with a gap between neighbours (touching ranges are merged). */
function expectCanonical(ranges: readonly SeqRange[]): void {
  ranges.forEach(([lo, hi], i) => {
    expect(Number.isInteger(lo) && Number.isInteger(hi)).toBe(true);
    expect(lo).toBeLessThan(hi);
    if (i > 0) expect(lo).toBeGreaterThan(ranges[i - 1]![1]);
  });
}

describe('rangesOfSorted', () => {
  it('covers exactly the given sequence numbers with sorted, disjoint, non-touching ranges', () => {
    fc.assert(
      fc.property(seqSet, (set) => {
        const ranges = rangesOfSorted(sorted(set));
        expectCanonical(ranges);
        expect(expand(ranges)).toEqual(sorted(set));
      }),
      { numRuns: 500 },
    );
  });

  it('makes one half-open range per run of consecutive numbers, starting from 0', () => {
    expect(rangesOfSorted([])).toEqual([]);
    expect(rangesOfSorted([0])).toEqual([[0, 1]]);
    expect(rangesOfSorted([0, 1, 2, 5, 7, 8])).toEqual([
      [0, 3],
      [5, 6],
      [7, 9],
    ]);
  });

  it('handles sequence numbers far beyond 32 bits', () => {
    const big = 2 ** 40;
    expect(rangesOfSorted([big, big + 1, big + 3])).toEqual([
      [big, big + 2],
      [big + 3, big + 4],
    ]);
  });
});

describe('containsSeq', () => {
  it('answers membership exactly as the set does', () => {
    fc.assert(
      fc.property(seqSet, (set) => {
        const ranges = rangesOfSorted(sorted(set));
        for (let seq = 0; seq <= MAX_SEQ + 2; seq++) expect(containsSeq(ranges, seq), `seq ${seq}`).toBe(set.has(seq));
      }),
      { numRuns: 200 },
    );
  });

  it('treats each range as half-open: lo is in, hi is out', () => {
    const ranges: SeqRange[] = [
      [1, 5],
      [7, 9],
    ];
    expect([0, 1, 4, 5, 6, 7, 8, 9].map((seq) => containsSeq(ranges, seq))).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      false,
    ]);
    expect(containsSeq([], 0)).toBe(false);
  });
});

describe('unionRanges', () => {
  it('covers the union of both sets, sorted, disjoint and with touching ranges merged', () => {
    fc.assert(
      fc.property(seqSet, seqSet, (a, b) => {
        const union = unionRanges(rangesOfSorted(sorted(a)), rangesOfSorted(sorted(b)));
        expectCanonical(union);
        expect(expand(union)).toEqual(sorted(new Set([...a, ...b])));
      }),
      { numRuns: 500 },
    );
  });

  it('merges ranges that touch, overlap or contain one another', () => {
    expect(unionRanges([[1, 3]], [[3, 5]])).toEqual([[1, 5]]);
    expect(unionRanges([[1, 4]], [[2, 6]])).toEqual([[1, 6]]);
    expect(unionRanges([[1, 10]], [[2, 3]])).toEqual([[1, 10]]);
    expect(unionRanges([[5, 6]], [[1, 2]])).toEqual([
      [1, 2],
      [5, 6],
    ]);
    expect(unionRanges([], [])).toEqual([]);
  });

  it('does not modify its inputs', () => {
    const a: SeqRange[] = [[1, 3]];
    const b: SeqRange[] = [[2, 8]];
    unionRanges(a, b);
    expect(a).toEqual([[1, 3]]);
    expect(b).toEqual([[2, 8]]);
  });
});

describe('multirange text', () => {
  it('reads and writes PostgreSQL int8multirange text', () => {
    expect(parseMultirange('{[1,5),[7,9)}')).toEqual([
      [1, 5],
      [7, 9],
    ]);
    expect(
      formatMultirange([
        [1, 5],
        [7, 9],
      ]),
    ).toBe('{[1,5),[7,9)}');
    expect(parseMultirange('{[1099511627776,1099511627780)}')).toEqual([[2 ** 40, 2 ** 40 + 4]]);
  });

  it('writes and reads the empty multirange as {}', () => {
    expect(formatMultirange([])).toBe('{}');
    expect(parseMultirange('{}')).toEqual([]);
    expect(parseMultirange(' {} ')).toEqual([]);
  });

  it('round-trips any set of ranges through text', () => {
    fc.assert(
      fc.property(seqSet, (set) => {
        const ranges = rangesOfSorted(sorted(set));
        expect(parseMultirange(formatMultirange(ranges))).toEqual(ranges);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses text that is not a multirange', () => {
    for (const text of ['', 'garbage', '{', '{(1,5]}', '{[a,b)}']) {
      expect(() => parseMultirange(text), text).toThrow(RangeError);
    }
  });
});

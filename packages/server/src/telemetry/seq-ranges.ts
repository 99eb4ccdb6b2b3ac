/**
 * Sets of sequence numbers as sorted, disjoint, half-open ranges [lo, hi), the same shape as a
 * PostgreSQL int8multirange, whose text form ('{[1,5),[7,9)}') these functions read and write.
 */

export type SeqRange = readonly [lo: number, hi: number];

const MULTIRANGE = /^\{\[\d+,\d+\)(,\[\d+,\d+\))*\}$/;

export function parseMultirange(text: string): SeqRange[] {
  const trimmed = text.trim();
  if (trimmed === '{}') return [];
  if (!MULTIRANGE.test(trimmed)) throw new RangeError(`not an int8multirange: ${text}`);
  const ranges: SeqRange[] = [];
  const pattern = /\[(\d+),(\d+)\)/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(trimmed)) !== null) ranges.push([Number(match[1]), Number(match[2])]);
  if (ranges.length === 0) throw new RangeError(`not an int8multirange: ${text}`);
  return ranges;
}

export function formatMultirange(ranges: readonly SeqRange[]): string {
  return `{${ranges.map(([lo, hi]) => `[${lo},${hi})`).join(',')}}`;
}

/** Ranges covering the given strictly increasing sequence numbers. */
export function rangesOfSorted(seqs: readonly number[]): SeqRange[] {
  const ranges: SeqRange[] = [];
  let lo = -1;
  let hi = -1;
  for (const seq of seqs) {
    if (seq === hi) {
      hi++;
    } else {
      if (lo >= 0) ranges.push([lo, hi]);
      lo = seq;
      hi = seq + 1;
    }
  }
  if (lo >= 0) ranges.push([lo, hi]);
  return ranges;
}

export function containsSeq(ranges: readonly SeqRange[], seq: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [lo, hi] = ranges[mid]!;
    if (seq < lo) high = mid - 1;
    else if (seq >= hi) low = mid + 1;
    else return true;
  }
  return false;
}

export function unionRanges(a: readonly SeqRange[], b: readonly SeqRange[]): SeqRange[] {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of all) {
    const last = out[out.length - 1];
    if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

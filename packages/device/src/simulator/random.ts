/**
 * Seeded randomness for the fleet simulator: the same seed gives the same fleet, drive for drive.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state,
 * passes PractRand and BigCrush), seeded through a cyrb128-style hash so that nearby seeds (1, 2, 3…)
 * start far apart. `fork(label)` derives a sub-stream from this stream's *seed* and the label, never
 * from how far the parent has been consumed: a vehicle's stream is the same whether it was created
 * first or last, and adding a draw in one part of the simulator does not reshuffle another.
 */

export interface Random {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Gaussian draw (Marsaglia's polar method); defaults: mean 0, sd 1. */
  normal(mean?: number, sd?: number): number;
  /** Uniform integer in [min, maxInclusive]. */
  int(min: number, maxInclusive: number): number;
  /** One item, uniformly; throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** One value with probability proportional to its weight (weights ≥ 0, at least one > 0). */
  weighted<T>(items: readonly { value: T; weight: number }[]): T;
  /** An independent deterministic sub-stream: the same (seed, label path) always gives the same stream. */
  fork(label: string | number): Random;
}

type Key = readonly [number, number, number, number];

const TAG_ROOT = 0x52_4f_4f_54; // 'ROOT'
const TAG_STRING = 0x53_54_52_00;
const TAG_NUMBER = 0x4e_55_4d_00;
const TWO_POW_32 = 4294967296;

const floatView = new Float64Array(1);
const wordView = new Uint32Array(floatView.buffer);

/** The two 32-bit words of a double: every number (fractional, negative, huge) seeds distinctly. */
function numberWords(value: number): [number, number] {
  floatView[0] = value === 0 ? 0 : value; // -0 and 0 are the same seed
  return [wordView[0]!, wordView[1]!];
}

/** cyrb128-style hash of 32-bit words into 128 bits (bryc, public domain), used only for seeding. */
function hash128(words: readonly number[]): Key {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (const word of words) {
    const k = word | 0;
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function labelWords(label: string | number): number[] {
  if (typeof label === 'number') return [TAG_NUMBER, ...numberWords(label)];
  const words = [TAG_STRING, label.length];
  for (let i = 0; i < label.length; i++) words.push(label.charCodeAt(i));
  return words;
}

class Sfc32 implements Random {
  // State in a typed array: the words overflow V8's small integers, and as plain fields each update
  // would go through a boxed number (measured: 2× slower).
  private readonly state: Int32Array;
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(private readonly key: Key) {
    this.state = new Int32Array(4);
    this.state.set(key);
    // The usual sfc32 warm-up: mixes the seed through the state before the first output.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  private nextUint32(): number {
    const s = this.state;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[3] = d + 1;
    s[0] = b ^ (b >>> 9);
    s[1] = c + (c << 3);
    s[2] = ((c << 21) | (c >>> 11)) + t;
    return t >>> 0;
  }

  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  normal(mean = 0, sd = 1): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return mean + sd * this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    this.hasSpareNormal = true;
    return mean + sd * u * factor;
  }

  int(min: number, maxInclusive: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxInclusive) || maxInclusive < min) {
      throw new RangeError(`int(${min}, ${maxInclusive}): give two safe integers with min ≤ maxInclusive`);
    }
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick([]): give at least one item to pick from');
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(items: readonly { value: T; weight: number }[]): T {
    let total = 0;
    for (const item of items) {
      if (!(item.weight >= 0) || !Number.isFinite(item.weight)) {
        throw new RangeError(`weighted(): weight ${item.weight} is not a finite number ≥ 0`);
      }
      total += item.weight;
    }
    if (total <= 0) throw new RangeError('weighted(): give at least one item with a weight > 0');
    let target = this.next() * total;
    let last: T | undefined;
    for (const item of items) {
      if (item.weight === 0) continue;
      last = item.value;
      target -= item.weight;
      if (target < 0) return item.value;
    }
    return last as T; // rounding left target at ~0: the last positive-weight item
  }

  fork(label: string | number): Random {
    return new Sfc32(hash128([...this.key, ...labelWords(label)]));
  }
}

export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`createRandom(${seed}): the seed must be a finite number`);
  return new Sfc32(hash128([TAG_ROOT, ...numberWords(seed)]));
}

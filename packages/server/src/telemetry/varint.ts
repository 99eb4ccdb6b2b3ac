/**
 * Byte buffers with LEB128 varints and zig-zag signed varints, for safe integers up to 2^53.
 * Arithmetic (not bit operators) above 2^31, since JS bit operators truncate to 32 bits.
 */

const TWO_POW_31 = 2 ** 31;

export class ByteWriter {
  private buffer: Uint8Array;
  private position = 0;

  constructor(initialSize = 4096) {
    this.buffer = new Uint8Array(initialSize);
  }

  get length(): number {
    return this.position;
  }

  private reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.position + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.position));
    this.buffer = next;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.position++] = value;
  }

  bytes(values: Uint8Array): void {
    this.reserve(values.length);
    this.buffer.set(values, this.position);
    this.position += values.length;
  }

  /** Unsigned varint of a non-negative safe integer. */
  uvarint(value: number): void {
    this.reserve(8);
    const buffer = this.buffer;
    let v = value;
    while (v >= TWO_POW_31) {
      buffer[this.position++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      buffer[this.position++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buffer[this.position++] = v;
  }

  /** Zig-zag signed varint: 0, -1, 1, -2 … become 0, 1, 2, 3 … */
  svarint(value: number): void {
    this.uvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.position);
  }
}

export class ByteReader {
  private position = 0;

  constructor(private readonly buffer: Uint8Array) {}

  get remaining(): number {
    return this.buffer.length - this.position;
  }

  u8(): number {
    if (this.position >= this.buffer.length) throw new RangeError('payload ends early');
    return this.buffer[this.position++]!;
  }

  bytes(length: number): Uint8Array {
    if (this.position + length > this.buffer.length) throw new RangeError('payload ends early');
    const out = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }

  uvarint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 128;
    }
    throw new RangeError('varint longer than 8 bytes');
  }

  svarint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}

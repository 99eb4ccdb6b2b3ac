import { Writable } from 'node:stream';
import { PROTOCOL_VERSION, type TUplinkBatch } from '@smartcharge/protocol';
import { describe, expect, it } from 'vitest';
import type { DayTruth } from './frame.js';
import { NdjsonUplinkTransport, NdjsonWriter, truthToNdjson } from './outputs.js';

/** A stream that takes `delayMs` to accept each chunk, buffering at most `highWaterMark` bytes. */
class SlowSink extends Writable {
  readonly chunks: string[] = [];
  /** The most bytes ever waiting in the stream's buffer. */
  maxBuffered = 0;

  constructor(
    highWaterMark: number,
    private readonly delayMs = 1,
  ) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    setTimeout(() => {
      this.chunks.push(chunk.toString());
      callback();
    }, this.delayMs);
  }

  get text(): string {
    return this.chunks.join('');
  }
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

function batch(seqs: readonly number[]): TUplinkBatch {
  return {
    v: PROTOCOL_VERSION,
    device: 'SIM-TEST-0001',
    boot: 3,
    records: seqs.map((seq) => ({ seq, time_ms: Date.UTC(2026, 0, 12) + seq * 1000, soc_pct: 50 })),
  };
}

describe('NdjsonWriter', () => {
  it('writes one JSON line per value', async () => {
    const sink = new SlowSink(1024);
    const writer = new NdjsonWriter(sink);
    const values = [{ a: 1 }, 'text with\nnewline', [1, 2, 3], null, { nested: { b: 'c' } }];
    for (const value of values) await writer.write(value);
    await writer.end();
    expect(writer.lines).toBe(values.length);
    expect(sink.text.endsWith('\n')).toBe(true);
    expect(lines(sink.text).map((line) => JSON.parse(line) as unknown)).toEqual(values);
  });

  it('waits for a slow stream to drain instead of buffering without bound', async () => {
    const sink = new SlowSink(256);
    const writer = new NdjsonWriter(sink);
    const value = { payload: 'x'.repeat(100) };
    const lineBytes = JSON.stringify(value).length + 1;
    for (let i = 0; i < 200; i++) await writer.write(value);
    await writer.end();
    expect(lines(sink.text)).toHaveLength(200);
    // At most one line beyond the high-water mark is ever waiting.
    expect(sink.maxBuffered).toBeLessThanOrEqual(256 + lineBytes);
  });

  it('orders concurrent writes and delivers them all', async () => {
    const sink = new SlowSink(64);
    const writer = new NdjsonWriter(sink);
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.write({ i })));
    await writer.end();
    expect(lines(sink.text).map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('writes synchronously with writeNow, and end() flushes everything', async () => {
    const sink = new SlowSink(64);
    const writer = new NdjsonWriter(sink);
    for (let i = 0; i < 100; i++) writer.writeNow({ i });
    expect(writer.lines).toBe(100);
    await writer.end();
    expect(sink.writableFinished).toBe(true);
    expect(lines(sink.text)).toHaveLength(100);
  });

  it('rejects end() when the stream fails', async () => {
    const failing = new Writable({
      write: (_chunk, _encoding, callback) => callback(new Error('disk full')),
    });
    failing.on('error', () => {});
    const writer = new NdjsonWriter(failing);
    writer.writeNow({ a: 1 });
    await expect(writer.end()).rejects.toThrow(/disk full/);
  });
});

describe('NdjsonUplinkTransport', () => {
  it('writes each batch as a line and acknowledges it as stored', async () => {
    const sink = new SlowSink(1024);
    const writer = new NdjsonWriter(sink);
    const transport = new NdjsonUplinkTransport(writer);
    const first = batch([0, 1, 2, 3]);
    const second = batch([4]);
    expect(await transport.send(first)).toEqual({
      v: PROTOCOL_VERSION,
      ok: true,
      device: 'SIM-TEST-0001',
      boot: 3,
      seq_min: 0,
      seq_max: 3,
      accepted: 4,
      duplicates: 0,
      location_stripped: 0,
    });
    expect(await transport.send(second)).toMatchObject({ ok: true, seq_min: 4, seq_max: 4, accepted: 1 });
    await transport.close();
    await writer.end();
    expect(lines(sink.text).map((line) => JSON.parse(line) as unknown)).toEqual([first, second]);
  });
});

describe('truthToNdjson', () => {
  it('writes each truth event as a line', async () => {
    const sink = new SlowSink(1024);
    const writer = new NdjsonWriter(sink);
    const day: DayTruth = {
      type: 'day',
      serial: 'SIM-TEST-0001',
      date: '2026-01-12',
      capacityKwh: 55.1,
      sohPct: 95,
      powerCapacityPct: 89,
      odometerM: 40_000_000,
    };
    const write = truthToNdjson(writer);
    write(day);
    write({ ...day, date: '2026-01-13' });
    await writer.end();
    expect(lines(sink.text).map((line) => (JSON.parse(line) as DayTruth).date)).toEqual(['2026-01-12', '2026-01-13']);
  });
});

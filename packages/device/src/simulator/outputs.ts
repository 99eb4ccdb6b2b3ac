/**
 * Simulator outputs besides a live server: uplink batches as NDJSON (one batch per line, exactly
 * what the device would have sent, ready to replay), and ground truth as NDJSON (one trip,
 * plug-in session or battery-day per line).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { PROTOCOL_VERSION, type TUplinkBatch, type UplinkAck } from '@smartcharge/protocol';
import type { UplinkTransport } from '../transport.js';
import type { Truth } from './frame.js';

/** Writes JSON lines to a stream, waiting when the stream asks it to (backpressure). */
export class NdjsonWriter {
  /** Writes go one after another: each waits for the stream to drain if the previous filled it. */
  private tail: Promise<void> = Promise.resolve();
  lines = 0;

  constructor(private readonly stream: Writable) {}

  write(value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    this.tail = this.tail.then(async () => {
      this.lines++;
      if (!this.stream.write(line)) await once(this.stream, 'drain');
    });
    return this.tail;
  }

  /** Writes without waiting (ground truth comes from synchronous simulation code). */
  writeNow(value: unknown): void {
    this.lines++;
    this.stream.write(`${JSON.stringify(value)}\n`);
  }

  async end(): Promise<void> {
    await this.tail;
    await new Promise<void>((resolve, reject) =>
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}

/** An uplink that writes each batch as a line and acknowledges it as stored. */
export class NdjsonUplinkTransport implements UplinkTransport {
  readonly name = 'ndjson';

  constructor(private readonly writer: NdjsonWriter) {}

  async send(batch: TUplinkBatch): Promise<UplinkAck> {
    await this.writer.write(batch);
    const seqs = batch.records.map((r) => r.seq);
    return {
      v: PROTOCOL_VERSION,
      ok: true,
      device: batch.device,
      boot: batch.boot,
      seq_min: Math.min(...seqs),
      seq_max: Math.max(...seqs),
      accepted: batch.records.length,
      duplicates: 0,
      location_stripped: 0,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Ground truth to NDJSON. */
export function truthToNdjson(writer: NdjsonWriter): (event: Truth) => void {
  return (event) => writer.writeNow(event);
}

/**
 * The device's side of "nothing acknowledged is ever lost": records get consecutive sequence
 * numbers, wait in a buffer, and leave it only when the server acknowledges the batch that
 * carried them. No answer, or a retryable refusal, means: keep them and send again later.
 * A permanent refusal drops only what the server says can never be accepted, and says so.
 *
 * The buffer here is in memory; the edge agent also journals every record on disk and restores
 * the unacknowledged ones after a restart (records survive power loss).
 */
import {
  PROTOCOL_VERSION,
  UPLINK_MAX_RECORDS,
  quantizeRecordInPlace,
  type TUplinkBatch,
  type TUplinkRecord,
  type UplinkAck,
  type UplinkAckError,
} from '@smartcharge/protocol';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UplinkTransport } from './transport.js';

export type RecordValues = Omit<TUplinkRecord, 'seq'>;

export interface UplinkClientOptions {
  readonly serial: string;
  readonly boot: number;
  readonly transport: UplinkTransport;
  /** First sequence number of this boot (default 0). */
  readonly firstSeq?: number;
  /** Records per batch (default 600: ten minutes at 1 Hz). */
  readonly batchRecords?: number;
  /** Backoff after a failed send: starts here, doubles, capped at maxBackoffMs. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Records the server refused for good (with its reason), so the caller can log them. */
  readonly onDropped?: (records: readonly TUplinkRecord[], error: UplinkAckError['error']) => void;
  /** Every acknowledgement received, ok or not. */
  readonly onAck?: (ack: UplinkAck, batch: TUplinkBatch) => void;
}

export interface FlushResult {
  /** Records acknowledged during this flush. */
  readonly acknowledged: number;
  /** Still buffered (the server was unreachable or asked to wait). */
  readonly pending: number;
  readonly lastError?: string;
}

export class UplinkClient {
  /** Records not yet acknowledged are buffer[head…]; the front is dropped lazily (no O(n) shifts). */
  private buffer: TUplinkRecord[] = [];
  private head = 0;
  private nextSeq: number;
  private batchRecords: number;
  private backoffMs: number;
  private sending: Promise<FlushResult> | undefined;

  constructor(private readonly options: UplinkClientOptions) {
    this.nextSeq = options.firstSeq ?? 0;
    this.batchRecords = Math.min(options.batchRecords ?? 600, UPLINK_MAX_RECORDS);
    this.backoffMs = options.initialBackoffMs ?? 1000;
  }

  get pending(): number {
    return this.buffer.length - this.head;
  }

  /**
   * Buffers a reading with the next sequence number and returns it as it will be sent. The client
   * keeps the object (it adds `seq` and rounds the numbers in place): pass a fresh one each time.
   */
  record(values: RecordValues): TUplinkRecord {
    const record = values as TUplinkRecord;
    record.seq = this.nextSeq++;
    quantizeRecordInPlace(record);
    this.buffer.push(record);
    return record;
  }

  /**
   * Puts back records numbered in an earlier run (the edge agent's journal, after a restart), in
   * order and with their sequence numbers; records made afterwards are numbered after them.
   */
  restore(records: readonly TUplinkRecord[]): void {
    for (const record of records) {
      if (record.seq < this.nextSeq) {
        throw new RangeError(`restored record seq ${record.seq} is not after the last one (${this.nextSeq - 1})`);
      }
      this.buffer.push(record);
      this.nextSeq = record.seq + 1;
    }
  }

  /** Drops the first `count` pending records (acknowledged, or refused for good). */
  private dropFront(count: number): void {
    this.head += count;
    if (this.head >= this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Sends buffered records until the buffer is empty, or the server cannot be reached / asks to
   * wait `maxAttempts` times in a row (then returns, records still buffered). One flush at a time.
   */
  flush(options: { maxAttempts?: number } = {}): Promise<FlushResult> {
    this.sending ??= this.sendAll(options.maxAttempts ?? 1).finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  private async sendAll(maxAttempts: number): Promise<FlushResult> {
    let acknowledged = 0;
    let failures = 0;
    let lastError: string | undefined;
    while (this.pending > 0) {
      const records = this.buffer.slice(this.head, this.head + this.batchRecords);
      const batch: TUplinkBatch = {
        v: PROTOCOL_VERSION,
        device: this.options.serial,
        boot: this.options.boot,
        records,
      };
      let ack: UplinkAck;
      try {
        ack = await this.options.transport.send(batch);
      } catch (error) {
        lastError = (error as Error).message;
        if (++failures >= maxAttempts) break;
        await this.backoff();
        continue;
      }
      this.options.onAck?.(ack, batch);
      if (ack.ok) {
        this.dropFront(records.length);
        acknowledged += records.length;
        failures = 0;
        this.backoffMs = this.options.initialBackoffMs ?? 1000;
        continue;
      }
      lastError = `${ack.error.code}: ${ack.error.message}`;
      if (ack.error.retryable) {
        if (++failures >= maxAttempts) break;
        await this.backoff(ack.error.retry_after_s);
        continue;
      }
      this.handlePermanent(records, ack.error);
    }
    return { acknowledged, pending: this.pending, ...(lastError === undefined ? {} : { lastError }) };
  }

  /** A batch the server will never take as it is: keep what can still be accepted. */
  private handlePermanent(records: TUplinkRecord[], error: UplinkAckError['error']): void {
    if (error.code === 'batch_too_large' && records.length > 1) {
      this.batchRecords = Math.max(1, Math.floor(records.length / 2));
      return;
    }
    const badIndices = new Set(
      (error.issues ?? []).flatMap((issue) => (issue.index === undefined ? [] : [issue.index])),
    );
    const drop = badIndices.size > 0 ? records.filter((_, i) => badIndices.has(i)) : records;
    // The batch was the first `records.length` pending records: keep those not dropped, in order.
    const keep = badIndices.size > 0 ? records.filter((_, i) => !badIndices.has(i)) : [];
    this.dropFront(records.length);
    this.buffer.splice(this.head, 0, ...keep);
    this.options.onDropped?.(drop, error);
  }

  private async backoff(retryAfterS?: number): Promise<void> {
    const wait = retryAfterS !== undefined ? retryAfterS * 1000 : this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 60_000);
    await sleep(wait);
  }
}

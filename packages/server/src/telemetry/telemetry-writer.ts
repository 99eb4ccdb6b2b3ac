/**
 * Group commit: batches that arrive while a transaction is running wait, then go to the database
 * together in the next one; a lone batch goes at once. A batch's promise settles only after the
 * transaction holding it has committed, so an acknowledgement always means "stored".
 *
 * A group that fails is retried batch by batch, so one bad batch cannot sink the others.
 * Memory is bounded: past `maxPendingRecords` new batches are refused with a retryable error.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';
import type { Logger } from 'pino';
import type { Database, Queryable } from '../db/database.js';
import { ACTIVATED_BY_DATA } from '../devices/index.js';
import type { Metrics } from '../metrics.js';
import { planGroup, streamKey, type WriteOutcome, type WriteRequest } from './ingest-plan.js';
import { decodeRecords } from './record-codec.js';
import { parseMultirange, type SeqRange } from './seq-ranges.js';
import type { TelemetryPartitions } from './telemetry-partitions.js';
import {
  findStreamCoverage,
  insertChunks,
  lockDevices,
  markDevicesSeen,
  queueDerivation,
  upsertStreams,
} from './telemetry.repository.js';
import { UplinkRejection } from './uplink-rejection.js';

export interface CommittedBatch {
  readonly deviceId: number;
  readonly serial: string;
  readonly boot: number;
  readonly committedAt: Date;
  /** How many records this batch newly stored (0: a pure replay). */
  readonly storedRecords: number;
  /**
   * The records this batch newly stored, sorted by seq; empty for a pure replay. Decoded from the
   * chunks as written (on first call), so live derivation sees exactly what a rebuild reads.
   */
  records(): readonly TUplinkRecord[];
}

function committedBatch(request: WriteRequest, outcome: WriteOutcome, committedAt: Date): CommittedBatch {
  let decoded: TUplinkRecord[] | undefined;
  return {
    deviceId: request.deviceId,
    serial: request.serial,
    boot: request.boot,
    committedAt,
    storedRecords: outcome.stored.length,
    records() {
      decoded ??= outcome.payloads.flatMap((payload) => decodeRecords(payload)).sort((a, b) => a.seq - b.seq);
      return decoded;
    },
  };
}

/** Receives every committed group, after the commit (the seam for derivation). */
export type CommitListener = (batches: readonly CommittedBatch[]) => void | Promise<void>;

export interface WriterOptions {
  readonly maxGroupRecords: number;
  readonly maxPendingRecords: number;
  /** Transactions in flight at once (1 for PGlite, which has a single connection). */
  readonly concurrency: number;
  /** The platform's clock: when devices were last (and first) heard from. */
  readonly clock?: () => Date;
}

interface Pending {
  readonly request: WriteRequest;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

export class TelemetryWriter {
  private readonly queue: Pending[] = [];
  private queuedRecords = 0;
  private running = 0;
  private closed = false;
  private pumpScheduled = false;
  private idleWaiters: (() => void)[] = [];
  private readonly listeners = new Set<CommitListener>();
  /** Queue the vehicles of what each group stores for derivation, in the group's transaction. */
  private queueingDerivation = false;

  constructor(
    private readonly db: Database,
    private readonly partitions: TelemetryPartitions,
    private readonly options: WriterOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  onCommitted(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * From now on, every group also queues its vehicles for derivation (the durable queue that
   * workers claim), in the transaction that stores it: committed data is never left underived.
   */
  queueDerivation(on = true): void {
    this.queueingDerivation = on;
  }

  get pendingRecords(): number {
    return this.queuedRecords;
  }

  submit(request: WriteRequest): Promise<WriteOutcome> {
    if (this.closed) {
      return Promise.reject(
        new UplinkRejection('unavailable', 'The server is shutting down; send again shortly.', { retryAfterS: 5 }),
      );
    }
    if (this.queuedRecords + request.records.length > this.options.maxPendingRecords) {
      return Promise.reject(
        new UplinkRejection('unavailable', 'The server is busy storing earlier data; send again shortly.', {
          retryAfterS: 2,
        }),
      );
    }
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.queuedRecords += request.records.length;
      this.metrics.pendingRecords.set(this.queuedRecords);
      this.schedulePump();
    });
  }

  /** Refuses new batches and waits until everything queued is committed (or has failed). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Starts commits on the next turn of the event loop rather than at once: requests whose data has
   * already arrived are read first and join the group. (PGlite works on this thread, so nothing is
   * read while one of its transactions runs; without this every batch would commit alone.)
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const group = this.takeGroup();
      this.running++;
      void this.commit(group).finally(() => {
        this.running--;
        if (this.queue.length > 0) {
          this.schedulePump();
        } else if (this.running === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  private takeGroup(): Pending[] {
    const group: Pending[] = [];
    let records = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (group.length > 0 && records + next.request.records.length > this.options.maxGroupRecords) break;
      this.queue.shift();
      group.push(next);
      records += next.request.records.length;
    }
    this.queuedRecords -= records;
    this.metrics.pendingRecords.set(this.queuedRecords);
    return group;
  }

  private async commit(group: readonly Pending[]): Promise<void> {
    const stopTimer = this.metrics.commitSeconds.startTimer();
    let outcomes: readonly WriteOutcome[];
    try {
      await this.partitions.ensure(recordTimes(group));
      outcomes = await this.db.transaction((tx) =>
        writeGroup(
          tx,
          group.map((p) => p.request),
          (this.options.clock ?? (() => new Date()))(),
          this.queueingDerivation,
        ),
      );
    } catch (error) {
      stopTimer();
      if (group.length > 1) {
        this.log.warn({ err: error, batches: group.length }, 'group commit failed; retrying its batches one by one');
        for (const pending of group) await this.commit([pending]);
        return;
      }
      this.log.error({ err: error, device: group[0]!.request.serial }, 'could not store a batch');
      group[0]!.reject(
        new UplinkRejection('unavailable', 'The server could not store the batch; send it again later.', {
          retryAfterS: 5,
          cause: error,
        }),
      );
      return;
    }
    stopTimer();
    this.metrics.commitBatches.observe(group.length);
    const committedAt = new Date();
    group.forEach((pending, i) => pending.resolve(outcomes[i]!));
    if (this.listeners.size > 0) {
      const batches = group.map((pending, i) => committedBatch(pending.request, outcomes[i]!, committedAt));
      for (const listener of this.listeners) {
        try {
          await listener(batches);
        } catch (error) {
          this.log.error({ err: error }, 'a commit listener failed; the data is stored and acknowledged');
        }
      }
    }
  }
}

function* recordTimes(group: readonly Pending[]): Generator<number> {
  for (const pending of group) for (const record of pending.request.records) yield record.time_ms;
}

async function writeGroup(
  tx: Queryable,
  requests: readonly WriteRequest[],
  now: Date,
  queueingDerivation: boolean,
): Promise<readonly WriteOutcome[]> {
  const deviceIds = [...new Set(requests.map((r) => r.deviceId))].sort((a, b) => a - b);
  await lockDevices(tx, deviceIds);
  const pairs = new Map<string, { deviceId: number; bootId: number }>();
  for (const r of requests) pairs.set(streamKey(r.deviceId, r.boot), { deviceId: r.deviceId, bootId: r.boot });
  const stored = new Map<string, readonly SeqRange[]>();
  for (const row of await findStreamCoverage(tx, [...pairs.values()])) {
    stored.set(streamKey(row.deviceId, row.bootId), parseMultirange(row.seqs));
  }
  const plan = planGroup(requests, stored);
  if (plan.chunks.length > 0) await insertChunks(tx, plan.chunks);
  if (queueingDerivation && plan.chunks.length > 0) await queueDerivation(tx, plan.chunks);
  if (plan.streams.length > 0) await upsertStreams(tx, plan.streams);
  // The earliest record each device newly stored: when a device that was not yet active became so.
  const firstRecordAt = new Map<number, Date>();
  for (const stream of plan.streams) {
    const earlier = firstRecordAt.get(stream.deviceId);
    if (!earlier || stream.firstAt < earlier) firstRecordAt.set(stream.deviceId, stream.firstAt);
  }
  await markDevicesSeen(
    tx,
    deviceIds.map((deviceId) => ({ deviceId, firstRecordAt: firstRecordAt.get(deviceId) ?? null })),
    ACTIVATED_BY_DATA,
    now,
  );
  return plan.outcomes;
}

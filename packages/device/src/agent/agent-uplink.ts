/**
 * Where the edge agent's records go: each is written to the on-disk journal before the agent goes
 * on, and buffered in the same UplinkClient the simulator uses; batches leave on the agent's
 * schedule, and what the server acknowledges (or refuses for good) is resolved in the journal.
 * Records of earlier runs that were never acknowledged go first, with their boot and sequence numbers.
 *
 * Nothing retries in a tight loop: each client sends once per upload (it never waits and retries on
 * its own), and after a failed upload the next waits 15 s, then twice as long each time, up to the
 * active upload interval. When the journal's size cap drops old records, they leave the buffers too.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';
import type { UplinkTransport } from '../transport.js';
import { UplinkClient, type RecordValues } from '../uplink-client.js';
import type { AgentClock } from './clock.js';
import type { RecordJournal } from './record-journal.js';

/** First wait after a failed upload; it doubles with each failure, up to the active upload interval. */
const UPLOAD_RETRY_MS = 15_000;
/** First wait between the last uploads when stopping (2 s, then 4 s …). */
const FINAL_RETRY_MS = 2_000;

export type UplinkEvent =
  | { readonly type: 'upload'; readonly acknowledged: number; readonly pending: number; readonly error?: string }
  | { readonly type: 'refused'; readonly records: number; readonly reason: string }
  | { readonly type: 'restored'; readonly boot: number; readonly records: number }
  /** The journal could not write (records are kept in memory only); said once until it writes again. */
  | { readonly type: 'journal-error'; readonly error: string }
  /** The journal reached its size cap and dropped its oldest unsent records (they will not be sent). */
  | { readonly type: 'journal-full'; readonly dropped: number; readonly maxBytes: number };

export interface AgentUplinkOptions {
  readonly serial: string;
  readonly transport: UplinkTransport;
  readonly journal: RecordJournal;
  /** Unresolved records of earlier boots, from RecordJournal.open. */
  readonly restored?: ReadonlyMap<number, readonly TUplinkRecord[]>;
  readonly clock: AgentClock;
  /** Upload every so often while the car is active, and while it is not (defaults 5 minutes and 1 hour). */
  readonly uploadActiveMs?: number;
  readonly uploadIdleMs?: number;
  /** Records per batch (default 600); a full batch is sent without waiting for the interval. */
  readonly batchRecords?: number;
  /** Tries to send what is left when the agent stops, 2 s then 4 s … apart on its clock (default 3). */
  readonly finalUploadAttempts?: number;
  readonly onEvent?: (event: UplinkEvent) => void;
}

export class AgentUplink {
  private client: UplinkClient;
  /** Clients of earlier boots (records restored from the journal), by boot, oldest first. */
  private readonly retiring = new Map<number, UplinkClient>();
  private uploading: Promise<void> | undefined;
  private lastUploadMs: number;
  /** Failed uploads in a row, and no upload before this time (the backoff). */
  private failures = 0;
  private notBeforeMs = -Infinity;
  /** The sequence number the current boot's next record gets (kept to rebuild its client). */
  private nextSeq = 0;
  private journalFailing = false;
  private acknowledgedCount = 0;

  constructor(private readonly options: AgentUplinkOptions) {
    this.lastUploadMs = options.clock.now();
    this.client = this.newClient(options.journal.boot);
    for (const [boot, records] of options.restored ?? []) {
      if (records.length === 0) continue;
      this.retiring.set(boot, this.rebuiltClient(boot, records, 0));
      options.onEvent?.({ type: 'restored', boot, records: records.length });
    }
  }

  /** Records not yet acknowledged. */
  get pending(): number {
    return [...this.retiring.values()].reduce((n, c) => n + c.pending, this.client.pending);
  }

  /** Records acknowledged since the start. */
  get acknowledged(): number {
    return this.acknowledgedCount;
  }

  /** Numbers a record, buffers it, and writes it to the journal (resolves once it is on disk, or failed to be). */
  async add(values: RecordValues): Promise<void> {
    const record = this.client.record(values);
    this.nextSeq = record.seq + 1;
    await this.journaled(this.options.journal.append(record));
  }

  /** Sends at the next chance (a drive or a charge ended), backoff permitting. */
  uploadSoon(): void {
    this.lastUploadMs = -Infinity;
  }

  /** Starts an upload in the background when one is due: the interval passed, or a batch is full. */
  maybeUpload(nowMs: number, active: boolean): void {
    if (this.uploading || this.pending === 0 || nowMs < this.notBeforeMs) return;
    const activeInterval = this.options.uploadActiveMs ?? 300_000;
    const interval = active ? activeInterval : (this.options.uploadIdleMs ?? 3_600_000);
    const full = this.client.pending >= (this.options.batchRecords ?? 600);
    if (nowMs - this.lastUploadMs < interval && !full) return;
    this.lastUploadMs = nowMs;
    this.uploading = this.upload()
      .catch(() => false)
      .then((delivered) => {
        if (delivered) {
          this.failures = 0;
          this.notBeforeMs = -Infinity;
          return;
        }
        // However full the buffer, and whatever ends a drive: no new try before the backoff.
        this.failures++;
        const backoffMs = Math.min(UPLOAD_RETRY_MS * 2 ** (this.failures - 1), activeInterval);
        this.notBeforeMs = this.options.clock.now() + backoffMs;
      })
      .finally(() => {
        this.uploading = undefined;
      });
  }

  /**
   * Records the journal's size cap dropped are dropped from the upload buffers too: each affected
   * client is rebuilt from what the journal still holds (between uploads, so that none is sending).
   */
  async applyJournalCap(): Promise<void> {
    const journal = this.options.journal;
    if (this.uploading) return;
    const dropped = journal.takeDropped();
    if (dropped.length === 0) return;
    this.options.onEvent?.({
      type: 'journal-full',
      dropped: dropped.reduce((n, d) => n + d.records, 0),
      maxBytes: journal.maxBytes,
    });
    for (const boot of new Set(dropped.map((d) => d.boot))) {
      const kept = await journal.pendingRecords(boot);
      if (boot === journal.boot) {
        // Rebuilt only when the journal holds this boot's newest record: the next record must not
        // reuse a sequence number (the server would take it for a duplicate). Otherwise (a record
        // the journal failed to write) the buffer stays as it is: complete, just larger.
        const last = kept.at(-1)?.seq;
        if (last !== undefined && last + 1 !== this.nextSeq) continue;
        this.client = this.rebuiltClient(boot, kept, this.nextSeq);
      } else if (this.retiring.has(boot)) {
        if (kept.length === 0) this.retiring.delete(boot);
        else this.retiring.set(boot, this.rebuiltClient(boot, kept, 0));
      }
    }
  }

  /** Waits for an upload under way, then tries a few times to send what is left, and closes the journal. */
  async finish(): Promise<void> {
    await this.uploading;
    await this.applyJournalCap();
    const attempts = this.options.finalUploadAttempts ?? 3;
    for (let attempt = 1; this.pending > 0 && attempt <= attempts; attempt++) {
      if (attempt > 1) await this.options.clock.sleep(FINAL_RETRY_MS * 2 ** (attempt - 2));
      if (await this.upload().catch(() => false)) break;
    }
    await this.options.journal.close();
  }

  /**
   * One try at sending everything buffered, oldest boot first. False when the server could not be
   * reached or asked to wait: then the rest waits too.
   */
  private async upload(): Promise<boolean> {
    let acknowledged = 0;
    let error: string | undefined;
    let delivered = true;
    for (const client of [...this.retiring.values(), this.client]) {
      let result;
      try {
        result = await client.flush({ maxAttempts: 1 });
      } catch (thrown) {
        result = { acknowledged: 0, pending: client.pending, lastError: (thrown as Error).message };
      }
      acknowledged += result.acknowledged;
      error ??= result.lastError;
      if (result.pending > 0 && result.lastError !== undefined) {
        delivered = false;
        break;
      }
    }
    for (const [boot, client] of this.retiring) if (client.pending === 0) this.retiring.delete(boot);
    this.acknowledgedCount += acknowledged;
    this.options.onEvent?.({ type: 'upload', acknowledged, pending: this.pending, ...(error ? { error } : {}) });
    return delivered;
  }

  private newClient(boot: number, firstSeq = 0): UplinkClient {
    const journal = this.options.journal;
    return new UplinkClient({
      serial: this.options.serial,
      boot,
      firstSeq,
      transport: this.options.transport,
      batchRecords: this.options.batchRecords ?? 600,
      onAck: (ack) => {
        if (ack.ok) void this.journaled(journal.resolve(boot, ack.seq_min, ack.seq_max));
      },
      onDropped: (records, error) => {
        for (const record of records) void this.journaled(journal.resolve(boot, record.seq, record.seq));
        this.options.onEvent?.({ type: 'refused', records: records.length, reason: `${error.code}: ${error.message}` });
      },
    });
  }

  /** A client holding `records` (in sequence order); with none, its numbering starts at `firstSeq`. */
  private rebuiltClient(boot: number, records: readonly TUplinkRecord[], firstSeq: number): UplinkClient {
    const client = this.newClient(boot, records[0]?.seq ?? firstSeq);
    client.restore(records);
    return client;
  }

  /** A journal write: a failure is said once (until a write succeeds again); the record stays in memory. */
  private journaled(write: Promise<void>): Promise<void> {
    return write.then(
      () => {
        this.journalFailing = false;
      },
      (error: unknown) => {
        if (this.journalFailing) return;
        this.journalFailing = true;
        this.options.onEvent?.({ type: 'journal-error', error: (error as Error).message });
      },
    );
  }
}

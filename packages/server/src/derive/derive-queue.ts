/**
 * The derivation worker: takes vehicles off the durable derivation queue (migration 0014) and
 * replays them, on every node with the worker role, so adding a worker adds derivation throughput.
 *
 * Ingest writes a request per vehicle in the transaction that stores its readings. A worker
 * claims a few vehicles at a time (FOR UPDATE SKIP LOCKED: two workers never wait for, nor take,
 * the same vehicle), under a lease it renews while it works; it replays each vehicle and, in the
 * replay's transaction, deletes the request if none came in meanwhile (else the newer ones wait
 * for the next round). A worker that dies holds its vehicles only until its lease runs out; then
 * any worker takes them over, from where the dead one was asked to replay. The per-vehicle
 * advisory lock of the replay itself stays: it keeps a rebuild and a worker (or a worker whose
 * lease ran out while it still worked) from interleaving their rows.
 *
 * Wake-ups: a commit in this process wakes the worker at once (the all-in-one server derives as
 * fast as before); on PostgreSQL a commit on another node wakes it by NOTIFY (sent by the statement
 * that queues the work); a poll every `pollMs` finds what was left queued when a worker died or
 * the server stopped, and what a notice missed while the listening connection was down.
 */
import type { Database, Queryable } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { DERIVE_QUEUE_CHANNEL } from '../telemetry/telemetry.repository.js';
import {
  claimQueuedVehicles,
  completeClaim,
  dropQueuedVehicle,
  releaseClaims,
  renewClaims,
  type QueueClaim,
} from './derive-queue.repository.js';

export type { QueueClaim } from './derive-queue.repository.js';

export interface DeriveWorkerOptions {
  /** Vehicles claimed at a time: small, so other workers find work while this one replays. */
  readonly batch: number;
  /** How long a claim holds without renewal (a dead worker's vehicles wait this long at most). */
  readonly leaseMs: number;
  /** How often the queue is looked at for work queued elsewhere (0: only when woken). */
  readonly pollMs: number;
  /** A replay that failed is tried again after this long. */
  readonly retryAfterMs: number;
}

export const DEFAULT_WORKER_OPTIONS: DeriveWorkerOptions = {
  batch: 8,
  leaseMs: 30_000,
  pollMs: 500,
  retryAfterMs: 60_000,
};

/** What the worker did with one claimed vehicle (tests and logs watch these). */
export interface WorkerEvent {
  readonly kind: 'started' | 'derived' | 'failed' | 'dropped';
  readonly vehicleId: number;
  readonly fromMs: number;
  readonly takenOver: boolean;
}

/**
 * Replays the claimed vehicle; `complete` runs in the replay's transaction, after its rows are
 * written, and takes the vehicle off the queue.
 */
export type ReplayClaim = (claim: QueueClaim, complete: (tx: Queryable) => Promise<void>) => Promise<unknown>;

export class DeriveWorker {
  private options: DeriveWorkerOptions;
  private enabled = true;
  private wakePending = false;
  private cycle: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Stops listening for other nodes' commits (PostgreSQL). */
  private unlisten: Promise<(() => Promise<void>) | undefined> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  /** Claimed by this worker and not finished. */
  private readonly held = new Set<number>();
  private readonly observers = new Set<(event: WorkerEvent) => void>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    /** Names this worker in claimed_by: host, process and a random part (unique per start). */
    readonly instance: string,
    private readonly replay: ReplayClaim,
    private readonly log: Logger,
    options: Partial<DeriveWorkerOptions> = {},
  ) {
    this.options = { ...DEFAULT_WORKER_OPTIONS, ...options };
  }

  /** Whether the worker derives (false on a node without the worker role). */
  get active(): boolean {
    return this.enabled;
  }

  /** Working or woken right now. */
  get busy(): boolean {
    return this.cycle !== undefined;
  }

  /** Vehicles this worker holds right now. */
  holds(vehicleId: number): boolean {
    return this.held.has(vehicleId);
  }

  observe(observer: (event: WorkerEvent) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Looks at the queue now (after a local commit), unless stopped. */
  wake(): void {
    if (!this.enabled) return;
    this.wakePending = true;
    this.cycle ??= this.run();
  }

  /** Derives from the queue: at once (work left from before), then on every wake and poll. */
  start(options: Partial<DeriveWorkerOptions> = {}): void {
    this.options = { ...this.options, ...options };
    this.enabled = true;
    clearInterval(this.pollTimer);
    if (this.options.pollMs > 0) {
      this.pollTimer = setInterval(() => this.wake(), this.options.pollMs);
      this.pollTimer.unref();
    }
    // On PostgreSQL a commit on any node that queued work wakes this worker at once; the poll
    // stays for leases that ran out and for a notice missed while the listening connection was down.
    if (this.db.listen && !this.unlisten) {
      this.unlisten = this.db
        .listen(DERIVE_QUEUE_CHANNEL, () => this.wake())
        .catch((error: unknown) => {
          this.log.warn({ err: error }, 'cannot listen for queued derivation; polling only');
          return undefined;
        });
    }
    this.wake();
  }

  /**
   * Derives nothing more: the vehicle being replayed finishes, the other claims go back to the
   * queue at once (another worker, or this node's next start, takes them).
   */
  async stop(): Promise<void> {
    this.enabled = false;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    const unlisten = await this.unlisten;
    this.unlisten = undefined;
    await unlisten?.();
    await this.cycle;
  }

  /** Resolves once the worker listens for other nodes' commits (at once where it cannot: PGlite). */
  async listening(): Promise<void> {
    await this.unlisten;
  }

  /** Resolves when the worker is neither working nor woken. */
  async idle(): Promise<void> {
    if (!this.cycle) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private emit(event: WorkerEvent): void {
    for (const observer of this.observers) observer(event);
  }

  private async run(): Promise<void> {
    try {
      while (this.wakePending && this.enabled) {
        this.wakePending = false;
        // Round after round until the queue holds nothing this worker may take.
        for (;;) {
          if (!this.enabled) break;
          const claims = await claimQueuedVehicles(this.db, this.instance, this.options.batch, this.options.leaseMs);
          if (claims.length === 0) break;
          for (const claim of claims) this.held.add(claim.vehicleId);
          this.keepLeases();
          for (const claim of claims) {
            if (!this.enabled) break;
            await this.derive(claim);
          }
          if (this.held.size > 0) await releaseClaims(this.db, this.instance, [...this.held]);
          this.held.clear();
        }
      }
    } catch (error) {
      // The database went away, most likely: what this worker held returns when its lease ends.
      this.log.error({ err: error }, 'the derivation worker could not read the queue; it tries again on the next poll');
      this.held.clear();
    } finally {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
      this.cycle = undefined;
      if (this.wakePending && this.enabled) {
        this.cycle = this.run();
      } else {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }

  private async derive(claim: QueueClaim): Promise<void> {
    const { vehicleId, fromMs, takenOver } = claim;
    this.emit({ kind: 'started', vehicleId, fromMs, takenOver });
    try {
      await this.replay(claim, (tx) => completeClaim(tx, this.instance, claim));
      this.emit({ kind: 'derived', vehicleId, fromMs, takenOver });
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') {
        // The vehicle was deleted after its readings were queued: nothing to derive, ever.
        await dropQueuedVehicle(this.db, this.instance, vehicleId);
        this.emit({ kind: 'dropped', vehicleId, fromMs, takenOver });
      } else {
        this.log.error(
          { err: error, vehicleId, retryAfterMs: this.options.retryAfterMs },
          'derivation failed; the vehicle stays queued and is tried again',
        );
        await releaseClaims(this.db, this.instance, [vehicleId], this.options.retryAfterMs);
        this.emit({ kind: 'failed', vehicleId, fromMs, takenOver });
      }
    } finally {
      this.held.delete(vehicleId);
    }
  }

  /** Renews the leases of what this worker holds, a third of a lease apart, while it holds any. */
  private keepLeases(): void {
    if (this.renewTimer) return;
    const every = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.renewTimer = setInterval(() => {
      if (this.held.size === 0) return;
      renewClaims(this.db, this.instance, [...this.held], this.options.leaseMs).catch((error: unknown) =>
        this.log.warn({ err: error }, 'could not renew derivation claims'),
      );
    }, every);
    this.renewTimer.unref();
  }
}

/**
 * How far a streaming replica is behind its primary, polled every few milliseconds off the query
 * path. Each poll reads the primary's WAL position and the replica's replayed position; the lag is
 * the age of the oldest primary position the replica has not replayed yet. That measure stays at
 * zero on an idle primary (unlike now() - pg_last_xact_replay_timestamp()) and keeps growing when
 * the replica stops receiving or replaying. Decisions use the cached position, which only ever
 * understates the replica: a client waiting for its write is never sent to a replica that lacks it.
 */
import type { Database } from './database.js';
import { formatLsn, parseLsn } from './read-context.js';

export type ReplicaState = 'starting' | 'streaming' | 'catching_up' | 'lagging' | 'unavailable' | 'misconfigured';

export interface ReplicaStatus {
  /** The replica's URL, password redacted. */
  readonly url: string;
  readonly state: ReplicaState;
  /** Seconds behind the primary; undefined until known. */
  readonly lagS: number | undefined;
  readonly replayedLsn: string | undefined;
  /** Why it is unavailable or misconfigured. */
  readonly problem: string | undefined;
}

export interface ReplicaEvents {
  /** The replica became usable again (or for the first time). */
  usable(status: ReplicaStatus): void;
  /** The replica stopped being usable: reads go to the primary until it is back. */
  unusable(status: ReplicaStatus): void;
  /** After every poll, with what it found. */
  polled?(status: ReplicaStatus): void;
}

export interface ReplicaMonitorOptions {
  readonly primary: Database;
  /** Opens a connection pool to the replica (throws when it cannot). */
  readonly connect: () => Promise<Database>;
  readonly url: string;
  /** Reads go to the primary when the replica is further behind than this. */
  readonly maxLagS: number;
  readonly pollMs: number;
  readonly events: ReplicaEvents;
  readonly now?: () => number;
}

export interface Sample {
  readonly atMs: number;
  readonly lsn: bigint;
}

/** Primary positions not yet replayed, kept at most this many (a stuck replica would grow the list). */
const MAX_PENDING = 512;

/** Both servers must be the same cluster (a physical replica keeps the primary's system identifier) and database. */
const IDENTITY_SQL = `SELECT system_identifier::text AS system, current_database() AS database FROM pg_control_system()`;
const REPLICA_SQL = `SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn`;

export class ReplicaMonitor {
  private replica: Database | undefined;
  private primaryIdentity: string | undefined;
  private state: ReplicaState = 'starting';
  private problem: string | undefined;
  private replayed: bigint | undefined;
  private lagS: number | undefined;
  /** Primary positions the replica has not replayed yet, oldest first. */
  private pending: Sample[] = [];
  /** The primary's position at the first poll since (re)connecting. */
  private baseline: bigint | undefined;
  /** Since (re)connecting, the replica has replayed `baseline`: the lag is known. */
  private synced = false;
  private usableNow = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: ReplicaMonitorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Polls once (so the first requests know where the replica is), then keeps polling until close(). */
  async start(): Promise<void> {
    await this.poll(); // bounded: a poll gives up after its timeout
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  /** The replica's pool when a read may go there: usable, and replayed at least to `minLsn`. */
  replicaFor(minLsn: bigint | undefined): Database | 'behind_client' | 'unusable' {
    if (!this.usableNow || !this.replica) return 'unusable';
    if (minLsn !== undefined && (this.replayed === undefined || this.replayed < minLsn)) return 'behind_client';
    return this.replica;
  }

  /** A read on the replica failed for want of a connection: stop using it until a poll gets through. */
  connectionFailed(error: Error): void {
    if (this.state === 'unavailable') return;
    this.forgetPosition();
    this.become('unavailable', error.message);
  }

  status(): ReplicaStatus {
    return {
      url: this.options.url,
      state: this.state,
      lagS: this.lagS,
      replayedLsn: this.replayed === undefined ? undefined : formatLsn(this.replayed),
      problem: this.problem,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.inFlight?.catch(() => {});
    const replica = this.replica;
    this.replica = undefined;
    await replica?.close();
  }

  /** One poll at a time: a replica that does not answer must not pile up polls. */
  poll(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.inFlight ??= this.pollOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async pollOnce(): Promise<void> {
    if (this.state === 'misconfigured') return;
    // A replica behind a dead network answers nothing, not even a refusal: a poll gives up after a while.
    const attempt = { abandoned: false };
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = Math.max(2_000, this.options.pollMs * 10);
    try {
      await Promise.race([
        this.pollReplica(attempt),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      attempt.abandoned = true;
      if (this.closed) return;
      const replica = this.replica;
      this.replica = undefined;
      this.forgetPosition();
      this.become(error instanceof ReplicaMismatch ? 'misconfigured' : 'unavailable', (error as Error).message);
      this.options.events.polled?.(this.status());
      // Not awaited: a pool whose connection hangs would hold the poll.
      void replica?.close().catch(() => {});
    } finally {
      clearTimeout(timer);
    }
  }

  private async pollReplica(attempt: { abandoned: boolean }): Promise<void> {
    if (!this.replica) {
      const replica = await this.reconnect();
      if (attempt.abandoned || this.closed) {
        await replica.close().catch(() => {});
        return;
      }
      this.replica = replica;
    }
    const replica = this.replica;
    const atMs = this.now();
    const [primaryRows, replicaRows] = await Promise.all([
      this.options.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'),
      replica.query<{ lsn: string | null }>(REPLICA_SQL),
    ]);
    if (attempt.abandoned || this.closed || this.replica !== replica) return;
    const primaryLsn = parseLsn(primaryRows.rows[0]?.lsn);
    const replayed = parseLsn(replicaRows.rows[0]?.lsn);
    if (primaryLsn === undefined || replayed === undefined) {
      throw new Error('the replica reports no replayed WAL position (is it a streaming standby?)');
    }
    this.observe({ atMs, lsn: primaryLsn }, replayed);
    this.options.events.polled?.(this.status());
  }

  /** A replica reconnected (or restarted) must show again that it has caught up before it is used. */
  private forgetPosition(): void {
    this.pending = [];
    this.baseline = undefined;
    this.synced = false;
    this.lagS = undefined;
  }

  /** Opens the replica's pool and checks it is the primary's cluster and database. */
  private async reconnect(): Promise<Database> {
    const replica = await this.options.connect();
    try {
      this.primaryIdentity ??= identity((await this.options.primary.query<Identity>(IDENTITY_SQL)).rows[0]);
      const found = identity((await replica.query<Identity>(IDENTITY_SQL)).rows[0]);
      if (found !== this.primaryIdentity) {
        throw new ReplicaMismatch(
          `DATABASE_READ_URL is not a replica of DATABASE_URL's database (cluster and database ${found}, the primary's ${this.primaryIdentity}): point it at a streaming standby of the primary, same database name`,
        );
      }
    } catch (error) {
      await replica.close().catch(() => {});
      throw error;
    }
    return replica;
  }

  /** One poll's figures: the primary's position when the poll began, and what the replica has replayed. */
  observe(sample: Sample, replayed: bigint): void {
    this.replayed = replayed;
    // The lag is known once the replica has replayed what the primary had at the first poll since connecting.
    this.baseline ??= sample.lsn;
    if (replayed >= this.baseline) this.synced = true;
    const last = this.pending.at(-1);
    if (sample.lsn > replayed && (!last || sample.lsn > last.lsn)) this.pending.push(sample);
    while (this.pending[0] && this.pending[0].lsn <= replayed) this.pending.shift();
    if (this.pending.length > MAX_PENDING) this.pending.splice(1, 1); // keeps the oldest: the lag stays exact
    if (!this.synced) {
      this.lagS = undefined;
      this.become('catching_up', 'the replica has not yet replayed what the primary had when we connected');
      return;
    }
    this.lagS = this.pending[0] ? Math.max(0, (this.now() - this.pending[0].atMs) / 1000) : 0;
    if (this.lagS > this.options.maxLagS) {
      this.become(
        'lagging',
        `${this.lagS.toFixed(1)} s behind the primary (DATABASE_READ_MAX_LAG_S=${this.options.maxLagS})`,
      );
    } else {
      this.become('streaming', undefined);
    }
  }

  private become(state: ReplicaState, problem: string | undefined): void {
    this.state = state;
    this.problem = problem;
    const usable = state === 'streaming';
    if (usable === this.usableNow) return;
    this.usableNow = usable;
    if (usable) this.options.events.usable(this.status());
    else this.options.events.unusable(this.status());
  }
}

/** DATABASE_READ_URL is some other database: never read from it. */
class ReplicaMismatch extends Error {}

interface Identity extends Record<string, unknown> {
  readonly system: string;
  readonly database: string;
}

function identity(row: Identity | undefined): string {
  return row ? `${row.system}/${row.database}` : 'unknown';
}

/**
 * A Database that reads off the primary: the one `smartcharge serve` uses when DATABASE_READ_URL
 * names a streaming replica. Services see an ordinary Database. Transactions, exec() and every
 * statement that is not a plain read go to the primary; a plain read goes to the replica only
 * inside a request context that allows it (a person's GET or HEAD, see read-context.ts), only
 * while the replica is within DATABASE_READ_MAX_LAG_S of the primary, and only once it has
 * replayed the client's own last write (read-your-writes). A read the replica fails is run again
 * on the primary: people never see the replica's troubles, only the metrics and the log do.
 */
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Database, Queryable, QueryResult, Row } from './database.js';
import { changedRows, currentReadContext, isPlainRead, parseLsn } from './read-context.js';
import { ReplicaMonitor, type ReplicaStatus } from './replica-monitor.js';

export interface ReadRoutingOptions {
  readonly primary: Database;
  /** Opens the replica's pool (it may fail: the replica can be down at start and come later). */
  readonly connectReplica: () => Promise<Database>;
  /** The replica's URL, password redacted. */
  readonly replicaUrl: string;
  readonly maxLagS: number;
  /** How often the replica's position is read (default 100 ms). */
  readonly pollMs?: number;
}

export interface ReadRoutingDatabase extends Database {
  readonly readReplica: ReadReplica;
}

export interface ReadReplica {
  status(): ReplicaStatus;
  /** The primary's current WAL position, for a client to wait for (read-your-writes). */
  primaryLsn(): Promise<string>;
  /** Seconds a client's position is worth keeping: beyond the lag bound the replica is not used anyway. */
  readonly positionTtlS: number;
  /** Counts into these metrics and logs there from now on (the HTTP server does it when it starts). */
  attach(deps: { readonly metrics?: Metrics; readonly log?: Logger }): void;
}

export function isReadRouting(db: Database): db is ReadRoutingDatabase {
  return 'readReplica' in db;
}

/** A read the replica could not run for want of a connection (rather than a statement error, or a recovery conflict). */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return true; // ECONNREFUSED, a closed socket, a timeout …
  return /^(08|57P|53)/.test(code) || /^E[A-Z]+$/.test(code);
}

export async function openReadRouting(options: ReadRoutingOptions): Promise<ReadRoutingDatabase> {
  const { primary } = options;
  let metrics: Metrics | undefined;
  let log: Logger | undefined;
  const describe = (status: ReplicaStatus) => ({
    replica: status.url,
    state: status.state,
    lag_s: status.lagS,
    ...(status.problem ? { problem: status.problem } : {}),
  });
  const monitor = new ReplicaMonitor({
    primary,
    connect: options.connectReplica,
    url: options.replicaUrl,
    maxLagS: options.maxLagS,
    pollMs: options.pollMs ?? 100,
    events: {
      usable(status) {
        metrics?.dbReplicaUp.set({ url: status.url }, 1);
        log?.info(describe(status), 'reading from the replica again');
      },
      unusable(status) {
        metrics?.dbReplicaUp.set({ url: status.url }, 0);
        metrics?.dbReplicaFallbacks.inc();
        log?.warn(describe(status), 'the replica cannot serve reads: reading from the primary until it can');
      },
      polled(status) {
        metrics?.dbReplicaLagSeconds.set(status.lagS ?? -1);
      },
    },
  });
  await monitor.start();
  if (monitor.status().state === 'misconfigured') {
    await monitor.close();
    throw new Error(monitor.status().problem);
  }

  const onPrimary = async <R extends Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const result = await primary.query<R>(text, params);
    const context = currentReadContext();
    if (context && !context.wrote && changedRows(text, result.rowCount)) context.wrote = true;
    return result;
  };
  const markWrote = () => {
    const context = currentReadContext();
    if (context) context.wrote = true;
  };

  const readReplica: ReadReplica = {
    status: () => monitor.status(),
    async primaryLsn() {
      const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      const lsn = rows[0]?.lsn;
      if (parseLsn(lsn) === undefined) throw new Error(`the primary reported no WAL position (${String(lsn)})`);
      return lsn as string;
    },
    positionTtlS: options.maxLagS + 60,
    attach(deps) {
      metrics = deps.metrics ?? metrics;
      log = deps.log ?? log;
      const status = monitor.status();
      metrics?.dbReplicaUp.set({ url: status.url }, status.state === 'streaming' ? 1 : 0);
      metrics?.dbReplicaLagSeconds.set(status.lagS ?? -1);
      if (status.state === 'streaming') log?.info(describe(status), 'reading from the replica');
      else log?.warn(describe(status), 'the replica cannot serve reads yet: reading from the primary until it can');
    },
  };

  return {
    kind: 'postgres',
    description: `${primary.description}, reads from the replica at ${options.replicaUrl}`,
    readReplica,
    async query<R extends Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const context = currentReadContext();
      if (!context?.open || !context.replicaAllowed || context.wrote || !isPlainRead(text)) {
        return onPrimary<R>(text, params);
      }
      const target = monitor.replicaFor(context.minLsn);
      if (target === 'behind_client' || target === 'unusable') {
        metrics?.dbReads.inc({
          target: 'primary',
          reason: target === 'behind_client' ? 'own_write' : 'replica_unusable',
        });
        return primary.query<R>(text, params);
      }
      try {
        const result = await target.query<R>(text, params);
        metrics?.dbReads.inc({ target: 'replica', reason: 'replica' });
        return result;
      } catch (error) {
        if (isConnectionError(error)) monitor.connectionFailed(error as Error);
        metrics?.dbReads.inc({ target: 'primary', reason: 'replica_error' });
        return primary.query<R>(text, params);
      }
    },
    async exec(text: string): Promise<void> {
      await primary.exec(text);
      markWrote();
    },
    ...(primary.listen ? { listen: primary.listen.bind(primary) } : {}),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await primary.transaction(fn);
      } finally {
        markWrote();
      }
    },
    async close() {
      try {
        await monitor.close();
      } finally {
        await primary.close();
      }
    },
  };
}

/**
 * Prometheus metrics, one registry per server instance (tests run several in one process).
 * Exposed at GET /metrics in the text format.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Transport = 'http' | 'mqtt';

export interface Metrics {
  readonly registry: Registry;
  readonly batchesAccepted: Counter<'transport'>;
  readonly recordsAccepted: Counter<'transport'>;
  readonly recordsDuplicate: Counter<'transport'>;
  readonly locationsStripped: Counter<'transport'>;
  readonly batchesRejected: Counter<'transport' | 'reason'>;
  readonly recordsRejected: Counter<'transport' | 'reason'>;
  readonly recordIssues: Counter<'issue'>;
  readonly commitSeconds: Histogram;
  readonly commitBatches: Histogram;
  readonly ingestSeconds: Histogram<'transport'>;
  readonly pendingRecords: Gauge;
  /** Reads off the primary (DATABASE_READ_URL): where each read of a person's GET went, and why. */
  readonly dbReads: Counter<'target' | 'reason'>;
  readonly dbReplicaFallbacks: Counter;
  readonly dbReplicaLagSeconds: Gauge;
  readonly dbReplicaUp: Gauge<'url'>;
  /** The derivation queue (read when /metrics is scraped): vehicles waiting and claimed, the oldest's age. */
  readonly deriveQueueVehicles: Gauge<'state'>;
  readonly deriveQueueOldestSeconds: Gauge;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'smartcharge_' });
  const registers = [registry];
  return {
    registry,
    batchesAccepted: new Counter({
      name: 'smartcharge_ingest_batches_accepted_total',
      help: 'Uplink batches committed (including those made only of duplicates).',
      labelNames: ['transport'],
      registers,
    }),
    recordsAccepted: new Counter({
      name: 'smartcharge_ingest_records_accepted_total',
      help: 'Telemetry records newly stored.',
      labelNames: ['transport'],
      registers,
    }),
    recordsDuplicate: new Counter({
      name: 'smartcharge_ingest_records_duplicate_total',
      help: 'Records dropped because the same (device, boot, seq) was already stored.',
      labelNames: ['transport'],
      registers,
    }),
    locationsStripped: new Counter({
      name: 'smartcharge_ingest_locations_stripped_total',
      help: 'Records whose location was dropped because the vehicle was not plugged in.',
      labelNames: ['transport'],
      registers,
    }),
    batchesRejected: new Counter({
      name: 'smartcharge_ingest_batches_rejected_total',
      help: 'Uplink batches refused, by reason (the protocol error code).',
      labelNames: ['transport', 'reason'],
      registers,
    }),
    recordsRejected: new Counter({
      name: 'smartcharge_ingest_records_rejected_total',
      help: 'Records in refused batches, by reason (0 when the batch could not be read).',
      labelNames: ['transport', 'reason'],
      registers,
    }),
    recordIssues: new Counter({
      name: 'smartcharge_ingest_record_issues_total',
      help: 'Problems found in refused batches, by kind (missing_field, out_of_range, future_timestamp, ...).',
      labelNames: ['issue'],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'smartcharge_ingest_commit_seconds',
      help: 'Time to commit one group of batches to the database.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    commitBatches: new Histogram({
      name: 'smartcharge_ingest_commit_batches',
      help: 'Batches committed together in one transaction.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    ingestSeconds: new Histogram({
      name: 'smartcharge_ingest_batch_seconds',
      help: 'Time from receiving a batch to acknowledging it.',
      labelNames: ['transport'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    pendingRecords: new Gauge({
      name: 'smartcharge_ingest_pending_records',
      help: 'Records received and waiting to be committed.',
      registers,
    }),
    dbReads: new Counter({
      name: 'smartcharge_db_reads_total',
      help: "Plain reads of people's GET requests, by where they ran (replica, primary) and why (replica, own_write, replica_unusable, replica_error).",
      labelNames: ['target', 'reason'],
      registers,
    }),
    dbReplicaFallbacks: new Counter({
      name: 'smartcharge_db_replica_fallbacks_total',
      help: 'Times the read replica stopped being usable (unreachable, or further behind than DATABASE_READ_MAX_LAG_S) and reads went to the primary.',
      registers,
    }),
    dbReplicaLagSeconds: new Gauge({
      name: 'smartcharge_db_replica_lag_seconds',
      help: 'How far the read replica is behind the primary (age of the oldest change it has not replayed); -1 when unknown.',
      registers,
    }),
    dbReplicaUp: new Gauge({
      name: 'smartcharge_db_replica_up',
      help: 'The read replica (redacted URL) serves reads: 1, or 0 while reads go to the primary.',
      labelNames: ['url'],
      registers,
    }),
    deriveQueueVehicles: new Gauge({
      name: 'smartcharge_derive_queue_vehicles',
      help: 'Vehicles in the derivation queue (shared by every node): waiting for a worker, or claimed by one.',
      labelNames: ['state'],
      registers,
    }),
    deriveQueueOldestSeconds: new Gauge({
      name: 'smartcharge_derive_queue_oldest_seconds',
      help: 'Age of the oldest request in the derivation queue, 0 when it is empty: growing means the workers fall behind.',
      registers,
    }),
  };
}

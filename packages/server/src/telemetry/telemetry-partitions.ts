/**
 * Month partitions of telemetry_chunk, created on demand before a write needs them (and for the
 * current and next month at start). Remembers what exists so the hot path asks the database
 * only when a batch reaches a new month.
 */
import type { Database } from '../db/database.js';
import { SQLSTATE, sqlStateOf } from '../errors.js';
import { chunkPartitionName, createChunkPartition, listChunkPartitions } from './telemetry.repository.js';

export class TelemetryPartitions {
  private readonly known = new Set<string>();

  constructor(private readonly db: Database) {}

  async load(now: Date = new Date()): Promise<void> {
    for (const name of await listChunkPartitions(this.db)) this.known.add(name);
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    await this.ensure([now.getTime(), next.getTime()]);
  }

  /** Makes sure a partition exists for the month of each time (Unix ms). */
  async ensure(timesMs: Iterable<number>): Promise<void> {
    const missing = new Map<string, [number, number]>();
    // Consecutive records share a month: look a month up only when the day changes.
    let lastDay = Number.NaN;
    for (const ms of timesMs) {
      const day = Math.floor(ms / 86_400_000);
      if (day === lastDay) continue;
      lastDay = day;
      const date = new Date(ms);
      const year = date.getUTCFullYear();
      const month = date.getUTCMonth() + 1;
      const name = chunkPartitionName(year, month);
      if (!this.known.has(name)) missing.set(name, [year, month]);
    }
    for (const [name, [year, month]] of missing) {
      try {
        await createChunkPartition(this.db, year, month);
      } catch (error) {
        // Another process created it between our check and our CREATE: that is fine.
        const state = sqlStateOf(error);
        if (state !== SQLSTATE.duplicateTable && state !== SQLSTATE.uniqueViolation) throw error;
      }
      this.known.add(name);
    }
  }
}

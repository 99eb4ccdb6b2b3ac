/**
 * Reading raw telemetry back: a device's records over a time range, decoded from chunks, in
 * time order. Derivation replays through this; operators use it to inspect what a device sent.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';
import { requireOperator, type Actor } from '../actor.js';
import type { Queryable } from '../db/database.js';
import { decodeRecords } from './record-codec.js';
import { countStoredRecords, findChunks, telemetryStorageBytes } from './telemetry.repository.js';

export type StoredRecord = TUplinkRecord & { readonly boot: number };

export interface TelemetryTotals {
  readonly records: number;
  readonly chunks: number;
  readonly bytes: number;
}

export class TelemetryService {
  constructor(private readonly db: Queryable) {}

  /** Records of a device with from ≤ time < to, ordered by time, then boot, then seq. */
  async readDeviceRecords(actor: Actor, deviceId: number, from: Date, to: Date): Promise<StoredRecord[]> {
    requireOperator(actor);
    const fromMs = from.getTime();
    const toMs = to.getTime();
    const out: StoredRecord[] = [];
    for (const chunk of await findChunks(this.db, deviceId, from, to)) {
      for (const record of decodeRecords(chunk.payload)) {
        if (record.time_ms >= fromMs && record.time_ms < toMs) out.push({ ...record, boot: chunk.bootId });
      }
    }
    return out.sort((a, b) => a.time_ms - b.time_ms || a.boot - b.boot || a.seq - b.seq);
  }

  async totals(actor: Actor): Promise<TelemetryTotals> {
    requireOperator(actor);
    const counts = await countStoredRecords(this.db);
    return { ...counts, bytes: await telemetryStorageBytes(this.db) };
  }
}

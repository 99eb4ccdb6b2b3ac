/**
 * What a group of batches writes, decided without I/O: drop records whose sequence numbers are
 * already stored (in the database or earlier in the same group), strip locations the privacy
 * rule forbids, split each batch by UTC day into chunks, and sum up per-boot coverage.
 */
import type { TUplinkRecord } from '@smartcharge/protocol';
import { stripLocations } from './privacy.js';
import { encodeRecords } from './record-codec.js';
import { containsSeq, formatMultirange, rangesOfSorted, unionRanges, type SeqRange } from './seq-ranges.js';
import type { ChunkInsert, StreamUpdate } from './telemetry.repository.js';

export interface WriteRequest {
  readonly deviceId: number;
  readonly serial: string;
  readonly boot: number;
  /** Sorted by strictly increasing seq. Numbers at any precision: the encoder rounds them to the protocol's resolution. */
  readonly records: readonly TUplinkRecord[];
}

export interface WriteOutcome {
  readonly accepted: number;
  readonly duplicates: number;
  readonly locationStripped: number;
  /** The records newly stored (after the privacy step), as received: chunks hold them at the protocol's resolution. */
  readonly stored: readonly TUplinkRecord[];
  /** This request's chunk payloads, as written: decoding them gives exactly what a replay reads. */
  readonly payloads: readonly Uint8Array[];
}

export interface GroupPlan {
  readonly outcomes: readonly WriteOutcome[];
  readonly chunks: readonly ChunkInsert[];
  readonly streams: readonly StreamUpdate[];
}

const DAY_MS = 86_400_000;

export function streamKey(deviceId: number, bootId: number): string {
  return `${deviceId}:${bootId}`;
}

export function planGroup(
  requests: readonly WriteRequest[],
  stored: ReadonlyMap<string, readonly SeqRange[]>,
): GroupPlan {
  const coverage = new Map(stored);
  const streams = new Map<
    string,
    { deviceId: number; bootId: number; added: SeqRange[]; count: number; first: number; last: number }
  >();
  const chunks: ChunkInsert[] = [];
  const outcomes = requests.map((request) => {
    const key = streamKey(request.deviceId, request.boot);
    const covered = coverage.get(key) ?? [];
    // In-order data starts beyond everything stored for its boot: nothing to look up.
    const head = request.records[0];
    const beyond = covered.length === 0 || (head !== undefined && head.seq >= covered[covered.length - 1]![1]);
    const fresh = beyond ? [...request.records] : request.records.filter((r) => !containsSeq(covered, r.seq));
    const duplicates = request.records.length - fresh.length;
    if (fresh.length === 0) return { accepted: 0, duplicates, locationStripped: 0, stored: [], payloads: [] };

    const { records, stripped } = stripLocations(fresh);
    const added = rangesOfSorted(records.map((r) => r.seq));
    coverage.set(key, unionRanges(covered, added));

    // A batch normally lies within one UTC day; a chunk never spans two, so reads of a day stay cheap.
    const byDay = new Map<number, TUplinkRecord[]>();
    for (const record of records) {
      const day = Math.floor(record.time_ms / DAY_MS);
      const list = byDay.get(day);
      if (list) list.push(record);
      else byDay.set(day, [record]);
    }
    let first = Infinity;
    let last = -Infinity;
    const payloads: Uint8Array[] = [];
    for (const dayRecords of byDay.values()) {
      let startedAt = Infinity;
      let endedAt = -Infinity;
      for (const record of dayRecords) {
        if (record.time_ms < startedAt) startedAt = record.time_ms;
        if (record.time_ms > endedAt) endedAt = record.time_ms;
      }
      first = Math.min(first, startedAt);
      last = Math.max(last, endedAt);
      const payload = encodeRecords(dayRecords);
      payloads.push(payload);
      chunks.push({
        deviceId: request.deviceId,
        bootId: request.boot,
        seqFirst: dayRecords[0]!.seq,
        seqLast: dayRecords[dayRecords.length - 1]!.seq,
        startedAt: new Date(startedAt),
        endedAt: new Date(endedAt),
        recordCount: dayRecords.length,
        payload,
      });
    }

    const stream = streams.get(key);
    if (stream) {
      stream.added = unionRanges(stream.added, added);
      stream.count += fresh.length;
      stream.first = Math.min(stream.first, first);
      stream.last = Math.max(stream.last, last);
    } else {
      streams.set(key, { deviceId: request.deviceId, bootId: request.boot, added, count: fresh.length, first, last });
    }
    return { accepted: fresh.length, duplicates, locationStripped: stripped, stored: records, payloads };
  });

  return {
    outcomes,
    chunks,
    streams: [...streams.values()].map((s) => ({
      deviceId: s.deviceId,
      bootId: s.bootId,
      seqs: formatMultirange(s.added),
      recordCount: s.count,
      firstAt: new Date(s.first),
      lastAt: new Date(s.last),
    })),
  };
}

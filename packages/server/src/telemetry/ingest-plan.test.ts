import { CHARGE_STATES, DRIVE_STATES, type TUplinkRecord } from '@smartcharge/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planGroup, streamKey, type WriteRequest } from './ingest-plan.js';
import { decodeRecords } from './record-codec.js';
import { rangesOfSorted, type SeqRange } from './seq-ranges.js';
import type { ChunkInsert } from './telemetry.repository.js';

/** 2023-11-15T00:00:00.000Z: the tests put batches on either side of this UTC midnight. */
const MIDNIGHT = Date.UTC(2023, 10, 15);
const HOME = { lat_deg: 43.5890452, lon_deg: -79.6441198, accuracy_m: 4.2 };

function record(seq: number, timeMs = MIDNIGHT - 3_600_000 + seq * 1000, extra: Partial<TUplinkRecord> = {}) {
  return { seq, time_ms: timeMs, soc_pct: 50 + seq / 100, ...extra } satisfies TUplinkRecord;
}

function records(seqs: readonly number[], extra: Partial<TUplinkRecord> = {}): TUplinkRecord[] {
  return seqs.map((seq) => record(seq, undefined, extra));
}

function request(deviceId: number, boot: number, recs: readonly TUplinkRecord[]): WriteRequest {
  return { deviceId, serial: `C2-TEST-${deviceId}`, boot, records: recs };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** int8multirange text for sorted, distinct seqs, written independently of seq-ranges.ts. */
function multirangeText(seqs: readonly number[]): string {
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i <= seqs.length; i++) {
    if (i === seqs.length || seqs[i] !== seqs[i - 1]! + 1) {
      if (seqs.length > 0) parts.push(`[${seqs[start]},${seqs[i - 1]! + 1})`);
      start = i;
    }
  }
  return `{${parts.join(',')}}`;
}

function decoded(chunk: ChunkInsert): TUplinkRecord[] {
  return decodeRecords(chunk.payload);
}

describe('planGroup', () => {
  it('stores every record of a first batch as one chunk and one stream update', () => {
    const recs = records(range(0, 5));
    const plan = planGroup([request(1, 7, recs)], new Map());
    expect(plan.outcomes).toEqual([
      { accepted: 5, duplicates: 0, locationStripped: 0, stored: recs, payloads: plan.chunks.map((c) => c.payload) },
    ]);
    expect(plan.chunks).toHaveLength(1);
    expect(plan.chunks[0]).toMatchObject({
      deviceId: 1,
      bootId: 7,
      seqFirst: 0,
      seqLast: 4,
      recordCount: 5,
      startedAt: new Date(recs[0]!.time_ms),
      endedAt: new Date(recs[4]!.time_ms),
    });
    expect(decoded(plan.chunks[0]!)).toEqual(recs);
    expect(plan.streams).toEqual([
      {
        deviceId: 1,
        bootId: 7,
        seqs: '{[0,5)}',
        recordCount: 5,
        firstAt: new Date(recs[0]!.time_ms),
        lastAt: new Date(recs[4]!.time_ms),
      },
    ]);
  });

  it('drops records whose seq is already stored for the same device and boot', () => {
    const stored = new Map<string, readonly SeqRange[]>([
      [
        streamKey(1, 7),
        [
          [0, 3],
          [6, 8],
        ],
      ],
    ]);
    const plan = planGroup([request(1, 7, records(range(0, 10)))], stored);
    const outcome = plan.outcomes[0]!;
    expect(outcome.accepted).toBe(5);
    expect(outcome.duplicates).toBe(5);
    expect(outcome.stored.map((r) => r.seq)).toEqual([3, 4, 5, 8, 9]);
    expect(plan.chunks.flatMap(decoded).map((r) => r.seq)).toEqual([3, 4, 5, 8, 9]);
    expect(plan.streams[0]!.seqs).toBe('{[3,6),[8,10)}');
    expect(plan.streams[0]!.recordCount).toBe(5);
  });

  it('drops records already planned by an earlier request of the same group', () => {
    const first = records(range(0, 6));
    const second = records(range(4, 9));
    const plan = planGroup([request(1, 7, first), request(1, 7, second)], new Map());
    expect(plan.outcomes.map((o) => [o.accepted, o.duplicates])).toEqual([
      [6, 0],
      [3, 2],
    ]);
    expect(plan.outcomes[1]!.stored.map((r) => r.seq)).toEqual([6, 7, 8]);
    expect(plan.chunks.flatMap(decoded).map((r) => r.seq)).toEqual(range(0, 9));
  });

  it('writes nothing for a batch that was entirely stored before', () => {
    const stored = new Map<string, readonly SeqRange[]>([[streamKey(1, 7), [[0, 10]]]]);
    const plan = planGroup([request(1, 7, records(range(2, 6)))], stored);
    expect(plan.outcomes).toEqual([{ accepted: 0, duplicates: 4, locationStripped: 0, stored: [], payloads: [] }]);
    expect(plan.chunks).toEqual([]);
    expect(plan.streams).toEqual([]);
  });

  it('treats each boot, and each device, as its own sequence space', () => {
    const stored = new Map<string, readonly SeqRange[]>([[streamKey(1, 7), [[0, 5]]]]);
    const plan = planGroup(
      [request(1, 7, records(range(0, 5))), request(1, 8, records(range(0, 5))), request(2, 7, records(range(0, 5)))],
      stored,
    );
    expect(plan.outcomes.map((o) => [o.accepted, o.duplicates])).toEqual([
      [0, 5],
      [5, 0],
      [5, 0],
    ]);
    expect(plan.streams.map((s) => [s.deviceId, s.bootId, s.seqs])).toEqual([
      [1, 8, '{[0,5)}'],
      [2, 7, '{[0,5)}'],
    ]);
    expect(plan.chunks.map((c) => [c.deviceId, c.bootId, c.recordCount])).toEqual([
      [1, 8, 5],
      [2, 7, 5],
    ]);
  });

  it('strips forbidden locations and counts only those on newly stored records', () => {
    const driving = { charge_state: 'unplugged', drive_state: 'driving', location: HOME } as const;
    const charging = { charge_state: 'charging', drive_state: 'parked', location: HOME } as const;
    const recs = [...records(range(0, 4), driving), ...records(range(4, 6), charging)];
    const stored = new Map<string, readonly SeqRange[]>([[streamKey(1, 7), [[0, 2]]]]);
    const plan = planGroup([request(1, 7, recs)], stored);
    const outcome = plan.outcomes[0]!;
    expect(outcome.accepted).toBe(4);
    expect(outcome.duplicates).toBe(2);
    expect(outcome.locationStripped).toBe(2);
    expect(outcome.stored.map((r) => r.location)).toEqual([undefined, undefined, HOME, HOME]);
    expect(plan.chunks.flatMap(decoded)).toEqual(outcome.stored);
  });

  it('splits a batch spanning UTC midnight into two chunks, each within one UTC day', () => {
    const recs = [-2000, -1000, 0, 1000, 2000].map((offset, i) => record(100 + i, MIDNIGHT + offset));
    const plan = planGroup([request(1, 7, recs)], new Map());
    expect(plan.chunks).toHaveLength(2);
    const [before, after] = plan.chunks as [ChunkInsert, ChunkInsert];
    expect(before).toMatchObject({
      seqFirst: 100,
      seqLast: 101,
      recordCount: 2,
      startedAt: new Date(MIDNIGHT - 2000),
      endedAt: new Date(MIDNIGHT - 1000),
    });
    expect(after).toMatchObject({
      seqFirst: 102,
      seqLast: 104,
      recordCount: 3,
      startedAt: new Date(MIDNIGHT),
      endedAt: new Date(MIDNIGHT + 2000),
    });
    for (const chunk of plan.chunks) expect(utcDay(chunk.startedAt.getTime())).toBe(utcDay(chunk.endedAt.getTime()));
    expect(utcDay(before.endedAt.getTime())).not.toBe(utcDay(after.startedAt.getTime()));
    expect(decoded(before)).toEqual(recs.slice(0, 2));
    expect(decoded(after)).toEqual(recs.slice(2));
    // One stream update still covers the whole batch.
    expect(plan.streams).toEqual([
      {
        deviceId: 1,
        bootId: 7,
        seqs: '{[100,105)}',
        recordCount: 5,
        firstAt: new Date(MIDNIGHT - 2000),
        lastAt: new Date(MIDNIGHT + 2000),
      },
    ]);
  });

  it('sums stream updates per device and boot across the requests of a group', () => {
    const plan = planGroup(
      [
        request(1, 7, [record(10, 5_000_000), record(11, 5_001_000)]),
        request(2, 7, [record(10, 9_000_000)]),
        request(1, 7, [record(11, 5_001_000), record(20, 4_000_000), record(21, 6_000_000)]),
      ],
      new Map(),
    );
    expect(plan.streams).toEqual([
      {
        deviceId: 1,
        bootId: 7,
        seqs: '{[10,12),[20,22)}',
        recordCount: 4,
        firstAt: new Date(4_000_000),
        lastAt: new Date(6_000_000),
      },
      {
        deviceId: 2,
        bootId: 7,
        seqs: '{[10,11)}',
        recordCount: 1,
        firstAt: new Date(9_000_000),
        lastAt: new Date(9_000_000),
      },
    ]);
  });

  it('leaves the stored coverage it was given untouched', () => {
    const stored = new Map<string, readonly SeqRange[]>([[streamKey(1, 7), [[0, 2]]]]);
    planGroup([request(1, 7, records(range(0, 5))), request(1, 8, records(range(0, 5)))], stored);
    expect([...stored]).toEqual([[streamKey(1, 7), [[0, 2]]]]);
  });
});

// ---------------------------------------------------------------------------
// Against a model: sets of stored seqs per (device, boot), the privacy rule written out again.

const MAX_SEQ = 40;
const streams = [
  [1, 0],
  [1, 1],
  [2, 0],
] as const;

const recordValues = fc.record({
  time_ms: fc.integer({ min: MIDNIGHT - 30_000, max: MIDNIGHT + 30_000 }),
  soc_pct: fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100),
  charge_state: fc.option(fc.constantFrom(...CHARGE_STATES), { nil: undefined }),
  drive_state: fc.option(fc.constantFrom(...DRIVE_STATES), { nil: undefined }),
  located: fc.boolean(),
});

const requestArb = fc
  .tuple(
    fc.constantFrom(...streams),
    fc.uniqueArray(fc.integer({ min: 0, max: MAX_SEQ }), { minLength: 1, maxLength: 25 }),
    fc.array(recordValues, { minLength: 25, maxLength: 25 }),
  )
  .map(([[deviceId, boot], seqs, values]): WriteRequest => {
    const recs = [...seqs]
      .sort((a, b) => a - b)
      .map((seq, i) => {
        const { located, charge_state, drive_state, ...rest } = values[i]!;
        const out: TUplinkRecord = { seq, ...rest };
        if (charge_state) out.charge_state = charge_state;
        if (drive_state) out.drive_state = drive_state;
        if (located) out.location = HOME;
        return out;
      });
    return request(deviceId, boot, recs);
  });

const storedArb = fc
  .array(fc.uniqueArray(fc.integer({ min: 0, max: MAX_SEQ }), { maxLength: 20 }), {
    minLength: streams.length,
    maxLength: streams.length,
  })
  .map(
    (sets) =>
      new Map(
        sets.map((seqs, i) => {
          const [deviceId, boot] = streams[i]!;
          return [streamKey(deviceId, boot), new Set(seqs)] as const;
        }),
      ),
  );

const allowed = (r: TUplinkRecord) =>
  (r.charge_state === 'plugged' || r.charge_state === 'charging') && r.drive_state !== 'driving';

describe('planGroup against a model', () => {
  it('stores each (device, boot, seq) once, as the model says, in chunks that decode to the stored records', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 6 }), storedArb, (requests, storedSets) => {
        const storedRanges = new Map(
          [...storedSets].map(([key, set]) => [key, rangesOfSorted([...set].sort((a, b) => a - b))] as const),
        );
        const plan = planGroup(requests, storedRanges);

        const covered = new Map([...storedSets].map(([key, set]) => [key, new Set(set)] as const));
        const added = new Map<string, TUplinkRecord[]>();
        let expectedChunks = 0;
        requests.forEach((req, i) => {
          const key = streamKey(req.deviceId, req.boot);
          const seen = covered.get(key) ?? new Set<number>();
          covered.set(key, seen);
          const fresh = req.records.filter((r) => !seen.has(r.seq));
          for (const r of fresh) seen.add(r.seq);
          const kept = fresh.map((r) => {
            if (r.location === undefined || allowed(r)) return r;
            const { location: _location, ...rest } = r;
            return rest;
          });
          const { payloads, ...outcome } = plan.outcomes[i]!;
          expect(outcome).toEqual({
            accepted: fresh.length,
            duplicates: req.records.length - fresh.length,
            locationStripped: fresh.filter((r) => r.location !== undefined && !allowed(r)).length,
            stored: kept,
          });
          // The outcome's payloads are this request's own chunks, one per UTC day of what it stored.
          expect(payloads.flatMap((payload) => decodeRecords(payload)).sort((x, y) => x.seq - y.seq)).toEqual(kept);
          added.set(key, [...(added.get(key) ?? []), ...kept]);
          expectedChunks += new Set(fresh.map((r) => utcDay(r.time_ms))).size;
        });

        // Chunks: one per request and UTC day, each decoding to its stored records in seq order.
        expect(plan.chunks).toHaveLength(expectedChunks);
        const chunked = new Map<string, TUplinkRecord[]>();
        for (const chunk of plan.chunks) {
          const recs = decoded(chunk);
          expect(recs).toHaveLength(chunk.recordCount);
          expect(recs[0]!.seq).toBe(chunk.seqFirst);
          expect(recs[recs.length - 1]!.seq).toBe(chunk.seqLast);
          recs.forEach((r, i) => i > 0 && expect(r.seq).toBeGreaterThan(recs[i - 1]!.seq));
          const times = recs.map((r) => r.time_ms);
          expect(chunk.startedAt).toEqual(new Date(Math.min(...times)));
          expect(chunk.endedAt).toEqual(new Date(Math.max(...times)));
          expect(new Set(times.map(utcDay)).size).toBe(1);
          const key = streamKey(chunk.deviceId, chunk.bootId);
          chunked.set(key, [...(chunked.get(key) ?? []), ...recs]);
        }
        const bySeq = (a: TUplinkRecord, b: TUplinkRecord) => a.seq - b.seq;
        for (const [key, recs] of added) {
          expect([...(chunked.get(key) ?? [])].sort(bySeq), key).toEqual([...recs].sort(bySeq));
        }
        expect([...chunked.keys()].sort()).toEqual(
          [...added]
            .filter(([, r]) => r.length > 0)
            .map(([k]) => k)
            .sort(),
        );

        // Stream updates: one per (device, boot) that got new records.
        const expectedStreams = [...added]
          .filter(([, recs]) => recs.length > 0)
          .map(([key, recs]) => {
            const [deviceId, bootId] = key.split(':').map(Number);
            const times = recs.map((r) => r.time_ms);
            return {
              deviceId,
              bootId,
              seqs: multirangeText(recs.map((r) => r.seq).sort((a, b) => a - b)),
              recordCount: recs.length,
              firstAt: new Date(Math.min(...times)),
              lastAt: new Date(Math.max(...times)),
            };
          });
        const byKey = (a: { deviceId?: number; bootId?: number }, b: { deviceId?: number; bootId?: number }) =>
          a.deviceId! - b.deviceId! || a.bootId! - b.bootId!;
        expect([...plan.streams].sort(byKey)).toEqual(expectedStreams.sort(byKey));
      }),
      { numRuns: 200 },
    );
  });
});

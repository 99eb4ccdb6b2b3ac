import { appendFile, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TUplinkRecord } from '@smartcharge/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordJournal } from './record-journal.js';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'agent-journal-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const record = (seq: number): TUplinkRecord => ({ seq, time_ms: 1_700_000_000_000 + seq * 1000, soc_pct: 50 });

describe('record journal', () => {
  it('starts a new boot at every open and returns what earlier boots never resolved, in order', async () => {
    const dir = await freshDir();
    const first = await RecordJournal.open(dir, { segmentRecords: 4, newBootId: () => 1 });
    expect(first.journal.boot).toBe(1);
    expect(first.pending.size).toBe(0);
    for (let seq = 0; seq < 10; seq++) await first.journal.append(record(seq));
    await first.journal.resolve(1, 0, 5);
    await first.journal.close();

    const second = await RecordJournal.open(dir, { segmentRecords: 4 });
    expect(second.journal.boot).toBe(2);
    expect(second.pending.get(1)!.map((r) => r.seq)).toEqual([6, 7, 8, 9]);
    expect(second.pending.get(1)![0]).toEqual(record(6));
    await second.journal.close();
  });

  it('forgets records refused one by one, and deletes segments once all their records are resolved', async () => {
    const dir = await freshDir();
    const { journal } = await RecordJournal.open(dir, { segmentRecords: 3, newBootId: () => 1 });
    for (let seq = 0; seq < 7; seq++) await journal.append(record(seq));
    expect(journal.segmentCount).toBe(3);
    await journal.resolve(1, 1, 1); // refused for good
    await journal.resolve(1, 0, 0);
    await journal.resolve(1, 2, 4);
    // Segment 0–2 is done; 3–5 still holds 5; 6 is being written.
    expect(journal.segmentCount).toBe(2);
    expect((await readdir(dir)).filter((f) => f.endsWith('.ndjson')).sort()).toEqual(['1-3.ndjson', '1-6.ndjson']);
    await journal.close();
    const reopened = await RecordJournal.open(dir, { segmentRecords: 3 });
    expect(reopened.pending.get(1)!.map((r) => r.seq)).toEqual([5, 6]);
    await reopened.journal.resolve(1, 5, 6);
    await reopened.journal.close();
    const third = await RecordJournal.open(dir);
    expect(third.pending.size).toBe(0);
    expect((await readdir(dir)).filter((f) => f !== 'boot')).toEqual([]);
    await third.journal.close();
  });

  it('ignores a line cut short by a power loss', async () => {
    const dir = await freshDir();
    const { journal } = await RecordJournal.open(dir, { newBootId: () => 1 });
    await journal.append(record(0));
    await journal.append(record(1));
    await journal.close();
    await appendFile(path.join(dir, '1-0.ndjson'), '{"seq":2,"time_ms":17000');
    const reopened = await RecordJournal.open(dir);
    expect(reopened.pending.get(1)!.map((r) => r.seq)).toEqual([0, 1]);
    await reopened.journal.close();
  });
});

describe('record journal, after power loss and disk trouble', () => {
  it('keeps a range resolved after restarting on a resolved file whose last line was cut short', async () => {
    const dir = await freshDir();
    const first = await RecordJournal.open(dir);
    for (let seq = 0; seq < 6; seq++) await first.journal.append(record(seq));
    await first.journal.resolve(first.journal.boot, 0, 1);
    await first.journal.close();
    // The power went while the next acknowledgement was being noted.
    await appendFile(path.join(dir, `${first.journal.boot}.resolved`), '[2,');
    const second = await RecordJournal.open(dir);
    expect(second.pending.get(first.journal.boot)!.map((r) => r.seq)).toEqual([2, 3, 4, 5]);
    await second.journal.resolve(first.journal.boot, 2, 3);
    await second.journal.close();
    const third = await RecordJournal.open(dir);
    expect(third.pending.get(first.journal.boot)!.map((r) => r.seq)).toEqual([4, 5]);
    await third.journal.close();
  });

  it('never reuses a boot that still has records on disk, even when the boot file is lost', async () => {
    const dir = await freshDir();
    const first = await RecordJournal.open(dir, { newBootId: () => 41 });
    for (let seq = 0; seq < 3; seq++) await first.journal.append(record(seq));
    await first.journal.close();
    await rm(path.join(dir, 'boot'));
    // Drawn at random again, the same id came up.
    const second = await RecordJournal.open(dir, { newBootId: () => 41 });
    // The server keeps one record per (device, boot, seq): a reused boot would make new records duplicates.
    expect(second.journal.boot).not.toBe(first.journal.boot);
    expect(second.pending.get(first.journal.boot)!.map((r) => r.seq)).toEqual([0, 1, 2]);
    await second.journal.append(record(0));
    await second.journal.close();
    const third = await RecordJournal.open(dir);
    expect(third.pending.get(first.journal.boot)!.map((r) => r.seq)).toEqual([0, 1, 2]);
    expect(third.pending.get(second.journal.boot)!.map((r) => r.seq)).toEqual([0]);
    await third.journal.close();
  });

  it('starts a new journal folder at a random boot, so that a wiped card does not repeat old boots', async () => {
    const dir = await freshDir();
    const first = await RecordJournal.open(dir, { newBootId: () => 0xdead_beef });
    expect(first.journal.boot).toBe(0xdead_beef);
    await first.journal.close();
    const second = await RecordJournal.open(dir, { newBootId: () => 7 });
    expect(second.journal.boot).toBe(0xdead_bef0);
    await second.journal.close();
  });

  it('returns each unsent record once, in order, from a folder where a boot repeated sequence numbers', async () => {
    const dir = await freshDir();
    // Written by an earlier version that could reuse a boot: its second run appended to the same file.
    const lines = [0, 1, 2, 0, 1].map((seq) => JSON.stringify(record(seq))).join('\n');
    await appendFile(path.join(dir, '5-0.ndjson'), `${lines}\n`);
    await appendFile(path.join(dir, 'boot'), '5\n');
    const { journal, pending } = await RecordJournal.open(dir);
    expect(pending.get(5)!.map((r) => r.seq)).toEqual([0, 1, 2]);
    await journal.close();
  });

  it('goes on in a fresh file after a write failed half-way, losing only that record', async () => {
    const dir = await freshDir();
    const { journal } = await RecordJournal.open(dir);
    for (let seq = 0; seq < 3; seq++) await journal.append(record(seq));
    const handle = await open(path.join(dir, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(handle) as { write: (...args: unknown[]) => Promise<unknown> };
    await handle.close();
    const write = fileHandle.write;
    const spy = vi.spyOn(fileHandle, 'write').mockImplementationOnce(async function (this: unknown, data: unknown) {
      // The card filled up in the middle of the line.
      await write.call(this, String(data).slice(0, 12));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    await expect(journal.append(record(3))).rejects.toThrow(/ENOSPC/);
    spy.mockRestore();
    await journal.append(record(4));
    await journal.close();
    const reopened = await RecordJournal.open(dir);
    expect(reopened.pending.get(journal.boot)!.map((r) => r.seq)).toEqual([0, 1, 2, 4]);
    await reopened.journal.close();
  });
});

describe('record journal size cap', () => {
  const sizeOnDisk = async (dir: string) => {
    let total = 0;
    for (const name of await readdir(dir))
      if (name.endsWith('.ndjson')) total += (await stat(path.join(dir, name))).size;
    return total;
  };

  it('drops the oldest unsent records to stay under its cap, and says how many', async () => {
    const dir = await freshDir();
    const maxBytes = 2000;
    const { journal } = await RecordJournal.open(dir, { maxBytes });
    for (let seq = 0; seq < 200; seq++) {
      await journal.append(record(seq));
      expect(await sizeOnDisk(dir)).toBeLessThanOrEqual(maxBytes);
    }
    await journal.resolve(journal.boot, 0, 9); // long gone already: nothing changes
    const dropped = journal.takeDropped();
    const droppedCount = dropped.reduce((n, d) => n + d.records, 0);
    expect(droppedCount).toBeGreaterThan(100);
    // The oldest went first, in order, and the newest are kept.
    expect(dropped[0]).toMatchObject({ boot: journal.boot, fromSeq: 0 });
    const kept = await journal.pendingRecords(journal.boot);
    expect(kept.map((r) => r.seq)).toEqual([...Array(200 - droppedCount).keys()].map((i) => i + droppedCount));
    expect(journal.takeDropped()).toEqual([]);
    await journal.close();
    const reopened = await RecordJournal.open(dir, { maxBytes });
    expect(reopened.pending.get(journal.boot)!.map((r) => r.seq)).toEqual(kept.map((r) => r.seq));
    await reopened.journal.close();
  });

  it('counts only unsent records as dropped, and trims at open when the cap was lowered', async () => {
    const dir = await freshDir();
    const first = await RecordJournal.open(dir, { segmentRecords: 10 });
    for (let seq = 0; seq < 40; seq++) await first.journal.append(record(seq));
    await first.journal.resolve(first.journal.boot, 0, 4);
    await first.journal.close();
    const before = await sizeOnDisk(dir);
    // Room for two of the four segments (about 480 bytes each).
    expect(before).toBe(1910);
    const second = await RecordJournal.open(dir, { segmentRecords: 10, maxBytes: 1000 });
    expect(await sizeOnDisk(dir)).toBeLessThanOrEqual(1000);
    // Segments 0–9 (5 of them unsent) and 10–19 went.
    expect(second.journal.takeDropped()).toEqual([
      { boot: first.journal.boot, fromSeq: 0, toSeq: 9, records: 5 },
      { boot: first.journal.boot, fromSeq: 10, toSeq: 19, records: 10 },
    ]);
    expect(second.pending.get(first.journal.boot)!.map((r) => r.seq)).toEqual([...Array(20).keys()].map((i) => i + 20));
    await second.journal.close();
  });
});

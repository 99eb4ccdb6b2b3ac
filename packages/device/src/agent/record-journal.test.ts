import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TUplinkRecord } from '@smartcharge/protocol';
import { afterEach, describe, expect, it } from 'vitest';
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
    const first = await RecordJournal.open(dir, { segmentRecords: 4 });
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
    const { journal } = await RecordJournal.open(dir, { segmentRecords: 3 });
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
    const { journal } = await RecordJournal.open(dir);
    await journal.append(record(0));
    await journal.append(record(1));
    await journal.close();
    await appendFile(path.join(dir, '1-0.ndjson'), '{"seq":2,"time_ms":17000');
    const reopened = await RecordJournal.open(dir);
    expect(reopened.pending.get(1)!.map((r) => r.seq)).toEqual([0, 1]);
    await reopened.journal.close();
  });
});

/**
 * The agent's records on disk until the server has them: append-only files, each line written and
 * fdatasync'ed before the agent goes on, so a record survives a power cut the moment it is taken.
 *
 * Layout of the journal folder:
 *   boot                  the last boot id (a counter: each start of the agent is a new boot)
 *   <boot>-<seq>.ndjson   records of that boot from that sequence number on, one JSON per line
 *                         (a new segment every `segmentRecords`)
 *   <boot>.resolved       `[from,to]` lines: sequence ranges the server acknowledged or refused
 *                         for good — those records are never sent again
 *
 * A segment whose records are all resolved is deleted; a half-written last line (the power went
 * while writing) is ignored on reading.
 */
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { TUplinkRecord } from '@smartcharge/protocol';

export interface JournalOptions {
  /** Records per segment file (default 3,600: an hour of driving). */
  readonly segmentRecords?: number;
}

interface Segment {
  readonly boot: number;
  readonly firstSeq: number;
  lastSeq: number;
  readonly file: string;
}

/** Merged, sorted, non-overlapping inclusive ranges. */
type Ranges = [number, number][];

function addRange(ranges: Ranges, from: number, to: number): Ranges {
  const all = [...ranges, [from, to] as [number, number]].sort((a, b) => a[0] - b[0]);
  const merged: Ranges = [];
  for (const [a, b] of all) {
    const last = merged.at(-1);
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

function covered(ranges: Ranges, seq: number): boolean {
  return ranges.some(([a, b]) => seq >= a && seq <= b);
}

export class RecordJournal {
  /** This run's boot id. */
  readonly boot: number;
  private readonly segments: Segment[] = [];
  private readonly resolved = new Map<number, Ranges>();
  private active: { segment: Segment; handle: FileHandle; count: number } | undefined;
  private resolvedHandles = new Map<number, FileHandle>();
  private writing: Promise<unknown> = Promise.resolve();
  private readonly segmentRecords: number;

  private constructor(
    private readonly dir: string,
    boot: number,
    options: JournalOptions,
  ) {
    this.boot = boot;
    this.segmentRecords = options.segmentRecords ?? 3600;
  }

  /**
   * Opens (or creates) the journal, starts a new boot, and returns the records of earlier boots
   * that were never resolved, by boot, in sequence order.
   */
  static async open(
    dir: string,
    options: JournalOptions = {},
  ): Promise<{ journal: RecordJournal; pending: Map<number, TUplinkRecord[]> }> {
    await mkdir(dir, { recursive: true });
    const bootFile = path.join(dir, 'boot');
    const previous = Number((await readFile(bootFile, 'utf8').catch(() => '0')).trim()) || 0;
    const boot = (previous + 1) % 0x1_0000_0000;
    await writeDurably(bootFile, `${boot}\n`);
    const journal = new RecordJournal(dir, boot, options);
    const pending = await journal.load();
    return { journal, pending };
  }

  private async load(): Promise<Map<number, TUplinkRecord[]>> {
    const names = await readdir(this.dir);
    for (const name of names) {
      const m = /^(\d+)\.resolved$/.exec(name);
      if (!m) continue;
      let ranges: Ranges = [];
      for (const line of (await readFile(path.join(this.dir, name), 'utf8')).split('\n')) {
        const range = parseLine<[number, number]>(line);
        if (Array.isArray(range) && range.length === 2) ranges = addRange(ranges, range[0], range[1]);
      }
      this.resolved.set(Number(m[1]), ranges);
    }
    const pending = new Map<number, TUplinkRecord[]>();
    const segmentNames = names
      .map((name) => /^(\d+)-(\d+)\.ndjson$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ boot: Number(m[1]), firstSeq: Number(m[2]), file: path.join(this.dir, m[0]) }))
      .sort((a, b) => a.boot - b.boot || a.firstSeq - b.firstSeq);
    for (const s of segmentNames) {
      const ranges = this.resolved.get(s.boot) ?? [];
      const records: TUplinkRecord[] = [];
      let lastSeq = s.firstSeq - 1;
      for (const line of (await readFile(s.file, 'utf8')).split('\n')) {
        const record = parseLine<TUplinkRecord>(line);
        if (record === undefined || typeof record.seq !== 'number') continue;
        lastSeq = Math.max(lastSeq, record.seq);
        if (!covered(ranges, record.seq)) records.push(record);
      }
      if (records.length === 0) {
        await unlink(s.file).catch(() => undefined);
        continue;
      }
      this.segments.push({ ...s, lastSeq });
      pending.set(s.boot, [...(pending.get(s.boot) ?? []), ...records]);
    }
    await this.removeUnusedResolvedFiles();
    return pending;
  }

  /** Writes a record durably (this boot). Resolves once it is on disk. */
  append(record: TUplinkRecord): Promise<void> {
    const run = this.writing.then(() => this.appendNow(record));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async appendNow(record: TUplinkRecord): Promise<void> {
    if (!this.active || this.active.count >= this.segmentRecords) await this.rotate(record.seq);
    const active = this.active!;
    await active.handle.write(`${JSON.stringify(record)}\n`);
    await active.handle.datasync();
    active.count++;
    active.segment.lastSeq = record.seq;
  }

  private async rotate(firstSeq: number): Promise<void> {
    if (this.active) {
      await this.active.handle.close();
      this.active = undefined;
      await this.collect();
    }
    const file = path.join(this.dir, `${this.boot}-${firstSeq}.ndjson`);
    const segment: Segment = { boot: this.boot, firstSeq, lastSeq: firstSeq - 1, file };
    this.segments.push(segment);
    this.active = { segment, handle: await open(file, 'a'), count: 0 };
  }

  /** Records from..to of `boot` will never be sent again (acknowledged, or refused for good). */
  resolve(boot: number, from: number, to: number): Promise<void> {
    const run = this.writing.then(async () => {
      this.resolved.set(boot, addRange(this.resolved.get(boot) ?? [], from, to));
      let handle = this.resolvedHandles.get(boot);
      if (!handle) {
        handle = await open(path.join(this.dir, `${boot}.resolved`), 'a');
        this.resolvedHandles.set(boot, handle);
      }
      await handle.write(`${JSON.stringify([from, to])}\n`);
      await handle.datasync();
      await this.collect();
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Deletes segments (other than the one being written) whose records are all resolved. */
  private async collect(): Promise<void> {
    for (const segment of [...this.segments]) {
      if (segment === this.active?.segment) continue;
      const ranges = this.resolved.get(segment.boot) ?? [];
      const done =
        segment.lastSeq < segment.firstSeq || ranges.some(([a, b]) => a <= segment.firstSeq && b >= segment.lastSeq);
      if (!done) continue;
      await unlink(segment.file).catch(() => undefined);
      this.segments.splice(this.segments.indexOf(segment), 1);
    }
    await this.removeUnusedResolvedFiles();
  }

  private async removeUnusedResolvedFiles(): Promise<void> {
    for (const boot of [...this.resolved.keys()]) {
      if (boot === this.boot || this.segments.some((s) => s.boot === boot)) continue;
      await this.resolvedHandles.get(boot)?.close();
      this.resolvedHandles.delete(boot);
      this.resolved.delete(boot);
      await unlink(path.join(this.dir, `${boot}.resolved`)).catch(() => undefined);
    }
  }

  /** Segment files on disk (for tests and the status line). */
  get segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    await this.writing;
    await this.active?.handle.close();
    this.active = undefined;
    for (const handle of this.resolvedHandles.values()) await handle.close();
    this.resolvedHandles.clear();
  }
}

function parseLine<T>(line: string): T | undefined {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined; // a line cut short by a power loss
  }
}

/** Replaces a small file so that either the old or the new content survives a power cut. */
async function writeDurably(file: string, content: string): Promise<void> {
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.write(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

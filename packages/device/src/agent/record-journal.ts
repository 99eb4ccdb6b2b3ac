/**
 * The agent's records on disk until the server has them: append-only files, each line written and
 * fdatasync'ed before the agent goes on, so a record survives a power cut the moment it is taken.
 *
 * Layout of the journal folder:
 *   boot                  the last boot id (each start of the agent is a new boot: the last one + 1;
 *                         a new folder starts at a random id, so that a wiped card or a second folder
 *                         never repeats boot ids the server has already seen)
 *   <boot>-<seq>.ndjson   records of that boot from that sequence number on, one JSON per line
 *                         (a new segment every `segmentRecords`, or an eighth of `maxBytes`)
 *   <boot>.resolved       `[from,to]` lines: sequence ranges the server acknowledged or refused
 *                         for good — those records are never sent again
 *
 * A segment whose records are all resolved is deleted. A half-written last line (the power went
 * while writing) is ignored on reading, and a file is never appended to after one: the next line
 * starts on a line of its own. The record files are capped at `maxBytes`: beyond it the oldest
 * segments go, unsent records and all, and takeDropped() says which.
 */
import { randomInt } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { TUplinkRecord } from '@smartcharge/protocol';

/** 64 MiB: at about 250 bytes a record, months of driving two hours a day with no network. */
export const DEFAULT_JOURNAL_MAX_BYTES = 64 * 1024 * 1024;

const BOOT_IDS = 0x1_0000_0000;

export interface JournalOptions {
  /** Records per segment file (default 3,600: an hour of driving). */
  readonly segmentRecords?: number;
  /** Most bytes the record files may take (default 64 MiB); beyond it the oldest records are dropped. */
  readonly maxBytes?: number;
  /** The first boot id of a new journal folder (default: a random 32-bit number). */
  readonly newBootId?: () => number;
}

/** Records the size cap pushed out before they were sent: `records` unsent ones of fromSeq…toSeq. */
export interface DroppedRecords {
  readonly boot: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly records: number;
}

interface Segment {
  readonly boot: number;
  readonly firstSeq: number;
  lastSeq: number;
  readonly file: string;
  bytes: number;
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

const SEGMENT_NAME = /^(\d+)-(\d+)\.ndjson$/;
const RESOLVED_NAME = /^(\d+)\.resolved$/;

export class RecordJournal {
  /** This run's boot id. */
  readonly boot: number;
  readonly maxBytes: number;
  private readonly segments: Segment[] = [];
  private readonly resolved = new Map<number, Ranges>();
  private active: { segment: Segment; handle: FileHandle; count: number; broken: boolean } | undefined;
  private resolvedHandles = new Map<number, FileHandle>();
  private writing: Promise<unknown> = Promise.resolve();
  private readonly segmentRecords: number;
  private readonly segmentMaxBytes: number;
  private dropped: DroppedRecords[] = [];

  private constructor(
    private readonly dir: string,
    boot: number,
    options: JournalOptions,
  ) {
    this.boot = boot;
    this.segmentRecords = options.segmentRecords ?? 3600;
    this.maxBytes = options.maxBytes ?? DEFAULT_JOURNAL_MAX_BYTES;
    // Segments of at most an eighth of the cap, so that dropping one frees a small part of it.
    this.segmentMaxBytes = Math.max(1, Math.floor(this.maxBytes / 8));
  }

  /**
   * Opens (or creates) the journal, starts a new boot, and returns the records of earlier boots
   * that were never resolved, by boot, in sequence order (after trimming to the size cap).
   */
  static async open(
    dir: string,
    options: JournalOptions = {},
  ): Promise<{ journal: RecordJournal; pending: Map<number, TUplinkRecord[]> }> {
    await mkdir(dir, { recursive: true });
    const names = await readdir(dir);
    const inUse = new Set(
      names.flatMap((name) => {
        const m = SEGMENT_NAME.exec(name) ?? RESOLVED_NAME.exec(name);
        return m ? [Number(m[1])] : [];
      }),
    );
    const bootFile = path.join(dir, 'boot');
    const saved = (await readFile(bootFile, 'utf8').catch(() => '')).trim();
    const previous = /^\d{1,10}$/.test(saved) && Number(saved) < BOOT_IDS ? Number(saved) : undefined;
    // Without a boot file (a new folder, or the file lost) the ids used before are unknown: start anywhere.
    let boot = previous === undefined ? (options.newBootId ?? (() => randomInt(0, BOOT_IDS)))() : previous + 1;
    boot %= BOOT_IDS;
    // Never continue a boot that still has files here (its sequence numbers are taken).
    while (inUse.has(boot)) boot = (boot + 1) % BOOT_IDS;
    await writeDurably(bootFile, `${boot}\n`);
    const journal = new RecordJournal(dir, boot, options);
    const pending = await journal.load(names);
    return { journal, pending };
  }

  private async load(names: readonly string[]): Promise<Map<number, TUplinkRecord[]>> {
    for (const name of names) {
      const m = RESOLVED_NAME.exec(name);
      if (!m) continue;
      let ranges: Ranges = [];
      for (const line of (await readFile(path.join(this.dir, name), 'utf8')).split('\n')) {
        const range = parseLine<unknown>(line);
        if (Array.isArray(range) && range.length === 2 && range.every((n) => Number.isSafeInteger(n))) {
          ranges = addRange(ranges, range[0] as number, range[1] as number);
        }
      }
      this.resolved.set(Number(m[1]), ranges);
    }
    const segmentNames = names
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ boot: Number(m[1]), firstSeq: Number(m[2]), file: path.join(this.dir, m[0]) }))
      .sort((a, b) => a.boot - b.boot || a.firstSeq - b.firstSeq);
    const records = new Map<Segment, TUplinkRecord[]>();
    for (const s of segmentNames) {
      const content = await readFile(s.file);
      const kept = this.unresolvedLines(s.boot, content.toString('utf8'));
      if (kept.records.length === 0) {
        await unlink(s.file).catch(() => undefined);
        continue;
      }
      const segment: Segment = { ...s, lastSeq: Math.max(s.firstSeq - 1, kept.lastSeq), bytes: content.length };
      this.segments.push(segment);
      records.set(segment, kept.records);
    }
    await this.enforceCap();
    const pending = new Map<number, TUplinkRecord[]>();
    for (const segment of this.segments) {
      pending.set(segment.boot, [...(pending.get(segment.boot) ?? []), ...records.get(segment)!]);
    }
    // In sequence order, each once (a folder written by an earlier version may repeat a number).
    for (const [boot, list] of pending) {
      const bySeq = new Map<number, TUplinkRecord>();
      for (const record of list) if (!bySeq.has(record.seq)) bySeq.set(record.seq, record);
      pending.set(
        boot,
        [...bySeq.values()].sort((a, b) => a.seq - b.seq),
      );
    }
    await this.removeUnusedResolvedFiles();
    return pending;
  }

  /** The records of a segment's text that are not resolved, and the last sequence number in it. */
  private unresolvedLines(boot: number, text: string): { records: TUplinkRecord[]; lastSeq: number } {
    const ranges = this.resolved.get(boot) ?? [];
    const records: TUplinkRecord[] = [];
    let lastSeq = -1;
    for (const line of text.split('\n')) {
      const record = parseLine<TUplinkRecord>(line);
      if (record === undefined || typeof record !== 'object' || typeof record.seq !== 'number') continue;
      lastSeq = Math.max(lastSeq, record.seq);
      if (!covered(ranges, record.seq)) records.push(record);
    }
    return { records, lastSeq };
  }

  /** Writes a record durably (this boot). Resolves once it is on disk. */
  append(record: TUplinkRecord): Promise<void> {
    const run = this.writing.then(() => this.appendNow(record));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async appendNow(record: TUplinkRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const active = this.active;
    if (
      !active ||
      active.broken ||
      active.count >= this.segmentRecords ||
      active.segment.bytes >= this.segmentMaxBytes
    ) {
      await this.rotate(record.seq);
    }
    const current = this.active!;
    try {
      await current.handle.write(line);
      await current.handle.datasync();
    } catch (error) {
      // Part of the line may be in the file: the next record goes to a new one.
      current.broken = true;
      throw error;
    }
    current.count++;
    current.segment.bytes += Buffer.byteLength(line);
    current.segment.lastSeq = record.seq;
    await this.enforceCap();
  }

  private async rotate(firstSeq: number): Promise<void> {
    if (this.active) {
      await this.active.handle.close().catch(() => undefined);
      this.active = undefined;
      await this.collect();
    }
    const file = path.join(this.dir, `${this.boot}-${firstSeq}.ndjson`);
    const handle = await openForAppend(file);
    const segment: Segment = { boot: this.boot, firstSeq, lastSeq: firstSeq - 1, file, bytes: 0 };
    this.segments.push(segment);
    this.active = { segment, handle, count: 0, broken: false };
    // The new file's name must survive a power cut as well as its lines.
    await syncDirectory(this.dir);
  }

  /** Records from..to of `boot` will never be sent again (acknowledged, or refused for good). */
  resolve(boot: number, from: number, to: number): Promise<void> {
    const run = this.writing.then(async () => {
      this.resolved.set(boot, addRange(this.resolved.get(boot) ?? [], from, to));
      let handle = this.resolvedHandles.get(boot);
      if (!handle) {
        handle = await openForAppend(path.join(this.dir, `${boot}.resolved`));
        this.resolvedHandles.set(boot, handle);
      }
      await handle.write(`${JSON.stringify([from, to])}\n`);
      await handle.datasync();
      await this.collect();
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** The unresolved records of `boot` now on disk, in sequence order (after the writes under way). */
  pendingRecords(boot: number): Promise<TUplinkRecord[]> {
    const run = this.writing.then(async () => {
      const records: TUplinkRecord[] = [];
      for (const segment of this.segments.filter((s) => s.boot === boot)) {
        const text = await readFile(segment.file, 'utf8').catch(() => '');
        records.push(...this.unresolvedLines(boot, text).records);
      }
      return records;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** What the size cap dropped since the last call (records of this boot and earlier ones). */
  takeDropped(): DroppedRecords[] {
    const dropped = this.dropped;
    this.dropped = [];
    return dropped;
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

  /** Over the cap: deletes the oldest segments (never the one being written) and notes what they held. */
  private async enforceCap(): Promise<void> {
    let total = this.sizeBytes;
    if (total <= this.maxBytes) return;
    for (;;) {
      const oldest = this.segments.find((s) => s !== this.active?.segment);
      if (!oldest || total <= this.maxBytes) break;
      await unlink(oldest.file).catch(() => undefined);
      this.segments.splice(this.segments.indexOf(oldest), 1);
      total -= oldest.bytes;
      const records = this.unresolvedCount(oldest);
      if (records > 0) {
        this.dropped.push({ boot: oldest.boot, fromSeq: oldest.firstSeq, toSeq: oldest.lastSeq, records });
      }
    }
    await this.removeUnusedResolvedFiles();
  }

  private unresolvedCount(segment: Segment): number {
    let count = Math.max(0, segment.lastSeq - segment.firstSeq + 1);
    for (const [a, b] of this.resolved.get(segment.boot) ?? []) {
      count -= Math.max(0, Math.min(b, segment.lastSeq) - Math.max(a, segment.firstSeq) + 1);
    }
    return count;
  }

  private async removeUnusedResolvedFiles(): Promise<void> {
    for (const boot of [...this.resolved.keys()]) {
      if (boot === this.boot || this.segments.some((s) => s.boot === boot)) continue;
      await this.resolvedHandles
        .get(boot)
        ?.close()
        .catch(() => undefined);
      this.resolvedHandles.delete(boot);
      this.resolved.delete(boot);
      await unlink(path.join(this.dir, `${boot}.resolved`)).catch(() => undefined);
    }
  }

  /** Segment files on disk (for tests and the status line). */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** Bytes the record files take. */
  get sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
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

/**
 * Opens a file to append lines to. When it already ends in the middle of a line (the power went
 * while writing it), a line end goes first: a line written now must not be glued to the torn one.
 */
async function openForAppend(file: string): Promise<FileHandle> {
  const handle = await open(file, 'a+');
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await handle.write('\n');
    }
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** Makes a file's creation, renaming or removal in `dir` durable (its entry is in the directory). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems cannot sync a directory; the records themselves are synced either way.
  } finally {
    await handle?.close().catch(() => undefined);
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
  await syncDirectory(path.dirname(file));
}

/**
 * One process at a time owns a PGlite data folder (PGlite has no locking of its own, and two
 * processes writing one folder would corrupt it). The owner writes `server.lock` (mode 0600):
 * its pid, and when it is a server, the URL and operator token the CLI uses to go through it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const LOCK_FILE = 'server.lock';

export interface LockInfo {
  readonly pid: number;
  /** Unique per process start, so a client can tell this server from one that reused the pid. */
  readonly instance: string;
  readonly role: 'server' | 'cli';
  readonly command: string;
  readonly started_at: string;
  /** Set by a server once it listens. */
  readonly http_url?: string;
  readonly admin_token?: string;
}

export class DataDirBusyError extends Error {
  readonly holder: LockInfo;
  constructor(dataDir: string, holder: LockInfo) {
    super(
      `The data folder ${dataDir} is in use by process ${holder.pid} (${holder.command}, since ${holder.started_at}). ` +
        `Stop it, or if no SmartCharge process is running, delete ${path.join(dataDir, LOCK_FILE)}.`,
    );
    this.name = 'DataDirBusyError';
    this.holder = holder;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readInfo(file: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockInfo;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A half-written file from a process killed while writing it: treat as stale.
    return { pid: -1, instance: '', role: 'cli', command: 'unknown', started_at: 'unknown' };
  }
}

/** The live holder of the folder's lock, if any. */
export async function findLockHolder(dataDir: string): Promise<LockInfo | undefined> {
  const info = await readInfo(path.join(dataDir, LOCK_FILE));
  return info && info.pid > 0 && isAlive(info.pid) ? info : undefined;
}

export class DataDirLock {
  private constructor(
    private readonly file: string,
    private info: LockInfo,
  ) {}

  get instance(): string {
    return this.info.instance;
  }

  static async acquire(dataDir: string, role: LockInfo['role'], command: string): Promise<DataDirLock> {
    await mkdir(dataDir, { recursive: true });
    const file = path.join(dataDir, LOCK_FILE);
    const info: LockInfo = {
      pid: process.pid,
      instance: randomUUID(),
      role,
      command,
      started_at: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(file, 'wx', 0o600);
        await handle.writeFile(JSON.stringify(info));
        await handle.close();
        return new DataDirLock(file, info);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readInfo(file);
      if (holder && holder.pid > 0 && isAlive(holder.pid)) throw new DataDirBusyError(dataDir, holder);
      // Stale: move it aside atomically, then check we moved the stale file and not a fresh one.
      const aside = `${file}.stale-${process.pid}-${Date.now()}`;
      try {
        await rename(file, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const moved = await readInfo(aside);
      if (moved && holder && moved.instance !== holder.instance && moved.pid > 0 && isAlive(moved.pid)) {
        await rename(aside, file).catch(() => {});
        throw new DataDirBusyError(dataDir, moved);
      }
      await unlink(aside).catch(() => {});
    }
    throw new Error(`Could not take the lock on ${dataDir}: it keeps changing hands. Try again.`);
  }

  /** Adds what a server publishes once it is listening (URL, operator token). */
  async publish(extra: Pick<LockInfo, 'http_url' | 'admin_token'>): Promise<void> {
    this.info = { ...this.info, ...extra };
    await writeFile(this.file, JSON.stringify(this.info), { mode: 0o600 });
  }

  async release(): Promise<void> {
    const current = await readInfo(this.file);
    if (current?.instance === this.info.instance) await unlink(this.file).catch(() => {});
  }
}

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirBusyError, DataDirLock, findLockHolder, LOCK_FILE, type LockInfo } from './data-dir-lock.js';

let dataDir: string;
let lockFile: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'smartcharge-lock-'));
  lockFile = path.join(dataDir, LOCK_FILE);
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function lockInfo(): Promise<LockInfo> {
  return JSON.parse(await readFile(lockFile, 'utf8')) as LockInfo;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** The pid of a process that has run and exited: no process holds it now (barring reuse). */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  expect(child.pid).toBeTypeOf('number');
  return child.pid!;
}

function staleInfo(pid: number): LockInfo {
  return { pid, instance: 'old-instance', role: 'server', command: 'serve', started_at: '2020-01-01T00:00:00.000Z' };
}

describe('DataDirLock', () => {
  it('creates server.lock, readable only by its owner, naming this process', async () => {
    const lock = await DataDirLock.acquire(dataDir, 'server', 'serve');
    const { mode } = await stat(lockFile);
    expect(mode & 0o777).toBe(0o600);
    const info = await lockInfo();
    expect(info).toMatchObject({ pid: process.pid, role: 'server', command: 'serve', instance: lock.instance });
    expect(Number.isNaN(Date.parse(info.started_at))).toBe(false);
    expect(info.http_url).toBeUndefined();
    await lock.release();
  });

  it('creates the data folder when it does not exist yet', async () => {
    const nested = path.join(dataDir, 'a', 'b');
    const lock = await DataDirLock.acquire(nested, 'cli', 'migrate');
    expect(await exists(path.join(nested, LOCK_FILE))).toBe(true);
    await lock.release();
  });

  it('gives each acquisition its own instance id', async () => {
    const first = await DataDirLock.acquire(dataDir, 'cli', 'one');
    await first.release();
    const second = await DataDirLock.acquire(dataDir, 'cli', 'two');
    expect(second.instance).not.toBe(first.instance);
    await second.release();
  });

  it('refuses a second acquisition while the lock is held, naming the holder', async () => {
    const lock = await DataDirLock.acquire(dataDir, 'server', 'serve');
    const attempt = DataDirLock.acquire(dataDir, 'cli', 'devices list');
    await expect(attempt).rejects.toBeInstanceOf(DataDirBusyError);
    const error = (await attempt.catch((e: unknown) => e)) as DataDirBusyError;
    expect(error.holder).toMatchObject({ pid: process.pid, instance: lock.instance, command: 'serve' });
    expect(error.message).toContain(`in use by process ${process.pid} (serve, since `);
    expect(error.message).toContain(lockFile);
    // The holder's file is left as it was.
    expect((await lockInfo()).instance).toBe(lock.instance);
    await lock.release();
  });

  it('takes over a lock left by a process that has exited', async () => {
    const pid = await exitedPid();
    await writeFile(lockFile, JSON.stringify(staleInfo(pid)), { mode: 0o600 });
    const lock = await DataDirLock.acquire(dataDir, 'server', 'serve');
    const info = await lockInfo();
    expect(info.pid).toBe(process.pid);
    expect(info.instance).toBe(lock.instance);
    await lock.release();
  });

  it('takes over a half-written lock file', async () => {
    await writeFile(lockFile, '{"pid": 12', { mode: 0o600 });
    const lock = await DataDirLock.acquire(dataDir, 'cli', 'migrate');
    expect((await lockInfo()).instance).toBe(lock.instance);
    await lock.release();
  });

  it('publishes the URL and operator token into the lock file, keeping it private', async () => {
    const lock = await DataDirLock.acquire(dataDir, 'server', 'serve');
    await lock.publish({ http_url: 'http://127.0.0.1:8080', admin_token: 'token-0123456789-abcdefghij' });
    const info = await lockInfo();
    expect(info).toMatchObject({
      pid: process.pid,
      instance: lock.instance,
      role: 'server',
      command: 'serve',
      http_url: 'http://127.0.0.1:8080',
      admin_token: 'token-0123456789-abcdefghij',
    });
    expect((await stat(lockFile)).mode & 0o777).toBe(0o600);
    await lock.release();
  });

  it('removes the lock file on release, so the folder can be taken again', async () => {
    const lock = await DataDirLock.acquire(dataDir, 'server', 'serve');
    await lock.release();
    expect(await exists(lockFile)).toBe(false);
    const again = await DataDirLock.acquire(dataDir, 'cli', 'migrate');
    await again.release();
  });

  it('does not remove a lock file that another instance has taken over since', async () => {
    const lock = await DataDirLock.acquire(dataDir, 'server', 'serve');
    const other = { ...staleInfo(process.pid), instance: 'someone-else' };
    await writeFile(lockFile, JSON.stringify(other));
    await lock.release();
    expect(await lockInfo()).toEqual(other);
  });
});

describe('findLockHolder', () => {
  it('returns the live holder, with what it published', async () => {
    const lock = await DataDirLock.acquire(dataDir, 'server', 'serve');
    await lock.publish({ http_url: 'http://127.0.0.1:8080', admin_token: 'token-0123456789-abcdefghij' });
    expect(await findLockHolder(dataDir)).toMatchObject({
      pid: process.pid,
      instance: lock.instance,
      http_url: 'http://127.0.0.1:8080',
    });
    await lock.release();
    expect(await findLockHolder(dataDir)).toBeUndefined();
  });

  it('returns undefined when there is no lock file or no data folder', async () => {
    expect(await findLockHolder(dataDir)).toBeUndefined();
    expect(await findLockHolder(path.join(dataDir, 'missing'))).toBeUndefined();
  });

  it('returns undefined when the holder has exited or the file is unreadable', async () => {
    await writeFile(lockFile, JSON.stringify(staleInfo(await exitedPid())));
    expect(await findLockHolder(dataDir)).toBeUndefined();
    await writeFile(lockFile, 'not json');
    expect(await findLockHolder(dataDir)).toBeUndefined();
  });
});

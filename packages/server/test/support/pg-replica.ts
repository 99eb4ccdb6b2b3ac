/**
 * A PostgreSQL primary and a streaming standby of it, made for one test: initdb in a temp folder,
 * pg_basebackup -R for the standby, both on free loopback ports, both removed by cleanup(). For
 * tests of reading from a replica (replay paused, standby stopped, killed, restarted) and for the
 * cluster test. PostgreSQL refuses to run as root, so as root every server command runs as the
 * postgres user (runuser), in folders that user owns.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './processes.js';

const COMMAND_TIMEOUT_MS = 60_000;
const WAIT_MS = 30_000;

/** The PostgreSQL server binaries: PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout). */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => path.join(root, version, 'bin')));
  }
  const found = candidates.find((dir) =>
    ['initdb', 'pg_ctl', 'pg_basebackup'].every((b) => existsSync(path.join(dir, b))),
  );
  if (!found) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found in ${candidates.join(', ') || root}: install the postgresql package (Debian) or set PG_BIN to their folder.`,
    );
  }
  return found;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
  /** The command prefix: runuser as root, nothing otherwise. */
  readonly prefix: readonly string[];
}

function runCommand(file: string, args: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

async function runAs(): Promise<RunAs> {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? -1, prefix: [] };
  if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) {
    throw new Error('Running as root: PostgreSQL needs runuser (util-linux) to run as the postgres user.');
  }
  let ids: string[];
  try {
    ids = [await runCommand('id', ['-u', 'postgres']), await runCommand('id', ['-g', 'postgres'])];
  } catch {
    throw new Error(
      'Running as root: PostgreSQL must run as the postgres user, and there is none (install postgresql).',
    );
  }
  return { uid: Number(ids[0]?.trim()), gid: Number(ids[1]?.trim()), prefix: ['runuser', '-u', 'postgres', '--'] };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function queryOnce<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface PgServer {
  readonly port: number;
  readonly dataDir: string;
  /** A connection URL to `database` (default postgres) as the postgres superuser. */
  url(database?: string): string;
  /** Starts it (after stop/kill) and waits until it accepts connections. */
  start(): Promise<void>;
  /** pg_ctl stop: 'fast' is a clean shutdown, 'immediate' a crash-like one. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** SIGKILL to the postmaster, as a machine failing would; start() brings it back. */
  kill(): Promise<void>;
  /** The server's log, for a failing test's message. */
  log(): Promise<string>;
}

export interface PgReplicaPair {
  readonly primary: PgServer;
  readonly standby: PgServer;
  /** Creates a database on the primary and waits until the standby has it; returns both URLs. */
  createDatabase(name: string): Promise<{ primaryUrl: string; standbyUrl: string }>;
  /** Waits until the standby has replayed everything the primary has written so far. */
  waitForReplay(): Promise<void>;
  /** pg_wal_replay_pause() on the standby; returns once replay has stopped. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the standby streams from the primary (pg_stat_replication). */
  waitForStreaming(): Promise<void>;
  /** Stops both servers and removes their folders. */
  cleanup(): Promise<void>;
}

function server(bin: string, user: RunAs, dataDir: string, socketDir: string, port: number): PgServer {
  const logFile = path.join(dataDir, '..', `${path.basename(dataDir)}.log`);
  const pgCtl = (args: readonly string[]) => {
    const [file, ...rest] = [...user.prefix, path.join(bin, 'pg_ctl'), ...args];
    return runCommand(file ?? 'pg_ctl', rest);
  };
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const self: PgServer = {
    port,
    dataDir,
    url,
    async start() {
      await pgCtl(['start', '-w', '-t', '60', '-D', dataDir, '-l', logFile, '-o', `-p ${port} -k ${socketDir}`]);
      await until(`PostgreSQL on port ${port} accepting connections`, async () =>
        (await queryOnce(url(), 'SELECT 1')) ? true : undefined,
      );
    },
    async stop(mode = 'fast') {
      if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return;
      await pgCtl(['stop', '-w', '-t', '60', '-m', mode, '-D', dataDir]);
    },
    async kill() {
      const pidFile = path.join(dataDir, 'postmaster.pid');
      if (!existsSync(pidFile)) return;
      const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
      if (!Number.isInteger(pid) || pid <= 0) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return; // already gone
      }
      // The postmaster is gone once signal 0 fails; its backends notice and exit on their own.
      await until(`postmaster ${pid} gone`, async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      });
    },
    async log() {
      return existsSync(logFile) ? readFile(logFile, 'utf8') : '';
    },
  };
  return self;
}

/**
 * Starts a primary (wal_level=replica, replication allowed from 127.0.0.1 without a password) and a
 * standby streaming from it, and waits until it streams.
 */
export async function startPgReplicaPair(): Promise<PgReplicaPair> {
  const bin = postgresBinDir();
  const user = await runAs();
  const root = await mkdtemp(path.join(tmpdir(), 'smartcharge-pg-replica-'));
  if (user.prefix.length > 0) await chown(root, user.uid, user.gid);
  const as = (file: string, args: readonly string[]) => {
    const [head, ...rest] = [...user.prefix, path.join(bin, file), ...args];
    return runCommand(head ?? file, rest);
  };
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primary = server(bin, user, path.join(root, 'primary'), root, primaryPort);
  const standby = server(bin, user, path.join(root, 'standby'), root, standbyPort);
  const stopAll = async () => {
    for (const s of [standby, primary]) await s.stop('immediate').catch(() => {});
    await rm(root, { recursive: true, force: true });
  };
  try {
    await as('initdb', ['-D', primary.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '-N']);
    // Small and quick: a test machine has little memory and two cores; fsync only matters if the machine fails.
    await appendFile(
      path.join(primary.dataDir, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        'wal_level = replica',
        'max_wal_senders = 5',
        'wal_keep_size = 256MB',
        'hot_standby = on',
        'max_connections = 60',
        'shared_buffers = 32MB',
        'fsync = off',
        'full_page_writes = off',
        'wal_receiver_status_interval = 1s',
        '',
      ].join('\n'),
    );
    await appendFile(
      path.join(primary.dataDir, 'pg_hba.conf'),
      '\nhost replication all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n',
    );
    await primary.start();
    await as('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      standby.dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    await standby.start();
  } catch (error) {
    const logs = `${await primary.log()}${await standby.log()}`;
    await stopAll();
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }

  const standbyLsn = async (database = 'postgres') =>
    (await queryOnce<{ lsn: string }>(standby.url(database), 'SELECT pg_last_wal_replay_lsn()::text AS lsn'))[0]?.lsn;
  const pair: PgReplicaPair = {
    primary,
    standby,
    async waitForStreaming() {
      await until('the standby streaming from the primary', async () => {
        const rows = await queryOnce<{ n: number }>(
          primary.url(),
          `SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`,
        );
        return (rows[0]?.n ?? 0) > 0 ? true : undefined;
      });
    },
    async waitForReplay() {
      const target = (await queryOnce<{ lsn: string }>(primary.url(), 'SELECT pg_current_wal_lsn()::text AS lsn'))[0]
        ?.lsn;
      await until(`the standby replaying up to ${target}`, async () => {
        const rows = await queryOnce<{ ok: boolean }>(
          standby.url(),
          `SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn AS ok`,
        );
        return rows[0]?.ok ? true : undefined;
      });
    },
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: use lower-case letters, digits, _`);
      await queryOnce(primary.url(), `CREATE DATABASE ${name}`);
      await pair.waitForReplay();
      await until(`database ${name} on the standby`, async () => ((await standbyLsn(name)) ? true : undefined));
      return { primaryUrl: primary.url(name), standbyUrl: standby.url(name) };
    },
    async pauseReplay() {
      await queryOnce(standby.url(), 'SELECT pg_wal_replay_pause()');
      await until('replay paused on the standby', async () => {
        const rows = await queryOnce<{ state: string }>(
          standby.url(),
          'SELECT pg_get_wal_replay_pause_state() AS state',
        );
        return rows[0]?.state === 'paused' ? true : undefined;
      });
    },
    async resumeReplay() {
      await queryOnce(standby.url(), 'SELECT pg_wal_replay_resume()');
    },
    cleanup: stopAll,
  };
  try {
    await pair.waitForStreaming();
  } catch (error) {
    await stopAll();
    throw error;
  }
  return pair;
}

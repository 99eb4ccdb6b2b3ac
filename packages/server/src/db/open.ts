/**
 * Opens the database the settings point at: PostgreSQL when DATABASE_URL is set, otherwise the
 * embedded PGlite in the data folder (taking the folder's lock first).
 */
import path from 'node:path';
import type { Config } from '../config.js';
import type { Database } from './database.js';
import { DataDirLock, type LockInfo } from './data-dir-lock.js';
import { openPGlite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenedDatabase {
  readonly db: Database;
  /** Held while the embedded database is open; undefined for PostgreSQL. */
  readonly lock: DataDirLock | undefined;
  close(): Promise<void>;
}

export function pgliteDir(dataDir: string): string {
  return path.join(dataDir, 'pglite');
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  holder: { role: LockInfo['role']; command: string },
): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    const db = await openPostgres(config.databaseUrl);
    return { db, lock: undefined, close: () => db.close() };
  }
  const lock = await DataDirLock.acquire(config.dataDir, holder.role, holder.command);
  let db: Database;
  try {
    db = await openPGlite(pgliteDir(config.dataDir));
  } catch (error) {
    await lock.release();
    throw error;
  }
  return {
    db,
    lock,
    async close() {
      try {
        await db.close();
      } finally {
        await lock.release();
      }
    },
  };
}

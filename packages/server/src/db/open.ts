/**
 * Opens the database the settings point at: PostgreSQL when DATABASE_URL is set (reading off the
 * primary when the server has DATABASE_READ_URL too), otherwise the embedded PGlite in the data
 * folder (taking the folder's lock first).
 */
import path from 'node:path';
import { redactUrl, type Config } from '../config.js';
import type { Database } from './database.js';
import { DataDirLock, type LockInfo } from './data-dir-lock.js';
import { openPGlite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { openReadRouting } from './read-routing.js';

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
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'databaseReadUrl' | 'databaseReadMaxLagS'>>,
  holder: { role: LockInfo['role']; command: string },
): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    const primary = await openPostgres(config.databaseUrl);
    // Only a server reads off the primary: its people's requests are what a replica is for.
    const readUrl = holder.role === 'server' ? config.databaseReadUrl : undefined;
    if (!readUrl) return { db: primary, lock: undefined, close: () => primary.close() };
    let db: Database;
    try {
      db = await openReadRouting({
        primary,
        connectReplica: () => openPostgres(readUrl, { applicationName: 'smartcharge-reader' }),
        replicaUrl: redactUrl(readUrl),
        maxLagS: config.databaseReadMaxLagS ?? 10,
      });
    } catch (error) {
      await primary.close();
      throw error;
    }
    return { db, lock: undefined, close: () => db.close() };
  }
  if (config.databaseReadUrl) {
    throw new Error(
      'DATABASE_READ_URL is a replica of a PostgreSQL primary: set DATABASE_URL to the primary too (the embedded database has no replicas).',
    );
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

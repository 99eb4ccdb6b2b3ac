/**
 * Numbered SQL migrations (packages/server/migrations/NNNN_name.sql), applied in order, each once,
 * each in its own transaction, identically on PGlite and PostgreSQL. A migration that has landed
 * must never change: its checksum is recorded and checked on every start.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

/** Same folder from src/db (tests) and dist/db (built). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Serialises migrators across processes (PostgreSQL advisory lock key). */
const MIGRATION_LOCK_KEY = 727_001;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new Error(`Migration file ${file} is not named NNNN_name.sql (lower case, digits, underscores)`);
    const sql = await readFile(path.join(dir, file), 'utf8');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new Error(`Two migrations are numbered ${match[1]}`);
    migrations.push({ version, name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

export async function migrate(db: Database, options: { dir?: string } = {}): Promise<MigrationReport> {
  const migrations = await loadMigrations(options.dir);
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const known = new Set(migrations.map((m) => m.version));
  const { rows: recorded } = await db.query<{ version: number; name: string }>(
    'SELECT version, name FROM schema_migration ORDER BY version',
  );
  const unknown = recorded.filter((row) => !known.has(row.version));
  if (unknown.length > 0) {
    throw new Error(
      `This database has migrations this version of SmartCharge does not know (${unknown.map((r) => r.name).join(', ')}): ` +
        'it was used by a newer version. Run that version, or restore a backup from before it.',
    );
  }
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const { rows } = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migration WHERE version = $1',
        [migration.version],
      );
      const existing = rows[0];
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          throw new Error(
            `Migration ${migration.name} was changed after it was applied to this database. ` +
              'Restore the file as it was and put the change in a new migration.',
          );
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    (done ? applied : alreadyApplied).push(migration.name);
  }
  return { applied, alreadyApplied };
}

/**
 * Every database test runs twice: on PGlite (from the migrated template, in memory) and on a
 * real PostgreSQL server (a fresh database per suite, dropped afterwards). When no server
 * answers outside CI, the PostgreSQL variant is skipped (global-setup printed why).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { openPGlite } from '../../src/db/pglite.js';
import { openPostgres } from '../../src/db/postgres.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** Connection URL for PostgreSQL; undefined for PGlite. */
  readonly url: string | undefined;
  readonly db: Database;
}

export async function openTemplatePGlite(): Promise<Database> {
  const blob = new Blob([await readFile(inject('pgliteTemplate'))]);
  return openPGlite(undefined, { loadDataDir: blob });
}

/** A new, empty PostgreSQL database (not migrated) on the test server; drop() removes it. */
export async function createPostgresDatabase(): Promise<ScratchDatabase> {
  const adminUrl = inject('postgresUrl');
  if (!adminUrl) throw new Error('no PostgreSQL server for tests');
  return createScratchDatabase(adminUrl, 'sc_test');
}

export function postgresAvailable(): boolean {
  return inject('postgresUrl') !== null;
}

/**
 * Declares the suite once per database kind, named "name [kind]". The PostgreSQL one is skipped
 * only when no server answers outside CI (global-setup fails the run under CI=true instead).
 */
export function describeEachKind(
  name: string,
  body: (kind: DatabaseKind) => void,
  kinds: readonly DatabaseKind[] = ['pglite', 'postgres'],
): void {
  for (const kind of kinds) {
    const run = kind === 'postgres' && !postgresAvailable() ? describe.skip : describe;
    run(`${name} [${kind}]`, () => body(kind));
  }
}

/**
 * Declares the suite once per database. `setup()` returns the suite's database, opened and
 * migrated in beforeAll and closed (and dropped) in afterAll.
 */
export function describeEachDatabase(name: string, body: (setup: () => TestDatabase) => void): void {
  describeEachKind(name, (kind) => {
    let current: TestDatabase | undefined;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      if (kind === 'pglite') {
        current = { kind, url: undefined, db: await openTemplatePGlite() };
      } else {
        const created = await createPostgresDatabase();
        drop = created.drop;
        const db = await openPostgres(created.url);
        await migrate(db);
        current = { kind, url: created.url, db };
      }
    });
    afterAll(async () => {
      await current?.db.close();
      await drop?.();
    });
    body(() => {
      if (!current) throw new Error('the database is opened in beforeAll');
      return current;
    });
  });
}

/**
 * Embedded PostgreSQL (PGlite: PostgreSQL compiled to WebAssembly, in this process).
 * One process may open a data folder at a time; data-dir-lock.ts enforces that.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult, Row } from './database.js';

function wrap(target: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<R extends Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await target.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(text: string): Promise<void> {
      await target.exec(text);
    },
  };
}

export interface PGliteDatabase extends Database {
  readonly kind: 'pglite';
  /** A tarball of the data folder, to start other databases from (the test suite's migrated template). */
  dumpDataDir(): Promise<Blob>;
}

/**
 * Opens (creating if needed) a PGlite database in `dataDir`, or in memory when it is undefined;
 * `loadDataDir` starts it from a tarball made by dumpDataDir().
 */
export async function openPGlite(
  dataDir: string | undefined,
  options: { loadDataDir?: Blob } = {},
): Promise<PGliteDatabase> {
  // One options object: PGlite ignores a second argument when the data folder is undefined.
  const pg = new PGlite({
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  await pg.waitReady;
  const base = wrap(pg);
  return {
    kind: 'pglite',
    description: dataDir === undefined ? 'PGlite (in memory)' : `PGlite at ${dataDir}`,
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    close: () => pg.close(),
    dumpDataDir: () => pg.dumpDataDir('none'),
  };
}

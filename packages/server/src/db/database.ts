/**
 * The database seam: one small interface, two implementations (embedded PGlite and a
 * PostgreSQL server through node-postgres). Repositories take a `Queryable`, so the same
 * query runs inside or outside a transaction, on either database.
 *
 * Both implementations return int8 as a JS number (ids and counts stay below 2^53),
 * timestamptz as Date, bytea as Uint8Array, numeric and ranges as text.
 */

export type Row = Record<string, unknown>;

export interface QueryResult<R extends Row = Row> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface Queryable {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs one or more statements without parameters (migrations, DDL). */
  exec(text: string): Promise<void>;
}

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** Where the data lives, safe to print (no password). */
  readonly description: string;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for each notification on `channel` (PostgreSQL's LISTEN, on a connection of
   * its own, re-opened if it drops — and `onNotify` called then, since notices may have been
   * missed). Absent on PGlite, where every writer is in this process. Resolves to the unlisten.
   */
  listen?(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

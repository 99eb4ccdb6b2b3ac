/**
 * A PostgreSQL server through a node-postgres pool. Types are parsed to match PGlite
 * (int8 → number), so repositories see the same values on both databases.
 */
import pg from 'pg';
import { redactUrl } from '../config.js';
import type { Database, Queryable, QueryResult, Row } from './database.js';

const INT8_OID = 20;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} is beyond JavaScript's safe integers`);
  return value;
}

type Parser = (value: string) => unknown;
const builtinParser = pg.types.getTypeParser.bind(pg.types) as (oid: number, format?: 'text' | 'binary') => Parser;

const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): Parser =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : builtinParser(oid, format),
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R extends Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await client.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(text: string): Promise<void> {
      await client.query(text);
    },
  };
}

export interface PostgresOptions {
  /** Most connections the pool opens (default 10). */
  readonly maxConnections?: number;
  readonly applicationName?: string;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    types,
    application_name: options.applicationName ?? 'smartcharge',
    // No JIT compilation: our queries are short reads and writes, for which compiling took longer
    // than running (about 170 ms added to a grid view over a year of 1,000 vehicles).
    options: '-c jit=off',
  });
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Fail at start-up, with the URL named, rather than on the first request.
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end();
    throw new Error(`Cannot connect to PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  const base = wrap(pool);
  return {
    kind: 'postgres',
    description: `PostgreSQL at ${redactUrl(url)}`,
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is unusable: let the pool discard it
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    listen: (channel, onNotify) => listenOn(pool, channel, onNotify),
    close: () => pool.end(),
  };
}

/** LISTEN on a connection taken from the pool for as long as it listens; re-opened when it drops. */
async function listenOn(pool: pg.Pool, channel: string, onNotify: () => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let stopped = false;
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  const again = () => {
    if (stopped) return;
    retry = setTimeout(() => void connect(), 1000);
    retry.unref();
  };
  const connect = async (): Promise<void> => {
    let taken: pg.PoolClient | undefined;
    try {
      taken = await pool.connect();
      const c = taken;
      c.on('notification', (message) => {
        if (message.channel === channel) onNotify();
      });
      c.on('error', () => {
        if (client === c) client = undefined;
        c.release(true);
        onNotify(); // notices may have been missed while it was down
        again();
      });
      await c.query(`LISTEN ${channel}`);
      if (stopped) {
        c.release(true);
        return;
      }
      client = c;
    } catch {
      taken?.release(true);
      again();
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const c = client;
    client = undefined;
    if (!c) return;
    try {
      await c.query(`UNLISTEN ${channel}`);
      c.release();
    } catch {
      c.release(true);
    }
  };
}

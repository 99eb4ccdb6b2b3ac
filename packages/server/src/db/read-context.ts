/**
 * Which reads may go to a replica: a request context (AsyncLocalStorage) set by the HTTP layer for
 * the GET and HEAD requests of people, and the pure rules the routing database applies to each
 * statement. Outside such a context (uplinks, jobs, derivation, the CLI) nothing reads from a
 * replica, so code that reads then writes never acts on stale rows.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ReadContext {
  /** Plain reads may go to the replica (a person's GET or HEAD). */
  readonly replicaAllowed: boolean;
  /** The client's last write (its cookie): the replica serves it only once it has replayed this far. */
  readonly minLsn: bigint | undefined;
  /** This request changed something on the primary: its later reads go there too, and the answer carries the position. */
  wrote: boolean;
  /** Cleared once the request is answered: work it left running never reads from the replica. */
  open: boolean;
}

const contexts = new AsyncLocalStorage<ReadContext>();

export function runInReadContext<T>(context: ReadContext, fn: () => T): T {
  return contexts.run(context, fn);
}

export function currentReadContext(): ReadContext | undefined {
  return contexts.getStore();
}

/** Runs `fn` with every statement on the primary, whatever request started it (e.g. work that reads, then writes). */
export function onPrimaryOnly<T>(fn: () => T): T {
  return contexts.exit(fn);
}

/** A WAL position as PostgreSQL prints it ("16/B374D848"), as a number; undefined when it is not one. */
export function parseLsn(text: string | undefined | null): bigint | undefined {
  if (!text) return undefined;
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Leading comments and spaces, which a statement may start with. */
const LEADING = /^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/;

/**
 * Anything in a SELECT that writes, locks, or depends on being on the primary. Matched anywhere in
 * the text (identifiers too): a false match only sends a read to the primary, never a write to the replica.
 */
const NOT_A_PLAIN_READ =
  /\b(?:insert|update|delete|merge|truncate|copy|into|for\s+(?:no\s+key\s+)?update|for\s+(?:key\s+)?share|nextval|setval|currval|lastval|pg_advisory\w*|pg_try_advisory\w*|set_config|txid_current\w*|pg_current_xact_id\w*|pg_current_wal\w*|pg_notify|lo_\w+|dblink\w*)\b/i;

/** A statement the replica can answer exactly as the primary would, only older: SELECT, WITH … SELECT, VALUES, TABLE. */
export function isPlainRead(sql: string): boolean {
  const body = sql.replace(LEADING, '');
  if (!/^(?:select|with|values|table)\b/i.test(body)) return false;
  // Several statements in one text (exec-style) are not a plain read.
  if (/;\s*\S/.test(body)) return false;
  return !NOT_A_PLAIN_READ.test(body);
}

/**
 * Whether a statement run on the primary changed what later reads see: INSERT, UPDATE, DELETE or MERGE
 * that touched rows. A data-modifying CTE inside a SELECT (the session touch in a GET) is a read with
 * a side effect: it ran on the primary, what it reads is current, and it does not divert the request.
 */
export function changedRows(sql: string, rowCount: number): boolean {
  const body = sql.replace(LEADING, '');
  if (/^(?:insert|update|delete|merge)\b/i.test(body)) return rowCount > 0;
  if (/^(?:select|with|values|table|show|explain)\b/i.test(body)) return false;
  // DDL, SET, CALL, COPY … : assume it changed something.
  return true;
}

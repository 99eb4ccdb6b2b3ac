import { describe, expect, it } from 'vitest';
import {
  changedRows,
  currentReadContext,
  formatLsn,
  isPlainRead,
  onPrimaryOnly,
  parseLsn,
  runInReadContext,
  type ReadContext,
} from './read-context.js';

describe('isPlainRead: what a replica may answer', () => {
  it.each([
    'SELECT 1',
    '  select id, updated_at FROM account WHERE id = $1',
    '-- the driver\n/* list */ SELECT * FROM vehicle',
    'WITH v AS (SELECT id FROM vehicle) SELECT count(*) FROM v',
    'VALUES (1), (2)',
    'TABLE program',
    'SELECT 1;',
  ])('sends %j to the replica', (sql) => {
    expect(isPlainRead(sql)).toBe(true);
  });

  it.each([
    'INSERT INTO account (email) VALUES ($1)',
    'WITH s AS (UPDATE auth_session SET last_seen_at = $2 WHERE token_hash = $1) SELECT * FROM auth_session',
    'WITH d AS (DELETE FROM job_run RETURNING *) SELECT count(*) FROM d',
    'SELECT * FROM payout WHERE id = $1 FOR UPDATE',
    'SELECT * FROM payout FOR NO KEY UPDATE SKIP LOCKED',
    'SELECT * FROM payout FOR SHARE',
    'SELECT pg_try_advisory_xact_lock(42)',
    'SELECT pg_advisory_lock(1)',
    "SELECT nextval('account_id_seq')",
    "SELECT set_config('app.x', '1', false)",
    'SELECT pg_current_wal_lsn()',
    'SELECT * INTO copy_of_account FROM account',
    'SELECT 1; DELETE FROM account',
    'UPDATE account SET name = $2 WHERE id = $1',
    'BEGIN',
    'SET statement_timeout = 0',
    'CREATE TABLE x (a int)',
  ])('keeps %j on the primary', (sql) => {
    expect(isPlainRead(sql)).toBe(false);
  });
});

describe('changedRows: whether a statement on the primary changed what later reads see', () => {
  it('counts INSERT, UPDATE, DELETE and MERGE only when they touched rows', () => {
    expect(changedRows('UPDATE account SET name = $1', 1)).toBe(true);
    expect(changedRows('  insert into x values (1)', 3)).toBe(true);
    expect(changedRows('DELETE FROM x WHERE false', 0)).toBe(false);
    expect(changedRows('MERGE INTO x USING y ON true WHEN MATCHED THEN DO NOTHING', 0)).toBe(false);
  });

  it('treats a data-modifying CTE inside a SELECT (the session touch) as a read', () => {
    expect(changedRows('WITH s AS (UPDATE auth_session SET last_seen_at = now()) SELECT 1', 1)).toBe(false);
    expect(changedRows('SELECT * FROM payout FOR UPDATE', 1)).toBe(false);
  });

  it('assumes anything else (DDL, SET, COPY) changed something', () => {
    expect(changedRows('CREATE TABLE x (a int)', 0)).toBe(true);
    expect(changedRows('TRUNCATE x', 0)).toBe(true);
  });
});

describe('WAL positions', () => {
  it('reads and prints them as PostgreSQL does, ordered as numbers', () => {
    expect(parseLsn('0/3431DC8')).toBe(0x3431dc8n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn('16/B374D848')!)).toBe('16/B374D848');
    expect(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!).toBe(true);
  });

  it('refuses anything else (a cookie is client input)', () => {
    for (const bad of ['', '0', '0/', '/1', 'x/1', '123456789/0', '0/1;', '0/1 0/2', undefined, null]) {
      expect(parseLsn(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('the read context', () => {
  const context = (): ReadContext => ({ replicaAllowed: true, minLsn: undefined, wrote: false, open: true });

  it('follows the request through awaits and timers, and not outside it', async () => {
    const ctx = context();
    expect(currentReadContext()).toBeUndefined();
    await runInReadContext(ctx, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentReadContext()).toBe(ctx);
    });
    expect(currentReadContext()).toBeUndefined();
  });

  it('is left behind by onPrimaryOnly', async () => {
    await runInReadContext(context(), async () => {
      await onPrimaryOnly(async () => {
        await Promise.resolve();
        expect(currentReadContext()).toBeUndefined();
      });
    });
  });
});

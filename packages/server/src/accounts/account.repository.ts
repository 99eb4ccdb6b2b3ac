/** SQL for accounts, sessions, password resets and sign-in attempts. */
import type { Queryable } from '../db/database.js';

export const ACCOUNT_ROLES = ['driver', 'program_admin', 'operator'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export interface AccountRow {
  readonly id: number;
  readonly email: string;
  readonly name: string;
  readonly role: AccountRole;
  readonly utility: string | null;
  readonly passwordHash: string;
  readonly disabledAt: Date | null;
  readonly createdAt: Date;
  /** Null until the person chooses. */
  readonly distanceUnit: DistanceUnit | null;
  readonly temperatureUnit: TemperatureUnit | null;
  /** What the program of the person's latest application says of its country, for default units. */
  readonly programHomeCountry: string | null;
  readonly programCurrency: string | null;
}

export const DISTANCE_UNITS = ['km', 'mi'] as const;
export type DistanceUnit = (typeof DISTANCE_UNITS)[number];
export const TEMPERATURE_UNITS = ['C', 'F'] as const;
export type TemperatureUnit = (typeof TEMPERATURE_UNITS)[number];

/** The latest application's program, for what the person sees until they choose (default units). */
const latestProgram = (account: string, column: string) =>
  `(SELECT ${column} FROM enrollment e JOIN program p ON p.id = e.program_id
     WHERE e.account_id = ${account} ORDER BY e.id DESC LIMIT 1)`;

const COLUMNS = `id, email, name, role, utility, password_hash AS "passwordHash", disabled_at AS "disabledAt",
  created_at AS "createdAt", distance_unit AS "distanceUnit", temperature_unit AS "temperatureUnit",
  ${latestProgram('account.id', "p.eligibility->>'homeCountry'")} AS "programHomeCountry",
  ${latestProgram('account.id', 'p.currency')} AS "programCurrency"`;

const A_COLUMNS = `a.id, a.email, a.name, a.role, a.utility, a.password_hash AS "passwordHash",
  a.disabled_at AS "disabledAt", a.created_at AS "createdAt", a.distance_unit AS "distanceUnit",
  a.temperature_unit AS "temperatureUnit",
  ${latestProgram('a.id', "p.eligibility->>'homeCountry'")} AS "programHomeCountry",
  ${latestProgram('a.id', 'p.currency')} AS "programCurrency"`;

type R = AccountRow & Record<string, unknown>;

export async function insertAccount(
  q: Queryable,
  a: { email: string; emailKey: string; name: string; role: AccountRole; utility: string | null; passwordHash: string },
): Promise<AccountRow | undefined> {
  // ON CONFLICT: an address already in use is not an error the caller may reveal.
  const { rows } = await q.query<R>(
    `INSERT INTO account (email, email_key, name, role, utility, password_hash) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (email_key) DO NOTHING RETURNING ${COLUMNS}`,
    [a.email, a.emailKey, a.name, a.role, a.utility, a.passwordHash],
  );
  return rows[0];
}

export async function findAccountByEmailKey(q: Queryable, emailKey: string): Promise<AccountRow | undefined> {
  const { rows } = await q.query<R>(`SELECT ${COLUMNS} FROM account WHERE email_key = $1`, [emailKey]);
  return rows[0];
}

export async function findAccountById(q: Queryable, id: number): Promise<AccountRow | undefined> {
  const { rows } = await q.query<R>(`SELECT ${COLUMNS} FROM account WHERE id = $1`, [id]);
  return rows[0];
}

export async function listAccounts(
  q: Queryable,
  filter: { role?: AccountRole; utility?: string; afterId?: number; limit: number },
): Promise<AccountRow[]> {
  const { rows } = await q.query<R>(
    `SELECT ${COLUMNS} FROM account
      WHERE ($1::text IS NULL OR role = $1) AND ($2::text IS NULL OR utility = $2) AND id > $3
      ORDER BY id LIMIT $4`,
    [filter.role ?? null, filter.utility ?? null, filter.afterId ?? 0, filter.limit],
  );
  return rows;
}

export async function updatePasswordHash(q: Queryable, id: number, passwordHash: string): Promise<void> {
  await q.query(`UPDATE account SET password_hash = $2, updated_at = now() WHERE id = $1`, [id, passwordHash]);
}

/** Replaces a hash only if it is still `previous`: a rehash must not undo a password changed meanwhile. */
export async function replacePasswordHash(
  q: Queryable,
  id: number,
  previous: string,
  passwordHash: string,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE account SET password_hash = $3, updated_at = now() WHERE id = $1 AND password_hash = $2`,
    [id, previous, passwordHash],
  );
  return rowCount === 1;
}

export async function updateAccountName(q: Queryable, id: number, name: string): Promise<void> {
  await q.query(`UPDATE account SET name = $2, updated_at = now() WHERE id = $1`, [id, name]);
}

export async function setAccountDisabled(q: Queryable, id: number, at: Date | null): Promise<void> {
  await q.query(`UPDATE account SET disabled_at = $2, updated_at = now() WHERE id = $1`, [id, at]);
}

export async function insertSession(
  q: Queryable,
  s: { tokenHash: Uint8Array; accountId: number; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO auth_session (token_hash, account_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)`,
    [s.tokenHash, s.accountId, s.createdAt, s.expiresAt],
  );
}

/** The account behind a live session, touching it (at most once a minute, to spare writes). */
export async function findSessionAccount(
  q: Queryable,
  tokenHash: Uint8Array,
  now: Date,
): Promise<AccountRow | undefined> {
  const { rows } = await q.query<R>(
    `WITH s AS (
       UPDATE auth_session SET last_seen_at = $2
        WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at < $2 - interval '1 minute'
     )
     SELECT ${A_COLUMNS} FROM auth_session x JOIN account a ON a.id = x.account_id
      WHERE x.token_hash = $1 AND x.expires_at > $2 AND a.disabled_at IS NULL`,
    [tokenHash, now],
  );
  return rows[0];
}

export async function deleteSession(q: Queryable, tokenHash: Uint8Array): Promise<void> {
  await q.query(`DELETE FROM auth_session WHERE token_hash = $1`, [tokenHash]);
}

export async function deleteAccountSessions(q: Queryable, accountId: number): Promise<void> {
  await q.query(`DELETE FROM auth_session WHERE account_id = $1`, [accountId]);
}

/** Ends every session of an account but one (the one that asked; none when it is null). */
export async function deleteOtherSessions(q: Queryable, accountId: number, keep: Uint8Array | null): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM auth_session WHERE account_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)`,
    [accountId, keep],
  );
  return rowCount;
}

export async function deleteExpiredSessions(q: Queryable, now: Date): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM auth_session WHERE expires_at <= $1`, [now]);
  return rowCount;
}

export async function insertPasswordReset(
  q: Queryable,
  r: { tokenHash: Uint8Array; accountId: number; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await q.query(`INSERT INTO password_reset (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, [
    r.tokenHash,
    r.accountId,
    r.createdAt,
    r.expiresAt,
  ]);
}

/** Marks a live, unused reset token used and returns its account: a token works once. */
export async function consumePasswordReset(
  q: Queryable,
  tokenHash: Uint8Array,
  now: Date,
): Promise<number | undefined> {
  const { rows } = await q.query<{ accountId: number }>(
    `UPDATE password_reset SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
     RETURNING account_id AS "accountId"`,
    [tokenHash, now],
  );
  return rows[0]?.accountId;
}

/** Marks every unused reset (and invitation) token of an account used: after a reset, older links stop working. */
export async function expirePasswordResets(q: Queryable, accountId: number, now: Date): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE password_reset SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL`,
    [accountId, now],
  );
  return rowCount;
}

export async function countRecentResets(q: Queryable, accountId: number, since: Date): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM password_reset WHERE account_id = $1 AND created_at > $2`,
    [accountId, since],
  );
  return rows[0]!.n;
}

/**
 * Serialises the sign-in checks of one address, then of one client (in that order, always, so two
 * checks cannot wait on each other), until the caller's transaction ends: counting the failures
 * and recording the new attempt then happen as one step, and parallel guesses cannot all pass a
 * count taken before any of them was recorded. Two key spaces (1: addresses, 2: clients) keep an
 * address and a client from sharing a lock.
 */
export async function lockSignInKeys(tx: Queryable, emailKey: string, clientKey: string): Promise<void> {
  await tx.query(`SELECT count(*)::int AS n FROM (SELECT pg_advisory_xact_lock(1, hashtext($1))) AS l`, [emailKey]);
  await tx.query(`SELECT count(*)::int AS n FROM (SELECT pg_advisory_xact_lock(2, hashtext($1))) AS l`, [clientKey]);
}

/** Records a password check as failed (until `markLoginAttemptOk` says otherwise) and returns its id. */
export async function insertLoginAttempt(
  q: Queryable,
  a: { emailKey: string; ip: string; at: Date; ok: boolean },
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO login_attempt (email_key, ip, at, ok) VALUES ($1, $2, $3, $4) RETURNING id`,
    [a.emailKey, a.ip, a.at, a.ok],
  );
  return rows[0]!.id;
}

export async function markLoginAttemptOk(q: Queryable, id: number): Promise<void> {
  await q.query(`UPDATE login_attempt SET ok = true WHERE id = $1`, [id]);
}

export interface RecentFailures {
  /** Failures for this address from this client since its last success, and the oldest of them. */
  readonly byClient: number;
  readonly byClientOldest: Date | null;
  /** Failures for this address from anywhere. */
  readonly byEmail: number;
  readonly byEmailOldest: Date | null;
  /** Failures from this client for any address. */
  readonly byIp: number;
  readonly byIpOldest: Date | null;
  /** This client signed in to this address successfully since `knownSince`. */
  readonly knownClient: boolean;
}

/** Failed password checks since an instant: for the address from the client, for the address, from the client. */
export async function countRecentFailures(
  q: Queryable,
  emailKey: string,
  ip: string,
  since: Date,
  knownSince: Date,
): Promise<RecentFailures> {
  const { rows } = await q.query<RecentFailures & Record<string, unknown>>(
    `WITH recent AS (
       SELECT id, at, email_key = $1 AS same_email, ip = $2 AS same_ip FROM login_attempt
        WHERE (email_key = $1 OR ip = $2) AND at > $3 AND NOT ok
     ), last_success AS (
       SELECT coalesce(max(id), 0) AS id FROM login_attempt WHERE email_key = $1 AND ip = $2 AND ok AND at > $3
     )
     SELECT count(*) FILTER (WHERE same_email AND same_ip AND id > (SELECT id FROM last_success))::int AS "byClient",
            min(at) FILTER (WHERE same_email AND same_ip AND id > (SELECT id FROM last_success)) AS "byClientOldest",
            count(*) FILTER (WHERE same_email)::int AS "byEmail",
            min(at) FILTER (WHERE same_email) AS "byEmailOldest",
            count(*) FILTER (WHERE same_ip)::int AS "byIp",
            min(at) FILTER (WHERE same_ip) AS "byIpOldest",
            EXISTS (SELECT 1 FROM login_attempt WHERE email_key = $1 AND ip = $2 AND ok AND at > $4) AS "knownClient"
       FROM recent`,
    [emailKey, ip, since, knownSince],
  );
  return rows[0]!;
}

export async function deleteLoginAttemptsBefore(q: Queryable, before: Date): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM login_attempt WHERE at < $1`, [before]);
  return rowCount;
}

export async function updatePreferences(
  q: Queryable,
  id: number,
  prefs: { distanceUnit?: DistanceUnit; temperatureUnit?: TemperatureUnit },
): Promise<AccountRow | undefined> {
  const { rows } = await q.query<R>(
    `UPDATE account SET distance_unit = coalesce($2, distance_unit), temperature_unit = coalesce($3, temperature_unit),
            updated_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, prefs.distanceUnit ?? null, prefs.temperatureUnit ?? null],
  );
  return rows[0];
}

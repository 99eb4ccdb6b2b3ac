/** SQL for share links. */
import type { Queryable } from '../db/database.js';

export interface ShareRow {
  readonly id: number;
  readonly accountId: number;
  readonly vehicleId: number;
  readonly label: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

type R = ShareRow & Record<string, unknown>;
const COLUMNS = `id, account_id AS "accountId", vehicle_id AS "vehicleId", label, created_at AS "createdAt",
  expires_at AS "expiresAt", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"`;

export async function insertShare(
  q: Queryable,
  share: {
    tokenHash: Buffer;
    accountId: number;
    vehicleId: number;
    label: string | null;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<ShareRow> {
  const { rows } = await q.query<R>(
    `INSERT INTO share_link (token_hash, account_id, vehicle_id, label, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [share.tokenHash, share.accountId, share.vehicleId, share.label, share.createdAt, share.expiresAt],
  );
  return rows[0]!;
}

export async function listSharesOfAccount(q: Queryable, accountId: number, limit: number): Promise<ShareRow[]> {
  const { rows } = await q.query<R>(
    `SELECT ${COLUMNS} FROM share_link WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [accountId, limit],
  );
  return rows;
}

/** Revokes the account's own link (once: a revoked link keeps its first revocation time). */
export async function revokeShare(
  q: Queryable,
  id: number,
  accountId: number,
  at: Date,
): Promise<ShareRow | undefined> {
  const { rows } = await q.query<R>(
    `UPDATE share_link SET revoked_at = coalesce(revoked_at, $3) WHERE id = $1 AND account_id = $2 RETURNING ${COLUMNS}`,
    [id, accountId, at],
  );
  return rows[0];
}

/** The link behind a token, when it is still good at `at` (marks it used). */
export async function useShare(q: Queryable, tokenHash: Buffer, at: Date): Promise<ShareRow | undefined> {
  const { rows } = await q.query<R>(
    `UPDATE share_link SET last_used_at = $2
      WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING ${COLUMNS}`,
    [tokenHash, at],
  );
  return rows[0];
}

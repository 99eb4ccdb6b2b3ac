/** SQL for notifications: messages to an account, shown in the portal and mailed. */
import type { Queryable } from '../db/database.js';

export interface NotificationRow {
  readonly id: number;
  readonly accountId: number;
  readonly kind: string;
  readonly subject: string;
  readonly body: string;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  readonly readAt: Date | null;
}

const COLUMNS = `id, account_id AS "accountId", kind, subject, body, created_at AS "createdAt", sent_at AS "sentAt",
  read_at AS "readAt"`;
type R = NotificationRow & Record<string, unknown>;

/** Inserts unless a notification with the same dedupe key exists; returns it when inserted. */
export async function insertNotification(
  q: Queryable,
  n: { accountId: number; kind: string; dedupeKey: string | null; subject: string; body: string; at: Date },
): Promise<NotificationRow | undefined> {
  const { rows } = await q.query<R>(
    `INSERT INTO notification (account_id, kind, dedupe_key, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING ${COLUMNS}`,
    [n.accountId, n.kind, n.dedupeKey, n.subject, n.body, n.at],
  );
  return rows[0];
}

export async function markSent(q: Queryable, id: number, at: Date): Promise<void> {
  await q.query(`UPDATE notification SET sent_at = $2 WHERE id = $1`, [id, at]);
}

export async function markRead(q: Queryable, accountId: number, id: number, at: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE notification SET read_at = coalesce(read_at, $3) WHERE id = $2 AND account_id = $1`,
    [accountId, id, at],
  );
  return rowCount > 0;
}

export async function listNotifications(q: Queryable, accountId: number, limit: number): Promise<NotificationRow[]> {
  const { rows } = await q.query<R>(
    `SELECT ${COLUMNS} FROM notification WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [accountId, limit],
  );
  return rows;
}

/** Unsent notifications with their recipient's address (mail that failed earlier). */
export async function listUnsent(q: Queryable, limit: number): Promise<(NotificationRow & { email: string })[]> {
  const { rows } = await q.query<NotificationRow & { email: string } & Record<string, unknown>>(
    `SELECT n.id, n.account_id AS "accountId", n.kind, n.subject, n.body, n.created_at AS "createdAt",
            n.sent_at AS "sentAt", n.read_at AS "readAt", a.email
       FROM notification n JOIN account a ON a.id = n.account_id
      WHERE n.sent_at IS NULL AND a.disabled_at IS NULL ORDER BY n.id LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function findAccountEmail(q: Queryable, accountId: number): Promise<string | undefined> {
  const { rows } = await q.query<{ email: string }>(`SELECT email FROM account WHERE id = $1`, [accountId]);
  return rows[0]?.email;
}

/** SQL for payout batches and items, and what reconciliation compares them with in the ledger. */
import type { Queryable } from '../db/database.js';

export type PayoutProvider = 'paypal' | 'gift_card';
/** 'sending': sent to PayPal (or about to be) with no answer we could read yet; its outcome is unknown. */
export type BatchStatus = 'created' | 'sending' | 'submitted' | 'processing' | 'completed' | 'failed' | 'exported';

export interface PayoutBatchRow {
  readonly id: number;
  readonly programId: number;
  readonly provider: PayoutProvider;
  readonly period: string;
  readonly senderBatchId: string;
  readonly status: BatchStatus;
  readonly providerBatchId: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly submittedAt: Date | null;
  readonly completedAt: Date | null;
  /** When the batch was first, and last, sent to the provider (null before the first send). */
  readonly firstSentAt: Date | null;
  readonly lastSentAt: Date | null;
}

export interface PayoutItemRow {
  readonly id: number;
  readonly batchId: number;
  readonly enrollmentId: number;
  readonly points: number;
  readonly amountCents: number;
  readonly currency: string;
  readonly receiver: string;
  readonly senderItemId: string;
  readonly providerItemId: string | null;
  readonly status: string;
  readonly statusDetail: string | null;
  readonly updatedAt: Date;
}

const B_COLUMNS = `id, program_id AS "programId", provider, period, sender_batch_id AS "senderBatchId", status,
  provider_batch_id AS "providerBatchId", attempts, last_error AS "lastError", created_at AS "createdAt",
  submitted_at AS "submittedAt", completed_at AS "completedAt", first_sent_at AS "firstSentAt",
  last_sent_at AS "lastSentAt"`;
const I_COLUMNS = `id, batch_id AS "batchId", enrollment_id AS "enrollmentId", points, amount_cents AS "amountCents",
  currency, receiver, sender_item_id AS "senderItemId", provider_item_id AS "providerItemId", status,
  status_detail AS "statusDetail", updated_at AS "updatedAt"`;
type BR = PayoutBatchRow & Record<string, unknown>;
type IR = PayoutItemRow & Record<string, unknown>;

/** Creates the batch for (program, provider, period) unless it exists; undefined when it did. */
export async function insertBatch(
  q: Queryable,
  b: {
    programId: number;
    provider: PayoutProvider;
    period: string;
    senderBatchId: string;
    status: BatchStatus;
    at: Date;
  },
): Promise<PayoutBatchRow | undefined> {
  const { rows } = await q.query<BR>(
    `INSERT INTO payout_batch (program_id, provider, period, sender_batch_id, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (program_id, provider, period) DO NOTHING RETURNING ${B_COLUMNS}`,
    [b.programId, b.provider, b.period, b.senderBatchId, b.status, b.at],
  );
  return rows[0];
}

export async function findBatch(q: Queryable, id: number): Promise<PayoutBatchRow | undefined> {
  const { rows } = await q.query<BR>(`SELECT ${B_COLUMNS} FROM payout_batch WHERE id = $1`, [id]);
  return rows[0];
}

export async function findBatchForUpdate(q: Queryable, id: number): Promise<PayoutBatchRow | undefined> {
  const { rows } = await q.query<BR>(`SELECT ${B_COLUMNS} FROM payout_batch WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0];
}

export async function listBatches(
  q: Queryable,
  filter: { programId?: number; statuses?: readonly BatchStatus[]; provider?: PayoutProvider },
): Promise<PayoutBatchRow[]> {
  const { rows } = await q.query<BR>(
    `SELECT ${B_COLUMNS} FROM payout_batch
      WHERE ($1::bigint IS NULL OR program_id = $1) AND ($2::text[] IS NULL OR status = ANY($2::text[]))
        AND ($3::text IS NULL OR provider = $3)
      ORDER BY id`,
    [filter.programId ?? null, filter.statuses ?? null, filter.provider ?? null],
  );
  return rows;
}

/**
 * Marks a batch as being sent, committed before the send: a recorded batch, or one in flight whose
 * last send is older than `resendBefore`. Undefined when it is neither (another process has it).
 */
export async function markBatchSending(
  q: Queryable,
  id: number,
  b: { resendBefore: Date; at: Date },
): Promise<PayoutBatchRow | undefined> {
  const { rows } = await q.query<BR>(
    `UPDATE payout_batch SET status = 'sending', attempts = attempts + 1,
            first_sent_at = coalesce(first_sent_at, $3::timestamptz), last_sent_at = $3::timestamptz
      WHERE id = $1 AND provider = 'paypal'
        AND (status = 'created' OR (status = 'sending' AND last_sent_at <= $2::timestamptz))
      RETURNING ${B_COLUMNS}`,
    [id, b.resendBefore, b.at],
  );
  return rows[0];
}

export async function updateBatch(
  q: Queryable,
  id: number,
  b: {
    status: BatchStatus;
    providerBatchId?: string | null;
    attemptsDelta?: number;
    lastError?: string | null;
    at: Date;
  },
): Promise<void> {
  await q.query(
    `UPDATE payout_batch SET status = $2::text, provider_batch_id = coalesce($3::text, provider_batch_id),
            attempts = attempts + $4::int, last_error = $5::text,
            submitted_at = CASE WHEN $2::text = 'submitted' AND submitted_at IS NULL THEN $6::timestamptz ELSE submitted_at END,
            completed_at = CASE WHEN $2::text IN ('completed', 'failed') THEN $6::timestamptz ELSE completed_at END
      WHERE id = $1`,
    [id, b.status, b.providerBatchId ?? null, b.attemptsDelta ?? 0, b.lastError ?? null, b.at],
  );
}

export async function insertItem(
  q: Queryable,
  i: {
    batchId: number;
    enrollmentId: number;
    points: number;
    amountCents: number;
    currency: string;
    receiver: string;
    senderItemId: string;
    status: string;
    at: Date;
  },
): Promise<PayoutItemRow> {
  const { rows } = await q.query<IR>(
    `INSERT INTO payout_item (batch_id, enrollment_id, points, amount_cents, currency, receiver, sender_item_id, status, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${I_COLUMNS}`,
    [i.batchId, i.enrollmentId, i.points, i.amountCents, i.currency, i.receiver, i.senderItemId, i.status, i.at],
  );
  return rows[0]!;
}

export async function listItems(q: Queryable, batchId: number): Promise<PayoutItemRow[]> {
  const { rows } = await q.query<IR>(`SELECT ${I_COLUMNS} FROM payout_item WHERE batch_id = $1 ORDER BY id`, [batchId]);
  return rows;
}

export async function updateItem(
  q: Queryable,
  id: number,
  i: { status: string; providerItemId: string | null; statusDetail: string | null; at: Date },
): Promise<void> {
  await q.query(
    `UPDATE payout_item SET status = $2, provider_item_id = coalesce($3::text, provider_item_id), status_detail = $4, updated_at = $5
      WHERE id = $1`,
    [id, i.status, i.providerItemId, i.statusDetail, i.at],
  );
}

/** The account of each item's participant, for telling them how their payout went. */
export async function listItemAccounts(q: Queryable, batchId: number): Promise<Map<number, number>> {
  const { rows } = await q.query<{ itemId: number; accountId: number }>(
    `SELECT i.id AS "itemId", e.account_id AS "accountId"
       FROM payout_item i JOIN enrollment e ON e.id = i.enrollment_id WHERE i.batch_id = $1`,
    [batchId],
  );
  return new Map(rows.map((r) => [r.itemId, r.accountId]));
}

/** Participants a batch may pay: their balance, PayPal address and name. */
export async function listPayable(
  q: Queryable,
  programId: number,
  withPaypal: boolean,
): Promise<{ enrollmentId: number; balance: number; paypalEmail: string | null; email: string; name: string }[]> {
  const { rows } = await q.query<{
    enrollmentId: number;
    balance: number;
    paypalEmail: string | null;
    email: string;
    name: string;
  }>(
    `SELECT e.id AS "enrollmentId", coalesce(sum(l.points), 0)::bigint AS balance, e.paypal_email AS "paypalEmail",
            a.email, a.name
       FROM enrollment e JOIN account a ON a.id = e.account_id LEFT JOIN ledger_entry l ON l.enrollment_id = e.id
      WHERE e.program_id = $1 AND e.status IN ('approved', 'left') AND (e.paypal_email IS NOT NULL) = $2
      GROUP BY e.id, a.email, a.name HAVING coalesce(sum(l.points), 0) > 0 ORDER BY e.id`,
    [programId, withPaypal],
  );
  return rows.map((r) => ({ ...r, balance: Number(r.balance) }));
}

/** Per payout item of a program: the item and the ledger's debit and reversal for it. */
export async function listItemLedger(
  q: Queryable,
  programId: number,
): Promise<
  {
    itemId: number;
    batchId: number;
    status: string;
    points: number;
    debited: number | null;
    reversed: number | null;
  }[]
> {
  const { rows } = await q.query<{
    itemId: number;
    batchId: number;
    status: string;
    points: number;
    debited: number | null;
    reversed: number | null;
  }>(
    `SELECT i.id AS "itemId", i.batch_id AS "batchId", i.status, i.points,
            (SELECT -sum(points)::bigint FROM ledger_entry WHERE payout_item_id = i.id AND kind = 'payout') AS debited,
            (SELECT sum(points)::bigint FROM ledger_entry WHERE payout_item_id = i.id AND kind = 'payout_reversal') AS reversed
       FROM payout_item i JOIN payout_batch b ON b.id = i.batch_id WHERE b.program_id = $1 ORDER BY i.id`,
    [programId],
  );
  return rows.map((r) => ({
    ...r,
    debited: r.debited === null ? null : Number(r.debited),
    reversed: r.reversed === null ? null : Number(r.reversed),
  }));
}

/** Ledger payout entries with no payout item of the program behind them (should be none). */
export async function countOrphanPayoutEntries(q: Queryable, programId: number): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ledger_entry l
      WHERE l.program_id = $1 AND l.kind IN ('payout', 'payout_reversal')
        AND NOT EXISTS (SELECT 1 FROM payout_item i JOIN payout_batch b ON b.id = i.batch_id
                         WHERE i.id = l.payout_item_id AND b.program_id = $1 AND i.enrollment_id = l.enrollment_id)`,
    [programId],
  );
  return rows[0]!.n;
}

/** A participant's payout item with the batch it is in: what was sent, how, for which period. */
export interface ParticipantPayoutRow extends PayoutItemRow {
  readonly provider: PayoutProvider;
  readonly period: string;
  readonly batchCreatedAt: Date;
}

/** Every payout item of one participant, oldest first (the rewards page's "paid" list). */
export async function listItemsOfEnrollment(q: Queryable, enrollmentId: number): Promise<ParticipantPayoutRow[]> {
  const { rows } = await q.query<ParticipantPayoutRow & Record<string, unknown>>(
    `SELECT i.id, i.batch_id AS "batchId", i.enrollment_id AS "enrollmentId", i.points, i.amount_cents AS "amountCents",
            i.currency, i.receiver, i.sender_item_id AS "senderItemId", i.provider_item_id AS "providerItemId", i.status,
            i.status_detail AS "statusDetail", i.updated_at AS "updatedAt", b.provider, b.period,
            b.created_at AS "batchCreatedAt"
       FROM payout_item i JOIN payout_batch b ON b.id = i.batch_id
      WHERE i.enrollment_id = $1 ORDER BY i.id`,
    [enrollmentId],
  );
  return rows;
}

/** The periods a program has a batch for, by provider (when the next payout falls depends on them). */
export async function listBatchPeriods(
  q: Queryable,
  programId: number,
): Promise<{ provider: PayoutProvider; period: string }[]> {
  const { rows } = await q.query<{ provider: PayoutProvider; period: string }>(
    `SELECT provider, period FROM payout_batch WHERE program_id = $1`,
    [programId],
  );
  return rows;
}

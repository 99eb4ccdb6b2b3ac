/**
 * Payouts: monthly PayPal batches for participants who gave a PayPal address, and gift cards for
 * the whole balance of everyone else at year end (or program end), exported for ordering.
 *
 * Paying never pays twice: a batch is recorded (items, and the ledger debits that pay for them)
 * in one transaction before anything is sent; it is sent with our sender_batch_id and an
 * idempotency key, so a retry after a lost answer finds the same PayPal batch; items PayPal could
 * not pay are credited back to the participant once (the ledger's unique key per item). The
 * participant is told how each item settled (paid, held until claimed, not paid), once. Every
 * batch can be reconciled against the ledger, and PayPal batches against what PayPal says.
 */
import { csvField } from '../csv.js';
import { createLocalClock } from '@smartcharge/protocol';
import { z } from 'zod';
import { requireStaff, type Actor } from '../actor.js';
import type { Database, Queryable } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NotificationService } from '../notifications/index.js';
import type { Program, ProgramService } from '../programs/index.js';
import { parseInput } from '../validation.js';
import { isPaid, isReversed, PAYPAL_TO_ITEM } from './item-status.js';
import { payoutNotice } from './payout-notices.js';
import { isDuplicateBatchError, PaypalError, type PaypalPayouts } from './paypal-client.js';
import { compareWithPaypal } from './provider-check.js';
import { insertEntry, lockEnrollment, sumBalance, sumBalanceEarnedBy } from '../rewards/ledger.repository.js';
import {
  countOrphanPayoutEntries,
  findBatch,
  findBatchForUpdate,
  insertBatch,
  markBatchSending,
  insertItem,
  listBatches,
  listItemAccounts,
  listItemLedger,
  listItems,
  listPayable,
  updateBatch,
  updateItem,
  type PayoutBatchRow,
  type PayoutItemRow,
  type PayoutProvider,
} from './payout.repository.js';

export const ZFulfilSchema = z.strictObject({
  /** Items whose card could not be ordered or delivered: their points go back to the participant. */
  failedItems: z.array(z.number().int().positive()).default([]),
  note: z.string().trim().max(500).optional(),
});

export interface Reconciliation {
  readonly program: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly totals: {
    readonly items: number;
    readonly paidPoints: number;
    readonly inFlightPoints: number;
    readonly reversedPoints: number;
    readonly ledgerDebits: number;
    readonly ledgerReversals: number;
    /** PayPal batches read back from PayPal and compared item by item (0 when PayPal is not configured). */
    readonly paypalBatchesChecked: number;
  };
}

/** What settling an item needs besides the item: its batch and program, who to tell, and mail to send after commit. */
interface Settling {
  readonly tx: Queryable;
  readonly batch: PayoutBatchRow;
  readonly program: Program;
  /** Item id → the participant's account. */
  readonly accounts: ReadonlyMap<number, number>;
  readonly afterCommit: (() => Promise<void>)[];
}

export class PayoutService {
  constructor(
    private readonly db: Database,
    private readonly programs: ProgramService,
    private readonly notifications: NotificationService,
    private readonly paypal: PaypalPayouts | undefined,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
    options: { resendAfterMs?: number } = {},
  ) {
    this.resendAfterMs = options.resendAfterMs ?? RESEND_AFTER_MS;
  }

  /** How long a batch with an unknown outcome waits before it is sent again (PAYPAL_RESEND_AFTER_S). */
  private readonly resendAfterMs: number;

  get paypalConfigured(): boolean {
    return this.paypal !== undefined;
  }

  /**
   * The monthly PayPal work for every program that pays by PayPal: records last month's batch
   * when it is not yet recorded, sends batches not yet accepted, and reads back those in flight.
   */
  async runPaypal(): Promise<{ created: number; submitted: number; polled: number; problems: string[] }> {
    const out = { created: 0, submitted: 0, polled: 0, problems: [] as string[] };
    if (!this.paypal) return out;
    for (const program of await this.programs.listProgramsInternal()) {
      if (!program.payoutOptions.paypal) continue;
      const batch = await this.createBatch(program, 'paypal', previousMonth(program, this.clock()));
      if (typeof batch === 'object') out.created += 1;
    }
    for (const batch of await listBatches(this.db, { provider: 'paypal', statuses: ['created', 'sending'] })) {
      try {
        if (await this.submitBatch(batch.id)) out.submitted += 1;
      } catch (error) {
        out.problems.push(`batch ${batch.id}: ${(error as Error).message}`);
      }
    }
    for (const batch of await listBatches(this.db, { provider: 'paypal', statuses: ['sending'] })) {
      out.problems.push(unknownBatchProblem(batch, this.clock(), this.resendAfterMs));
    }
    for (const batch of await listBatches(this.db, { provider: 'paypal', statuses: ['submitted', 'processing'] })) {
      try {
        await this.pollBatch(batch.id);
        out.polled += 1;
      } catch (error) {
        out.problems.push(`batch ${batch.id}: ${(error as Error).message}`);
      }
    }
    return out;
  }

  /**
   * Gift cards due today: each year's end (for the year before), or the program's end. A card
   * pays what was earned by then; what was earned after waits for the next card.
   */
  async runGiftCards(): Promise<{ created: number }> {
    let created = 0;
    for (const program of await this.programs.listProgramsInternal()) {
      const option = program.payoutOptions.giftCard;
      if (!option) continue;
      const today = createLocalClock(program.timeZone).localDateKey(this.clock().getTime());
      let period: string | undefined;
      if (option.when === 'year_end') period = String(Number(today.slice(0, 4)) - 1);
      else if (program.collectionEndsOn && today > program.collectionEndsOn) period = 'program-end';
      if (period && typeof (await this.createBatch(program, 'gift_card', period)) === 'object') created += 1;
    }
    return { created };
  }

  /** An administrator asks for a program's batch now (e.g. gift cards when the program closes early). */
  async createBatchFor(actor: Actor, programSlug: string, provider: PayoutProvider, period: string) {
    const program = await this.programs.getProgram(actor, programSlug);
    if (provider === 'paypal' && !this.paypal) {
      throw new AppError(
        'unavailable',
        'PayPal is not configured on this server (PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET).',
      );
    }
    const batch = await this.createBatch(program, provider, period);
    if (batch === 'exists') {
      throw new AppError('conflict', `${program.name} already has a ${provider} batch for ${period}.`);
    }
    if (batch === 'nothing_to_pay') {
      const minimum = provider === 'paypal' ? (program.payoutOptions.paypal?.minimumPoints ?? 1) : 1;
      throw new AppError(
        'conflict',
        `Nobody in ${program.name} has ${minimum === 1 ? 'points' : `${minimum} points or more`} to pay ${provider === 'paypal' ? 'by PayPal' : 'as gift cards'} for ${period}; no batch was recorded.`,
      );
    }
    return this.getBatch(actor, batch.id);
  }

  /**
   * Records a batch: one item per payable participant, each paid for by a ledger debit, all in
   * one transaction. Nothing is recorded when the batch for that period exists already, or when
   * nobody is owed anything (so that a later run can still pay that period).
   */
  private async createBatch(
    program: Program,
    provider: PayoutProvider,
    period: string,
  ): Promise<PayoutBatchRow | 'exists' | 'nothing_to_pay'> {
    const now = this.clock();
    const minimum = provider === 'paypal' ? (program.payoutOptions.paypal?.minimumPoints ?? 1) : 1;
    const earnedBy = provider === 'gift_card' ? giftCardCutoff(program, period) : undefined;
    try {
      return await this.db.transaction(async (tx) =>
        this.recordBatch(tx, program, provider, period, { minimum, earnedBy }, now),
      );
    } catch (error) {
      if (error instanceof NothingToPay) return 'nothing_to_pay';
      throw error;
    }
  }

  private async recordBatch(
    tx: Queryable,
    program: Program,
    provider: PayoutProvider,
    period: string,
    limits: { minimum: number; earnedBy: Date | undefined },
    now: Date,
  ): Promise<PayoutBatchRow | 'exists'> {
    {
      const batch = await insertBatch(tx, {
        programId: program.id,
        provider,
        period,
        senderBatchId: `sc-${program.slug}-${provider === 'paypal' ? 'pp' : 'gc'}-${period}`,
        status: provider === 'paypal' ? 'created' : 'exported',
        at: now,
      });
      if (!batch) return 'exists';
      let items = 0;
      for (const payable of await listPayable(tx, program.id, provider === 'paypal')) {
        await lockEnrollment(tx, payable.enrollmentId);
        let balance = await sumBalance(tx, payable.enrollmentId);
        // A year's card pays what had been earned by the year's end and is still there: a card
        // recorded late (or a program that began after that year) does not pay this year's earnings.
        if (limits.earnedBy) {
          balance = Math.min(balance, await sumBalanceEarnedBy(tx, payable.enrollmentId, limits.earnedBy));
        }
        if (balance < limits.minimum) continue;
        const amountCents = Math.floor((balance * 100) / program.pointsPerUnit);
        if (amountCents <= 0) continue;
        // Whole cents only: what is left over stays in the balance for next time.
        const points = Math.ceil((amountCents * program.pointsPerUnit) / 100);
        const item = await insertItem(tx, {
          batchId: batch.id,
          enrollmentId: payable.enrollmentId,
          points,
          amountCents,
          currency: program.currency,
          receiver: provider === 'paypal' ? payable.paypalEmail! : payable.email,
          senderItemId: `${batch.senderBatchId}-${payable.enrollmentId}`,
          status: provider === 'paypal' ? 'pending' : 'exported',
          at: now,
        });
        await insertEntry(tx, {
          programId: program.id,
          enrollmentId: payable.enrollmentId,
          kind: 'payout',
          points: -points,
          explanation: {
            rule: provider === 'paypal' ? 'PayPal payout' : `${program.payoutOptions.giftCard?.brand ?? 'Gift'} card`,
            summary: `${(amountCents / 100).toFixed(2)} ${program.currency} ${provider === 'paypal' ? `to PayPal ${item.receiver}` : 'gift card'} for ${period}`,
            batch: batch.senderBatchId,
          },
          reason: null,
          createdBy: null,
          payoutItemId: item.id,
          at: now,
        });
        items += 1;
      }
      // Nobody to pay yet: record nothing, so a later run (after rewards are counted) can still pay this period.
      if (items === 0) throw new NothingToPay();
      this.log.info({ program: program.slug, provider, period, items }, 'payout batch recorded');
      return batch;
    }
  }

  /**
   * Sends a recorded batch to PayPal, or sends again one whose outcome is unknown. The batch is
   * marked 'sending' and committed before the send, so whatever happens next (a crash, a cut
   * connection, a timeout, an answer we cannot read) it stays in flight with its points debited.
   * Only PayPal's own readable refusal releases the points. An unknown outcome is resolved by
   * sending the same request again under the same sender_batch_id once PAYPAL_RESEND_AFTER_S has passed:
   * PayPal's documented lookup by sender_batch_id, since it answers with the batch it holds (the
   * same PayPal-Request-Id replays its answer; another request gets the duplicate refusal linking
   * the batch), and creates it only if it never arrived. True when PayPal accepted it.
   */
  async submitBatch(batchId: number): Promise<boolean> {
    if (!this.paypal) throw new AppError('unavailable', 'PayPal is not configured on this server.');
    const found = await findBatch(this.db, batchId);
    if (!found || found.provider !== 'paypal' || (found.status !== 'created' && found.status !== 'sending'))
      return false;
    const now = this.clock();
    if (
      found.status === 'sending' &&
      found.firstSentAt &&
      now.getTime() - found.firstSentAt.getTime() > RESEND_WITHIN_MS
    ) {
      // Past PayPal's 30-day window a send under the same id could pay again: a person must look.
      return false;
    }
    const batch = await markBatchSending(this.db, batchId, {
      resendBefore: new Date(now.getTime() - this.resendAfterMs),
      at: now,
    });
    if (!batch) return false;
    const program = await this.programs.getProgramInternal(batch.programId);
    const items = await listItems(this.db, batch.id);
    try {
      const created = await this.paypal.createBatch({
        senderBatchId: batch.senderBatchId,
        emailSubject: `Your ${program.name} rewards`,
        emailMessage: `Thank you for taking part in ${program.name}. Here are your rewards for ${batch.period}.`,
        items: items.map((item) => ({
          senderItemId: item.senderItemId,
          receiverEmail: item.receiver,
          amountCents: item.amountCents,
          currency: item.currency,
          note: `${program.name} rewards, ${batch.period}`,
        })),
      });
      await updateBatch(this.db, batch.id, { status: 'submitted', providerBatchId: created.payoutBatchId, at: now });
      return true;
    } catch (error) {
      if (isDuplicateBatchError(error) && error.existingPayoutBatchId) {
        // PayPal has this batch already (an earlier send went through): follow that one.
        await updateBatch(this.db, batch.id, {
          status: 'submitted',
          providerBatchId: error.existingPayoutBatchId,
          at: now,
        });
        return true;
      }
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof PaypalError && error.refused && !isDuplicateBatchError(error)) {
        await this.releaseRefused(batch, program, items, message, now);
        return false;
      }
      // Unknown: PayPal may hold the batch. Nothing is released; the batch is looked up again later.
      const lastError = isDuplicateBatchError(error)
        ? `PayPal has a batch with sender_batch_id ${batch.senderBatchId} but did not say which; find it in PayPal. (${message})`
        : message;
      await updateBatch(this.db, batch.id, { status: 'sending', lastError, at: now });
      this.log.warn(
        { batch: batch.id, senderBatchId: batch.senderBatchId, err: message },
        'PayPal payout batch sent with an unknown outcome; its points stay debited until PayPal says what happened',
      );
      return false;
    }
  }

  /** PayPal refused the batch: nothing was paid, so every item's points go back. */
  private async releaseRefused(
    batch: PayoutBatchRow,
    program: Program,
    items: readonly PayoutItemRow[],
    message: string,
    now: Date,
  ): Promise<void> {
    const afterCommit: (() => Promise<void>)[] = [];
    await this.db.transaction(async (tx) => {
      await updateBatch(tx, batch.id, { status: 'failed', lastError: message, at: now });
      const settling = { tx, batch, program, accounts: await listItemAccounts(tx, batch.id), afterCommit };
      for (const item of items) await this.settleItem(settling, item, 'failed', null, message);
    });
    await sendAll(afterCommit);
    this.log.error({ batch: batch.id, err: message }, 'PayPal refused a payout batch; points returned to participants');
  }

  /** Reads a sent batch back from PayPal and settles its items. */
  async pollBatch(batchId: number): Promise<PayoutBatchRow> {
    if (!this.paypal) throw new AppError('unavailable', 'PayPal is not configured on this server.');
    const batch = await findBatch(this.db, batchId);
    if (!batch?.providerBatchId)
      throw new AppError('invalid_transition', `Batch ${batchId} has not been accepted by PayPal yet.`);
    const state = await this.paypal.getBatch(batch.providerBatchId);
    const program = await this.programs.getProgramInternal(batch.programId);
    const now = this.clock();
    const afterCommit: (() => Promise<void>)[] = [];
    await this.db.transaction(async (tx) => {
      const locked = (await findBatchForUpdate(tx, batchId))!;
      const items = await listItems(tx, batchId);
      const settling = { tx, batch: locked, program, accounts: await listItemAccounts(tx, batchId), afterCommit };
      let open = 0;
      for (const item of items) {
        const remote = state.items.find((i) => i.senderItemId === item.senderItemId);
        if (!remote) {
          open += 1;
          continue;
        }
        const status = PAYPAL_TO_ITEM[remote.status];
        const detail = remote.errorName ? `${remote.errorName}: ${remote.errorMessage ?? ''}`.trim() : null;
        await this.settleItem(settling, item, status, remote.payoutItemId, detail);
        if (!isPaid(status) && !isReversed(status)) open += 1;
      }
      const status =
        state.batchStatus === 'DENIED' || state.batchStatus === 'CANCELED'
          ? 'failed'
          : open === 0
            ? 'completed'
            : 'processing';
      await updateBatch(tx, batchId, { status, at: now });
    });
    await sendAll(afterCommit);
    return (await findBatch(this.db, batchId))!;
  }

  /**
   * Updates an item; an item whose money did not arrive gets its points back (once), and the
   * participant is told how it went (once per outcome, mailed after the commit).
   */
  private async settleItem(
    settling: Settling,
    item: PayoutItemRow,
    status: string,
    providerItemId: string | null,
    detail: string | null,
  ): Promise<void> {
    const { tx, batch, program } = settling;
    if (item.status === status && item.providerItemId === (providerItemId ?? item.providerItemId)) return;
    await updateItem(tx, item.id, { status, providerItemId, statusDetail: detail, at: this.clock() });
    if (isReversed(status)) {
      await insertEntry(tx, {
        programId: batch.programId,
        enrollmentId: item.enrollmentId,
        kind: 'payout_reversal',
        points: item.points,
        explanation: {
          rule: 'Payout returned',
          summary: `${(item.amountCents / 100).toFixed(2)} ${item.currency} could not be paid (${status}${detail ? `: ${detail}` : ''}); the points are back in your balance.`,
          batch: batch.senderBatchId,
        },
        reason: null,
        createdBy: null,
        payoutItemId: item.id,
        at: this.clock(),
      });
    }
    const accountId = settling.accounts.get(item.id);
    const notice = payoutNotice({ program, provider: batch.provider, period: batch.period, item, status, detail });
    if (notice && accountId !== undefined) {
      settling.afterCommit.push(await this.notifications.notify({ accountId, ...notice }, tx));
    }
  }

  async listBatches(actor: Actor, programSlug: string): Promise<PayoutBatchRow[]> {
    const program = await this.programs.getProgram(actor, programSlug);
    return listBatches(this.db, { programId: program.id });
  }

  async getBatch(actor: Actor, batchId: number): Promise<PayoutBatchRow & { items: PayoutItemRow[] }> {
    requireStaff(actor);
    const batch = await findBatch(this.db, batchId);
    if (batch) await this.programs.getProgram(actor, batch.programId);
    if (!batch) throw new AppError('not_found', `No payout batch has id ${batchId}.`);
    return { ...batch, items: await listItems(this.db, batchId) };
  }

  /** A gift-card batch as CSV, for ordering the cards (one row per participant). */
  async exportGiftCards(actor: Actor, batchId: number): Promise<string> {
    const batch = await this.getBatch(actor, batchId);
    if (batch.provider !== 'gift_card')
      throw new AppError('invalid_input', `Batch ${batchId} is a ${batch.provider} batch, not gift cards.`);
    const program = await this.programs.getProgramInternal(batch.programId);
    const brand = program.payoutOptions.giftCard?.brand ?? 'Gift card';
    const lines = ['item_id,reference,recipient_email,amount,currency,brand,status'];
    for (const item of batch.items) {
      lines.push(
        [
          item.id,
          item.senderItemId,
          csvField(item.receiver),
          (item.amountCents / 100).toFixed(2),
          item.currency,
          csvField(brand),
          item.status,
        ].join(','),
      );
    }
    return `${lines.join('\n')}\n`;
  }

  /** The cards were ordered and sent; those that could not be give their points back. */
  async fulfilGiftCards(actor: Actor, batchId: number, input: z.input<typeof ZFulfilSchema>) {
    const value = parseInput(ZFulfilSchema, input);
    const batch = await this.getBatch(actor, batchId);
    if (batch.provider !== 'gift_card' || batch.status !== 'exported') {
      throw new AppError(
        'invalid_transition',
        `Batch ${batchId} is a ${batch.status} ${batch.provider} batch; only exported gift cards are fulfilled.`,
      );
    }
    for (const id of value.failedItems) {
      if (!batch.items.some((i) => i.id === id))
        throw new AppError('invalid_input', `Item ${id} is not in batch ${batchId}.`);
    }
    const program = await this.programs.getProgramInternal(batch.programId);
    const afterCommit: (() => Promise<void>)[] = [];
    await this.db.transaction(async (tx) => {
      // Locked and read again: two administrators fulfilling at once settle the batch once.
      const locked = (await findBatchForUpdate(tx, batchId))!;
      if (locked.status !== 'exported') {
        throw new AppError('invalid_transition', `Batch ${batchId} was fulfilled meanwhile (it is ${locked.status}).`);
      }
      const settling = { tx, batch: locked, program, accounts: await listItemAccounts(tx, batchId), afterCommit };
      for (const item of await listItems(tx, batchId)) {
        const failed = value.failedItems.includes(item.id);
        await this.settleItem(
          settling,
          item,
          failed ? 'failed' : 'fulfilled',
          null,
          failed ? (value.note ?? 'card not delivered') : null,
        );
      }
      await updateBatch(tx, batchId, { status: 'completed', at: this.clock() });
    });
    await sendAll(afterCommit);
    return this.getBatch(actor, batchId);
  }

  /**
   * Every payout item against the ledger: each has exactly one debit of its points; each that
   * failed has exactly one reversal; nothing else is debited; and paid + in flight = debits − reversals.
   */
  async reconcile(actor: Actor, programSlug: string): Promise<Reconciliation> {
    const program = await this.programs.getProgram(actor, programSlug);
    const rows = await listItemLedger(this.db, program.id);
    const problems: string[] = [];
    let paid = 0;
    let inFlight = 0;
    let reversedPoints = 0;
    let debits = 0;
    let reversals = 0;
    for (const row of rows) {
      debits += row.debited ?? 0;
      reversals += row.reversed ?? 0;
      if (row.debited !== row.points)
        problems.push(`item ${row.itemId}: debited ${row.debited ?? 0} points for an item of ${row.points}`);
      const shouldReverse = isReversed(row.status);
      if (shouldReverse) {
        reversedPoints += row.points;
        if (row.reversed !== row.points)
          problems.push(
            `item ${row.itemId} (${row.status}): ${row.reversed ?? 0} points credited back, not ${row.points}`,
          );
      } else {
        if (row.reversed !== null)
          problems.push(`item ${row.itemId} (${row.status}) was credited back but is not a failed payout`);
        if (isPaid(row.status)) paid += row.points;
        else inFlight += row.points;
      }
    }
    const orphans = await countOrphanPayoutEntries(this.db, program.id);
    if (orphans > 0) problems.push(`${orphans} ledger payout entries match no payout item of this program`);
    if (paid + inFlight !== debits - reversals) {
      problems.push(`paid (${paid}) + in flight (${inFlight}) ≠ ledger debits (${debits}) − reversals (${reversals})`);
    }
    // Every batch we sent, whether or not PayPal's id for it is known: one still in flight is a problem until resolved.
    for (const batch of await listBatches(this.db, {
      programId: program.id,
      provider: 'paypal',
      statuses: ['sending'],
    })) {
      problems.push(unknownBatchProblem(batch, this.clock(), this.resendAfterMs));
    }
    const checked = await this.checkAgainstPaypal(program.id, problems);
    return {
      program: program.slug,
      ok: problems.length === 0,
      problems,
      totals: {
        items: rows.length,
        paidPoints: paid,
        inFlightPoints: inFlight,
        reversedPoints,
        ledgerDebits: debits,
        ledgerReversals: reversals,
        paypalBatchesChecked: checked,
      },
    };
  }

  /** Reads each of the program's batches PayPal accepted back from PayPal and compares it with ours; adds what differs. */
  private async checkAgainstPaypal(programId: number, problems: string[]): Promise<number> {
    if (!this.paypal) return 0;
    let checked = 0;
    for (const batch of await listBatches(this.db, { programId, provider: 'paypal' })) {
      if (!batch.providerBatchId) continue;
      let remote;
      try {
        remote = await this.paypal.getBatch(batch.providerBatchId);
      } catch (error) {
        problems.push(
          `batch ${batch.id} (${batch.senderBatchId}): could not be read from PayPal to compare: ${(error as Error).message}`,
        );
        continue;
      }
      problems.push(...compareWithPaypal(batch, await listItems(this.db, batch.id), remote));
      checked += 1;
    }
    return checked;
  }
}

/** Mail for notices recorded in a transaction, once it has committed. */
async function sendAll(afterCommit: readonly (() => Promise<void>)[]): Promise<void> {
  for (const send of afterCommit) await send();
}

class NothingToPay extends Error {}

/**
 * How long, by default, a batch with an unknown outcome waits before it is sent again under its
 * sender_batch_id: long enough for a send still on its way (a stalled connection, a slow PayPal) to have landed.
 */
export const RESEND_AFTER_MS = 15 * 60_000;
/** PayPal refuses a reused sender_batch_id for 30 days; past 25, no automatic send again. */
export const RESEND_WITHIN_MS = 25 * 86_400_000;

function unknownBatchProblem(batch: PayoutBatchRow, now: Date, resendAfterMs: number): string {
  const sentAt = batch.lastSentAt ?? batch.createdAt;
  const expired = batch.firstSentAt && now.getTime() - batch.firstSentAt.getTime() > RESEND_WITHIN_MS;
  return (
    `batch ${batch.id} (${batch.senderBatchId}): sent to PayPal at ${sentAt.toISOString()}, outcome unknown` +
    `${batch.lastError ? ` (${batch.lastError})` : ''}; its points stay debited until PayPal says what happened. ` +
    (expired
      ? "It was first sent more than 25 days ago, too close to the end of PayPal's 30-day duplicate check to send it again: find it in PayPal by its sender_batch_id and settle it by hand."
      : `It is sent again under the same sender_batch_id (PayPal pays it once) from ${new Date(sentAt.getTime() + resendAfterMs).toISOString()}.`)
  );
}

/** When a gift-card period ends: a year ('2026') at its local end, 'program-end' at the end of collection. */
function giftCardCutoff(program: Program, period: string): Date | undefined {
  const clock = createLocalClock(program.timeZone);
  if (/^\d{4}$/.test(period)) return new Date(clock.utcMsAt(`${Number(period) + 1}-01-01`, 0, 0));
  if (period === 'program-end' && program.collectionEndsOn) {
    return new Date(clock.utcMsAt(program.collectionEndsOn, 24, 0));
  }
  return undefined;
}

function previousMonth(program: Program, now: Date): string {
  const today = createLocalClock(program.timeZone).localDateKey(now.getTime());
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/**
 * Reconciliation against PayPal: what PayPal says it did with a batch, item by item, against what
 * we recorded and paid for in the ledger. A pure comparison; the payout service reads both sides.
 * Each problem is a sentence naming the item, what PayPal says and what we recorded.
 */
import { isPaid, isReversed, isSettled, PAYPAL_TO_ITEM } from './item-status.js';
import { formatPaypalAmount, type PayoutBatchState, type PayoutItemState } from './paypal-client.js';
import type { PayoutBatchRow, PayoutItemRow } from './payout.repository.js';

function money(cents: number, currency: string): string {
  return `${formatPaypalAmount(cents, currency)} ${currency}`;
}

export function compareWithPaypal(
  batch: Pick<PayoutBatchRow, 'id' | 'senderBatchId'>,
  items: readonly Pick<
    PayoutItemRow,
    'id' | 'senderItemId' | 'amountCents' | 'currency' | 'receiver' | 'points' | 'status'
  >[],
  remote: PayoutBatchState,
): string[] {
  const problems: string[] = [];
  const label = `batch ${batch.id} (${batch.senderBatchId})`;
  if (remote.senderBatchId !== '' && remote.senderBatchId !== batch.senderBatchId) {
    problems.push(`${label}: PayPal batch ${remote.payoutBatchId} carries sender_batch_id ${remote.senderBatchId}`);
  }
  const bySender = new Map<string, PayoutItemState[]>();
  for (const theirs of remote.items) {
    bySender.set(theirs.senderItemId, [...(bySender.get(theirs.senderItemId) ?? []), theirs]);
  }
  for (const ours of items) {
    const found = bySender.get(ours.senderItemId) ?? [];
    bySender.delete(ours.senderItemId);
    const theirs = found[0];
    if (!theirs) {
      problems.push(`item ${ours.id} (${ours.senderItemId}): PayPal batch ${remote.payoutBatchId} has no such item`);
      continue;
    }
    if (found.length > 1) {
      problems.push(`item ${ours.id} (${ours.senderItemId}): PayPal has ${found.length} items for it, not one`);
    }
    if (theirs.amountCents !== ours.amountCents || theirs.currency !== ours.currency) {
      problems.push(
        `item ${ours.id} (${ours.senderItemId}): PayPal has ${money(theirs.amountCents, theirs.currency)}, ` +
          `the ledger paid for ${money(ours.amountCents, ours.currency)}`,
      );
    }
    if (theirs.receiver.toLowerCase() !== ours.receiver.toLowerCase()) {
      problems.push(`item ${ours.id} (${ours.senderItemId}): PayPal pays ${theirs.receiver}, we sent ${ours.receiver}`);
    }
    // An item still open here is settled by the next poll; only settled items must agree.
    const status = PAYPAL_TO_ITEM[theirs.status];
    if (isSettled(ours.status) && status !== ours.status) {
      const consequence =
        isPaid(ours.status) && isReversed(status)
          ? `: the money did not arrive, and the participant's ${ours.points} points were not credited back`
          : isReversed(ours.status) && isPaid(status)
            ? `: the participant was paid and also credited the ${ours.points} points back`
            : '';
      problems.push(
        `item ${ours.id} (${ours.senderItemId}): PayPal says ${theirs.status}, we recorded ${ours.status}${consequence}`,
      );
    }
  }
  for (const [senderItemId, extra] of bySender) {
    for (const theirs of extra) {
      problems.push(
        `${label}: PayPal has item ${theirs.payoutItemId} (${senderItemId || 'no sender_item_id'}, ` +
          `${money(theirs.amountCents, theirs.currency)} to ${theirs.receiver}) that we did not record`,
      );
    }
  }
  return problems;
}

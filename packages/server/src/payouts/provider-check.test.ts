import { describe, expect, it } from 'vitest';
import type { PayoutBatchState, PayoutItemState } from './paypal-client.js';
import { compareWithPaypal } from './provider-check.js';

const batch = { id: 7, senderBatchId: 'sc-alectra-pp-2026-04' };
const ours = (n: number, status = 'success') => ({
  id: n,
  senderItemId: `sc-alectra-pp-2026-04-${n}`,
  amountCents: 500 * n,
  currency: 'CAD',
  receiver: `p${n}@example.com`,
  points: 500 * n,
  status,
});
const theirs = (n: number, changes: Partial<PayoutItemState> = {}): PayoutItemState => ({
  senderItemId: `sc-alectra-pp-2026-04-${n}`,
  payoutItemId: `PPITEM${n}`,
  status: 'SUCCESS',
  receiver: `p${n}@example.com`,
  amountCents: 500 * n,
  currency: 'CAD',
  ...changes,
});
const remote = (...items: PayoutItemState[]): PayoutBatchState => ({
  payoutBatchId: 'PPBATCH',
  senderBatchId: batch.senderBatchId,
  batchStatus: 'SUCCESS',
  items,
});

describe('compareWithPaypal', () => {
  it('finds nothing wrong when PayPal says what we recorded, whatever the order and case of addresses', () => {
    expect(
      compareWithPaypal(
        batch,
        [ours(1), ours(2, 'failed')],
        remote(theirs(2, { status: 'FAILED' }), theirs(1, { receiver: 'P1@Example.com' })),
      ),
    ).toEqual([]);
  });

  it('names an item whose amount, currency or receiver PayPal has differently', () => {
    expect(
      compareWithPaypal(
        batch,
        [ours(1), ours(2), ours(3)],
        remote(theirs(1, { amountCents: 5000 }), theirs(2, { currency: 'USD' }), theirs(3, { receiver: 'x@y.z' })),
      ),
    ).toEqual([
      'item 1 (sc-alectra-pp-2026-04-1): PayPal has 50.00 CAD, the ledger paid for 5.00 CAD',
      'item 2 (sc-alectra-pp-2026-04-2): PayPal has 10.00 USD, the ledger paid for 10.00 CAD',
      'item 3 (sc-alectra-pp-2026-04-3): PayPal pays x@y.z, we sent p3@example.com',
    ]);
  });

  it('says what a settled status that disagrees means for the participant, and leaves open items to the next poll', () => {
    expect(
      compareWithPaypal(
        batch,
        [ours(1), ours(2, 'returned'), ours(3, 'pending'), ours(4)],
        remote(
          theirs(1, { status: 'RETURNED' }),
          theirs(2, { status: 'SUCCESS' }),
          theirs(3, { status: 'SUCCESS' }),
          theirs(4, { status: 'PENDING' }),
        ),
      ),
    ).toEqual([
      "item 1 (sc-alectra-pp-2026-04-1): PayPal says RETURNED, we recorded success: the money did not arrive, and the participant's 500 points were not credited back",
      'item 2 (sc-alectra-pp-2026-04-2): PayPal says SUCCESS, we recorded returned: the participant was paid and also credited the 1000 points back',
      'item 4 (sc-alectra-pp-2026-04-4): PayPal says PENDING, we recorded success',
    ]);
  });

  it('names items only one side has', () => {
    expect(compareWithPaypal(batch, [ours(1), ours(2)], remote(theirs(1), theirs(9)))).toEqual([
      'item 2 (sc-alectra-pp-2026-04-2): PayPal batch PPBATCH has no such item',
      'batch 7 (sc-alectra-pp-2026-04): PayPal has item PPITEM9 (sc-alectra-pp-2026-04-9, 45.00 CAD to p9@example.com) that we did not record',
    ]);
  });
});

/** Payouts context: PayPal batches and gift cards, reconciled against the rewards ledger. */
export { PayoutService, ZFulfilSchema, type Reconciliation } from './payout.service.js';
export { PAID_STATUSES, REVERSED_STATUSES } from './item-status.js';
export { PaypalPayouts, type PaypalOptions } from './paypal-client.js';
export { nextPayoutOf, type NextPayout } from './payout-schedule.js';
export { listBatchPeriods, listItemsOfEnrollment, type ParticipantPayoutRow } from './payout.repository.js';
export { isPaid, isReversed } from './item-status.js';

/** Payouts context: PayPal batches and gift cards, reconciled against the rewards ledger. */
export { PayoutService, ZFulfilSchema, type Reconciliation } from './payout.service.js';
export { PAID_STATUSES, REVERSED_STATUSES } from './item-status.js';
export { PaypalPayouts, type PaypalOptions } from './paypal-client.js';

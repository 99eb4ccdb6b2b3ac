/** Payouts context: PayPal batches and gift cards, reconciled against the rewards ledger. */
export { PayoutService, REVERSED_STATUSES, ZFulfilSchema, type Reconciliation } from './payout.service.js';
export { PaypalPayouts, type PaypalOptions } from './paypal-client.js';

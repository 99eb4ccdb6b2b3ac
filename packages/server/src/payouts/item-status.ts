/**
 * What a payout item's status means for the participant's money: paid, given back (the points
 * return to the balance), or still open. Shared by settling, reconciling and notifying.
 */
import type { PaypalItemStatus } from './paypal-client.js';

/** Item statuses whose money did not reach the participant: the points go back to them. */
export const REVERSED_STATUSES = ['failed', 'returned', 'blocked', 'refunded', 'reversed', 'denied'] as const;
/** Item statuses whose money reached the participant: PayPal paid it, or the gift card was sent. */
export const PAID_STATUSES = ['success', 'fulfilled'] as const;

/** PayPal's transaction_status → our item status. */
export const PAYPAL_TO_ITEM: Readonly<Record<PaypalItemStatus, string>> = {
  SUCCESS: 'success',
  PENDING: 'pending',
  ONHOLD: 'onhold',
  UNCLAIMED: 'unclaimed',
  FAILED: 'failed',
  RETURNED: 'returned',
  BLOCKED: 'blocked',
  REFUNDED: 'refunded',
  REVERSED: 'reversed',
};

export function isReversed(status: string): boolean {
  return (REVERSED_STATUSES as readonly string[]).includes(status);
}

export function isPaid(status: string): boolean {
  return (PAID_STATUSES as readonly string[]).includes(status);
}

/** Paid or given back: nothing about the item will change any more. */
export function isSettled(status: string): boolean {
  return isPaid(status) || isReversed(status);
}

/**
 * What a participant is told when a payout item settles: paid to PayPal, gift card sent, held by
 * PayPal until claimed, or not paid (with the points back in the balance). Pure: the payout
 * service records the notice in the same transaction as the item's new status; the dedupe key
 * (item and outcome) makes a poll that repeats tell once.
 */
import type { Program } from '../programs/index.js';
import { isPaid, isReversed } from './item-status.js';
import { formatPaypalAmount } from './paypal-client.js';
import type { PayoutProvider } from './payout.repository.js';

export interface PayoutNotice {
  readonly kind: 'payout_paid' | 'payout_unclaimed' | 'payout_returned';
  readonly dedupeKey: string;
  readonly subject: string;
  readonly body: string;
}

export interface PayoutNoticeInput {
  readonly program: Pick<Program, 'name' | 'payoutOptions' | 'supportEmail'>;
  readonly provider: PayoutProvider;
  readonly period: string;
  readonly item: {
    readonly id: number;
    readonly amountCents: number;
    readonly currency: string;
    readonly receiver: string;
    readonly points: number;
  };
  /** The item's new status. */
  readonly status: string;
  /** The provider's reason, or an administrator's note, for an item that was not paid. */
  readonly detail: string | null;
}

/** The notice for an item's new status; undefined for statuses the participant need not hear about (still open). */
export function payoutNotice(input: PayoutNoticeInput): PayoutNotice | undefined {
  const { program, item, period } = input;
  const amount = `${formatPaypalAmount(item.amountCents, item.currency)} ${item.currency}`;
  const brand = program.payoutOptions.giftCard?.brand ?? 'gift';
  const points = `${item.points.toLocaleString('en-US')} point${item.points === 1 ? '' : 's'}`;
  const key = (outcome: string) => `payout:${item.id}:${outcome}`;
  const support = program.supportEmail ? ` If you have questions, write to ${program.supportEmail}.` : '';
  if (isPaid(input.status)) {
    return input.provider === 'paypal'
      ? {
          kind: 'payout_paid',
          dedupeKey: key('paid'),
          subject: `${program.name}: ${amount} paid to your PayPal account`,
          body: `We have paid ${amount} of your ${program.name} rewards (${period}) to your PayPal account ${item.receiver}. ${points} came out of your balance.`,
        }
      : {
          kind: 'payout_paid',
          dedupeKey: key('paid'),
          subject: `${program.name}: your ${amount} ${brand} card is on its way`,
          body: `Your ${program.name} rewards (${period}) have been sent as a ${amount} ${brand} card to ${item.receiver}. ${points} came out of your balance.${support}`,
        };
  }
  if (input.status === 'unclaimed') {
    return {
      kind: 'payout_unclaimed',
      dedupeKey: key('unclaimed'),
      subject: `${program.name}: claim your ${amount} at PayPal`,
      body: `PayPal is holding ${amount} of your ${program.name} rewards (${period}) for ${item.receiver}, which has no PayPal account yet. Follow PayPal's email to claim it within 30 days; if it is not claimed, the ${points} come back to your balance.`,
    };
  }
  if (isReversed(input.status)) {
    const why = input.detail ? ` (${input.detail})` : '';
    const next =
      input.provider === 'paypal'
        ? 'Check the PayPal address in your application: they will be paid with the next payout.'
        : 'They will be paid with the next payout.';
    return {
      kind: 'payout_returned',
      dedupeKey: key('returned'),
      subject: `${program.name}: your ${amount} payout did not go through`,
      body: `We could not pay ${amount} of your ${program.name} rewards (${period}) to ${item.receiver}${why}. The ${points} are back in your balance. ${next}${support}`,
    };
  }
  return undefined;
}

/**
 * A participant's rewards as the driver reads them: what was earned (each with when it was
 * earned), what is owed and when and how it will be paid, what was paid (when, how, to whom), and
 * what can still be earned. Built from the ledger, the payout items and the payout schedule; it
 * only reads them. Amounts are points with whole cents beside, so a page can show money with the
 * points next to it when the program counts in points.
 */
import type { Program } from '../programs/index.js';
import { isPaid, isReversed, type NextPayout, type ParticipantPayoutRow } from '../payouts/index.js';
import type { LedgerEntryRow } from './ledger.repository.js';

export interface Amount {
  readonly points: number;
  /** Whole cents of the program's currency (rounded down, as payouts pay). */
  readonly cents: number;
}

export interface Earning {
  readonly id: number;
  readonly kind: 'reward' | 'adjustment';
  readonly rule: string;
  /** Why, in words; energy in kWh to one decimal. */
  readonly summary: string;
  readonly period: string | null;
  readonly amount: Amount;
  /** When it was earned (a month's reward at the month's end), not when the job recorded it. */
  readonly earnedAt: Date;
  readonly recordedAt: Date;
}

export type PaymentState = 'paid' | 'on_its_way' | 'waiting_for_claim' | 'not_paid';

export interface Payment {
  readonly id: number;
  readonly method: 'paypal' | 'gift_card';
  /** "PayPal" or "Amazon gift card". */
  readonly how: string;
  /** The PayPal address, or the e-mail address the card goes to. */
  readonly to: string;
  readonly period: string;
  readonly amount: Amount;
  readonly state: PaymentState;
  readonly sentAt: Date;
  /** When it reached the participant (paid), or was given back (not paid). */
  readonly settledAt: Date | null;
}

export interface RewardsView {
  readonly enrollmentId: number;
  readonly program: { readonly slug: string; readonly name: string };
  readonly status: string;
  readonly leftAt: Date | null;
  readonly display: 'money' | 'points';
  readonly pointsPerUnit: number;
  readonly currency: string;
  /** Rewards and adjustments, net. */
  readonly earned: Amount;
  /** Owed and not yet in a payout: what the next payout pays. */
  readonly owed: Amount;
  /** Sent, not yet settled. */
  readonly onItsWay: Amount;
  /** Reached the participant. */
  readonly paid: Amount;
  readonly nextPayout: (NextPayout & { readonly how: string; readonly to: string | null }) | null;
  /** Whether the participant may still change how they are paid (not after leaving). */
  readonly canChangePayment: boolean;
  /** Rules that can still be earned from a start not yet made (the start bonus), none after leaving. */
  readonly stillToEarn: readonly { readonly key: string; readonly label: string; readonly amount: Amount }[];
  /** The start bonus was earned in an earlier participation in this program: it is paid once. */
  readonly startBonusEarnedBefore: boolean;
  /** Newest first. */
  readonly earnings: readonly Earning[];
  /** Newest first. */
  readonly payments: readonly Payment[];
}

/** Energy figures in a rule's summary to one decimal ("7.234 kWh" → "7.2 kWh"). */
export function kwhToOneDecimal(text: string): string {
  return text.replace(/(\d+(?:\.\d+)?) kWh/g, (_, n: string) => `${Number(n).toFixed(1)} kWh`);
}

function stateOf(status: string): PaymentState {
  if (isPaid(status)) return 'paid';
  if (isReversed(status)) return 'not_paid';
  if (status === 'unclaimed') return 'waiting_for_claim';
  return 'on_its_way';
}

export function buildRewardsView(input: {
  readonly program: Program;
  readonly enrollment: {
    readonly id: number;
    readonly status: string;
    readonly leftAt: Date | null;
    readonly paypalEmail: string | null;
  };
  readonly entries: readonly LedgerEntryRow[];
  readonly items: readonly ParticipantPayoutRow[];
  readonly nextPayout: NextPayout | null;
  /** The account earned the start bonus in an earlier participation: it is not offered again. */
  readonly startBonusEarnedBefore?: boolean;
}): RewardsView {
  const { program, enrollment, entries, items } = input;
  const amount = (points: number): Amount => ({
    points,
    cents: Math.floor((points * 100) / program.pointsPerUnit),
  });
  const cardBrand = program.payoutOptions.giftCard?.brand;
  const howOf = (method: 'paypal' | 'gift_card') =>
    method === 'paypal' ? 'PayPal' : cardBrand ? `${cardBrand} gift card` : 'Gift card';
  const earnings: Earning[] = entries
    .filter((e) => e.kind === 'reward' || e.kind === 'adjustment')
    .map((e) => {
      const explanation = e.explanation as { rule?: string; summary?: string; earnedAt?: string };
      return {
        id: e.id,
        kind: e.kind as 'reward' | 'adjustment',
        rule: explanation.rule ?? (e.kind === 'adjustment' ? 'Adjustment' : 'Reward'),
        summary: kwhToOneDecimal(explanation.summary ?? e.reason ?? ''),
        period: e.period,
        amount: amount(e.points),
        earnedAt: explanation.earnedAt ? new Date(explanation.earnedAt) : e.createdAt,
        recordedAt: e.createdAt,
      };
    })
    .sort((a, b) => b.earnedAt.getTime() - a.earnedAt.getTime() || b.id - a.id);
  const payments: Payment[] = items
    .map((i) => {
      const state = stateOf(i.status);
      return {
        id: i.id,
        method: i.provider,
        how: howOf(i.provider),
        to: i.receiver,
        period: i.period,
        amount: amount(i.points),
        state,
        sentAt: i.batchCreatedAt,
        settledAt: state === 'paid' || state === 'not_paid' ? i.updatedAt : null,
      };
    })
    .reverse();
  const sum = (points: readonly number[]) => points.reduce((a, b) => a + b, 0);
  const balance = sum(entries.map((e) => e.points));
  const earned = sum(earnings.map((e) => e.amount.points));
  const paid = sum(payments.filter((p) => p.state === 'paid').map((p) => p.amount.points));
  const onItsWay = sum(
    payments.filter((p) => p.state === 'on_its_way' || p.state === 'waiting_for_claim').map((p) => p.amount.points),
  );
  const taking = enrollment.status === 'approved';
  const earnedKeys = new Set(entries.filter((e) => e.kind === 'reward').map((e) => e.ruleKey));
  const next = input.nextPayout;
  return {
    enrollmentId: enrollment.id,
    program: { slug: program.slug, name: program.name },
    status: enrollment.status,
    leftAt: enrollment.leftAt,
    display: program.rewardDisplay,
    pointsPerUnit: program.pointsPerUnit,
    currency: program.currency,
    earned: amount(earned),
    owed: amount(balance),
    onItsWay: amount(onItsWay),
    paid: amount(paid),
    nextPayout: next
      ? { ...next, how: howOf(next.method), to: next.method === 'paypal' ? enrollment.paypalEmail : null }
      : null,
    canChangePayment: enrollment.status === 'applied' || enrollment.status === 'approved',
    startBonusEarnedBefore: input.startBonusEarnedBefore ?? false,
    stillToEarn:
      taking && !input.startBonusEarnedBefore
        ? program.rewardRules
            .filter((r) => r.type === 'start_bonus' && !earnedKeys.has(r.key))
            .map((r) => ({ key: r.key, label: r.label, amount: amount(r.type === 'start_bonus' ? r.points : 0) }))
        : [],
    earnings,
    payments,
  };
}

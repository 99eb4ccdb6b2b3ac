/**
 * When a participant is paid next, read from the schedule the payout jobs keep (jobs/platform-jobs.ts
 * and PayoutService): a program's PayPal batch for a month is recorded by the first daily run
 * (10:00 UTC) in the month after, and pays each PayPal participant's whole balance once it reaches
 * the program's minimum; gift cards pay the balance earned by a year's end on the first daily run
 * (09:00 UTC) of the next year, or, for a program that pays at its end, the day after collection ends.
 * Pure: the caller passes the periods already recorded and the time.
 */
import { createLocalClock } from '@smartcharge/protocol';
import type { Program } from '../programs/index.js';
import type { PayoutProvider } from './payout.repository.js';

export const PAYPAL_RUN_HOUR_UTC = 10;
export const GIFT_CARD_RUN_HOUR_UTC = 9;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface NextPayout {
  readonly method: PayoutProvider;
  /** The local date of the run that pays; null when the program has not set it (paying at an end not yet dated). */
  readonly on: string | null;
  /** The batch period that run records ('2026-11', '2026', 'program-end'). */
  readonly period: string;
  /** The least balance that run pays, in points. */
  readonly minimumPoints: number;
  /** PayPal is the way, but this server has no PayPal credentials yet: no run pays until it has (no date). */
  readonly waitingForSetup?: boolean;
}

/** The first run at `hourUtc` at or after `fromMs`. */
function runAtOrAfter(fromMs: number, hourUtc: number): number {
  const day = Math.floor(fromMs / DAY) * DAY;
  const run = day + hourUtc * HOUR;
  return run >= fromMs ? run : run + DAY;
}

function monthKey(year: number, month: number): string {
  return `${year}-${String(month).padStart(2, '0')}`;
}

/**
 * How a participant of `program` is paid next, as the jobs will do it: by PayPal when they gave an
 * address and the program pays by PayPal, otherwise by gift card when it gives them; null when
 * the program has no way to pay them.
 */
export function nextPayoutOf(
  program: Pick<Program, 'timeZone' | 'payoutOptions' | 'collectionEndsOn'>,
  participant: { readonly paypalEmail: string | null },
  recorded: (provider: PayoutProvider, period: string) => boolean,
  now: Date,
): NextPayout | null {
  const clock = createLocalClock(program.timeZone);
  const nowMs = now.getTime();
  const today = clock.localDateKey(nowMs);
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7));
  const paypal = program.payoutOptions.paypal;
  if (participant.paypalEmail !== null && paypal) {
    const previous = month === 1 ? monthKey(year - 1, 12) : monthKey(year, month - 1);
    // Last month's batch not recorded yet (nobody was owed, or the run is still to come): the next daily run.
    if (!recorded('paypal', previous)) {
      return {
        method: 'paypal',
        on: clock.localDateKey(runAtOrAfter(nowMs, PAYPAL_RUN_HOUR_UTC)),
        period: previous,
        minimumPoints: paypal.minimumPoints,
      };
    }
    const firstOfNext = month === 12 ? `${year + 1}-01-01` : `${monthKey(year, month + 1)}-01`;
    return {
      method: 'paypal',
      on: clock.localDateKey(runAtOrAfter(clock.utcMsAt(firstOfNext, 0, 0), PAYPAL_RUN_HOUR_UTC)),
      period: monthKey(year, month),
      minimumPoints: paypal.minimumPoints,
    };
  }
  const card = program.payoutOptions.giftCard;
  if (!card) return null;
  if (card.when === 'year_end') {
    return {
      method: 'gift_card',
      on: clock.localDateKey(runAtOrAfter(clock.utcMsAt(`${year + 1}-01-01`, 0, 0), GIFT_CARD_RUN_HOUR_UTC)),
      period: String(year),
      minimumPoints: 1,
    };
  }
  const ends = program.collectionEndsOn;
  if (!ends) return { method: 'gift_card', on: null, period: 'program-end', minimumPoints: 1 };
  // The day after collection ends, or (once it has passed and the cards are not recorded yet) the next run.
  const from = today > ends ? nowMs : clock.utcMsAt(ends, 24, 0);
  return {
    method: 'gift_card',
    on: recorded('gift_card', 'program-end') ? null : clock.localDateKey(runAtOrAfter(from, GIFT_CARD_RUN_HOUR_UTC)),
    period: 'program-end',
    minimumPoints: 1,
  };
}

/**
 * The platform's scheduled work. Every job is idempotent (the ledger's and the payout batches'
 * unique keys, notifications' dedupe keys), so a run repeated after a crash changes nothing.
 */
import type { Services } from '../services.js';
import type { JobDefinition } from './scheduler.js';

export const JOB_NAMES = [
  'rewards',
  'paypal-payouts',
  'gift-cards',
  'device-reminders',
  'mail-retry',
  'housekeeping',
  'demand-response',
] as const;

export function platformJobs(services: Services): JobDefinition[] {
  return [
    {
      // Rewards are earned as facts arrive (start bonus) and as months end: evaluate often.
      name: 'rewards',
      schedule: { every: 3600 },
      runImmediately: true,
      run: async () => ({ programs: await services.rewards.evaluateAll() }),
    },
    {
      // Daily: last month's batch is recorded on the first run of the month; sent and read back until settled.
      name: 'paypal-payouts',
      schedule: { daily: { hour: 10 }, timeZone: 'UTC' },
      // Rewards are counted first, so a month's payout includes that month's rewards.
      run: async () => {
        await services.rewards.evaluateAll();
        return { ...(await services.payouts.runPaypal()) };
      },
    },
    {
      name: 'gift-cards',
      schedule: { daily: { hour: 9 }, timeZone: 'UTC' },
      run: async () => {
        await services.rewards.evaluateAll();
        return { ...(await services.payouts.runGiftCards()) };
      },
    },
    {
      name: 'device-reminders',
      schedule: { daily: { hour: 15 }, timeZone: 'UTC' },
      run: async () => ({ ...(await services.participation.sendReminders()) }),
    },
    {
      name: 'mail-retry',
      schedule: { every: 900 },
      run: async () => ({ ...(await services.notifications.retryUnsent()) }),
    },
    {
      name: 'housekeeping',
      schedule: { daily: { hour: 4 }, timeZone: 'UTC' },
      run: async () => ({ ...(await services.accounts.purgeExpired()) }),
    },
    {
      // Demand-response events: schedules expanded, participants told at notice time, events started,
      // completed and measured. Every step checks the event's state first, so a repeated run does nothing.
      name: 'demand-response',
      schedule: { every: 60 },
      run: async (ctx) => ({ ...(await services.demand.tick(ctx.now)) }),
    },
  ];
}

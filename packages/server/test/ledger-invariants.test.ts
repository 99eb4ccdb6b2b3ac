/**
 * The rewards ledger's promises, checked with random histories on PGlite and on PostgreSQL. Each
 * run is a fresh program with two participants (one paid by PayPal, one by gift card) whose
 * charging sessions are random, then a random sequence of what the platform does: evaluate rewards
 * as of some day (also twice at once), adjust balances up and down (also two at once), pay by
 * PayPal (the fake PayPal succeeding or failing) and by gift card (some cards undelivered), and
 * evaluate while paying. After every step:
 *   - each (enrollment, vehicle, rule, period) and (enrollment, slot, rule, period) is rewarded at most once;
 *   - no balance is ever negative, and each balance is the sum of its entries;
 *   - nothing already written changed (append-only);
 *   - concurrent evaluations together add what one would, and the payouts reconcile;
 *   - each step moved the balances exactly as it should (an adjustment is taken iff it keeps the
 *     balance at or above zero; a payout takes the whole balance, and gives it back if it failed).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR, type Actor } from '../src/actor.js';
import { AppError } from '../src/errors.js';
import { PRESETS } from '../src/programs/index.js';
import type { LedgerEntryRow } from '../src/rewards/index.js';
import type { Services } from '../src/services.js';
import { testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { startFakePaypal, type FakePaypal } from './support/fake-paypal.js';
import {
  addChargeSessions,
  chargeSession,
  createDriver,
  createOperator,
  enrollDriver,
  equipDevice,
  type Participant,
} from './support/program-fixtures.js';

const DAY = 86_400_000;
/** Devices go live on 5 January 2026; sessions and evaluations fall in the seven months after. */
const START = Date.UTC(2026, 0, 5, 15);
const HORIZON_DAYS = 210;
const PAYPAL_MINIMUM = 100;
const NUM_RUNS = 20;

const sessionArb = fc.record({
  day: fc.integer({ min: 0, max: HORIZON_DAYS - 10 }),
  hour: fc.integer({ min: 0, max: 23 }),
  // 0 kWh sessions are below the rules' 1 kWh minimum; some are outside the territory.
  kwh: fc.integer({ min: 0, max: 20 }),
  inTerritory: fc.constantFrom(true, true, true, false),
});
const sessionsArb = fc.uniqueArray(sessionArb, { maxLength: 8, selector: (s) => s.day * 24 + s.hour });

const who = fc.constantFrom(0, 1);
const points = fc.integer({ min: -8000, max: 8000 }).filter((n) => n !== 0);
const opArb = fc.oneof(
  fc.record({ op: fc.constant('evaluate' as const), day: fc.integer({ min: 0, max: HORIZON_DAYS }) }),
  fc.record({ op: fc.constant('evaluateTwiceAtOnce' as const), day: fc.integer({ min: 0, max: HORIZON_DAYS }) }),
  fc.record({ op: fc.constant('adjust' as const), who, points }),
  // Two deductions at once, each a share of the balance: together they often take more than there is.
  fc.record({
    op: fc.constant('adjustTwiceAtOnce' as const),
    who,
    percents: fc.tuple(fc.integer({ min: 20, max: 95 }), fc.integer({ min: 20, max: 95 })),
  }),
  fc.record({ op: fc.constant('paypal' as const), fails: fc.boolean() }),
  fc.record({ op: fc.constant('giftCard' as const), undelivered: fc.boolean() }),
  fc.record({ op: fc.constant('evaluateWhilePaying' as const), day: fc.integer({ min: 0, max: HORIZON_DAYS }) }),
);
const historyArb = fc.record({
  sessions: fc.tuple(sessionsArb, sessionsArb),
  ops: fc.array(opArb, { minLength: 2, maxLength: 8 }),
});

describeEachDatabase('ledger invariants under random histories', (setup) => {
  let services: Services;
  let paypal: FakePaypal;
  let operator: Actor;
  let drivers: Awaited<ReturnType<typeof createDriver>>[];
  let nowMs = START;
  let run = 0;

  beforeAll(async () => {
    paypal = await startFakePaypal();
    services = await testServices(
      setup().db,
      { paypalApiUrl: paypal.url, paypalClientId: paypal.clientId, paypalClientSecret: paypal.clientSecret },
      () => new Date(nowMs),
    );
    operator = await createOperator(services);
    // Made once: each run's program is new, so the same drivers can join it again.
    drivers = [await createDriver(services), await createDriver(services)];
  });
  afterAll(async () => {
    await paypal?.close();
  });

  interface World {
    readonly slug: string;
    readonly participants: readonly Participant[];
    readonly paypalEmail: string;
  }

  async function newWorld(sessions: readonly (typeof sessionArb extends fc.Arbitrary<infer T> ? T : never)[][]) {
    run += 1;
    nowMs = START;
    const slug = `ledger-${setup().kind}-${run}`;
    await services.programs.createProgram(CLI_OPERATOR, {
      ...PRESETS.alectra,
      slug,
      payoutOptions: { paypal: { minimumPoints: PAYPAL_MINIMUM }, giftCard: { brand: 'Amazon', when: 'year_end' } },
    });
    const paypalEmail = `ledger-${run}@paypal.example`;
    const participants = [
      await enrollDriver(services, slug, { driver: drivers[0]!, paypalEmail }),
      await enrollDriver(services, slug, { driver: drivers[1]! }),
    ];
    for (const [i, participant] of participants.entries()) {
      await equipDevice(services, participant, { activate: true });
      await addChargeSessions(
        services,
        participant.vehicleId,
        sessions[i]!.map((s) =>
          chargeSession({
            pluggedAtMs: START + DAY + s.day * DAY + s.hour * 3_600_000,
            hours: 2,
            wallKwh: s.kwh,
            inTerritory: s.inTerritory,
          }),
        ),
      );
    }
    // The platform's own time runs after every session; evaluations say which day they count to.
    nowMs = START + (HORIZON_DAYS + 10) * DAY;
    return { slug, participants, paypalEmail } satisfies World;
  }

  const ledgers = async (world: World) =>
    Promise.all(
      world.participants.map((p) => services.rewards.getLedger(CLI_OPERATOR, p.enrollmentId, { limit: 500 })),
    );
  const evaluate = (world: World, day: number) =>
    services.rewards.evaluateProgram(CLI_OPERATOR, world.slug, new Date(START + day * DAY));

  /** What no history may break, checked against the ledger as it was before the step. */
  async function checkInvariants(world: World, before: readonly LedgerEntryRow[][]) {
    const now = await ledgers(world);
    for (const [i, ledger] of now.entries()) {
      expect(ledger.balance, 'balance never negative').toBeGreaterThanOrEqual(0);
      expect(ledger.balance, 'balance is the sum of entries').toBe(ledger.entries.reduce((a, e) => a + e.points, 0));
      const rewards = ledger.entries.filter((e) => e.kind === 'reward');
      const byVehicle = rewards.map((e) => `${e.vehicleId}:${e.ruleKey}:${e.period}`);
      const bySlot = rewards.map((e) => `${e.slotId}:${e.ruleKey}:${e.period}`);
      expect(new Set(byVehicle).size, `rewarded once: ${byVehicle.join(' ')}`).toBe(byVehicle.length);
      expect(new Set(bySlot).size).toBe(bySlot.length);
      // Append-only: every earlier entry is still there, unchanged.
      const ids = new Map(ledger.entries.map((e) => [e.id, e]));
      for (const entry of before[i]!) expect(ids.get(entry.id)).toEqual(entry);
    }
    const reconciliation = await services.payouts.reconcile(CLI_OPERATOR, world.slug);
    expect(reconciliation.problems).toEqual([]);
    return now;
  }

  const balances = async (world: World) => (await ledgers(world)).map((l) => l.balance);
  const newEntries = (before: readonly LedgerEntryRow[], after: readonly LedgerEntryRow[]) => {
    const seen = new Set(before.map((e) => e.id));
    return after.filter((e) => !seen.has(e.id));
  };

  /** Pays by PayPal (participant 0) or gift card (participant 1); the failure flag makes the payment not arrive. */
  async function pay(world: World, provider: 'paypal' | 'gift_card', fails: boolean, period: string) {
    if (provider === 'paypal') paypal.setReceiverOutcome(world.paypalEmail, fails ? 'FAILED' : 'SUCCESS');
    let batch;
    try {
      batch = await services.payouts.createBatchFor(operator, world.slug, provider, period);
    } catch (error) {
      if (error instanceof AppError && /Nobody in .* to pay/.test(error.message)) return 'nothing to pay';
      throw error;
    }
    if (provider === 'paypal') {
      await services.payouts.submitBatch(batch.id);
      await services.payouts.pollBatch(batch.id);
    } else {
      await services.payouts.fulfilGiftCards(operator, batch.id, { failedItems: fails ? [batch.items[0]!.id] : [] });
    }
    return 'paid';
  }

  it('holds for every random history of evaluations, adjustments and payouts', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async ({ sessions, ops }) => {
        const world = await newWorld(sessions);
        let state = (await ledgers(world)).map((l) => l.entries);
        for (const [step, action] of ops.entries()) {
          const before = await balances(world);
          const period = `s${step}`;
          switch (action.op) {
            case 'evaluate': {
              const result = await evaluate(world, action.day);
              const again = await evaluate(world, action.day);
              expect(again.added, 'evaluating twice adds nothing the second time').toBe(0);
              const after = await ledgers(world);
              const added = after.flatMap((l, i) => newEntries(state[i]!, l.entries));
              expect(added.every((e) => e.kind === 'reward')).toBe(true);
              expect(added).toHaveLength(result.added);
              expect(added.reduce((a, e) => a + e.points, 0)).toBe(result.points);
              break;
            }
            case 'evaluateTwiceAtOnce': {
              const [a, b] = await Promise.all([evaluate(world, action.day), evaluate(world, action.day)]);
              const after = await ledgers(world);
              const added = after.flatMap((l, i) => newEntries(state[i]!, l.entries));
              expect(a.added + b.added, 'two evaluations at once pay what one would').toBe(added.length);
              expect(a.entitlements).toBe(b.entitlements);
              expect((await evaluate(world, action.day)).added).toBe(0);
              break;
            }
            case 'adjust': {
              const participant = world.participants[action.who]!;
              const outcome = await services.rewards
                .adjust(operator, participant.enrollmentId, { points: action.points, reason: 'Random correction' })
                .then(
                  () => 'taken',
                  (error: unknown) => error,
                );
              const after = await balances(world);
              if (before[action.who]! + action.points >= 0) {
                expect(outcome).toBe('taken');
                expect(after[action.who]).toBe(before[action.who]! + action.points);
              } else {
                expect((outcome as AppError).code).toBe('invalid_input');
                expect(after).toEqual(before);
              }
              break;
            }
            case 'adjustTwiceAtOnce': {
              const participant = world.participants[action.who]!;
              const deductions = action.percents.map(
                (pct) => -Math.max(1, Math.round((before[action.who]! * pct) / 100)),
              );
              const outcomes = await Promise.allSettled(
                deductions.map((p) =>
                  services.rewards.adjust(operator, participant.enrollmentId, { points: p, reason: 'Correction' }),
                ),
              );
              const taken = deductions.filter((_, i) => outcomes[i]!.status === 'fulfilled');
              for (const outcome of outcomes) {
                if (outcome.status === 'rejected') expect((outcome.reason as AppError).code).toBe('invalid_input');
              }
              // As if one after the other, in some order: each taken one kept the balance at or above zero, each refused one would not have.
              const start = before[action.who]!;
              const serial = [0, 1].some((first) => {
                let balance = start;
                for (const i of [first, 1 - first]) {
                  const fits = balance + deductions[i]! >= 0;
                  if (fits !== (outcomes[i]!.status === 'fulfilled')) return false;
                  if (fits) balance += deductions[i]!;
                }
                return true;
              });
              expect(serial, `outcomes ${outcomes.map((o) => o.status).join(', ')} from ${start}`).toBe(true);
              expect((await balances(world))[action.who]).toBe(start + taken.reduce((a, b) => a + b, 0));
              break;
            }
            case 'paypal': {
              const outcome = await pay(world, 'paypal', action.fails, period);
              const after = await balances(world);
              expect(outcome).toBe(before[0]! >= PAYPAL_MINIMUM ? 'paid' : 'nothing to pay');
              expect(after[0]).toBe(outcome === 'paid' && !action.fails ? 0 : before[0]);
              expect(after[1], 'PayPal pays only those who gave an address').toBe(before[1]);
              break;
            }
            case 'giftCard': {
              const outcome = await pay(world, 'gift_card', action.undelivered, period);
              const after = await balances(world);
              expect(outcome).toBe(before[1]! > 0 ? 'paid' : 'nothing to pay');
              expect(after[1]).toBe(outcome === 'paid' && !action.undelivered ? 0 : before[1]);
              expect(after[0], 'gift cards go to those without PayPal').toBe(before[0]);
              break;
            }
            case 'evaluateWhilePaying': {
              await Promise.all([evaluate(world, action.day), pay(world, 'gift_card', false, period)]);
              break;
            }
          }
          state = (await checkInvariants(world, state)).map((l) => l.entries);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  }, 240_000);
});

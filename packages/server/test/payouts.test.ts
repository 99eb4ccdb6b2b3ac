/**
 * PayPal payouts through the payout service, on PGlite and on PostgreSQL, against the local fake
 * PayPal: an item PayPal could not pay is credited back exactly once however often the batch is
 * read, the others are paid, and each participant is told how their payout went; reconciliation
 * says what differs when PayPal, or the ledger, does not match what was recorded.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR, type Actor } from '../src/actor.js';
import { PRESETS } from '../src/programs/index.js';
import { insertEntry } from '../src/rewards/ledger.repository.js';
import type { Services } from '../src/services.js';
import { testServices } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { startFakePaypal, type FakePaypal } from './support/fake-paypal.js';
import { createOperator, enrollDriver, uniqueEmail, type Participant } from './support/program-fixtures.js';

const NOW = Date.UTC(2026, 4, 2, 12);

describeEachDatabase('PayPal payouts', (setup) => {
  let paypal: FakePaypal;
  let services: Services;
  let operator: Actor;
  let programs = 0;

  beforeAll(async () => {
    paypal = await startFakePaypal();
    services = await testServices(
      setup().db,
      { paypalApiUrl: paypal.url, paypalClientId: paypal.clientId, paypalClientSecret: paypal.clientSecret },
      () => new Date(NOW),
    );
    operator = await createOperator(services);
  });
  afterAll(async () => {
    await paypal?.close();
  });

  /** A program of its own per test (Alectra's terms: CAD, 100 points a dollar), with participants holding balances. */
  async function programWith(balances: readonly number[]) {
    programs += 1;
    const slug = `alectra-payouts-${programs}`;
    await services.programs.createProgram(CLI_OPERATOR, { ...PRESETS.alectra, slug });
    const participants: (Participant & { paypalEmail: string })[] = [];
    for (const points of balances) {
      const paypalEmail = uniqueEmail('paypal');
      const participant = await enrollDriver(services, slug, { paypalEmail });
      await services.rewards.adjust(operator, participant.enrollmentId, { points, reason: 'Rewards for testing' });
      participants.push({ ...participant, paypalEmail });
    }
    return { slug, participants };
  }
  const ledgerOf = (p: Participant) => services.rewards.getLedger(p.actor, p.enrollmentId);
  const kindsOf = async (p: Participant) => (await ledgerOf(p)).entries.map((e) => `${e.kind}:${e.points}`).reverse();
  const noticesOf = async (p: Participant) =>
    (await services.notifications.listMine(p.actor)).filter((n) => n.kind.startsWith('payout_'));
  const pay = async (slug: string, period: string) => {
    const batch = await services.payouts.createBatchFor(operator, slug, 'paypal', period);
    expect(await services.payouts.submitBatch(batch.id)).toBe(true);
    return services.payouts.pollBatch(batch.id);
  };

  it('credits an item PayPal could not pay back exactly once, pays the others, and tells each participant', async () => {
    const { slug, participants } = await programWith([700, 1200, 300]);
    const [ann, ben, cat] = participants as [
      (typeof participants)[0],
      (typeof participants)[0],
      (typeof participants)[0],
    ];
    paypal.setReceiverOutcome(ben.paypalEmail, 'FAILED');

    const settled = await pay(slug, '2026-04');
    expect(settled.status).toBe('completed');
    const batch = await services.payouts.getBatch(operator, settled.id);
    expect(batch.items.map((i) => [i.receiver, i.amountCents, i.status])).toEqual([
      [ann.paypalEmail, 700, 'success'],
      [ben.paypalEmail, 1200, 'failed'],
      [cat.paypalEmail, 300, 'success'],
    ]);
    expect(batch.items[1]!.statusDetail).toMatch(/^RECEIVER_ACCOUNT_LOCKED: /);

    // Reading the batch again, directly or through the job, credits nothing more.
    await services.payouts.pollBatch(settled.id);
    await services.payouts.runPaypal();
    await services.payouts.pollBatch(settled.id);
    expect(await kindsOf(ben)).toEqual(['adjustment:1200', 'payout:-1200', 'payout_reversal:1200']);
    expect((await ledgerOf(ben)).balance).toBe(1200);
    for (const paid of [ann, cat]) {
      expect(await kindsOf(paid)).toEqual([
        `adjustment:${paid === ann ? 700 : 300}`,
        `payout:-${paid === ann ? 700 : 300}`,
      ]);
      expect((await ledgerOf(paid)).balance).toBe(0);
    }
    expect([ann, ben, cat].map((p) => paypal.paidCents(p.paypalEmail))).toEqual([700, 0, 300]);

    const [annNotice, ...annMore] = await noticesOf(ann);
    expect(annMore).toEqual([]);
    expect(annNotice?.kind).toBe('payout_paid');
    expect(annNotice?.subject).toContain('7.00 CAD paid to your PayPal');
    expect(annNotice!.body).toContain(ann.paypalEmail);
    const [benNotice, ...benMore] = await noticesOf(ben);
    expect(benMore).toEqual([]);
    expect(benNotice).toMatchObject({ kind: 'payout_returned' });
    expect(benNotice!.body).toContain('12.00 CAD');
    expect(benNotice!.body).toContain("Receiver's account is locked or inactive");
    expect(benNotice!.body).toContain('1,200 points are back in your balance');

    expect(await services.payouts.reconcile(operator, slug)).toMatchObject({
      ok: true,
      problems: [],
      totals: {
        items: 3,
        paidPoints: 1000,
        inFlightPoints: 0,
        reversedPoints: 1200,
        ledgerDebits: 2200,
        ledgerReversals: 1200,
        paypalBatchesChecked: 1,
      },
    });

    // With a working address, the credited points go out with the next batch, once.
    await services.enrollment.setPaypalEmail(ben.actor, ben.enrollmentId, { paypalEmail: `new.${ben.paypalEmail}` });
    const next = await pay(slug, '2026-05');
    expect((await services.payouts.getBatch(operator, next.id)).items.map((i) => [i.amountCents, i.status])).toEqual([
      [1200, 'success'],
    ]);
    expect((await ledgerOf(ben)).balance).toBe(0);
    expect((await noticesOf(ben)).map((n) => n.kind).sort()).toEqual(['payout_paid', 'payout_returned']);
    expect((await services.payouts.reconcile(operator, slug)).ok).toBe(true);
  });

  it('keeps an unclaimed payment in flight, asks the participant to claim it, and credits it back once when PayPal returns it', async () => {
    const { slug, participants } = await programWith([900]);
    const dee = participants[0]!;
    paypal.setReceiverOutcome(dee.paypalEmail, 'UNCLAIMED');
    const polled = await pay(slug, '2026-04');
    expect(polled.status).toBe('processing');
    expect((await noticesOf(dee)).map((n) => [n.kind, n.subject])).toEqual([
      ['payout_unclaimed', expect.stringContaining('claim your 9.00 CAD at PayPal')],
    ]);
    expect((await services.payouts.reconcile(operator, slug)).totals).toMatchObject({ inFlightPoints: 900 });

    const [item] = (await services.payouts.getBatch(operator, polled.id)).items;
    paypal.alterItem(item!.senderItemId, { status: 'RETURNED' });
    await services.payouts.runPaypal();
    await services.payouts.runPaypal();
    expect((await services.payouts.getBatch(operator, polled.id)).status).toBe('completed');
    expect(await kindsOf(dee)).toEqual(['adjustment:900', 'payout:-900', 'payout_reversal:900']);
    expect((await noticesOf(dee)).map((n) => n.kind).sort()).toEqual(['payout_returned', 'payout_unclaimed']);
    expect(await services.payouts.reconcile(operator, slug)).toMatchObject({
      ok: true,
      totals: { reversedPoints: 900 },
    });
  });

  it('says which item PayPal reports differently from what the ledger paid for, and what that means', async () => {
    const { slug } = await programWith([500, 800]);
    const settled = await pay(slug, '2026-04');
    const [first, second] = (await services.payouts.getBatch(operator, settled.id)).items;
    expect((await services.payouts.reconcile(operator, slug)).ok).toBe(true);

    paypal.alterItem(first!.senderItemId, { amountCents: 5000 });
    paypal.alterItem(second!.senderItemId, { status: 'RETURNED' });
    const found = await services.payouts.reconcile(operator, slug);
    expect(found.ok).toBe(false);
    expect(found.problems).toEqual([
      `item ${first!.id} (${first!.senderItemId}): PayPal has 50.00 CAD, the ledger paid for 5.00 CAD`,
      `item ${second!.id} (${second!.senderItemId}): PayPal says RETURNED, we recorded success: the money did not ` +
        "arrive, and the participant's 800 points were not credited back",
    ]);
    // The ledger alone still adds up: only PayPal disagrees.
    expect(found.totals).toMatchObject({ paidPoints: 1300, ledgerDebits: 1300, paypalBatchesChecked: 1 });
  });

  it('says when the ledger credited back a payout that was paid', async () => {
    const { slug, participants } = await programWith([400]);
    const settled = await pay(slug, '2026-04');
    const [item] = (await services.payouts.getBatch(operator, settled.id)).items;
    const program = await services.programs.getProgram(operator, slug);
    // A stray correction written around the payout service, as a faulty script might.
    await insertEntry(services.db, {
      programId: program.id,
      enrollmentId: participants[0]!.enrollmentId,
      kind: 'payout_reversal',
      points: 400,
      explanation: { rule: 'stray' },
      reason: null,
      createdBy: null,
      payoutItemId: item!.id,
      at: new Date(NOW),
    });
    const found = await services.payouts.reconcile(operator, slug);
    expect(found.ok).toBe(false);
    expect(found.problems).toEqual([
      `item ${item!.id} (success) was credited back but is not a failed payout`,
      'paid (400) + in flight (0) ≠ ledger debits (400) − reversals (400)',
    ]);
  });
});

/**
 * A PayPal answer we could not read is unknown, never a refusal: on PGlite and on PostgreSQL, the
 * fake PayPal takes the batch and then the answer is spoiled (a proxy's HTML page, the connection
 * cut, no answer until our timeout), or the batch never arrives (503s, a proxy's 400 page), or our
 * server stops between sending and reading. Each time the points stay debited while PayPal may
 * have the batch, reconciliation names the batch until PayPal has said what happened, the batch is
 * resolved under the same sender_batch_id (PayPal pays a sender_batch_id once), each item is paid
 * exactly once, and the next month pays nothing again. Only a refusal PayPal stated releases.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_OPERATOR, type Actor } from '../src/actor.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { PaypalPayouts } from '../src/payouts/index.js';
import { PRESETS } from '../src/programs/index.js';
import { createServices, type Services } from '../src/services.js';
import { TEST_SETTINGS } from './support/builders.js';
import { describeEachDatabase } from './support/databases.js';
import { startFakePaypal, type FakePaypal } from './support/fake-paypal.js';
import { createOperator, enrollDriver, uniqueEmail, type Participant } from './support/program-fixtures.js';

const MAY_2 = Date.UTC(2026, 4, 2, 12);
const HOUR = 3_600_000;

type Fault = {
  readonly name: string;
  readonly inject: (paypal: FakePaypal) => void;
  /** Whether PayPal holds the batch right after the failed send. */
  readonly committed: boolean;
};

// The client tries each call twice here; each fault lasts as long as the client keeps trying.
const FAULTS: readonly Fault[] = [
  { name: 'a 200 answer with an HTML body', inject: (p) => p.spoilResponseAfterCommit(1, 'html'), committed: true },
  {
    name: 'the connection cut after the batch was taken',
    inject: (p) => p.dropResponseAfterCommit(2),
    committed: true,
  },
  { name: 'no answer until our timeout', inject: (p) => p.spoilResponseAfterCommit(2, 'stall'), committed: true },
  { name: 'PayPal unavailable (503) every time', inject: (p) => p.failNext(2, 503), committed: false },
  { name: "a proxy's HTML 400 page", inject: (p) => p.failNext(1, 400, { html: true }), committed: false },
];

describeEachDatabase('PayPal answers that cannot be read', (setup) => {
  let paypal: FakePaypal;
  let nowMs = MAY_2;
  let programs = 0;

  /** A server process: its own services and PayPal client on the shared database. */
  async function startServices(fetchFn?: typeof fetch): Promise<Services> {
    const client = new PaypalPayouts({
      baseUrl: paypal.url,
      clientId: paypal.clientId,
      clientSecret: paypal.clientSecret,
      maxAttempts: 2,
      timeoutMs: 400,
      sleep: async () => {},
      ...(fetchFn ? { fetch: fetchFn } : {}),
    });
    return createServices(
      setup().db,
      { ...TEST_SETTINGS, paypalApiUrl: paypal.url, paypalClientId: paypal.clientId, paypalClientSecret: 'unused' },
      {
        log: createLogger('silent'),
        metrics: createMetrics({ defaultMetrics: false }),
        clock: () => new Date(nowMs),
        paypal: client,
      },
    );
  }

  let services: Services;
  let operator: Actor;
  beforeAll(async () => {
    paypal = await startFakePaypal();
    services = await startServices();
    operator = await createOperator(services);
  });
  afterAll(async () => {
    await paypal?.close();
  });

  async function programWith(balances: readonly number[]) {
    programs += 1;
    nowMs = MAY_2;
    const slug = `alectra-unknown-${programs}`;
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
  const balanceOf = async (p: Participant) => (await services.rewards.getLedger(p.actor, p.enrollmentId)).balance;
  const atPaypal = (senderBatchId: string) => paypal.batches().filter((b) => b.senderBatchId === senderBatchId);

  /** After an unknown outcome: nothing credited back, the batch named by reconciliation, nothing paid twice. */
  async function expectUnknown(
    slug: string,
    batchId: number,
    people: readonly (Participant & { paypalEmail: string })[],
  ) {
    const batch = await services.payouts.getBatch(operator, batchId);
    expect(batch.status).toBe('sending');
    expect(batch.items.map((i) => i.status)).toEqual(people.map(() => 'pending'));
    for (const p of people) expect(await balanceOf(p)).toBe(0);
    const found = await services.payouts.reconcile(operator, slug);
    expect(found.ok).toBe(false);
    expect(found.problems).toEqual([
      expect.stringContaining(`batch ${batchId} (${batch.senderBatchId}): sent to PayPal`),
    ]);
    expect(found.problems[0]).toContain('outcome unknown');
    expect(atPaypal(batch.senderBatchId).length).toBeLessThanOrEqual(1);
    return batch;
  }

  /** The next runs resolve it: paid exactly once, reconciliation ok, next month pays nothing again. */
  async function expectResolved(
    slug: string,
    batchId: number,
    people: readonly (Participant & { paypalEmail: string })[],
    cents: readonly number[],
  ) {
    nowMs += HOUR;
    await services.payouts.runPaypal();
    const batch = await services.payouts.getBatch(operator, batchId);
    expect(batch.status).toBe('completed');
    expect(batch.items.map((i) => i.status)).toEqual(people.map(() => 'success'));
    expect(atPaypal(batch.senderBatchId)).toHaveLength(1);
    expect(people.map((p) => paypal.paidCents(p.paypalEmail))).toEqual(cents);
    for (const p of people) expect(await balanceOf(p)).toBe(0);
    expect(await services.payouts.reconcile(operator, slug)).toMatchObject({ ok: true, problems: [] });

    // June: May's batch finds nothing owed to them; nothing is paid again.
    nowMs = Date.UTC(2026, 5, 2, 12);
    await services.payouts.runPaypal();
    expect((await services.payouts.listBatches(operator, slug)).map((b) => b.period)).toEqual(['2026-04']);
    expect(people.map((p) => paypal.paidCents(p.paypalEmail))).toEqual(cents);
    expect(
      paypal.batches().filter((b) => b.items.some((i) => people.some((p) => p.paypalEmail === i.receiver))),
    ).toHaveLength(1);
  }

  for (const fault of FAULTS) {
    it(`keeps the batch in flight after ${fault.name}, then settles it once under the same sender_batch_id`, async () => {
      const { slug, participants } = await programWith([700, 1300]);
      const recorded = await services.payouts.createBatchFor(operator, slug, 'paypal', '2026-04');
      fault.inject(paypal);
      expect(await services.payouts.submitBatch(recorded.id)).toBe(false);
      const batch = await expectUnknown(slug, recorded.id, participants);
      expect(atPaypal(batch.senderBatchId)).toHaveLength(fault.committed ? 1 : 0);

      // Too soon to tell whether PayPal has it: nothing is sent again yet.
      const requests = paypal.requests;
      await services.payouts.runPaypal();
      expect(paypal.requests).toBe(requests);
      await expectUnknown(slug, recorded.id, participants);

      await expectResolved(slug, recorded.id, participants, [700, 1300]);
    });
  }

  it('settles a batch once when our server stops after PayPal took it and before the answer was read', async () => {
    const { slug, participants } = await programWith([900]);
    const recorded = await services.payouts.createBatchFor(operator, slug, 'paypal', '2026-04');
    // The first process sends the batch and is gone before it reads the answer: nothing after the
    // send runs (a promise that never settles), as with SIGKILL.
    let delivered!: () => void;
    const sent = new Promise<void>((resolve) => (delivered = resolve));
    const dying = await startServices(async (url, init) => {
      const response = await fetch(url, init);
      const target = url instanceof Request ? url.url : url.toString();
      if (target.endsWith('/v1/payments/payouts') && init?.method === 'POST') {
        delivered();
        return new Promise<Response>(() => {});
      }
      return response;
    });
    void dying.payouts.submitBatch(recorded.id);
    await sent;
    const senderBatchId = recorded.senderBatchId;
    expect(atPaypal(senderBatchId)).toHaveLength(1);

    // The restarted process: the batch is in flight, not refused, and not sent again too soon.
    services = await startServices();
    await expectUnknown(slug, recorded.id, participants);
    await services.payouts.runPaypal();
    await expectUnknown(slug, recorded.id, participants);
    await expectResolved(slug, recorded.id, participants, [900]);
  });

  it('releases the points only when PayPal says in a readable answer that it refused the batch', async () => {
    const { slug, participants } = await programWith([500]);
    const recorded = await services.payouts.createBatchFor(operator, slug, 'paypal', '2026-04');
    paypal.failNext(1, 400);
    expect(await services.payouts.submitBatch(recorded.id)).toBe(false);
    const batch = await services.payouts.getBatch(operator, recorded.id);
    expect(batch.status).toBe('failed');
    expect(batch.items.map((i) => i.status)).toEqual(['failed']);
    expect(await balanceOf(participants[0]!)).toBe(500);
    expect(atPaypal(batch.senderBatchId)).toHaveLength(0);
    expect(await services.payouts.reconcile(operator, slug)).toMatchObject({ ok: true, problems: [] });
  });
});

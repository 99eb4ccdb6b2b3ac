import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakePaypal, type FakePaypal } from '../../test/support/fake-paypal.js';
import {
  formatPaypalAmount,
  isDuplicateBatchError,
  parsePaypalAmount,
  PaypalDuplicateBatchError,
  PaypalError,
  PaypalPayouts,
  type PaypalOptions,
  type PayoutBatchRequest,
  type PayoutItemRequest,
} from './paypal-client.js';

let fake: FakePaypal;
let sent: { method: string; url: string; headers: Headers; body: string | undefined }[];
let sleeps: number[];

beforeEach(async () => {
  fake = await startFakePaypal();
  sent = [];
  sleeps = [];
});
afterEach(async () => {
  await fake.close();
});

let itemSeq = 0;
function anItem(overrides: Partial<PayoutItemRequest> = {}): PayoutItemRequest {
  itemSeq++;
  return {
    senderItemId: `line-${itemSeq}`,
    receiverEmail: `driver${itemSeq}@example.com`,
    amountCents: 500,
    currency: 'USD',
    note: 'SmartCharge rewards',
    ...overrides,
  };
}

let batchSeq = 0;
function aBatch(items: readonly PayoutItemRequest[], overrides: Partial<PayoutBatchRequest> = {}): PayoutBatchRequest {
  batchSeq++;
  return {
    senderBatchId: `payout-run-${batchSeq}`,
    emailSubject: 'Your SmartCharge rewards',
    emailMessage: 'Thanks for charging smart.',
    items,
    ...overrides,
  };
}

/** A client on the fake that records what it sends and never really waits. */
function clientFor(overrides: Partial<PaypalOptions> = {}): PaypalPayouts {
  return new PaypalPayouts({
    baseUrl: fake.url,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    fetch: async (input, init) => {
      sent.push({
        method: init?.method ?? 'GET',
        url: input instanceof Request ? input.url : input.toString(),
        headers: new Headers(init?.headers),
        body: typeof init?.body === 'string' ? init.body : undefined,
      });
      return fetch(input, init);
    },
    ...overrides,
  });
}

const createCalls = () => sent.filter((s) => s.method === 'POST' && s.url.endsWith('/v1/payments/payouts'));
const tokenCalls = () => sent.filter((s) => s.url.endsWith('/v1/oauth2/token'));

async function rejectionOf(promise: Promise<unknown>): Promise<PaypalError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PaypalError)) throw new Error(`expected a PaypalError, got ${String(error)}`);
  return error;
}

describe('PaypalPayouts.createBatch and getBatch', () => {
  it('creates a batch and reads it back settled, with each item in cents', async () => {
    const client = clientFor();
    const alice = anItem({ receiverEmail: 'alice@example.com', amountCents: 500 });
    const bob = anItem({ receiverEmail: 'bob@example.com', amountCents: 1234 });
    fake.settleAfterPolls = 1;

    const created = await client.createBatch(aBatch([alice, bob]));
    expect(created.batchStatus).toBe('PENDING');

    const first = await client.getBatch(created.payoutBatchId);
    expect(first.batchStatus).toBe('PROCESSING');
    expect(first.items.map((i) => i.status)).toEqual(['PENDING', 'PENDING']);

    const settled = await client.getBatch(created.payoutBatchId);
    expect(settled.batchStatus).toBe('SUCCESS');
    expect(settled.payoutBatchId).toBe(created.payoutBatchId);
    expect(
      settled.items.map(({ senderItemId, receiver, amountCents, currency, status }) => ({
        senderItemId,
        receiver,
        amountCents,
        currency,
        status,
      })),
    ).toEqual([
      {
        senderItemId: alice.senderItemId,
        receiver: 'alice@example.com',
        amountCents: 500,
        currency: 'USD',
        status: 'SUCCESS',
      },
      {
        senderItemId: bob.senderItemId,
        receiver: 'bob@example.com',
        amountCents: 1234,
        currency: 'USD',
        status: 'SUCCESS',
      },
    ]);
    expect(settled.items.every((i) => i.payoutItemId !== '' && i.transactionId !== undefined)).toBe(true);
    expect(fake.paidCents('alice@example.com')).toBe(500);
    expect(fake.paidCents('bob@example.com')).toBe(1234);
  });

  it('sends amounts as strings with two decimals', async () => {
    await clientFor().createBatch(aBatch([anItem({ amountCents: 5 }), anItem({ amountCents: 120_000 })]));
    const body = JSON.parse(createCalls()[0]!.body!) as { items: { amount: { value: string } }[] };
    expect(body.items.map((i) => i.amount.value)).toEqual(['0.05', '1200.00']);
  });

  it('reports an UNCLAIMED and a FAILED receiver per item with PayPal’s reason', async () => {
    fake.setReceiverOutcome('nobody@example.com', 'UNCLAIMED');
    fake.setReceiverOutcome('locked@example.com', 'FAILED');
    const client = clientFor();
    const items = [
      anItem({ receiverEmail: 'paid@example.com' }),
      anItem({ receiverEmail: 'nobody@example.com' }),
      anItem({ receiverEmail: 'locked@example.com' }),
    ];
    const { payoutBatchId } = await client.createBatch(aBatch(items));

    const state = await client.getBatch(payoutBatchId);
    const bySender = new Map(state.items.map((i) => [i.senderItemId, i]));
    expect(bySender.get(items[0]!.senderItemId)).toMatchObject({ status: 'SUCCESS' });
    expect(bySender.get(items[0]!.senderItemId)?.errorName).toBeUndefined();
    expect(bySender.get(items[1]!.senderItemId)).toMatchObject({
      status: 'UNCLAIMED',
      errorName: 'RECEIVER_UNREGISTERED',
    });
    expect(bySender.get(items[2]!.senderItemId)).toMatchObject({
      status: 'FAILED',
      errorName: 'RECEIVER_ACCOUNT_LOCKED',
    });
    expect(bySender.get(items[2]!.senderItemId)?.errorMessage).toMatch(/locked/);
    expect(fake.paidCents('locked@example.com')).toBe(0);
  });

  it('reads every item of a batch larger than one page', async () => {
    const client = clientFor({ pageSize: 2 });
    const items = [1, 2, 3, 4, 5].map((n) => anItem({ amountCents: n * 100 }));
    const { payoutBatchId } = await client.createBatch(aBatch(items));

    const state = await client.getBatch(payoutBatchId);
    expect(state.items.map((i) => i.senderItemId).sort()).toEqual(items.map((i) => i.senderItemId).sort());
    expect(state.items.map((i) => i.amountCents).sort((a, b) => a - b)).toEqual([100, 200, 300, 400, 500]);
    const pages = sent.filter((s) => s.method === 'GET').map((s) => new URL(s.url).searchParams.get('page'));
    expect(pages).toEqual(['1', '2', '3']);
  });

  it('says which batch id is unknown', async () => {
    const error = await rejectionOf(clientFor().getBatch('NOSUCHBATCH'));
    expect(error).toMatchObject({ name: 'INVALID_RESOURCE_ID', status: 404, code: 'not_found', retryable: false });
    expect(error.message).toContain('NOSUCHBATCH');
  });
});

describe('retries never pay twice', () => {
  it('creates one batch when PayPal answers 500 and then succeeds', async () => {
    fake.failNext(1, 500);
    const client = clientFor();

    const created = await client.createBatch(aBatch([anItem({ receiverEmail: 'once@example.com', amountCents: 700 })]));

    expect(fake.batches().map((b) => b.payoutBatchId)).toEqual([created.payoutBatchId]);
    expect(fake.paidCents('once@example.com')).toBe(700);
    expect(sleeps).toHaveLength(1);
  });

  it('sends every retry of a create with the same PayPal-Request-Id and body', async () => {
    fake.failNext(2, 503);
    await clientFor().createBatch(aBatch([anItem()]));

    const calls = createCalls();
    expect(calls).toHaveLength(3);
    const requestIds = new Set(calls.map((c) => c.headers.get('paypal-request-id')));
    expect(requestIds.size).toBe(1);
    expect([...requestIds][0]).toMatch(/^payout-run-\d+:/);
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
  });

  it('comes back with the same batch when the answer to a committed create was lost', async () => {
    fake.dropResponseAfterCommit(1);
    const client = clientFor();

    const created = await client.createBatch(aBatch([anItem({ receiverEmail: 'lost@example.com', amountCents: 900 })]));

    expect(createCalls()).toHaveLength(2);
    expect(fake.batches().map((b) => b.payoutBatchId)).toEqual([created.payoutBatchId]);
    expect(fake.paidCents('lost@example.com')).toBe(900);
  });

  it('returns the existing batch when the same request is sent again by a fresh client', async () => {
    const request = aBatch([anItem({ receiverEmail: 'again@example.com', amountCents: 300 })]);
    const first = await clientFor().createBatch(request);

    // e.g. the process died after PayPal made the batch but before we recorded its id
    const second = await clientFor().createBatch(request);

    expect(second.payoutBatchId).toBe(first.payoutBatchId);
    expect(fake.batches()).toHaveLength(1);
    expect(fake.paidCents('again@example.com')).toBe(300);
  });

  it('refuses a different batch that reuses a sender_batch_id, naming the batch that exists', async () => {
    const client = clientFor();
    const original = await client.createBatch(aBatch([anItem()], { senderBatchId: 'run-2031-01' }));

    const error = await rejectionOf(
      client.createBatch(aBatch([anItem({ receiverEmail: 'other@example.com' })], { senderBatchId: 'run-2031-01' })),
    );

    expect(error).toBeInstanceOf(PaypalDuplicateBatchError);
    expect(isDuplicateBatchError(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'USER_BUSINESS_ERROR',
      status: 400,
      code: 'conflict',
      retryable: false,
      senderBatchId: 'run-2031-01',
      existingPayoutBatchId: original.payoutBatchId,
    });
    expect(error.message).toContain('already exists');
    expect(fake.batches()).toHaveLength(1);
    expect(fake.paidCents('other@example.com')).toBe(0);
    expect(sleeps).toEqual([]);
  });

  it('makes exactly one batch whatever mix of failures and lost answers comes first', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), async (failures, drops) => {
        const local = await startFakePaypal();
        try {
          local.failNext(failures, 503);
          local.dropResponseAfterCommit(drops);
          const client = new PaypalPayouts({
            baseUrl: local.url,
            clientId: local.clientId,
            clientSecret: local.clientSecret,
            maxAttempts: failures + drops + 1,
            sleep: async () => {},
          });
          const created = await client.createBatch(
            aBatch([anItem({ receiverEmail: 'prop@example.com', amountCents: 250 })]),
          );
          expect(local.batches().map((b) => b.payoutBatchId)).toEqual([created.payoutBatchId]);
          expect(local.paidCents('prop@example.com')).toBe(250);
        } finally {
          await local.close();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('gives up after maxAttempts with a retryable error when PayPal keeps failing', async () => {
    fake.failNext(1000, 503);
    const client = clientFor({ maxAttempts: 3 });

    const error = await rejectionOf(client.createBatch(aBatch([anItem()])));

    expect(error).toMatchObject({ name: 'SERVICE_UNAVAILABLE', status: 503, code: 'unavailable', retryable: true });
    expect(createCalls()).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(fake.batches()).toHaveLength(0);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    fake.failNext(1, 429, { retryAfterS: 7 });
    await clientFor({ retryDelayMs: () => 1 }).createBatch(aBatch([anItem()]));
    expect(sleeps).toEqual([7000]);
  });

  it('backs off by retryDelayMs when PayPal gives no Retry-After', async () => {
    fake.failNext(3, 500);
    await clientFor({ retryDelayMs: (attempt) => attempt * 10 }).createBatch(aBatch([anItem()]));
    expect(sleeps).toEqual([10, 20, 30]);
  });

  it('retries a request that times out, then reports a retryable TIMEOUT', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
      });
    const error = await rejectionOf(clientFor({ fetch: hang, timeoutMs: 5, maxAttempts: 2 }).getBatch('ANY'));
    expect(error).toMatchObject({ name: 'TIMEOUT', retryable: true, code: 'unavailable' });
    expect(sleeps).toHaveLength(1);
  });

  it('reports a retryable NETWORK_ERROR when PayPal cannot be reached', async () => {
    const gone = await startFakePaypal();
    const baseUrl = gone.url;
    await gone.close();
    const error = await rejectionOf(clientFor({ baseUrl, maxAttempts: 2 }).getBatch('ANY'));
    expect(error).toMatchObject({ name: 'NETWORK_ERROR', retryable: true });
    expect(error.message).toContain(baseUrl);
  });
});

describe('access tokens', () => {
  it('reuses one token across calls', async () => {
    const client = clientFor();
    const { payoutBatchId } = await client.createBatch(aBatch([anItem()]));
    await client.getBatch(payoutBatchId);
    await client.getBatch(payoutBatchId);
    expect(fake.tokensIssued).toBe(1);
  });

  it('asks for the token with client credentials over HTTP Basic', async () => {
    await clientFor()
      .getBatch('ANY')
      .catch(() => undefined);
    const call = tokenCalls()[0]!;
    expect(call.method).toBe('POST');
    expect(call.body).toBe('grant_type=client_credentials');
    expect(call.headers.get('authorization')).toBe(
      `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`,
    );
  });

  it('fetches a new token once and retries when PayPal rejects an expired one', async () => {
    const client = clientFor();
    const { payoutBatchId } = await client.createBatch(aBatch([anItem()]));
    fake.expireTokens();

    const state = await client.getBatch(payoutBatchId);

    expect(state.payoutBatchId).toBe(payoutBatchId);
    expect(fake.tokensIssued).toBe(2);
    expect(sleeps).toEqual([]);
  });

  it('renews the token shortly before it expires, without waiting for a 401', async () => {
    await fake.close();
    fake = await startFakePaypal({ tokenTtlS: 3600 });
    let nowMs = 1_000_000;
    const client = clientFor({ baseUrl: fake.url, clientSecret: fake.clientSecret, now: () => nowMs });
    const { payoutBatchId } = await client.createBatch(aBatch([anItem()]));

    nowMs += 3000 * 1000;
    await client.getBatch(payoutBatchId);
    expect(fake.tokensIssued).toBe(1);

    nowMs += 599 * 1000; // one second before expiry
    await client.getBatch(payoutBatchId);
    expect(fake.tokensIssued).toBe(2);
    expect(sent.filter((s) => s.method === 'GET')).toHaveLength(2);
  });

  it('retries a token request that failed with a 5xx', async () => {
    fake.failNext(1, 500, { endpoint: 'token' });
    const created = await clientFor().createBatch(aBatch([anItem()]));
    expect(fake.batches().map((b) => b.payoutBatchId)).toEqual([created.payoutBatchId]);
    expect(tokenCalls()).toHaveLength(2);
  });

  it('rejects wrong credentials at once, with a message that does not contain the secret', async () => {
    const secret = 'sekrit-EF9c2b7d1a';
    const error = await rejectionOf(clientFor({ clientSecret: secret }).createBatch(aBatch([anItem()])));

    expect(error).toMatchObject({ name: 'invalid_client', status: 401, retryable: false });
    expect(error.message).toMatch(/client id and secret/);
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(tokenCalls()).toHaveLength(1);
    expect(fake.batches()).toHaveLength(0);
  });
});

describe('PayPal validation', () => {
  it('carries PayPal’s details for a bad email and a zero amount, without retrying or paying', async () => {
    const error = await rejectionOf(
      clientFor().createBatch(aBatch([anItem({ receiverEmail: 'not-an-email' }), anItem({ amountCents: 0 })])),
    );

    expect(error).toMatchObject({ name: 'VALIDATION_ERROR', status: 400, code: 'invalid_input', retryable: false });
    expect(error.details).toEqual(
      expect.arrayContaining([
        { field: 'items[0].receiver', message: 'Receiver is invalid or does not match with type' },
        { field: 'items[1].amount.value', message: expect.stringMatching(/greater than zero/) as unknown },
      ]),
    );
    expect(error.message).toContain('items[0].receiver');
    expect(error.debugId).toMatch(/^[a-z0-9]+$/);
    expect(createCalls()).toHaveLength(1);
    expect(fake.batches()).toHaveLength(0);
  });

  it('refuses two items with the same sender_item_id in one batch', async () => {
    const error = await rejectionOf(
      clientFor().createBatch(aBatch([anItem({ senderItemId: 'dup' }), anItem({ senderItemId: 'dup' })])),
    );
    expect(error).toMatchObject({ name: 'DUPLICATE_ITEM', status: 400, retryable: false });
    expect(error.details).toEqual([{ field: 'items[1].sender_item_id', message: 'Same as items[0].sender_item_id.' }]);
    expect(fake.batches()).toHaveLength(0);
  });

  it('refuses a fractional number of cents before sending anything', async () => {
    await expect(clientFor().createBatch(aBatch([anItem({ amountCents: 1.5 })]))).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(sent).toHaveLength(0);
  });
});

describe('amounts', () => {
  it('formats and parses minor units without rounding', () => {
    expect(formatPaypalAmount(5, 'USD')).toBe('0.05');
    expect(formatPaypalAmount(-1250, 'EUR')).toBe('-12.50');
    expect(formatPaypalAmount(500, 'JPY')).toBe('500');
    expect(parsePaypalAmount('5.5', 'USD')).toBe(550);
    expect(parsePaypalAmount('1200', 'USD')).toBe(120_000);
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom('USD', 'EUR', 'JPY'), (cents, currency) => {
        expect(parsePaypalAmount(formatPaypalAmount(cents, currency), currency)).toBe(cents);
      }),
    );
  });
});

/**
 * A local PayPal Payouts (REST v1) server for tests: client-credentials tokens, creating payout
 * batches and reading them back page by page, with PayPal's validation, idempotency
 * (PayPal-Request-Id replay, sender_batch_id refusal) and error bodies. Tests steer it with
 * faults (failures, answers lost after the batch was committed, expired tokens) and per-receiver
 * outcomes, then ask what it actually paid.
 *
 * Its parsing is written apart from the client's on purpose, so a shared mistake cannot hide.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PaypalBatchStatus, PaypalItemStatus } from '../../src/payouts/paypal-client.js';

export interface FakePaypalOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Lifetime of issued tokens; PayPal's are about 9 hours. */
  readonly tokenTtlS?: number;
}

export interface FakePayoutItem {
  readonly payoutItemId: string;
  readonly senderItemId: string;
  readonly receiver: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly note: string;
  readonly status: PaypalItemStatus;
}

export interface FakePayoutBatch {
  readonly payoutBatchId: string;
  readonly senderBatchId: string | undefined;
  readonly requestId: string | undefined;
  readonly status: PaypalBatchStatus;
  readonly items: readonly FakePayoutItem[];
}

export type FakeEndpoint = 'payouts' | 'token';

export interface FakePaypal {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  close(): Promise<void>;
  /** The next `n` requests to `endpoint` (default the payouts API) answer `status` (default 500) and change nothing. */
  failNext(
    n: number,
    status?: number,
    options?: { endpoint?: FakeEndpoint; retryAfterS?: number; html?: boolean },
  ): void;
  /**
   * The next `n` creates PayPal holds (committed now, or replayed for the same PayPal-Request-Id)
   * lose their answer: the connection is destroyed instead.
   */
  dropResponseAfterCommit(n: number): void;
  /**
   * The next `n` creates PayPal holds (new or replayed), then something between us and PayPal spoils the
   * answer: `html` replaces the 201 by a 200 HTML page (a proxy's), `stall` never answers (the
   * connection stays open until the client gives up or the fake closes).
   */
  spoilResponseAfterCommit(n: number, how: 'html' | 'stall'): void;
  /** Every token issued so far stops working, as when PayPal expires or revokes them. */
  expireTokens(): void;
  /** Items to this receiver settle in `status` (default SUCCESS), e.g. UNCLAIMED or FAILED. */
  setReceiverOutcome(receiver: string, status: PaypalItemStatus): void;
  /**
   * Changes what PayPal holds for an item after the fact: a later status (an UNCLAIMED payment
   * RETURNED after 30 days), or an amount or receiver that differs from what was sent.
   */
  alterItem(
    senderItemId: string,
    changes: { status?: PaypalItemStatus; amountCents?: number; receiver?: string },
  ): void;
  /** How many reads of a new batch still see it unsettled; the read after settles its items. Default 0. */
  settleAfterPolls: number;
  /**
   * Cents that left the sender for this receiver: items created and not FAILED, BLOCKED,
   * RETURNED, REFUNDED or REVERSED (money that came back or never went).
   */
  paidCents(receiver: string): number;
  batches(): readonly FakePayoutBatch[];
  /** HTTP requests received, all endpoints. */
  readonly requests: number;
  /** Tokens issued. */
  readonly tokensIssued: number;
}

interface Batch {
  payoutBatchId: string;
  senderBatchId: string | undefined;
  requestId: string | undefined;
  status: PaypalBatchStatus;
  senderBatchHeader: Record<string, unknown>;
  reads: number;
  createdAt: string;
  items: Item[];
}

interface Item {
  payoutItemId: string;
  senderItemId: string;
  receiver: string;
  recipientType: string;
  amountValue: string;
  amountCents: number;
  currency: string;
  note: string;
  status: PaypalItemStatus;
  transactionId?: string;
  feeCents?: number;
}

interface Detail {
  field: string;
  location: 'body' | 'query';
  issue: string;
}

class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

const NOT_PAID: ReadonlySet<PaypalItemStatus> = new Set(['FAILED', 'BLOCKED', 'RETURNED', 'REFUNDED', 'REVERSED']);
const ZERO_DECIMAL = new Set(['HUF', 'JPY', 'TWD']);
const RECIPIENT_TYPES = new Set(['EMAIL', 'PHONE', 'PAYPAL_ID']);
const MAX_ITEMS = 15_000;

// What PayPal says on an item that did not simply succeed.
const ITEM_ERRORS: Partial<Record<PaypalItemStatus, { name: string; message: string }>> = {
  UNCLAIMED: {
    name: 'RECEIVER_UNREGISTERED',
    message: 'Receiver is unregistered. An email was sent asking the receiver to claim the payment.',
  },
  RETURNED: {
    name: 'RECEIVER_UNREGISTERED',
    message: 'The payment was not claimed within 30 days and was returned to the sender.',
  },
  FAILED: { name: 'RECEIVER_ACCOUNT_LOCKED', message: "Receiver's account is locked or inactive." },
  BLOCKED: { name: 'RISK_DECLINE', message: 'The payment was blocked by risk checks.' },
};

const FAULTS: Record<number, { name: string; message: string }> = {
  429: { name: 'RATE_LIMIT_REACHED', message: 'Too many requests. Blocked due to rate limiting.' },
  500: { name: 'INTERNAL_SERVER_ERROR', message: 'An internal server error has occurred.' },
  400: { name: 'VALIDATION_ERROR', message: 'Invalid request - see details' },
  502: { name: 'BAD_GATEWAY', message: 'Bad gateway.' },
  503: { name: 'SERVICE_UNAVAILABLE', message: 'Service Unavailable.' },
  504: { name: 'GATEWAY_TIMEOUT', message: 'Gateway timeout.' },
};

export async function startFakePaypal(options: FakePaypalOptions = {}): Promise<FakePaypal> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? `fake-secret-${randomId(20)}`;
  const tokenTtlS = options.tokenTtlS ?? 32_400;

  const tokens = new Map<string, number>();
  const batches: Batch[] = [];
  const bySenderBatchId = new Map<string, Batch>();
  const storedReplies = new Map<string, Reply>();
  const outcomes = new Map<string, PaypalItemStatus>();
  const faults: Record<
    FakeEndpoint,
    { count: number; status: number; retryAfterS: number | undefined; html: boolean }
  > = {
    payouts: { count: 0, status: 500, retryAfterS: undefined, html: false },
    token: { count: 0, status: 500, retryAfterS: undefined, html: false },
  };
  let dropsAfterCommit = 0;
  let spoils: { count: number; how: 'html' | 'stall' } = { count: 0, how: 'html' };
  let requests = 0;
  let tokensIssued = 0;
  let url = '';

  function takeFault(endpoint: FakeEndpoint): Reply | undefined {
    const fault = faults[endpoint];
    if (fault.count <= 0) return undefined;
    fault.count--;
    const known = FAULTS[fault.status] ?? {
      name: 'INTERNAL_SERVER_ERROR',
      message: 'An internal server error has occurred.',
    };
    const headers: Record<string, string> =
      fault.retryAfterS === undefined ? {} : { 'Retry-After': String(fault.retryAfterS) };
    if (fault.html) return new Reply(fault.status, proxyPage(fault.status), headers);
    return new Reply(fault.status, errorBody(known.name, known.message), headers);
  }

  function issueToken(req: IncomingMessage, rawBody: string): Reply {
    const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      return new Reply(401, { error: 'invalid_client', error_description: 'Client Authentication failed' });
    }
    const grant = new URLSearchParams(rawBody).get('grant_type');
    if (grant !== 'client_credentials') {
      return new Reply(400, { error: 'unsupported_grant_type', error_description: `Grant Type is ${grant ?? 'NULL'}` });
    }
    const token = `A21AA${randomId(40)}`;
    tokens.set(token, Date.now() + tokenTtlS * 1000);
    tokensIssued++;
    return new Reply(200, {
      scope: 'https://uri.paypal.com/services/payments/payouts',
      access_token: token,
      token_type: 'Bearer',
      app_id: 'APP-FAKE',
      expires_in: tokenTtlS,
      nonce: `${new Date().toISOString()}${randomId(10)}`,
    });
  }

  function authenticate(req: IncomingMessage): Reply | undefined {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const expiresAt = match?.[1] === undefined ? undefined : tokens.get(match[1]);
    if (expiresAt !== undefined && expiresAt > Date.now()) return undefined;
    return new Reply(401, {
      name: 'AUTHENTICATION_FAILURE',
      message: 'Authentication failed due to invalid authentication credentials or a missing Authorization header.',
      debug_id: randomId(13).toLowerCase(),
      links: [{ href: 'https://developer.paypal.com/docs/api/overview/#error', rel: 'information_link' }],
    });
  }

  function createBatch(req: IncomingMessage, rawBody: string): Reply {
    const requestId = header(req, 'paypal-request-id');
    // PayPal answers a PayPal-Request-Id it has seen with what it answered then, before anything else.
    const stored = requestId === undefined ? undefined : storedReplies.get(requestId);
    if (stored) return stored;

    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return new Reply(400, errorBody('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.'));
    }
    const parsed = validatePayout(body);
    if (parsed instanceof Reply) return parsed;

    const earlier = parsed.senderBatchId === undefined ? undefined : bySenderBatchId.get(parsed.senderBatchId);
    if (earlier) {
      return new Reply(400, {
        name: 'USER_BUSINESS_ERROR',
        message: 'User business error.',
        debug_id: randomId(13).toLowerCase(),
        information_link: 'https://developer.paypal.com/docs/api/payments.payouts-batch/#errors',
        details: [
          {
            field: 'SENDER_BATCH_ID',
            location: 'body',
            issue: 'Batch with given sender_batch_id already exists',
            link: [{ href: batchHref(earlier.payoutBatchId), rel: 'self', method: 'GET', encType: 'application/json' }],
          },
        ],
        links: [],
      });
    }

    const batch: Batch = {
      payoutBatchId: randomId(13),
      senderBatchId: parsed.senderBatchId,
      requestId,
      status: 'PENDING',
      senderBatchHeader: parsed.senderBatchHeader,
      reads: 0,
      createdAt: new Date().toISOString(),
      items: parsed.items.map((item) => ({ ...item, payoutItemId: randomId(13), status: 'PENDING' })),
    };
    batches.push(batch);
    if (batch.senderBatchId !== undefined) bySenderBatchId.set(batch.senderBatchId, batch);
    const reply = new Reply(201, {
      batch_header: {
        payout_batch_id: batch.payoutBatchId,
        batch_status: batch.status,
        sender_batch_header: batch.senderBatchHeader,
      },
      links: [{ href: batchHref(batch.payoutBatchId), rel: 'self', method: 'GET', encType: 'application/json' }],
    });
    if (requestId !== undefined) storedReplies.set(requestId, reply);
    return reply;
  }

  function readBatch(payoutBatchId: string, query: URLSearchParams): Reply {
    const batch = batches.find((b) => b.payoutBatchId === payoutBatchId);
    if (!batch) return new Reply(404, errorBody('INVALID_RESOURCE_ID', 'Requested resource ID was not found.'));
    const page = integerParam(query, 'page', 1);
    const pageSize = integerParam(query, 'page_size', 1000);
    const bad: Detail[] = [];
    if (page === undefined || page < 1) bad.push({ field: 'page', location: 'query', issue: 'Must be at least 1.' });
    if (pageSize === undefined || pageSize < 1 || pageSize > 1000) {
      bad.push({ field: 'page_size', location: 'query', issue: 'Must be between 1 and 1000.' });
    }
    if (page === undefined || pageSize === undefined || bad.length) return validationError(bad);

    // Only the first page counts as a poll, so reading a large batch page by page sees one state.
    if (page === 1) {
      batch.reads++;
      if (batch.reads > fake.settleAfterPolls) settle(batch);
      else batch.status = 'PROCESSING';
    }
    const totalPages = Math.max(1, Math.ceil(batch.items.length / pageSize));
    const items = batch.items.slice((page - 1) * pageSize, page * pageSize);
    const currency = batch.items[0]?.currency ?? 'USD';
    const sum = (f: (i: Item) => number) => batch.items.reduce((total, i) => total + f(i), 0);
    const links = [
      { href: `${batchHref(batch.payoutBatchId)}?page=${page}&page_size=${pageSize}`, rel: 'self', method: 'GET' },
    ];
    if (page < totalPages) {
      links.push({
        href: `${batchHref(batch.payoutBatchId)}?page=${page + 1}&page_size=${pageSize}`,
        rel: 'next',
        method: 'GET',
      });
    }
    return new Reply(200, {
      ...(query.get('total_required') === 'true' ? { total_items: batch.items.length, total_pages: totalPages } : {}),
      batch_header: {
        payout_batch_id: batch.payoutBatchId,
        batch_status: batch.status,
        time_created: batch.createdAt,
        sender_batch_header: batch.senderBatchHeader,
        funding_source: 'BALANCE',
        amount: {
          currency,
          value: formatCents(
            sum((i) => i.amountCents),
            currency,
          ),
        },
        fees: {
          currency,
          value: formatCents(
            sum((i) => i.feeCents ?? 0),
            currency,
          ),
        },
      },
      items: items.map((item) => ({
        payout_item_id: item.payoutItemId,
        ...(item.transactionId ? { transaction_id: item.transactionId } : {}),
        transaction_status: item.status,
        ...(item.feeCents === undefined
          ? {}
          : { payout_item_fee: { currency: item.currency, value: formatCents(item.feeCents, item.currency) } }),
        payout_batch_id: batch.payoutBatchId,
        payout_item: {
          recipient_type: item.recipientType,
          amount: { currency: item.currency, value: item.amountValue },
          note: item.note,
          receiver: item.receiver,
          sender_item_id: item.senderItemId,
        },
        ...(ITEM_ERRORS[item.status] && item.status !== 'SUCCESS'
          ? {
              errors: {
                ...ITEM_ERRORS[item.status],
                information_link: 'https://developer.paypal.com/docs/api/payments.payouts-batch/#errors',
              },
            }
          : {}),
        links: [{ href: `${url}/v1/payments/payouts-item/${item.payoutItemId}`, rel: 'item', method: 'GET' }],
      })),
      links,
    });
  }

  function settle(batch: Batch): void {
    for (const item of batch.items) {
      if (item.status !== 'PENDING') continue;
      item.status = outcomes.get(item.receiver) ?? 'SUCCESS';
      if (item.status === 'SUCCESS') {
        item.transactionId = randomId(17);
        // A made-up fee: 2 %, at most one currency unit.
        item.feeCents = Math.min(100, Math.round(item.amountCents * 0.02));
      }
    }
    batch.status = 'SUCCESS';
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests++;
    const rawBody = await readBody(req);
    const target = new URL(req.url ?? '/', 'http://fake');
    let reply: Reply;
    if (target.pathname === '/v1/oauth2/token' && req.method === 'POST') {
      reply = takeFault('token') ?? issueToken(req, rawBody);
    } else if (target.pathname.startsWith('/v1/payments/payouts')) {
      const fault = takeFault('payouts') ?? authenticate(req);
      const batchId = /^\/v1\/payments\/payouts\/([^/]+)$/.exec(target.pathname)?.[1];
      if (fault) reply = fault;
      else if (target.pathname === '/v1/payments/payouts' && req.method === 'POST') {
        reply = createBatch(req, rawBody);
        // A 201 is a batch PayPal holds, new or replayed for the same PayPal-Request-Id.
        if (reply.status === 201 && dropsAfterCommit > 0) {
          dropsAfterCommit--;
          req.socket.destroy();
          return;
        }
        if (reply.status === 201 && spoils.count > 0) {
          spoils = { ...spoils, count: spoils.count - 1 };
          if (spoils.how === 'stall') return;
          reply = new Reply(200, proxyPage(200));
        }
      } else if (batchId !== undefined && req.method === 'GET') {
        reply = readBatch(decodeURIComponent(batchId), target.searchParams);
      } else reply = new Reply(404, errorBody('NOT_FOUND', 'The requested resource does not exist.'));
    } else {
      reply = new Reply(404, errorBody('NOT_FOUND', 'The requested resource does not exist.'));
    }
    const html = reply.body instanceof ProxyPage;
    const text = reply.body instanceof ProxyPage ? reply.body.html : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': html ? 'text/html; charset=utf-8' : 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Paypal-Debug-Id': randomId(13).toLowerCase(),
      ...reply.headers,
    });
    res.end(text);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(errorBody('INTERNAL_SERVER_ERROR', `fake PayPal failed: ${String(error)}`)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const batchHref = (id: string) => `${url}/v1/payments/payouts/${id}`;

  const fake: FakePaypal = {
    url,
    clientId,
    clientSecret,
    settleAfterPolls: 0,
    get requests() {
      return requests;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
    failNext(n, status = 500, failOptions = {}) {
      faults[failOptions.endpoint ?? 'payouts'] = {
        count: n,
        status,
        retryAfterS: failOptions.retryAfterS,
        html: failOptions.html ?? false,
      };
    },
    dropResponseAfterCommit(n) {
      dropsAfterCommit = n;
    },
    spoilResponseAfterCommit(n, how) {
      spoils = { count: n, how };
    },
    expireTokens() {
      tokens.clear();
    },
    setReceiverOutcome(receiver, status) {
      outcomes.set(receiver, status);
    },
    alterItem(senderItemId, changes) {
      const item = batches.flatMap((b) => b.items).find((i) => i.senderItemId === senderItemId);
      if (!item) throw new Error(`the fake PayPal has no item with sender_item_id ${senderItemId}`);
      if (changes.status !== undefined) item.status = changes.status;
      if (changes.receiver !== undefined) item.receiver = changes.receiver;
      if (changes.amountCents !== undefined) {
        item.amountCents = changes.amountCents;
        item.amountValue = formatCents(changes.amountCents, item.currency);
      }
    },
    paidCents(receiver) {
      return batches
        .flatMap((b) => b.items)
        .filter((i) => i.receiver === receiver && !NOT_PAID.has(i.status))
        .reduce((total, i) => total + i.amountCents, 0);
    },
    batches() {
      return batches.map((b) => ({
        payoutBatchId: b.payoutBatchId,
        senderBatchId: b.senderBatchId,
        requestId: b.requestId,
        status: b.status,
        items: b.items.map((i) => ({
          payoutItemId: i.payoutItemId,
          senderItemId: i.senderItemId,
          receiver: i.receiver,
          amountCents: i.amountCents,
          currency: i.currency,
          note: i.note,
          status: i.status,
        })),
      }));
    },
  };
  return fake;
}

type ParsedPayout = {
  senderBatchId: string | undefined;
  senderBatchHeader: Record<string, unknown>;
  items: Omit<Item, 'payoutItemId' | 'status'>[];
};

/** The checks PayPal makes before accepting a batch; all problems are reported together. */
function validatePayout(body: unknown): ParsedPayout | Reply {
  const details: Detail[] = [];
  const issue = (field: string, text: string) => details.push({ field, location: 'body', issue: text });
  const root = asRecord(body);
  const header = asRecord(root?.sender_batch_header);
  if (!header) issue('sender_batch_header', 'Required field is missing.');
  const senderBatchId = header?.sender_batch_id;
  if (senderBatchId !== undefined && (typeof senderBatchId !== 'string' || senderBatchId.length > 256)) {
    issue('sender_batch_header.sender_batch_id', 'Must be a string of at most 256 characters.');
  }
  const subject = header?.email_subject;
  if (subject !== undefined && (typeof subject !== 'string' || subject.length > 255)) {
    issue('sender_batch_header.email_subject', 'Must be a string of at most 255 characters.');
  }
  const items = root?.items;
  if (!Array.isArray(items) || items.length === 0) issue('items', 'Required field is missing or empty.');
  else if (items.length > MAX_ITEMS) issue('items', `A batch holds at most ${MAX_ITEMS} items.`);

  const parsedItems: ParsedPayout['items'] = [];
  const firstIndexOf = new Map<string, number>();
  const duplicates: Detail[] = [];
  (Array.isArray(items) ? items : []).forEach((raw: unknown, index) => {
    const at = `items[${index}]`;
    const item = asRecord(raw);
    if (!item) return void issue(at, 'Must be an object.');
    const recipientType = item.recipient_type ?? header?.recipient_type;
    if (typeof recipientType !== 'string' || !RECIPIENT_TYPES.has(recipientType)) {
      issue(`${at}.recipient_type`, 'Recipient type must be EMAIL, PHONE or PAYPAL_ID.');
    }
    const receiver = item.receiver;
    if (typeof receiver !== 'string' || receiver === '') issue(`${at}.receiver`, 'Required field is missing.');
    else if (recipientType === 'EMAIL' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(receiver)) {
      issue(`${at}.receiver`, 'Receiver is invalid or does not match with type');
    }
    const amount = asRecord(item.amount);
    const currency = amount?.currency;
    const value = amount?.value;
    let amountCents: number | undefined;
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
      issue(`${at}.amount.currency`, 'Currency code is invalid.');
    }
    if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value)) {
      issue(`${at}.amount.value`, 'Currency amount is invalid; send digits with a dot as decimal separator.');
    } else if (typeof currency === 'string') {
      const decimals = value.split('.')[1]?.length ?? 0;
      const allowed = ZERO_DECIMAL.has(currency) ? 0 : 2;
      amountCents = parseCents(value, currency);
      if (decimals > allowed)
        issue(`${at}.amount.value`, `Currency ${currency} allows at most ${allowed} decimal places.`);
      else if (amountCents <= 0) issue(`${at}.amount.value`, 'Amount must be greater than zero.');
    }
    const senderItemId = item.sender_item_id;
    if (senderItemId !== undefined && (typeof senderItemId !== 'string' || senderItemId.length > 63)) {
      issue(`${at}.sender_item_id`, 'Must be a string of at most 63 characters.');
    }
    if (typeof senderItemId === 'string') {
      if (firstIndexOf.has(senderItemId)) {
        duplicates.push({
          field: `${at}.sender_item_id`,
          location: 'body',
          issue: `Same as items[${firstIndexOf.get(senderItemId)}].sender_item_id.`,
        });
      } else firstIndexOf.set(senderItemId, index);
    }
    const note = item.note;
    if (note !== undefined && (typeof note !== 'string' || note.length > 4000)) {
      issue(`${at}.note`, 'Must be a string of at most 4000 characters.');
    }
    if (
      typeof receiver === 'string' &&
      typeof value === 'string' &&
      typeof currency === 'string' &&
      amountCents !== undefined
    ) {
      parsedItems.push({
        senderItemId: typeof senderItemId === 'string' ? senderItemId : '',
        receiver,
        recipientType: typeof recipientType === 'string' ? recipientType : 'EMAIL',
        amountValue: value,
        amountCents,
        currency,
        note: typeof note === 'string' ? note : '',
      });
    }
  });
  if (details.length) return validationError(details);
  if (duplicates.length) {
    return new Reply(400, {
      ...errorBody(
        'DUPLICATE_ITEM',
        'This transaction is duplicated in this batch. Please check the Ref_ID / Sender_Item_ID.',
      ),
      details: duplicates,
    });
  }
  return {
    senderBatchId: typeof senderBatchId === 'string' ? senderBatchId : undefined,
    senderBatchHeader: header ?? {},
    items: parsedItems,
  };
}

/** A page from something in front of PayPal (a proxy, a captive portal): not PayPal's answer. */
class ProxyPage {
  constructor(readonly html: string) {}
}

function proxyPage(status: number): ProxyPage {
  return new ProxyPage(
    `<!DOCTYPE html><html><head><title>${status}</title></head><body><h1>Request received</h1>` +
      '<p>The upstream answer could not be shown.</p></body></html>',
  );
}

function validationError(details: Detail[]): Reply {
  return new Reply(400, { ...errorBody('VALIDATION_ERROR', 'Invalid request - see details'), details });
}

function errorBody(name: string, message: string) {
  return {
    name,
    message,
    debug_id: randomId(13).toLowerCase(),
    information_link: 'https://developer.paypal.com/docs/api/payments.payouts-batch/#errors',
    details: [] as Detail[],
    links: [],
  };
}

function parseCents(value: string, currency: string): number {
  const [whole = '0', fraction = ''] = value.replace('-', '').split('.');
  const minor = ZERO_DECIMAL.has(currency)
    ? Number(whole)
    : Number(whole) * 100 + Number(fraction.slice(0, 2).padEnd(2, '0'));
  return value.startsWith('-') ? -minor : minor;
}

function formatCents(cents: number, currency: string): string {
  if (ZERO_DECIMAL.has(currency)) return String(cents);
  const abs = Math.abs(cents);
  return `${cents < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function integerParam(query: URLSearchParams, name: string, fallback: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// PayPal's ids are short runs of upper-case letters and digits.
function randomId(length: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * Client for PayPal Payouts (REST v1): a client-credentials token, creating a payout batch and
 * reading it back with every item's outcome. It owns the transport rules that keep money safe:
 * a create is retried only with the same PayPal-Request-Id and sender_batch_id, so a retry can
 * come back with the batch it already made but can never make a second one; anything PayPal
 * refuses for good is thrown at once, as a PaypalError carrying PayPal's name, message and details.
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { AppError, type ErrorCode, type ErrorDetail } from '../errors.js';

export interface PaypalOptions {
  /** e.g. https://api-m.paypal.com, https://api-m.sandbox.paypal.com, or a local fake. */
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly fetch?: typeof fetch;
  /** Tries per call, the first included. Default 4. */
  readonly maxAttempts?: number;
  /** Wait before retry number `attempt` (1 = first retry) when PayPal sends no Retry-After. */
  readonly retryDelayMs?: (attempt: number) => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Deadline for one HTTP exchange, body included. Default 30 s. */
  readonly timeoutMs?: number;
  /** Items per page when reading a batch; PayPal allows 1–1000. Default 1000. */
  readonly pageSize?: number;
  /** Clock for token expiry and Retry-After dates. Default Date.now. */
  readonly now?: () => number;
}

export interface PayoutItemRequest {
  /** Our id for the item (a ledger payout line); PayPal echoes it back on the item. */
  readonly senderItemId: string;
  readonly receiverEmail: string;
  /** In the currency's minor unit: cents for USD; whole yen for JPY (PayPal allows no decimals there). */
  readonly amountCents: number;
  /** ISO 4217, e.g. USD. */
  readonly currency: string;
  readonly note: string;
}

export interface PayoutBatchRequest {
  /** Our id for the batch. PayPal refuses a second batch with an id it saw in the last 30 days. */
  readonly senderBatchId: string;
  readonly emailSubject: string;
  readonly emailMessage: string;
  readonly items: readonly PayoutItemRequest[];
}

export const PAYPAL_BATCH_STATUSES = ['DENIED', 'PENDING', 'PROCESSING', 'SUCCESS', 'CANCELED'] as const;
export type PaypalBatchStatus = (typeof PAYPAL_BATCH_STATUSES)[number];

export const PAYPAL_ITEM_STATUSES = [
  'SUCCESS',
  'FAILED',
  'PENDING',
  'UNCLAIMED',
  'RETURNED',
  'ONHOLD',
  'BLOCKED',
  'REFUNDED',
  'REVERSED',
] as const;
export type PaypalItemStatus = (typeof PAYPAL_ITEM_STATUSES)[number];

export interface PayoutItemState {
  readonly senderItemId: string;
  readonly payoutItemId: string;
  readonly status: PaypalItemStatus;
  readonly receiver: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly feeCents?: number;
  readonly transactionId?: string;
  /** PayPal's reason for a non-successful item, e.g. RECEIVER_UNREGISTERED. */
  readonly errorName?: string;
  readonly errorMessage?: string;
}

export interface PayoutBatchState {
  readonly payoutBatchId: string;
  readonly senderBatchId: string;
  readonly batchStatus: PaypalBatchStatus;
  readonly items: readonly PayoutItemState[];
}

export interface CreatedPayoutBatch {
  readonly payoutBatchId: string;
  readonly batchStatus: PaypalBatchStatus;
}

/**
 * PayPal refused or could not be reached. `name` is PayPal's error name (VALIDATION_ERROR,
 * USER_BUSINESS_ERROR, invalid_client…) or ours for transport failures (NETWORK_ERROR, TIMEOUT,
 * INVALID_RESPONSE). Retrying is safe only when `retryable` is true. `refused` is true only when
 * PayPal itself said, in an error we could read, that it did not do what was asked; anything else
 * (a timeout, a cut connection, a body we could not read, a 5xx) leaves the outcome unknown.
 */
export class PaypalError extends AppError {
  override readonly name: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly refused: boolean;
  readonly debugId: string | undefined;
  /** How long PayPal asked us to wait (Retry-After), if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    name: string;
    message: string;
    code: ErrorCode;
    retryable: boolean;
    refused?: boolean;
    status?: number;
    debugId?: string;
    retryAfterMs?: number;
    details?: readonly ErrorDetail[];
    cause?: unknown;
  }) {
    super(init.code, init.message, { details: init.details, cause: init.cause });
    this.name = init.name;
    this.status = init.status;
    this.retryable = init.retryable;
    this.refused = init.refused ?? false;
    this.debugId = init.debugId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * The sender_batch_id was used before, so a batch exists already: nothing new was paid. Not
 * retryable; read the existing batch (`existingPayoutBatchId`, when PayPal linked it) instead.
 */
export class PaypalDuplicateBatchError extends PaypalError {
  readonly senderBatchId: string;
  readonly existingPayoutBatchId: string | undefined;

  constructor(
    init: ConstructorParameters<typeof PaypalError>[0] & { senderBatchId: string; existingPayoutBatchId?: string },
  ) {
    super(init);
    this.senderBatchId = init.senderBatchId;
    this.existingPayoutBatchId = init.existingPayoutBatchId;
  }
}

export function isDuplicateBatchError(error: unknown): error is PaypalDuplicateBatchError {
  return error instanceof PaypalDuplicateBatchError;
}

// PayPal rejects decimals in these currencies (its currency-codes reference).
const ZERO_DECIMAL_CURRENCIES = new Set(['HUF', 'JPY', 'TWD']);

/** Minor units to PayPal's amount string: 500 USD → "5.00", 500 JPY → "500". */
export function formatPaypalAmount(amountCents: number, currency: string): string {
  if (!Number.isSafeInteger(amountCents)) {
    throw new AppError('invalid_input', `amountCents must be a whole number of minor units, got ${amountCents}`);
  }
  if (ZERO_DECIMAL_CURRENCIES.has(currency.toUpperCase())) return String(amountCents);
  const sign = amountCents < 0 ? '-' : '';
  const abs = Math.abs(amountCents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** PayPal's amount string to minor units, without going through floating point. */
export function parsePaypalAmount(value: string, currency: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) throw new AppError('invalid_input', `"${value}" is not a PayPal amount (digits, at most 2 decimals)`);
  const [, sign, whole, fraction] = match;
  const zeroDecimal = ZERO_DECIMAL_CURRENCIES.has(currency.toUpperCase());
  const minor = zeroDecimal ? Number(whole) : Number(whole) * 100 + Number((fraction ?? '').padEnd(2, '0'));
  return sign === '-' ? -minor : minor;
}

const ZTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive(),
});

const ZAmountSchema = z.object({ value: z.string(), currency: z.string() });

const ZBatchHeaderSchema = z.object({
  payout_batch_id: z.string().min(1),
  batch_status: z.enum(PAYPAL_BATCH_STATUSES),
  sender_batch_header: z.object({ sender_batch_id: z.string().optional() }).optional(),
});

const ZCreateBatchResponseSchema = z.object({ batch_header: ZBatchHeaderSchema });

const ZBatchItemSchema = z.object({
  payout_item_id: z.string().min(1),
  transaction_id: z.string().optional(),
  transaction_status: z.enum(PAYPAL_ITEM_STATUSES),
  payout_item_fee: ZAmountSchema.optional(),
  payout_item: z.object({ amount: ZAmountSchema, receiver: z.string(), sender_item_id: z.string().optional() }),
  errors: z.object({ name: z.string(), message: z.string().optional() }).optional(),
});

const ZBatchPageSchema = z.object({
  total_items: z.number().int().optional(),
  total_pages: z.number().int().optional(),
  batch_header: ZBatchHeaderSchema,
  items: z.array(ZBatchItemSchema).optional(),
});

// The body of any PayPal error we know: REST ({name, message, details}) or OAuth ({error, error_description}).
const ZErrorBodySchema = z.object({
  name: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
  debug_id: z.string().optional(),
  details: z
    .array(
      z.object({
        field: z.string().optional(),
        issue: z.string().optional(),
        description: z.string().optional(),
        link: z.array(z.object({ href: z.string() })).optional(),
      }),
    )
    .optional(),
  links: z.array(z.object({ href: z.string(), rel: z.string().optional() })).optional(),
});
type TErrorBody = z.infer<typeof ZErrorBodySchema>;

interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

interface ApiCall {
  /** What we were doing, for error messages: "create payout batch b-1". */
  readonly label: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly requestId?: string;
  readonly senderBatchId?: string;
}

// A Retry-After longer than this is PayPal asking us to come back later, not to wait in a request.
const MAX_WAIT_MS = 60_000;

export class PaypalPayouts {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly now: () => number;
  private token: { value: string; refreshAtMs: number } | undefined;
  private tokenRequest: Promise<string> | undefined;

  constructor(private readonly options: PaypalOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 1000));
    this.now = options.now ?? Date.now;
  }

  /**
   * Sends a payout batch. Safe to call again with the same request after any failure, even from
   * another process: the same request carries the same PayPal-Request-Id, which PayPal answers
   * with the batch it already made. A different request reusing a sender_batch_id is refused
   * (PaypalDuplicateBatchError) rather than paid.
   */
  async createBatch(request: PayoutBatchRequest): Promise<CreatedPayoutBatch> {
    const body = {
      sender_batch_header: {
        sender_batch_id: request.senderBatchId,
        email_subject: request.emailSubject,
        email_message: request.emailMessage,
        recipient_type: 'EMAIL',
      },
      items: request.items.map((item) => ({
        recipient_type: 'EMAIL',
        amount: { value: formatPaypalAmount(item.amountCents, item.currency), currency: item.currency },
        receiver: item.receiverEmail,
        note: item.note,
        sender_item_id: item.senderItemId,
      })),
    };
    const answer = await this.call(
      {
        label: `create payout batch ${request.senderBatchId}`,
        method: 'POST',
        path: '/v1/payments/payouts',
        body,
        requestId: payoutRequestIdFor(request.senderBatchId, body),
        senderBatchId: request.senderBatchId,
      },
      ZCreateBatchResponseSchema,
    );
    return { payoutBatchId: answer.batch_header.payout_batch_id, batchStatus: answer.batch_header.batch_status };
  }

  /** Reads a batch and all its items, page by page. */
  async getBatch(payoutBatchId: string): Promise<PayoutBatchState> {
    const items = new Map<string, PayoutItemState>();
    let first: z.infer<typeof ZBatchPageSchema> | undefined;
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({
        page: String(page),
        page_size: String(this.pageSize),
        total_required: 'true',
      });
      const answer = await this.call(
        {
          label: `read payout batch ${payoutBatchId}`,
          method: 'GET',
          path: `/v1/payments/payouts/${encodeURIComponent(payoutBatchId)}?${query.toString()}`,
        },
        ZBatchPageSchema,
      );
      // The header of the first page is the conservative one: if it already says the batch is
      // done, every item read after it is final too; if it says PENDING, the caller polls again.
      first ??= answer;
      const pageItems = answer.items ?? [];
      for (const item of pageItems) items.set(item.payout_item_id, toItemState(item));
      const lastPage = answer.total_pages ?? first.total_pages;
      const done = lastPage !== undefined ? page >= lastPage : pageItems.length < this.pageSize;
      if (done || pageItems.length === 0) break;
    }
    return {
      payoutBatchId: first.batch_header.payout_batch_id,
      senderBatchId: first.batch_header.sender_batch_header?.sender_batch_id ?? '',
      batchStatus: first.batch_header.batch_status,
      items: [...items.values()],
    };
  }

  private async call<S extends z.ZodType>(call: ApiCall, schema: S): Promise<z.output<S>> {
    let attempt = 1;
    let reauthorized = false;
    for (;;) {
      let failure: PaypalError;
      try {
        const token = await this.getAccessToken();
        const answer = await this.exchange(call.label, `${this.baseUrl}${call.path}`, {
          method: call.method,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
            ...(call.requestId === undefined ? {} : { 'PayPal-Request-Id': call.requestId }),
          },
          ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        });
        // A token can die before its stated expiry (revoked, rotated); one fresh token is worth a try.
        if (answer.status === 401 && !reauthorized) {
          reauthorized = true;
          if (this.token?.value === token) this.token = undefined;
          continue;
        }
        if (answer.status >= 200 && answer.status < 300) return this.parseAnswer(call.label, schema, answer);
        failure = this.errorFromAnswer(call, answer);
      } catch (error) {
        if (!(error instanceof PaypalError)) throw error;
        failure = error;
      }
      if (!failure.retryable || attempt >= this.maxAttempts) throw failure;
      const waitMs = failure.retryAfterMs ?? this.retryDelayMs(attempt);
      if (waitMs > MAX_WAIT_MS) throw failure;
      await this.sleep(waitMs);
      attempt++;
    }
  }

  private async getAccessToken(): Promise<string> {
    if (this.token && this.now() < this.token.refreshAtMs) return this.token.value;
    // Concurrent calls share one token request instead of each fetching their own.
    this.tokenRequest ??= this.requestToken().finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  private async requestToken(): Promise<string> {
    const label = 'get a PayPal access token';
    const basic = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64');
    const answer = await this.exchange(label, `${this.baseUrl}/v1/oauth2/token`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${basic}`,
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    if (answer.status < 200 || answer.status >= 300) throw this.errorFromAnswer({ label }, answer);
    const token = this.parseAnswer(label, ZTokenResponseSchema, answer);
    const lifetimeMs = token.expires_in * 1000;
    // Renew a little early so a token does not expire between our check and PayPal's.
    const marginMs = Math.min(5 * 60_000, lifetimeMs / 10);
    this.token = { value: token.access_token, refreshAtMs: this.now() + lifetimeMs - marginMs };
    return token.access_token;
  }

  /** One HTTP exchange. Transport failures become retryable PaypalErrors. */
  private async exchange(label: string, url: string, init: RequestInit): Promise<HttpAnswer> {
    try {
      const response = await this.fetchFn(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await response.text();
      let body: unknown = undefined;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new PaypalError({
        name: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        code: 'unavailable',
        retryable: true,
        message: timedOut
          ? `PayPal did not answer within ${this.timeoutMs} ms (${label}); try again later.`
          : `Could not reach PayPal at ${this.baseUrl} (${label}): ${this.redact(describe(error))}; try again later.`,
        cause: error,
      });
    }
  }

  private parseAnswer<S extends z.ZodType>(label: string, schema: S, answer: HttpAnswer): z.output<S> {
    const parsed = schema.safeParse(answer.body);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw new PaypalError({
      name: 'INVALID_RESPONSE',
      code: 'unavailable',
      retryable: false,
      status: answer.status,
      debugId: answer.headers.get('paypal-debug-id') ?? undefined,
      message:
        `PayPal answered HTTP ${answer.status} to ${label} with a body we do not understand (${issues.join('; ')}). ` +
        'Sending the same request again is safe; if this persists, check that the base URL points at PayPal.',
    });
  }

  private errorFromAnswer(call: Pick<ApiCall, 'label' | 'senderBatchId'>, answer: HttpAnswer): PaypalError {
    const parsed = ZErrorBodySchema.safeParse(answer.body);
    const body: TErrorBody = parsed.success ? parsed.data : {};
    const status = answer.status;
    const name = body.name ?? body.error ?? `HTTP_${status}`;
    const paypalMessage = (body.message ?? body.error_description ?? 'no message').replace(/\.+$/, '');
    const details: ErrorDetail[] = (body.details ?? []).map((d) => ({
      field: d.field ?? '(request)',
      message: d.issue ?? d.description ?? '',
    }));
    const debugId = body.debug_id ?? answer.headers.get('paypal-debug-id') ?? undefined;
    const retryable = status === 408 || status === 429 || status >= 500;
    // PayPal's own error (a name in a JSON body) for a request it would not take; a 4xx page from
    // a proxy, or a body we cannot read, says nothing about what PayPal did.
    const refused =
      !retryable && status >= 400 && status < 500 && parsed.success && (body.name ?? body.error) !== undefined;
    const retryAfterMs = retryable ? parseRetryAfterMs(answer.headers.get('retry-after'), this.now()) : undefined;
    const detailText = details.length ? ` (${details.map((d) => `${d.field}: ${d.message}`).join('; ')})` : '';
    const said = `PayPal answered ${name} (HTTP ${status}) to ${call.label}: ${paypalMessage}${detailText}`;
    const debug = debugId ? ` [PayPal debug id ${debugId}]` : '';
    const common = { name, status, debugId, retryAfterMs, details: details.length ? details : undefined };

    if (call.senderBatchId !== undefined && isDuplicateBatchBody(status, body)) {
      const existing = existingBatchIdFrom(body);
      return new PaypalDuplicateBatchError({
        ...common,
        code: 'conflict',
        retryable: false,
        senderBatchId: call.senderBatchId,
        ...(existing ? { existingPayoutBatchId: existing } : {}),
        message: this.redact(
          `${said}. A batch with sender_batch_id ${call.senderBatchId} already exists` +
            `${existing ? ` (payout_batch_id ${existing})` : ''}, so nothing more was paid; ` +
            `read that batch instead of sending it again.${debug}`,
        ),
      });
    }
    let code: ErrorCode;
    let advice: string;
    if (retryable) {
      code = status === 429 ? 'rate_limited' : 'unavailable';
      advice = 'PayPal is busy or failing; the same request can be sent again later without paying twice.';
    } else if (status === 401 || status === 403) {
      code = 'internal';
      advice =
        'Check the PayPal client id and secret configured for payouts, and that the app has the Payouts permission.';
    } else if (status === 404) {
      code = 'not_found';
      advice = 'Check the payout batch id.';
    } else {
      code = 'invalid_input';
      advice = 'Nothing was paid; correct the request and send it again.';
    }
    if (!refused && !retryable) {
      advice =
        'The answer was not an error from PayPal, so what PayPal did is unknown; sending the same request again is safe.';
    }
    return new PaypalError({
      ...common,
      code,
      retryable,
      refused,
      message: this.redact(`${said}. ${advice}${debug}`),
    });
  }

  // PayPal does not echo credentials, but a message must never carry them even if it did. Real
  // secrets and tokens are long; a short placeholder (tests, misconfiguration) would mangle words.
  private redact(text: string): string {
    let out = text;
    for (const secret of [this.options.clientSecret, this.token?.value]) {
      if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}

/**
 * The PayPal-Request-Id of a create: the sender_batch_id plus a digest of what is sent. A retry of
 * the same request replays PayPal's stored answer (same payout_batch_id); a different batch that
 * reuses the sender_batch_id by mistake gets PayPal's duplicate refusal instead of a replay that
 * would pass off the old batch as the new one.
 */
export function payoutRequestIdFor(senderBatchId: string, body: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
  return `${senderBatchId}:${digest}`;
}

function toItemState(item: z.infer<typeof ZBatchItemSchema>): PayoutItemState {
  const currency = item.payout_item.amount.currency;
  return {
    senderItemId: item.payout_item.sender_item_id ?? '',
    payoutItemId: item.payout_item_id,
    status: item.transaction_status,
    receiver: item.payout_item.receiver,
    amountCents: parsePaypalAmount(item.payout_item.amount.value, currency),
    currency,
    ...(item.payout_item_fee
      ? { feeCents: parsePaypalAmount(item.payout_item_fee.value, item.payout_item_fee.currency) }
      : {}),
    ...(item.transaction_id ? { transactionId: item.transaction_id } : {}),
    ...(item.errors ? { errorName: item.errors.name } : {}),
    ...(item.errors?.message ? { errorMessage: item.errors.message } : {}),
  };
}

function isDuplicateBatchBody(status: number, body: TErrorBody): boolean {
  if (status !== 400 || body.name !== 'USER_BUSINESS_ERROR') return false;
  return (body.details ?? []).some(
    (d) => d.field?.toUpperCase() === 'SENDER_BATCH_ID' || /sender_batch_id/i.test(d.issue ?? ''),
  );
}

function existingBatchIdFrom(body: TErrorBody): string | undefined {
  const hrefs = [
    ...(body.details ?? []).flatMap((d) => (d.link ?? []).map((l) => l.href)),
    ...(body.links ?? []).map((l) => l.href),
  ];
  for (const href of hrefs) {
    const match = /\/v1\/payments\/payouts\/([^/?#]+)/.exec(href);
    if (match?.[1]) return decodeURIComponent(match[1]);
  }
  return undefined;
}

/** Retry-After is either seconds or an HTTP date. */
function parseRetryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** 0.5 s, 1 s, 2 s… capped at 30 s, with jitter so many workers do not retry in step. */
function defaultRetryDelayMs(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * Property managers' inquiries over HTTP: the public form's POST (rate-limited per client address,
 * as nobody signs in to send it) and the staff queue (list, counts, read, update). Handlers parse
 * input, call one service function and shape the answer.
 */
import { isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../actor.js';
import { AppError } from '../errors.js';
import {
  PROPERTY_INQUIRY_PAGE_LIMIT,
  PROPERTY_INQUIRY_STATUSES,
  ZSubmitPropertyInquirySchema,
  ZUpdatePropertyInquirySchema,
  type PropertyInquiryService,
} from '../property/index.js';
import { parseInput } from '../validation.js';

/**
 * Inquiries one client address may send an hour. A manager asking about several buildings, or
 * fixing a rejected form a few times, stays under it; a script filling the queue does not.
 * Every attempt counts, valid or not, so probing the form costs the same as spamming it.
 */
export const PROPERTY_INQUIRIES_PER_HOUR = 10;
const HOUR_MS = 3_600_000;
/** Addresses remembered before idle ones are swept (each holds at most the limit's timestamps). */
const SWEEP_AT_ADDRESSES = 10_000;

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAtMs: number };

/**
 * A sliding window per client: the times of its last `limit` attempts. In memory, per process;
 * behind several server processes a client gets the limit once per process, which is enough to
 * keep a public form usable rather than to count precisely.
 */
export class SubmissionRateLimiter {
  private readonly attempts = new Map<string, number[]>();
  private sweepAt = SWEEP_AT_ADDRESSES;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    const since = now - this.windowMs;
    const recent = (this.attempts.get(key) ?? []).filter((at) => at > since);
    if (recent.length >= this.limit) {
      this.attempts.set(key, recent);
      return { ok: false, retryAtMs: recent[0]! + this.windowMs };
    }
    recent.push(now);
    this.attempts.set(key, recent);
    if (this.attempts.size >= this.sweepAt) this.sweep(since);
    return { ok: true };
  }

  private sweep(since: number): void {
    for (const [key, times] of this.attempts) if (times.at(-1)! <= since) this.attempts.delete(key);
    // Under a flood from many addresses, sweep again only when the map has doubled, not on every request.
    this.sweepAt = Math.max(SWEEP_AT_ADDRESSES, this.attempts.size * 2);
  }
}

/**
 * The key a client is limited by: its IPv4 address, or its IPv6 /64 (one household or host gets a
 * whole /64, so single IPv6 addresses would make the limit free to evade).
 */
export function clientKey(ip: string): string {
  const address = ip.split('%')[0]!.toLowerCase();
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return mapped[1]!;
  if (address.includes('.')) return address;
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

export interface PropertyRoutesOptions {
  readonly inquiriesPerHour?: number;
  /** The rate limiter's clock (ms since the epoch); tests swap it. */
  readonly now?: () => number;
}

const ZIdParams = z.object({
  id: z.coerce
    .number({ error: 'an inquiry id is a positive whole number' })
    .int('an inquiry id is a positive whole number')
    .positive('an inquiry id is a positive whole number')
    .max(Number.MAX_SAFE_INTEGER, 'no inquiry has an id that large'),
});
const ZListQuery = z.object({
  status: z.enum(PROPERTY_INQUIRY_STATUSES, `status is one of ${PROPERTY_INQUIRY_STATUSES.join(', ')}`).optional(),
  program: z.string().trim().min(1).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(PROPERTY_INQUIRY_PAGE_LIMIT).optional(),
});
const ZCountsQuery = z.object({ program: z.string().trim().min(1).optional() });

function minutesUntil(atMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((atMs - nowMs) / 60_000));
}

export function propertyRoutes(
  services: { property: PropertyInquiryService },
  actorOf: (request: FastifyRequest) => Promise<Actor>,
  options: PropertyRoutesOptions = {},
) {
  const now = options.now ?? Date.now;
  const perHour = options.inquiriesPerHour ?? PROPERTY_INQUIRIES_PER_HOUR;
  const limiter = new SubmissionRateLimiter(perHour, HOUR_MS, now);
  const idOf = (request: FastifyRequest) => parseInput(ZIdParams, request.params).id;

  return async (app: FastifyInstance): Promise<void> => {
    app.post('/property-inquiries', async (request, reply) => {
      // request.ip is the socket's peer unless the server trusts a proxy's X-Forwarded-For (trustProxy).
      const decision = limiter.take(clientKey(request.ip));
      if (!decision.ok) {
        const minutes = minutesUntil(decision.retryAtMs, now());
        const after = new Date(decision.retryAtMs).toISOString().slice(11, 16);
        void reply.header('retry-after', String(Math.max(1, Math.ceil((decision.retryAtMs - now()) / 1000))));
        throw new AppError(
          'rate_limited',
          `Too many inquiries from your network: at most ${perHour} an hour. Try again in ${minutes} minute${minutes === 1 ? '' : 's'} (after ${after} UTC).`,
        );
      }
      const actor = await actorOf(request);
      const input = parseInput(ZSubmitPropertyInquirySchema, request.body ?? {});
      return reply.code(201).send(await services.property.submitInquiry(actor, input));
    });

    app.get('/property-inquiries', async (request) => {
      const actor = await actorOf(request);
      const query = parseInput(ZListQuery, request.query);
      const limit = query.limit ?? 50;
      const inquiries = await services.property.listInquiries(actor, {
        ...(query.status ? { status: query.status } : {}),
        ...(query.program ? { program: query.program } : {}),
        ...(query.after === undefined ? {} : { afterId: query.after }),
        limit,
      });
      // A full page may have more behind it: `next` is the `after` that fetches it.
      return { inquiries, next: inquiries.length === limit ? inquiries.at(-1)!.id : null };
    });

    app.get('/property-inquiries/counts', async (request) => {
      const actor = await actorOf(request);
      const { program } = parseInput(ZCountsQuery, request.query);
      return { counts: await services.property.countByStatus(actor, program) };
    });

    app.get('/property-inquiries/:id', async (request) => {
      const actor = await actorOf(request);
      return services.property.getInquiry(actor, idOf(request));
    });

    app.patch('/property-inquiries/:id', async (request) => {
      const actor = await actorOf(request);
      const id = idOf(request);
      return services.property.updateInquiry(actor, id, parseInput(ZUpdatePropertyInquirySchema, request.body ?? {}));
    });
  };
}

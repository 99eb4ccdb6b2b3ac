/**
 * The HTTP side of reading off the primary (DATABASE_READ_URL): each request of a person runs in a
 * read context. GET and HEAD may read from the replica; any other method reads and writes on the
 * primary and its answer carries the primary's WAL position in an HttpOnly cookie, so the same
 * browser's later reads, on any API node, wait for the replica to have that change or go to the
 * primary. Device uplinks and the operations endpoints never get a context: they use the primary.
 * Without a replica nothing is registered.
 */
import { UPLINK_HTTP_PATH } from '@smartcharge/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { parseLsn, runInReadContext, type ReadContext } from '../db/read-context.js';
import { isReadRouting } from '../db/read-routing.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export const READ_POSITION_COOKIE = 'sc_read_after';

/** Load balancers and Prometheus: their checks are of the primary. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

/** Requests that are not a person's: devices, load balancers, Prometheus. */
function isPersonRequest(url: string): boolean {
  const pathOnly = url.split('?')[0] ?? url;
  return !pathOnly.startsWith(UPLINK_HTTP_PATH) && !PROBES.has(pathOnly);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function appendSetCookie(reply: FastifyReply, cookie: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  void reply.header('set-cookie', [...list, cookie]);
}

export function registerReadYourWrites(
  app: FastifyInstance,
  options: { readonly db: Database; readonly metrics: Metrics; readonly log: Logger; readonly secureCookies: boolean },
): void {
  const { db } = options;
  if (!isReadRouting(db)) return;
  const replica = db.readReplica;
  replica.attach({ metrics: options.metrics, log: options.log.child({ component: 'db-read' }) });
  const contexts = new WeakMap<FastifyRequest, ReadContext>();

  app.addHook('onRequest', (request, _reply, done) => {
    if (!isPersonRequest(request.url)) return done();
    const context: ReadContext = {
      replicaAllowed: request.method === 'GET' || request.method === 'HEAD',
      minLsn: parseLsn(cookieValue(request.headers.cookie, READ_POSITION_COOKIE)),
      wrote: false,
      open: true,
    };
    contexts.set(request, context);
    runInReadContext(context, done);
  });
  // Reading a request body leaves the context behind (the stream's events run in the socket's): enter it again.
  app.addHook('preHandler', (request, _reply, done) => {
    const context = contexts.get(request);
    if (!context) return done();
    runInReadContext(context, done);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const context = contexts.get(request);
    if (!context) return payload;
    context.open = false;
    if (!context.wrote && context.replicaAllowed) return payload;
    try {
      const lsn = await replica.primaryLsn();
      appendSetCookie(
        reply,
        `${READ_POSITION_COOKIE}=${lsn}; Max-Age=${replica.positionTtlS}; Path=/; HttpOnly; SameSite=Lax${options.secureCookies ? '; Secure' : ''}`,
      );
    } catch (error) {
      // Without the position the next read may miss this change on the replica; the answer still stands.
      request.log.warn({ err: error }, 'could not read the primary’s WAL position for read-your-writes');
    }
    return payload;
  });
  app.addHook('onResponse', (request, _reply, done) => {
    const context = contexts.get(request);
    if (context) context.open = false;
    done();
  });
}

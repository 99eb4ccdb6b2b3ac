/**
 * Roles: what one `smartcharge serve` node does (ROLES, `serve --roles`; default all four). Any
 * number of nodes of each role may share one database; the request paths tell a load balancer
 * where to send what (see the README's "Several nodes").
 *
 * - ingest: device uplinks — POST /api/v1/uplink and the MQTT intake (embedded broker, MQTT_URL,
 *   NATS). Its writer queues derivation in the transaction that stores each batch.
 * - api:    the JSON API for people (every other /api/v1 route: sign-in, portal, administration).
 * - worker: derivation from the durable queue, and the job scheduler (rewards, payouts, reminders).
 * - web:    the web app's pages and files.
 * Every node answers the operations routes (/healthz, /readyz, /metrics, /status).
 */
import { UPLINK_HTTP_PATH } from '@smartcharge/protocol';

export const ROLES = ['ingest', 'api', 'worker', 'web'] as const;
export type Role = (typeof ROLES)[number];

/** Routes every node answers, whatever its roles. */
export const OPS_PATHS = ['/healthz', '/readyz', '/metrics', '/status'] as const;

/**
 * Reads a comma-separated role list; throws a message naming the unknown roles and the valid
 * ones. Returned in canonical order, each once.
 */
export function parseRoles(raw: string): readonly Role[] {
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.length === 0) throw new Error(`expected one or more of ${ROLES.join(', ')}, comma-separated`);
  const unknown = [...new Set(names.filter((name) => !(ROLES as readonly string[]).includes(name)))];
  if (unknown.length > 0) {
    throw new Error(
      `unknown role${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => JSON.stringify(name)).join(', ')}: ` +
        `the roles are ${ROLES.join(', ')} (comma-separated, e.g. ingest,worker)`,
    );
  }
  return ROLES.filter((role) => names.includes(role));
}

/**
 * The role that serves a request path (query left out); undefined for the operations routes,
 * which every node serves.
 */
export function roleOfPath(url: string): Role | undefined {
  const path = url.split('?')[0]!;
  if ((OPS_PATHS as readonly string[]).includes(path)) return undefined;
  if (path === UPLINK_HTTP_PATH) return 'ingest';
  if (path === '/api' || path.startsWith('/api/')) return 'api';
  return 'web';
}

/** "ingest, worker": for messages and the start-up banner. */
export function describeRoles(roles: readonly Role[]): string {
  return roles.join(', ');
}

/** Where a request for a role this node lacks should have gone. */
export function roleHint(role: Role): string {
  switch (role) {
    case 'ingest':
      return 'device uplinks go to a node with the ingest role';
    case 'api':
      return 'the API is served by nodes with the api role';
    case 'web':
      return 'the web app is served by nodes with the web role';
    case 'worker':
      return 'derivation and scheduled jobs run on nodes with the worker role';
  }
}

/**
 * What a node says about its roles over HTTP: GET /readyz (every node; a load balancer's health
 * check per backend: `/readyz?role=ingest` is 200 only on a ready node with that role), and the
 * answer to a request for a role the node lacks.
 *
 * That answer is 503, not 404: the route exists in the platform, this node just does not serve
 * it. A load balancer retries a 503 on another server (HAProxy `retry-on 503` with
 * `option redispatch`), and a device keeps its batch and sends it again later (the uplink's 503
 * is a retryable acknowledgement), where a 404 would read as "no such thing".
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Database } from '../db/database.js';
import { describeRoles, parseRoles, roleHint, type Role } from '../roles.js';
import { toErrorAck, UplinkRejection } from '../telemetry/index.js';

/** Seconds a device or client is told to wait before sending a misrouted request again. */
const MISROUTED_RETRY_AFTER_S = 5;

/** Answers a request for `role` on a node without it: 503 naming the role it lacks. */
export function refuseRole(reply: FastifyReply, role: Role, roles: readonly Role[]): FastifyReply {
  const message =
    `This node does not have the ${role} role (its roles: ${describeRoles(roles)}): ${roleHint(role)}. ` +
    'Route the request there (see the README on running several nodes).';
  void reply.code(503).header('retry-after', String(MISROUTED_RETRY_AFTER_S));
  if (role === 'ingest') {
    // A device reads an acknowledgement: a retryable refusal keeps the batch on the device.
    return reply.send(
      toErrorAck(new UplinkRejection('unavailable', message, { retryAfterS: MISROUTED_RETRY_AFTER_S })),
    );
  }
  return reply.send({ error: { code: 'role_not_served', role, roles, message } });
}

export function readyRoutes(db: Database, roles: readonly Role[]) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Querystring: { role?: string } }>('/readyz', async (request, reply) => {
      let wanted: readonly Role[] = [];
      if (request.query.role !== undefined) {
        try {
          wanted = parseRoles(request.query.role);
        } catch (error) {
          return reply
            .code(400)
            .send({ error: { code: 'invalid_input', message: `role: ${(error as Error).message}` } });
        }
      }
      const missing = wanted.filter((role) => !roles.includes(role));
      if (missing.length > 0) {
        return reply.code(503).send({
          status: 'role_not_served',
          roles,
          missing,
          message: `This node does not have the ${missing.join(', ')} role (its roles: ${describeRoles(roles)}).`,
        });
      }
      try {
        await db.query('SELECT 1');
      } catch (error) {
        return reply.code(503).send({ status: 'unavailable', roles, database: (error as Error).message });
      }
      return { status: 'ready', roles };
    });
  };
}

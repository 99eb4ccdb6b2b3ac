/**
 * The HTTP server: device uplink, operator API, operations endpoints. One Fastify instance.
 */
import cookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { MigrationReport } from '../db/migrate.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Services } from '../services.js';
import type { Scheduler } from '../jobs/index.js';
import { adminRoutes } from './admin.routes.js';
import { authRoutes } from './auth.routes.js';
import { enrollmentRoutes } from './enrollment.routes.js';
import { programRoutes } from './program.routes.js';
import { propertyRoutes } from './property.routes.js';
import { createActorResolver } from './session-auth.js';
import { apiErrorHandler } from './error-handler.js';
import { opsRoutes, type RuntimeInfo } from './ops.routes.js';
import { uplinkRoutes } from './uplink.routes.js';

export interface HttpOptions {
  readonly services: Services;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly runtime: RuntimeInfo;
  readonly adminToken: string;
  readonly migrations: MigrationReport;
  /** The scheduler, when this process runs scheduled work. */
  readonly scheduler?: () => Scheduler | undefined;
  /** Session cookies only over HTTPS (PUBLIC_URL starts with https:). */
  readonly secureCookies?: boolean;
}

export async function buildHttpServer(options: HttpOptions): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = options.log.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: logger,
    // Thousands of devices post every minute: per-request lines would drown the log. Ingest logs what matters.
    logController: new LogController({ disableRequestLogging: true }),
    // Devices on cellular links keep connections open between batches.
    keepAliveTimeout: 65_000,
    bodyLimit: 1024 * 1024,
  });
  app.setErrorHandler(apiErrorHandler(options.log));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url}.` } }),
  );
  await app.register(uplinkRoutes(options.services.ingest));
  await app.register(opsRoutes(options.services, options.metrics, options.runtime));
  await app.register(cookie);
  const actorOf = createActorResolver(options.services.accounts, options.adminToken);
  await app.register(
    authRoutes(options.services.accounts, actorOf, { secureCookies: options.secureCookies ?? false }),
    {
      prefix: '/api/v1',
    },
  );
  await app.register(programRoutes(options.services, actorOf), { prefix: '/api/v1' });
  await app.register(enrollmentRoutes(options.services, actorOf, options.scheduler ?? (() => undefined)), {
    prefix: '/api/v1',
  });
  await app.register(propertyRoutes({ property: options.services.property }, actorOf), { prefix: '/api/v1' });
  await app.register(adminRoutes(options.services, { token: options.adminToken, migrations: options.migrations }), {
    prefix: '/api/v1/admin',
  });
  return app;
}

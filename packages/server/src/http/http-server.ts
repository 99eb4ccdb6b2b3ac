/**
 * The HTTP server: device uplink, operator API, operations endpoints. One Fastify instance.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { MigrationReport } from '../db/migrate.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Services } from '../services.js';
import { adminRoutes } from './admin.routes.js';
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
  await app.register(adminRoutes(options.services, { token: options.adminToken, migrations: options.migrations }), {
    prefix: '/api/v1/admin',
  });
  return app;
}

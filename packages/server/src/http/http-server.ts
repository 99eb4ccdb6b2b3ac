/**
 * The HTTP server: device uplink, operator API, operations endpoints. One Fastify instance.
 */
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { MigrationReport } from '../db/migrate.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Services } from '../services.js';
import type { Scheduler } from '../jobs/index.js';
import { adminRoutes } from './admin.routes.js';
import { authRoutes } from './auth.routes.js';
import { demandRoutes } from './demand.routes.js';
import { enrollmentRoutes } from './enrollment.routes.js';
import { gridGroupsRoutes } from './grid-groups.routes.js';
import { portalRoutes } from './portal.routes.js';
import { programRoutes } from './program.routes.js';
import { propertyRoutes } from './property.routes.js';
import { createActorResolver } from './session-auth.js';
import { apiErrorHandler } from './error-handler.js';
import { opsRoutes, type RuntimeInfo } from './ops.routes.js';
import { registerSecurity } from './security.js';
import { registerReadYourWrites } from './read-your-writes.js';
import { stockRoutes } from './stock.routes.js';
import { uplinkRoutes } from './uplink.routes.js';
import type { DemoStatus } from '../demo/demo.js';
import { ROLES, roleOfPath, type Role } from '../roles.js';
import { readyRoutes, refuseRole } from './role.routes.js';

/** What the web app asks before anything else: the map tiles to use and the demo's progress. */
function webRoutes(options: HttpOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/app-config', async () => ({
      mapTileUrl: options.mapTileUrl ?? 'off',
      demo: options.demo?.() ?? null,
    }));
  };
}

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
  /** PUBLIC_URL: browser writes are taken from this origin (and from the address the server was reached at). */
  readonly publicUrl?: string;
  /** OPS_PUBLIC: /metrics and /status answer anyone, not only the operator. */
  readonly opsPublic?: boolean;
  /** TRUST_PROXY: which proxies may tell the client address (X-Forwarded-For); false: none. */
  readonly trustProxy?: false | number | readonly string[];
  /** The demo's progress, when this process runs one. */
  readonly demo?: () => DemoStatus | undefined;
  /** Tile URL template for the web app's maps, or "off". */
  readonly mapTileUrl?: string;
  /** The built web app (default: packages/web/dist next to this package), served at /. */
  readonly webRoot?: string;
  /** ROLES: the routes this node serves (default all); the others get 503 naming the role. */
  readonly roles?: readonly Role[];
}

/** A route the server answers: what the isolation and privacy tests walk, so a new route cannot slip past them. */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
}

const ROUTES = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route registered on a server built by buildHttpServer (HEAD routes left out). */
export function registeredRoutes(app: FastifyInstance): readonly RouteEntry[] {
  return ROUTES.get(app) ?? [];
}

/** TRUST_PROXY as Fastify takes it: a number is that many proxy hops nearest to us. */
function trustProxyOption(
  value: HttpOptions['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return value ? [...value] : false;
}

/** Where `npm run build` puts the web app, from this file (dist/http/) in packages/server. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export async function buildHttpServer(options: HttpOptions): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = options.log.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: logger,
    // Thousands of devices post every minute: per-request lines would drown the log. Ingest logs what matters.
    logController: new LogController({ disableRequestLogging: true }),
    // Devices on cellular links keep connections open between batches.
    keepAliveTimeout: 65_000,
    bodyLimit: 1024 * 1024,
    // request.ip is the client (sign-in throttling counts by it) only through proxies we were told of.
    trustProxy: trustProxyOption(options.trustProxy),
  });
  app.setErrorHandler(apiErrorHandler(options.log));
  const routes: RouteEntry[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  // With DATABASE_READ_URL: people's reads in a read context, their writes' positions in a cookie.
  registerReadYourWrites(app, {
    db: options.services.db,
    metrics: options.metrics,
    log: options.log,
    secureCookies: options.secureCookies ?? false,
  });
  await registerSecurity(app, { publicUrl: options.publicUrl, mapTileUrl: options.mapTileUrl });
  // Pages, scripts and JSON answers over 1 KB go compressed (brotli, else gzip) to phones on cellular
  // links; device acknowledgements are smaller and go as they are.
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  const roles = options.roles ?? ROLES;
  const webRoot = options.webRoot ?? DEFAULT_WEB_ROOT;
  const hasWeb = roles.includes('web') && existsSync(path.join(webRoot, 'index.html'));
  if (hasWeb) {
    // Hashed assets are immutable; index.html is always revalidated so a new build shows at once.
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      setHeaders: (response, file) => {
        response.setHeader(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const role = roleOfPath(request.url);
    if (role && !roles.includes(role)) return refuseRole(reply, role, roles);
    // The web app's own routes (/trips, /admin/grid …) are pages of the single-page app.
    const isPage =
      request.method === 'GET' &&
      !request.url.startsWith('/api/') &&
      (request.headers.accept ?? '').includes('text/html');
    if (isPage && hasWeb) return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    if (isPage) {
      return reply
        .code(404)
        .type('text/plain')
        .send('The web app is not built: run `npm run build` (npm start does it), then reload.');
    }
    return reply
      .code(404)
      .send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url}.` } });
  });
  if (roles.includes('ingest')) await app.register(uplinkRoutes(options.services.ingest));
  await app.register(cookie);
  const actorOf = createActorResolver(options.services.accounts, options.adminToken);
  await app.register(
    opsRoutes(options.services, options.metrics, options.runtime, {
      actorOf,
      public: options.opsPublic ?? false,
      mapTileUrl: options.mapTileUrl,
    }),
  );
  await app.register(readyRoutes(options.services.db, roles));
  if (roles.includes('api')) await apiRoutes(app, options, actorOf);
  return app;
}

/** The JSON API for people (the api role): everything under /api/v1 but the device uplink. */
async function apiRoutes(
  app: FastifyInstance,
  options: HttpOptions,
  actorOf: ReturnType<typeof createActorResolver>,
): Promise<void> {
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
  await app.register(portalRoutes(options.services, actorOf), { prefix: '/api/v1' });
  await app.register(demandRoutes(options.services, actorOf), { prefix: '/api/v1' });
  await app.register(gridGroupsRoutes(options.services, actorOf), { prefix: '/api/v1' });
  await app.register(propertyRoutes({ property: options.services.property }, actorOf), { prefix: '/api/v1' });
  await app.register(stockRoutes(options.services, actorOf), { prefix: '/api/v1' });
  await app.register(webRoutes(options), { prefix: '/api/v1' });
  await app.register(adminRoutes(options.services, { token: options.adminToken, migrations: options.migrations }), {
    prefix: '/api/v1/admin',
  });
}

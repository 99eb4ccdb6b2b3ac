/**
 * /api/v1 for the web app: a vehicle's derived data for whoever may read it (its driver, its
 * program's administrators, operators, a share link's holder), downloads, share links, and the
 * utility's grid view.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../actor.js';
import { EXPORT_KINDS, rowsToCsv, seesLocation, type ExportKind } from '../derive/index.js';
import { AppError } from '../errors.js';
import { GridService } from '../grid/index.js';
import type { Services } from '../services.js';
import { parseInput } from '../validation.js';
import { requireSignedIn, type ActorResolver } from './session-auth.js';

/** Most rows one download holds: a year of a vehicle's trips is about 1,500. */
export const EXPORT_ROW_LIMIT = 5000;
const EXPORT_MAX_DAYS = 400;

const ZVehicleParams = z.object({ id: z.coerce.number().int().positive() });
const ZTokenParams = z.object({ token: z.string().min(1).max(200) });
const ZShareId = z.object({ id: z.coerce.number().int().positive() });
const ZSlug = z.object({ slug: z.string().min(1).max(63) });
const ZItemsQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(EXPORT_ROW_LIMIT).optional(),
});
const ZDaysQuery = z.object({ from: z.iso.date(), to: z.iso.date() });
const ZTraceQuery = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  points: z.coerce.number().int().min(10).max(2000).optional(),
});
const ZExportQuery = z.object({
  kind: z.enum(EXPORT_KINDS),
  format: z.enum(['csv', 'json']).default('csv'),
  from: z.iso.date(),
  to: z.iso.date(),
});

function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function portalRoutes(services: Services, actorOf: ActorResolver) {
  return async (app: FastifyInstance): Promise<void> => {
    const signedIn = async (request: FastifyRequest) => {
      const actor = await actorOf(request);
      requireSignedIn(actor);
      return actor;
    };
    const itemsPage = (request: FastifyRequest) => {
      const query = parseInput(ZItemsQuery, request.query);
      return {
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
      };
    };

    /** The read endpoints, once for signed-in callers and once under a share link. */
    const vehicleReads = (prefix: string, who: (request: FastifyRequest) => Promise<{ actor: Actor; id: number }>) => {
      app.get(`${prefix}/trips`, async (request) => {
        const { actor, id } = await who(request);
        return { trips: await services.derive.trips(actor, id, itemsPage(request)) };
      });
      app.get(`${prefix}/sessions`, async (request) => {
        const { actor, id } = await who(request);
        return { sessions: await services.derive.sessions(actor, id, itemsPage(request)) };
      });
      app.get(`${prefix}/days`, async (request) => {
        const { actor, id } = await who(request);
        const query = parseInput(ZDaysQuery, request.query);
        return { days: await services.derive.days(actor, id, query.from, query.to) };
      });
      app.get(`${prefix}/battery-health`, async (request) => {
        const { actor, id } = await who(request);
        return { weeks: await services.derive.health(actor, id) };
      });
      // Whether history is still filling in, and the rates charging is priced at (the dashboard).
      app.get(`${prefix}/overview`, async (request) => {
        const { actor, id } = await who(request);
        return services.derive.overview(actor, id);
      });
      app.get(`${prefix}/trace`, async (request) => {
        const { actor, id } = await who(request);
        const query = parseInput(ZTraceQuery, request.query);
        return {
          points: await services.derive.trace(
            actor,
            id,
            Date.parse(query.from),
            Date.parse(query.to),
            query.points ?? 400,
          ),
        };
      });
      app.get(`${prefix}/export`, async (request, reply) => {
        const { actor, id } = await who(request);
        return sendExport(reply, actor, id, parseInput(ZExportQuery, request.query));
      });
    };

    const sendExport = async (
      reply: FastifyReply,
      actor: Actor,
      vehicleId: number,
      query: { kind: ExportKind; format: 'csv' | 'json'; from: string; to: string },
    ) => {
      const days = dayCount(query.from, query.to);
      if (!(days > 0)) throw new AppError('invalid_input', `The range ${query.from} – ${query.to} is empty.`);
      if (days > EXPORT_MAX_DAYS) {
        throw new AppError('invalid_input', `Download at most ${EXPORT_MAX_DAYS} days at a time (asked: ${days}).`);
      }
      // Items by their start, between the local days' bounds; a day either side covers every time zone.
      const range = {
        from: new Date(Date.parse(`${query.from}T00:00:00Z`) - 86_400_000),
        to: new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000),
        limit: EXPORT_ROW_LIMIT,
      };
      const inDays = (row: Record<string, unknown>) =>
        String(row.localDate) >= query.from && String(row.localDate) < query.to;
      const rows =
        query.kind === 'days'
          ? await services.derive.days(actor, vehicleId, query.from, query.to)
          : query.kind === 'trips'
            ? (await services.derive.trips(actor, vehicleId, range)).filter(inDays)
            : (await services.derive.sessions(actor, vehicleId, range)).filter(inDays);
      if (rows.length >= EXPORT_ROW_LIMIT) {
        throw new AppError('invalid_input', `The range holds more than ${EXPORT_ROW_LIMIT} rows: ask for fewer days.`);
      }
      const name = `smartcharge-vehicle-${vehicleId}-${query.kind}-${query.from}-to-${query.to}.${query.format}`;
      void reply.header('content-disposition', `attachment; filename="${name}"`);
      if (query.format === 'json') {
        return reply
          .type('application/json')
          .send({ vehicleId, kind: query.kind, from: query.from, to: query.to, rows });
      }
      const clock = await services.derive.localClock(actor, vehicleId);
      return reply
        .type('text/csv; charset=utf-8')
        .send(rowsToCsv(query.kind, rows, { location: seesLocation(actor), clock }));
    };

    vehicleReads('/vehicles/:id', async (request) => ({
      actor: await signedIn(request),
      id: parseInput(ZVehicleParams, request.params).id,
    }));

    // Share links: the driver makes, lists and revokes them; anyone holding one reads that vehicle.
    app.post('/shares', async (request, reply) =>
      reply.code(201).send(
        // The link starts where the driver reached us (Fastify applies X-Forwarded-* only under TRUST_PROXY).
        await services.shares.createShare(await signedIn(request), request.body as never, {
          protocol: request.protocol,
          host: request.host,
        }),
      ),
    );
    app.get('/me/shares', async (request) => ({ shares: await services.shares.listShares(await signedIn(request)) }));
    app.post('/shares/:id/revoke', async (request) =>
      services.shares.revokeShare(await signedIn(request), parseInput(ZShareId, request.params).id),
    );
    const opened = async (request: FastifyRequest) =>
      services.shares.openShare(parseInput(ZTokenParams, request.params).token);
    app.get('/shared/:token', async (request) => {
      const share = await opened(request);
      return { vehicle: share.vehicle, expiresAt: share.share.expiresAt, label: share.share.label };
    });
    vehicleReads('/shared/:token', async (request) => {
      const share = await opened(request);
      return { actor: share.actor, id: share.vehicle.id };
    });

    // The grid view (program administrators of the utility, operators).
    app.get('/programs/:slug/grid', async (request) => {
      const query = parseInput(ZDaysQuery, request.query);
      return services.grid.programGrid(
        await signedIn(request),
        parseInput(ZSlug, request.params).slug,
        query.from,
        query.to,
      );
    });
    app.get('/programs/:slug/grid.csv', async (request, reply) => {
      const query = parseInput(ZDaysQuery, request.query);
      const slug = parseInput(ZSlug, request.params).slug;
      const view = await services.grid.programGrid(await signedIn(request), slug, query.from, query.to);
      void reply.header('content-disposition', `attachment; filename="grid-${slug}-${query.from}-to-${query.to}.csv"`);
      return reply.type('text/csv; charset=utf-8').send(GridService.daysCsv(view));
    });
    app.get('/grid/regions', async (request) => {
      const query = parseInput(ZDaysQuery, request.query);
      return services.grid.regions(await signedIn(request), query.from, query.to);
    });
  };
}

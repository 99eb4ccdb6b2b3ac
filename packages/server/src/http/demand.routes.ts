/**
 * /api/v1 demand response: a program's events and standing schedules (its staff), the events a
 * driver was told of and their opt-out, the one-tap opt-out link from a notice (public: the token
 * is the credential), and a participant's event preferences.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../services.js';
import { parseInput } from '../validation.js';
import { requireSignedIn, type ActorResolver } from './session-auth.js';

const ZSlug = z.object({ slug: z.string().min(1).max(63) });
const ZSlugId = z.object({ slug: z.string().min(1).max(63), id: z.coerce.number().int().positive() });
const ZId = z.object({ id: z.coerce.number().int().positive() });
const ZTokenQuery = z.object({ token: z.string().optional() });

export function demandRoutes(services: Services, actorOf: ActorResolver) {
  return async (app: FastifyInstance): Promise<void> => {
    const signedIn = async (request: FastifyRequest) => {
      const actor = await actorOf(request);
      requireSignedIn(actor);
      return actor;
    };
    const slugOf = (request: FastifyRequest) => parseInput(ZSlug, request.params).slug;
    const slugIdOf = (request: FastifyRequest) => parseInput(ZSlugId, request.params);
    const idOf = (request: FastifyRequest) => parseInput(ZId, request.params).id;

    // The program's staff: events.
    app.get('/programs/:slug/events', async (request) => ({
      events: await services.demand.listEvents(await signedIn(request), slugOf(request), request.query),
    }));
    app.post('/programs/:slug/events', async (request, reply) =>
      reply.code(201).send(await services.demand.createEvent(await signedIn(request), slugOf(request), request.body)),
    );
    app.get('/programs/:slug/events/:id', async (request) => {
      const { slug, id } = slugIdOf(request);
      return services.demand.getEvent(await signedIn(request), slug, id);
    });
    app.post('/programs/:slug/events/:id/cancel', async (request) => {
      const { slug, id } = slugIdOf(request);
      return services.demand.cancelEvent(await signedIn(request), slug, id, request.body ?? {});
    });
    app.post('/programs/:slug/events/:id/measure', async (request) => {
      const { slug, id } = slugIdOf(request);
      return services.demand.measureEvent(await signedIn(request), slug, id);
    });
    app.get('/programs/:slug/events/:id/participants.csv', async (request, reply) => {
      const { slug, id } = slugIdOf(request);
      const csv = await services.demand.participantsCsv(await signedIn(request), slug, id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="event-${slug}-${id}-participants.csv"`)
        .send(csv);
    });

    // The program's staff: standing schedules.
    app.get('/programs/:slug/event-schedules', async (request) => ({
      schedules: await services.demand.listSchedules(await signedIn(request), slugOf(request)),
    }));
    app.post('/programs/:slug/event-schedules', async (request, reply) =>
      reply
        .code(201)
        .send(await services.demand.createSchedule(await signedIn(request), slugOf(request), request.body)),
    );
    app.post('/programs/:slug/event-schedules/:id/disable', async (request) => {
      const { slug, id } = slugIdOf(request);
      return services.demand.disableSchedule(await signedIn(request), slug, id);
    });

    // Drivers: the events they were told of, and opting out of one.
    app.get('/me/events', async (request) => ({
      events: await services.demand.listMyEvents(await signedIn(request)),
    }));
    app.post('/me/events/:id/opt-out', async (request) =>
      services.demand.optOut(await signedIn(request), idOf(request), request.body ?? {}),
    );

    // The notice's one-tap link (no sign-in): GET shows what it is for, POST opts out.
    app.get('/events/opt-out', async (request) =>
      services.demand.peekOptOutToken(parseInput(ZTokenQuery, request.query).token),
    );
    app.post('/events/opt-out', async (request) =>
      services.demand.optOutByToken(((request.body ?? {}) as { token?: unknown }).token),
    );

    // The participant's preferences every event respects.
    app.get('/applications/:id/event-preferences', async (request) =>
      services.demand.getPreferences(await signedIn(request), idOf(request)),
    );
    app.put('/applications/:id/event-preferences', async (request) =>
      services.demand.setPreferences(await signedIn(request), idOf(request), request.body),
    );
  };
}

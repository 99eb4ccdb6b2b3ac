/**
 * /api/v1/programs: programs as data (public terms, staff set-up), applying, and each program's
 * queues: applications, shipments, balances, payouts and their reconciliation, and the counts of
 * each by status (summary).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ENROLLMENT_STATUSES } from '../enrollment/index.js';
import { PRESET_IDS } from '../programs/index.js';
import type { Services } from '../services.js';
import { parseInput } from '../validation.js';
import { requireSignedIn, type ActorResolver } from './session-auth.js';

const ZSlug = z.object({ slug: z.string().min(1).max(63) });
const ZPreset = z.strictObject({ preset: z.enum(PRESET_IDS) });
const ZApplicationsQuery = z.object({
  status: z.enum(ENROLLMENT_STATUSES).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const ZNewBatch = z.strictObject({
  provider: z.enum(['paypal', 'gift_card']),
  period: z
    .string()
    .trim()
    .regex(/^(\d{4}(-\d{2})?|program-end)$/, 'a period is YYYY-MM, YYYY or program-end'),
});
const ZEvaluate = z.strictObject({ asOf: z.iso.datetime({ offset: true }).optional() });

export function programRoutes(services: Services, actorOf: ActorResolver) {
  return async (app: FastifyInstance): Promise<void> => {
    const slugOf = (request: FastifyRequest) => parseInput(ZSlug, request.params).slug;

    // Public: what programs there are and their terms.
    app.get('/programs', async (request) => {
      const actor = await actorOf(request);
      if (actor.kind === 'operator' || actor.kind === 'program_admin') {
        return { programs: await services.programs.listPrograms(actor) };
      }
      return { programs: await services.programs.listPublicPrograms() };
    });
    app.get('/programs/:slug', async (request) => {
      const actor = await actorOf(request);
      if (actor.kind === 'operator' || actor.kind === 'program_admin') {
        return services.programs.getStaffProgram(actor, slugOf(request));
      }
      return services.programs.getPublicProgram(slugOf(request));
    });
    app.post('/programs', async (request, reply) => {
      const actor = await actorOf(request);
      requireSignedIn(actor);
      const body = (request.body ?? {}) as Record<string, unknown>;
      if ('preset' in body) {
        const { preset } = parseInput(ZPreset, body);
        return reply.code(201).send(await services.programs.ensurePreset(actor, preset));
      }
      return reply.code(201).send(await services.programs.createProgram(actor, body as never));
    });
    app.patch('/programs/:slug', async (request) =>
      services.programs.updateProgram(await actorOf(request), slugOf(request), request.body as never),
    );
    app.post('/programs/:slug/eligibility', async (request) =>
      services.enrollment.checkEligibility(slugOf(request), request.body as never),
    );

    app.post('/programs/:slug/applications', async (request, reply) => {
      const actor = await actorOf(request);
      requireSignedIn(actor);
      return reply.code(201).send(await services.enrollment.apply(actor, slugOf(request), request.body as never));
    });
    app.get('/programs/:slug/applications', async (request) => {
      const query = parseInput(ZApplicationsQuery, request.query);
      return {
        applications: await services.enrollment.listApplications(await actorOf(request), slugOf(request), {
          ...(query.status ? { status: query.status } : {}),
          ...(query.after === undefined ? {} : { afterId: query.after }),
          ...(query.limit === undefined ? {} : { limit: query.limit }),
        }),
      };
    });
    app.get('/programs/:slug/summary', async (request) =>
      services.enrollment.getProgramSummary(await actorOf(request), slugOf(request)),
    );
    app.get('/programs/:slug/shipments', async (request) => ({
      shipments: await services.participation.listShipments(
        await actorOf(request),
        slugOf(request),
        request.query as never,
      ),
    }));
    app.get('/programs/:slug/balances', async (request) =>
      services.rewards.getProgramBalances(await actorOf(request), slugOf(request)),
    );
    app.post('/programs/:slug/rewards/evaluate', async (request) => {
      const { asOf } = parseInput(ZEvaluate, request.body ?? {});
      return services.rewards.evaluateProgram(
        await actorOf(request),
        slugOf(request),
        asOf ? new Date(asOf) : undefined,
      );
    });
    app.get('/programs/:slug/payouts', async (request) => ({
      batches: await services.payouts.listBatches(await actorOf(request), slugOf(request)),
    }));
    app.post('/programs/:slug/payouts', async (request, reply) => {
      const { provider, period } = parseInput(ZNewBatch, request.body);
      return reply
        .code(201)
        .send(await services.payouts.createBatchFor(await actorOf(request), slugOf(request), provider, period));
    });
    app.get('/programs/:slug/reconciliation', async (request) =>
      services.payouts.reconcile(await actorOf(request), slugOf(request)),
    );
  };
}
